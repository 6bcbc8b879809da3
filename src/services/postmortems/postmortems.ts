import { z } from 'zod';
import type { Statement } from '../../db/database.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ActionItemRow, PostmortemRow, SettingsRow } from '../../db/schema.js';
import { POSTMORTEM_STATES, SEVERITIES, type PostmortemState, type Severity } from '../../domain/constants.js';
import { BACKFILL_NO_NOTIFY_MS } from '../../domain/notify.js';
import { DEFAULT_POSTMORTEM_DUE_HOURS, postmortemDueAt, postmortemUrgency, type PostmortemUrgency } from '../../domain/postmortem.js';
import { fillTemplate } from '../../domain/templates.js';
import type { Deps } from '../../deps.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { formatDuration, formatterFor } from '../../presenters/format.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { memberOwnerName } from './action-items.js';
import { loadSettings } from '../settings/reads.js';
import { incidentTimeline, personOf, timelineAsMarkdown } from '../timeline/timeline.js';
import { parseInput, PublicId, Timestamp } from '../validation.js';

/*
 * Postmortems (issue 17). Resolving an incident whose severity requires one
 * creates it (in the resolving write), due at resolution + 48 h / 72 h / a
 * week per severity (settings.postmortem_due_hours), owned by the Incident
 * Commander. The document starts from the postmortem template with what
 * Herald knows filled in (the first time it is opened, so the timeline is
 * whole). Saves are checked against the revision the editor started from:
 * a save over someone else's newer one is refused with a conflict, and the
 * editor keeps the typed text. Review: Draft -> In review -> Published
 * (internal, which completes it for the on-time rate). The customer-facing
 * text is separate and goes on the status page only when published there.
 */

/** Hours to the due date per severity, from the stored setting (null: the defaults; a severity left out: none required). */
export function postmortemDueTable(stored: SettingsRow['postmortemDueHours']): Record<Severity, number | null> {
  if (!stored) return { ...DEFAULT_POSTMORTEM_DUE_HOURS };
  return Object.fromEntries(
    SEVERITIES.map((s) => {
      const hours = stored[String(s)];
      return [s, typeof hours === 'number' && Number.isInteger(hours) && hours > 0 ? hours : null];
    }),
  ) as Record<Severity, number | null>;
}

/**
 * The statements creating an incident's postmortem as it is resolved, when
 * its severity requires one (real incidents only; not a past incident
 * written down afterwards). Nothing when it has one already.
 */
export async function postmortemOnResolution(
  deps: Pick<Deps, 'repos'>,
  incident: Pick<IncidentDetail, 'id' | 'kind' | 'example' | 'severity'>,
  resolvedAt: number,
  now: number,
): Promise<{ statements: Statement[]; dueAt: number | null }> {
  if (incident.kind !== 'incident' || incident.example || incident.severity === null) return { statements: [], dueAt: null };
  if (resolvedAt < now - BACKFILL_NO_NOTIFY_MS) return { statements: [], dueAt: null };
  const stored = (await deps.repos.settings.get())?.postmortemDueHours ?? null;
  const dueAt = postmortemDueAt(incident.severity as Severity, resolvedAt, postmortemDueTable(stored));
  if (dueAt === null) return { statements: [], dueAt: null };
  return {
    dueAt,
    statements: [
      ...(await newPostmortem(deps, incident.id, dueAt, now)),
      // One started by hand before the resolution gets its due date now.
      deps.repos.postmortems.setDueIfMissing(incident.id, dueAt, now),
    ],
  };
}

/**
 * A new, empty postmortem owned by the Incident Commander (unless the incident
 * has one already). In a list: a drizzle statement is a thenable, so an async
 * function returning one bare would run it.
 */
async function newPostmortem(deps: Pick<Deps, 'repos'>, incidentId: string, dueAt: number | null, now: number): Promise<Statement[]> {
  const ic = (await deps.repos.roles.rolesOf(incidentId)).find((r) => r.role === 'incident_commander');
  return [
    deps.repos.postmortems.insertIfAbsent({
      incidentId,
      state: 'draft',
      dueAt,
      ownerUserId: ic?.userId ?? null,
      ownerName: ic?.name ?? null,
      body: '',
      revision: 0,
      createdAt: now,
      updatedAt: now,
    }),
  ];
}

