import { z } from 'zod';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { AuditRow, TimelineEntryRow } from '../../db/schema.js';
import {
  ALERT_SOURCE_LABELS,
  COMPONENT_STATUS_LABELS,
  DETECTION_SOURCE_LABELS,
  INCIDENT_ROLE_LABELS,
  INCIDENT_STATUS_LABELS,
  TIMELINE_MARKER_LABELS,
  TIMELINE_MARKERS,
  type DetectionSource,
  type IncidentRole,
  type TimelineMarker,
} from '../../domain/constants.js';
import { keyTimes, timelineMarkdown, type KeyTime } from '../../domain/timeline.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { ID_PATTERN, newId } from '../../lib/ids.js';
import { markdownToText } from '../../presenters/markdown-text.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput, Timestamp } from '../validation.js';

/*
 * An incident's timeline (issue 17): everything Herald already recorded
 * about it, read from where it is (updates, internal updates, the audit
 * log, alerts, email and destination deliveries), plus what people add: a
 * scribe's notes, and corrections of the key times with their reasons. One
 * list, oldest first, each line with its time and who; exported as the
 * Markdown table teams paste into their docs, and as JSON through /api/v1.
 */

export const TIMELINE_ITEM_TYPES = [
  'declared',
  'update',
  'internal_update',
  'severity',
  'roles',
  'links',
  'detection',
  'component',
  'alert_firing',
  'alert_resolved',
  'alert_acknowledged',
  'email',
  'destinations',
  'resolved',
  'note',
  'marker',
  'postmortem',
] as const;
export type TimelineItemType = (typeof TIMELINE_ITEM_TYPES)[number];

export interface TimelineItem {
  at: number;
  type: TimelineItemType;
  /** One line of plain text. */
  event: string;
  /** Who did it (a name, or a token's or Herald's own label); null when nobody in particular. */
  who: string | null;
  /** More (Markdown): an update's text, a correction's reason. */
  detail: string | null;
  /** A scribe note's id (notes can be removed; everything else is the record). */
  entryId: string | null;
}

export interface IncidentTimeline {
  incident: IncidentDetail;
  items: TimelineItem[];
  keyTimes: Record<TimelineMarker, KeyTime>;
  /** Why each key time was last corrected (the latest marker entry's reason). */
  keyTimeReasons: Partial<Record<TimelineMarker, string>>;
}

/** "Ada Lovelace <ada@example.com>" -> "Ada Lovelace"; other labels as they are. */
export function personOf(label: string): string {
  return label.replace(/\s*<[^<>]*>$/, '').trim() || label;
}