/** Herald's default postmortem template. {{placeholders}} are filled from the incident; the rest is for people. */
export const DEFAULT_POSTMORTEM_TEMPLATE = `# Postmortem: {{title}}

- **Date:** {{date}}
- **Duration:** {{duration}} (detected to resolved)
- **Severity:** {{severity}}
- **Incident Commander:** {{incident_commander}}
- **Authors:** {{authors}}

## Summary

_Two or three sentences: what happened, who was affected, how it ended._

## Impact

- **Customer impact:** {{impact_duration}} (impact started to mitigated)
- **Affected components:** {{components}}
- **Subscribers notified:** {{subscribers_notified}}

## Timeline

{{timeline}}

## Root cause

_What failed, in the system. Blameless: systems and decisions, never people._

### Five whys

1. Why did customers see the failure?
2. Why …?
3. Why …?
4. Why …?
5. Why …?

## Contributing factors

## What went well

## What went poorly

## Where we got lucky

## Action items

_Add them under **Action items** on this page: each has an owner, a priority and a due date, and they are tracked across incidents and on the dashboard._
`;

/** The template's placeholders Herald fills, and what with. */
export const POSTMORTEM_PLACEHOLDERS = [
  'title',
  'date',
  'duration',
  'severity',
  'incident_commander',
  'authors',
  'impact_duration',
  'components',
  'subscribers_notified',
  'timeline',
] as const;

async function filledTemplate(deps: Pick<Deps, 'repos'>, actor: Actor, incident: IncidentDetail, settings: SettingsRow): Promise<string> {
  const timeline = await incidentTimeline(deps, actor, incident.id);
  const format = formatterFor(settings.timeZone);
  const times = timeline.keyTimes;
  const span = (from: number | null, to: number | null) => (from !== null && to !== null && to >= from ? formatDuration(to - from) : 'unknown');
  const roles = await deps.repos.roles.rolesOf(incident.id);
  const components = incident.componentIds.length ? await deps.repos.components.findByIds(incident.componentIds) : [];
  const counts = await deps.repos.outbox.countsForUpdates(incident.updates.map((u) => u.id));
  const notified = [...counts.values()].reduce((sum, c) => sum + c.sent, 0);
  const named = (role: string) => roles.find((r) => r.role === role)?.name;
  const values: Record<string, string> = {
    title: incident.title,
    date: format.date(incident.startedAt).text,
    duration: span(times.detected.at, times.resolved.at),
    severity: incident.severity === null ? 'none' : `SEV-${incident.severity}`,
    incident_commander: named('incident_commander') ?? 'not assigned',
    authors: [...new Set([named('incident_commander'), named('comms_lead'), named('scribe')].filter(Boolean))].join(', ') || personOf(actor.label),
    impact_duration: span(times.impact_started.at, times.mitigated.at),
    components: components.map((c) => c.name).join(', ') || 'none recorded',
    subscribers_notified: `${notified} email${notified === 1 ? '' : 's'} sent`,
    timeline: timelineAsMarkdown(timeline),
  };
  return fillTemplate(settings.postmortemTemplate ?? DEFAULT_POSTMORTEM_TEMPLATE, values);
}

export interface PostmortemView {
  incident: IncidentDetail;
  /** Null when the incident has none (SEV-4, unresolved, or one was never created). */
  postmortem: PostmortemRow | null;
  /** The document: as saved, or the filled template before the first save. */
  body: string;
  urgency: PostmortemUrgency | null;
  actionItems: ActionItemRow[];
}

async function loadIncident(deps: Pick<Deps, 'repos'>, id: string): Promise<IncidentDetail> {
  const incident = ID_PATTERN.test(id) ? await deps.repos.incidents.findById(id) : undefined;
  if (!incident || incident.kind !== 'incident') throw new NotFoundError('There is no incident with this id.');
  return incident;
}

export async function loadPostmortem(deps: Pick<Deps, 'repos' | 'clock'>, actor: Actor, incidentId: string): Promise<PostmortemView> {
  authorize(actor, 'admin:read');
  const incident = await loadIncident(deps, incidentId);
  const [postmortem, actionItems, settings] = await Promise.all([
    deps.repos.postmortems.find(incident.id),
    deps.repos.postmortems.actionItemsOf(incident.id),
    loadSettings(deps),
  ]);
  const body = postmortem?.body || (await filledTemplate(deps, actor, incident, settings));
  const completedAt = postmortem?.state === 'published' ? postmortem.publishedAt : null;
  const urgency = postmortem?.dueAt != null ? postmortemUrgency(postmortem.dueAt, completedAt ?? null, deps.clock.now()) : null;
  return { incident, postmortem: postmortem ?? null, body, urgency, actionItems };
}

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