function firstLine(markdown: string, max = 160): string {
  const text = markdownToText(markdown).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

function details(row: AuditRow): Record<string, unknown> {
  try {
    return row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const severityText = (value: unknown): string => (typeof value === 'number' ? `SEV-${value}` : '(none)');

async function loadIncident(deps: Pick<Deps, 'repos'>, id: string): Promise<IncidentDetail> {
  const incident = ID_PATTERN.test(id) ? await deps.repos.incidents.findById(id) : undefined;
  if (!incident) throw new NotFoundError('There is no incident with this id.');
  return incident;
}

export async function incidentTimeline(deps: Pick<Deps, 'repos'>, actor: Actor, incidentId: string): Promise<IncidentTimeline> {
  authorize(actor, 'admin:read');
  const incident = await loadIncident(deps, incidentId);
  const [audit, internal, entries, told, draft] = await Promise.all([
    deps.repos.timeline.auditOf('incident', incident.id),
    deps.repos.roles.internalUpdatesOf(incident.id),
    deps.repos.timeline.entriesOf(incident.id),
    deps.repos.timeline.toldAbout(incident.id),
    deps.repos.alerts.draftOfIncident(incident.id),
  ]);
  const updates = [...incident.updates].sort((a, b) => a.at - b.at || a.createdAt - b.createdAt);
  const [emailCounts, emailsDone, alerts, components] = await Promise.all([
    deps.repos.outbox.countsForUpdates(updates.map((u) => u.id)),
    deps.repos.timeline.emailsFinishedAt(updates.map((u) => u.id)),
    draft ? deps.repos.alerts.alertsOf(draft.id) : Promise.resolve([]),
    deps.repos.components.list(),
  ]);
  const componentName = (id: string) => components.find((c) => c.id === id)?.name ?? 'A removed component';
  const items: TimelineItem[] = [];
  const push = (item: Omit<TimelineItem, 'detail' | 'entryId'> & Partial<Pick<TimelineItem, 'detail' | 'entryId'>>) =>
    items.push({ detail: null, entryId: null, ...item });

  // Who published each update: the audit entry that wrote it.
  const declaredBy = audit.find((a) => a.action === 'incident.declare' || a.action === 'maintenance.schedule');
  const postedBy = new Map(audit.filter((a) => a.action === 'incident.update').map((a) => [details(a).updateId as string, a.actor]));

  updates.forEach((update, index) => {
    const status = INCIDENT_STATUS_LABELS[update.status];
    const who = index === 0 ? (declaredBy?.actor ?? null) : (postedBy.get(update.id) ?? null);
    if (index === 0) {
      // The severity it was declared with (a later change is its own line).
      const declared = declaredBy ? details(declaredBy).severity : incident.severity;
      const severity = typeof declared === 'number' ? ` (SEV-${declared})` : '';
      push({ at: update.at, type: 'declared', event: `Declared${severity}: ${incident.title} — ${status}`, who: who && personOf(who), detail: update.body });
    } else if (update.status === 'resolved' || update.status === 'completed') {
      push({ at: update.at, type: 'resolved', event: `${status}: public update`, who: who && personOf(who), detail: update.body });
    } else {
      push({ at: update.at, type: 'update', event: `Public update (${status}): ${firstLine(update.body)}`, who: who && personOf(who), detail: update.body });
    }
    for (const change of update.componentChanges) {
      push({
        at: update.at,
        type: 'component',
        event: `${componentName(change.componentId)}: ${COMPONENT_STATUS_LABELS[change.oldStatus]} → ${COMPONENT_STATUS_LABELS[change.newStatus]}`,
        who: who && personOf(who),
      });
    }
    const counts = emailCounts.get(update.id);
    if (counts && !counts.preparing && counts.queued + counts.sending === 0 && counts.sent + counts.failed > 0) {
      push({
        at: emailsDone.get(update.id) ?? update.at,
        type: 'email',
        event: `Email to subscribers finished: ${counts.sent} sent, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`,
        who: null,
      });
    }
  });

  for (const row of internal) {
    push({ at: row.at, type: 'internal_update', event: `Internal update: ${firstLine(row.body)}`, who: personOf(row.author), detail: row.body });
  }

  for (const row of audit) {
    const d = details(row);
    const who = personOf(row.actor);
    if (row.action === 'incident.change_severity') {
      push({ at: row.at, type: 'severity', event: `Severity ${severityText(d.from)} → ${severityText(d.to)}${d.reason ? `: ${d.reason}` : ''}`, who });
    } else if (row.action === 'incident.roles') {
      const changes = (d.changes ?? {}) as Record<string, { from: string | null; to: string | null }>;
      for (const [role, change] of Object.entries(changes)) {
        const label = INCIDENT_ROLE_LABELS[role as IncidentRole] ?? role;
        push({ at: row.at, type: 'roles', event: `${label}: ${change.from ?? '(none)'} → ${change.to ?? '(none)'}`, who });
      }
    } else if (row.action === 'incident.links') {
      push({ at: row.at, type: 'links', event: 'Incident links changed', who });
    } else if (row.action === 'incident.detection_source') {
      const to = d.to as DetectionSource | null;
      push({ at: row.at, type: 'detection', event: `Detection source: ${to ? DETECTION_SOURCE_LABELS[to] : 'not recorded'}`, who });
    } else if (row.action.startsWith('postmortem.') || row.action.startsWith('action_item.')) {
      push({ at: row.at, type: 'postmortem', event: typeof d.summary === 'string' ? d.summary : row.action, who });
    }
  }

  for (const alert of alerts) {
    const source = ALERT_SOURCE_LABELS[alert.source];
    push({ at: alert.startsAt, type: 'alert_firing', event: `Alert firing (${source}): ${alert.summary}`, who: null, detail: alert.description });
    if (alert.endsAt !== null) push({ at: alert.endsAt, type: 'alert_resolved', event: `Alert resolved (${source}): ${alert.summary}`, who: null });
  }
  if (draft?.acknowledgedAt != null) {
    push({ at: draft.acknowledgedAt, type: 'alert_acknowledged', event: 'Alert acknowledged', who: draft.acknowledgedBy && personOf(draft.acknowledgedBy) });
  }

  for (const group of told) {
    const names = group.destinations.join(', ');
    const outcome = [group.sent && `${group.sent} sent`, group.failed && `${group.failed} failed`, group.waiting && `${group.waiting} waiting`]
      .filter(Boolean)
      .join(', ');
    push({ at: group.createdAt, type: 'destinations', event: `Team channels told (${group.kind.replace(/_/g, ' ')}): ${names} — ${outcome}`, who: null });
  }

  for (const entry of entries) items.push(entryItem(entry));

  // Oldest first; at the same instant, in the order an incident unfolds.
  const order = (type: TimelineItemType) => TIMELINE_ITEM_TYPES.indexOf(type);
  items.sort((a, b) => a.at - b.at || order(a.type) - order(b.type));
  const keyTimeReasons: Partial<Record<TimelineMarker, string>> = {};
  for (const entry of [...entries].sort((a, b) => a.createdAt - b.createdAt)) {
    if (entry.kind === 'marker' && entry.marker && entry.reason) keyTimeReasons[entry.marker] = entry.reason;
  }
  return { incident, items, keyTimes: keyTimes(incident), keyTimeReasons };
}

function entryItem(entry: TimelineEntryRow): TimelineItem {
  if (entry.kind === 'marker' && entry.marker) {
    return {
      at: entry.at,
      type: 'marker',
      // A correction back to the data says so in its text; a set time is the label.
      event: entry.text === TIMELINE_MARKER_LABELS[entry.marker] ? `${entry.text} (key time set)` : entry.text,
      who: entry.who ?? personOf(entry.author),
      detail: entry.reason,
      entryId: null,
    };
  }
  return { at: entry.at, type: 'note', event: entry.text, who: entry.who ?? personOf(entry.author), detail: null, entryId: entry.id };
}

/** The timeline as the Markdown table teams paste into their docs. */
export function timelineAsMarkdown(timeline: IncidentTimeline): string {
  return timelineMarkdown(timeline.items.map((item) => ({ at: item.at, event: item.event, who: item.who })));
}

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

export const AddTimelineNoteInput = z.object({
  text: z.string().trim().min(1, { error: 'write what happened' }).max(2000, { error: 'must be at most 2000 characters' }),
  /** When it happened; defaults to now. Not in the future. */
  at: Timestamp.optional(),
  /** Who did it, when not the person typing ("Bob from the DB team"). */
  who: z.string().trim().max(200).optional(),
});
export type AddTimelineNoteInput = z.input<typeof AddTimelineNoteInput>;

/** A scribe's line. Anyone with comms rights; the time may be earlier than now, never later. */
export async function addTimelineNote(deps: WriteDeps, actor: Actor, incidentId: string, raw: AddTimelineNoteInput): Promise<TimelineEntryRow> {
  authorize(actor, 'incidents:write');
  const input = parseInput(AddTimelineNoteInput, raw);
  const incident = await loadIncident(deps, incidentId);
  const now = deps.clock.now();
  const at = input.at ?? now;
  if (at > now + 60_000) throw new ValidationError('A timeline entry cannot be in the future.', { at: ['is in the future'] });
  const row: TimelineEntryRow = {
    id: newId(),
    incidentId: incident.id,
    at,
    kind: 'note',
    marker: null,
    text: input.text,
    who: input.who || null,
    author: actor.label,
    reason: null,
    createdAt: now,
  };
  await deps.db.atomic([
    deps.repos.timeline.insertEntry(row),
    auditEntry(deps, actor, { action: 'timeline.note', targetType: 'timeline', targetId: incident.id, details: { entryId: row.id } }),
  ]);
  return row;
}

/** Removes a scribe's note (a mistake); the removal is audited with the text. */
export async function deleteTimelineNote(deps: WriteDeps, actor: Actor, incidentId: string, entryId: string): Promise<void> {
  authorize(actor, 'incidents:write');
  const entry = ID_PATTERN.test(entryId) ? await deps.repos.timeline.findEntry(entryId) : undefined;
  if (!entry || entry.incidentId !== incidentId || entry.kind !== 'note') throw new NotFoundError('There is no such note on this incident.');
  await deps.db.atomic([
    deps.repos.timeline.deleteEntry(entry.id),
    auditEntry(deps, actor, { action: 'timeline.delete_note', targetType: 'timeline', targetId: incidentId, details: { text: entry.text, at: entry.at } }),
  ]);
}

export const SetKeyTimeInput = z.object({
  marker: z.enum(TIMELINE_MARKERS, { error: `must be one of ${TIMELINE_MARKERS.join(', ')}` }),
  /** The corrected time; null puts back the time the data gives. */
  at: Timestamp.nullable(),
  reason: z.string().trim().min(1, { error: 'say why the time is corrected' }).max(1000),
  who: z.string().trim().max(200).optional(),
});
export type SetKeyTimeInput = z.input<typeof SetKeyTimeInput>;

/**
 * Corrects one of the incident's key times (impact started, detected,
 * acknowledged, mitigated, resolved), with a reason; null goes back to the
 * time the data gives. Recorded on the timeline. Times out of order are
 * refused (impact cannot start after detection...), except that impact may
 * start before detection, as it usually does.
 */
export async function setKeyTime(deps: WriteDeps, actor: Actor, incidentId: string, raw: SetKeyTimeInput): Promise<Record<TimelineMarker, KeyTime>> {
  authorize(actor, 'incidents:write');
  const input = parseInput(SetKeyTimeInput, raw);
  const incident = await loadIncident(deps, incidentId);
  if (incident.kind !== 'incident') throw new ValidationError('Maintenance is planned: it has no key times to correct.');
  const now = deps.clock.now();
  if (input.at !== null && input.at > now + 60_000) throw new ValidationError('A key time cannot be in the future.', { at: ['is in the future'] });
  const markerTimes = { ...(incident.markerTimes ?? {}) };
  if (input.at === null) delete markerTimes[input.marker];
  else markerTimes[input.marker] = input.at;
  const next = keyTimes({ ...incident, markerTimes });
  const order = TIMELINE_MARKERS.filter((m) => m !== 'acknowledged');
  for (let i = 1; i < order.length; i++) {
    const before = next[order[i - 1]!].at;
    const after = next[order[i]!].at;
    if (before !== null && after !== null && after < before) {
      throw new ValidationError(`${TIMELINE_MARKER_LABELS[order[i]!]} cannot be before ${TIMELINE_MARKER_LABELS[order[i - 1]!].toLowerCase()}.`, {
        at: ['is out of order with the other key times'],
      });
    }
  }
  await deps.db.atomic([
    deps.repos.incidents.update(incident.id, { markerTimes: Object.keys(markerTimes).length ? markerTimes : null, updatedAt: now }),
    deps.repos.timeline.insertEntry({
      id: newId(),
      incidentId: incident.id,
      at: input.at ?? now,
      kind: 'marker',
      marker: input.marker,
      text: input.at === null ? `${TIMELINE_MARKER_LABELS[input.marker]}: back to the recorded time` : TIMELINE_MARKER_LABELS[input.marker],
      who: input.who || null,
      author: actor.label,
      reason: input.reason,
      createdAt: now,
    }),
    auditEntry(deps, actor, {
      action: 'timeline.key_time',
      targetType: 'timeline',
      targetId: incident.id,
      details: { marker: input.marker, from: incident.markerTimes?.[input.marker] ?? null, to: input.at, reason: input.reason },
    }),
  ]);
  return next;
}