/** Starts a postmortem by hand (one the severity does not require, or before resolution). */
export async function startPostmortem(deps: WriteDeps, actor: Actor, incidentId: string): Promise<PostmortemRow> {
  authorize(actor, 'incidents:write');
  const incident = await loadIncident(deps, incidentId);
  const now = deps.clock.now();
  const existing = await deps.repos.postmortems.find(incident.id);
  if (existing) return existing;
  await deps.db.atomic([
    ...(await newPostmortem(deps, incident.id, null, now)),
    auditEntry(deps, actor, { action: 'postmortem.start', targetType: 'incident', targetId: incident.id, details: { summary: 'Postmortem started' } }),
  ]);
  return (await deps.repos.postmortems.find(incident.id))!;
}

async function requirePostmortem(deps: Pick<Deps, 'repos'>, incidentId: string): Promise<PostmortemRow> {
  await loadIncident(deps, incidentId);
  const postmortem = await deps.repos.postmortems.find(incidentId);
  if (!postmortem) throw new NotFoundError('This incident has no postmortem yet: start one first.');
  return postmortem;
}

export const SavePostmortemInput = z.object({
  body: z.string().max(200_000, { error: 'must be at most 200,000 characters' }),
  /** The revision the editor started from: a save over a newer one is refused (409), never lost. */
  baseRevision: z.number().int().min(0),
  ownerUserId: PublicId.nullable().optional(),
  ownerName: z.string().trim().max(100).nullable().optional(),
  /** Moves the due date (null: no due date). */
  dueAt: Timestamp.nullable().optional(),
});
export type SavePostmortemInput = z.input<typeof SavePostmortemInput>;

/** Saves the document (and owner, due date). Returns the saved postmortem with its new revision. */
export async function savePostmortem(deps: WriteDeps, actor: Actor, incidentId: string, raw: SavePostmortemInput): Promise<PostmortemRow> {
  authorize(actor, 'incidents:write');
  const input = parseInput(SavePostmortemInput, raw);
  const current = await requirePostmortem(deps, incidentId);
  const now = deps.clock.now();
  let ownerName = input.ownerName;
  if (input.ownerUserId) ownerName = await memberOwnerName(deps, input.ownerUserId);
  const patch = {
    body: input.body,
    ...(input.ownerUserId !== undefined ? { ownerUserId: input.ownerUserId } : {}),
    ...(ownerName !== undefined ? { ownerName } : {}),
    ...(input.dueAt !== undefined ? { dueAt: input.dueAt, remindedDueSoonAt: null, remindedOverdueAt: null } : {}),
    updatedAt: now,
  };
  const saved = await deps.db.claim(deps.repos.postmortems.saveBody(incidentId, input.baseRevision, patch));
  if (saved === 0) {
    throw new ConflictError(
      `Someone saved this postmortem after you opened it (revision ${current.revision}, you started from ${input.baseRevision}). Your text was not saved: copy it, reload, and merge.`,
    );
  }
  await deps.db.atomic([
    auditEntry(deps, actor, {
      action: 'postmortem.save',
      targetType: 'postmortem',
      targetId: incidentId,
      details: { revision: input.baseRevision + 1, ...(input.dueAt !== undefined ? { dueAt: input.dueAt } : {}) },
    }),
  ]);
  return (await deps.repos.postmortems.find(incidentId))!;
}

export const PostmortemStateInput = z.object({
  state: z.enum(POSTMORTEM_STATES, { error: `must be one of ${POSTMORTEM_STATES.join(', ')}` }),
});

const STATE_SUMMARIES: Record<PostmortemState, string> = {
  draft: 'Postmortem back to draft',
  in_review: 'Postmortem ready for review',
  published: 'Postmortem published (internal)',
};

/** Moves the review state; publishing (internal) completes it. An empty document cannot be published. */
export async function setPostmortemState(deps: WriteDeps, actor: Actor, incidentId: string, raw: z.input<typeof PostmortemStateInput>): Promise<PostmortemRow> {
  authorize(actor, 'incidents:write');
  const { state } = parseInput(PostmortemStateInput, raw);
  const current = await requirePostmortem(deps, incidentId);
  if (current.state === state) return current;
  if (state !== 'draft' && !current.body.trim()) throw new ValidationError('Save the postmortem document before sending it for review or publishing it.');
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.postmortems.update(incidentId, { state, publishedAt: state === 'published' ? now : null, updatedAt: now }),
    auditEntry(deps, actor, {
      action: 'postmortem.state',
      targetType: 'incident',
      targetId: incidentId,
      details: { from: current.state, to: state, summary: STATE_SUMMARIES[state] },
    }),
  ]);
  return (await deps.repos.postmortems.find(incidentId))!;
}

export const PublicPostmortemInput = z.object({
  /** The customer-facing text (Markdown); null takes it off the page. */
  publicBody: z.string().trim().min(1, { error: 'write the text customers will read' }).max(50_000).nullable(),
  /** Also email it to the subscribers the incident's updates go to (once per postmortem: later publishes never email again). */
  emailSubscribers: z.boolean().optional(),
});

/**
 * Whether the public postmortem can be emailed: the incident's updates are
 * emailed to subscribers (notify on), it has a public update to key the
 * fan-out on, and it was not emailed before.
 */
export function postmortemEmailable(
  incident: Pick<IncidentDetail, 'notify' | 'example' | 'updates'>,
  postmortem: Pick<PostmortemRow, 'emailedAt'>,
): boolean {
  return incident.notify && !incident.example && incident.updates.length > 0 && postmortem.emailedAt === null;
}

/**
 * Publishes the customer-facing postmortem on the status page (the incident
 * page, the feeds, /api/v2's postmortem_body), or takes it off (null).
 * Editing a published one keeps its first publication time. With
 * `emailSubscribers`, the same write queues one email to each subscriber the
 * incident's updates go to (through the outbox, like an update), at most once
 * per postmortem: `emailed_at` is claimed in that write, and a later publish
 * or edit never emails again.
 */
export async function publishPublicPostmortem(
  deps: WriteDeps,
  actor: Actor,
  incidentId: string,
  raw: z.input<typeof PublicPostmortemInput>,
): Promise<PostmortemRow> {
  authorize(actor, 'incidents:write');
  const { publicBody, emailSubscribers } = parseInput(PublicPostmortemInput, raw);
  const current = await requirePostmortem(deps, incidentId);
  const incident = await loadIncident(deps, incidentId);
  if (publicBody !== null && incident.resolvedAt === null) throw new ValidationError('Resolve the incident before publishing its postmortem.');
  const now = deps.clock.now();
  const email: Statement[] = [];
  if (emailSubscribers && current.emailedAt === null) {
    if (publicBody === null) throw new ValidationError('Only a published postmortem can be emailed to subscribers.');
    if (!incident.notify || incident.example) {
      throw new ValidationError("This incident's updates are not emailed to subscribers, so its postmortem is not either.");
    }
    // Newest first: the fan-out is keyed by the latest update, so it reaches the subscribers its updates reach.
    const latest = incident.updates[0];
    if (!latest) throw new ValidationError('This incident has no public update, so it has no subscribers to email.');
    email.push(deps.repos.outbox.insertPostmortemFanout(incidentId, latest.id, now), deps.repos.postmortems.markEmailed(incidentId, now));
  }
  await deps.db.atomic([
    deps.repos.postmortems.update(incidentId, {
      publicBody,
      publicPublishedAt: publicBody === null ? null : (current.publicPublishedAt ?? now),
      publicUpdatedAt: publicBody === null ? null : now,
      updatedAt: now,
    }),
    // The public page shows it: the content revision moves with the incident.
    deps.repos.incidents.update(incidentId, { updatedAt: now }),
    ...email,
    // Taken off the page: its emails not sent yet are not sent.
    ...(publicBody === null ? deps.repos.outbox.skipQueuedPostmortem(incidentId, 'the postmortem was taken off the status page') : []),
    auditEntry(deps, actor, {
      action: 'postmortem.public',
      targetType: 'incident',
      targetId: incidentId,
      details: {
        summary:
          publicBody === null
            ? 'Public postmortem taken off the status page'
            : email.length
              ? 'Postmortem published on the status page and emailed to subscribers'
              : 'Postmortem published on the status page',
      },
    }),
  ]);
  return (await deps.repos.postmortems.find(incidentId))!;
}
