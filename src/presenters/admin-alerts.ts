import type { DraftWithIncident } from '../db/repos/alerts-repo.js';
import type { AlertRow, ComponentRow, TemplateRow } from '../db/schema.js';
import { ALERT_SOURCE_LABELS, DRAFT_STATUS_LABELS, type ComponentStatus, type Severity } from '../domain/constants.js';
import { suggestedSeverityLabel } from '../services/alerts/announce.js';
import { formatDuration, type Formatter, type TimeView } from './format.js';
import { joinNames } from './maintenance-form.js';
import { applyTemplate, type UpdateFormState } from './update-form.js';

/*
 * Alert drafts and their alerts as the admin shows them (the alerts pages,
 * the dashboard, the incident's alert history). Pure: rows in, view models
 * out; the time "now" is an argument.
 */

export interface AlertView {
  id: string;
  summary: string;
  description: string | null;
  labels: { name: string; value: string }[];
  /** Only http(s) links: anything else in a payload is never offered as a link. */
  links: { label: string; url: string }[];
  firing: boolean;
  statusLabel: 'Firing' | 'Resolved';
  startsAt: TimeView;
  endsAt: TimeView | null;
  received: TimeView;
}

export interface DraftView {
  id: string;
  title: string;
  status: DraftWithIncident['status'];
  statusLabel: string;
  /** Nobody has taken it on yet, and it still waits for a person. */
  unacknowledged: boolean;
  /** "Unacknowledged for 7 min" (waiting, unacknowledged), else null. */
  waitingText: string | null;
  waiting: boolean;
  severity: Severity | null;
  severityLabel: string;
  componentIds: string[];
  componentNames: string[];
  /** "Payments and Checkout", or "No components (no rule matched)". */
  componentsText: string;
  sourceLabel: string;
  alertCount: number;
  firingCount: number;
  /** "3 alerts, 2 firing", "1 alert, resolved". */
  countText: string;
  detected: TimeView;
  received: TimeView;
  acknowledged: { at: TimeView; by: string } | null;
  dismissedReason: string | null;
  closed: TimeView | null;
  incidentId: string | null;
  /** Every alert resolved: when the last one ended. */
  allResolvedAt: TimeView | null;
  alerts: AlertView[];
}

/** An http(s) address, or null: a payload's links are shown only when they are web links. */
export function webUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}

export function presentAlert(alert: AlertRow, format: Formatter): AlertView {
  const firing = alert.status === 'firing';
  const endsAt = firing ? null : (alert.endsAt ?? alert.resolvedReceivedAt);
  return {
    id: alert.id,
    summary: alert.summary,
    description: alert.description,
    labels: Object.entries(alert.labels).map(([name, value]) => ({ name, value })),
    links: alert.links.flatMap((l) => {
      const url = webUrl(l.url);
      return url ? [{ label: l.label, url }] : [];
    }),
    firing,
    statusLabel: firing ? 'Firing' : 'Resolved',
    startsAt: format.dateTime(alert.startsAt),
    endsAt: endsAt === null ? null : format.dateTime(endsAt),
    received: format.dateTime(alert.receivedAt),
  };
}

/** When the last of `alerts` ended, if none fires any more. */
export function allResolvedAt(alerts: readonly AlertRow[]): number | null {
  if (!alerts.length || alerts.some((a) => a.status === 'firing')) return null;
  return Math.max(...alerts.map((a) => a.endsAt ?? a.resolvedReceivedAt ?? a.startsAt));
}

function countText(total: number, firing: number): string {
  const alerts = `${total} alert${total === 1 ? '' : 's'}`;
  if (total === 0) return alerts;
  if (firing === 0) return `${alerts}, ${total === 1 ? 'resolved' : 'all resolved'}`;
  return `${alerts}, ${firing} firing`;
}

export function presentDraft(
  draft: DraftWithIncident & { alerts: AlertRow[]; firingCount: number },
  componentsById: ReadonlyMap<string, Pick<ComponentRow, 'id' | 'name'>>,
  format: Formatter,
  now: number,
): DraftView {
  const waiting = draft.status === 'open' || draft.status === 'acknowledged';
  const unacknowledged = waiting && draft.acknowledgedAt === null;
  const names = draft.componentIds.map((id) => componentsById.get(id)?.name ?? 'a deleted component');
  const resolvedAt = allResolvedAt(draft.alerts);
  return {
    id: draft.id,
    title: draft.title,
    status: draft.status,
    statusLabel: DRAFT_STATUS_LABELS[draft.status],
    unacknowledged,
    waitingText: unacknowledged ? `Unacknowledged for ${formatDuration(Math.max(0, now - draft.createdAt))}` : null,
    waiting,
    severity: (draft.severity ?? null) as Severity | null,
    severityLabel: suggestedSeverityLabel(draft.severity),
    componentIds: draft.componentIds,
    componentNames: names,
    componentsText: names.length ? joinNames(names) : 'No components (no rule matched)',
    sourceLabel: ALERT_SOURCE_LABELS[draft.source],
    alertCount: draft.alerts.length,
    firingCount: draft.firingCount,
    countText: countText(draft.alerts.length, draft.firingCount),
    detected: format.dateTime(draft.detectedAt),
    received: format.dateTime(draft.createdAt),
    acknowledged: draft.acknowledgedAt === null ? null : { at: format.dateTime(draft.acknowledgedAt), by: draft.acknowledgedBy ?? 'someone' },
    dismissedReason: draft.dismissedReason,
    closed: draft.closedAt === null ? null : format.dateTime(draft.closedAt),
    incidentId: draft.incidentId,
    allResolvedAt: resolvedAt === null ? null : format.time(resolvedAt),
    alerts: draft.alerts.map((a) => presentAlert(a, format)),
  };
}

/** Waiting drafts with the unacknowledged ones first (each group keeps its order: oldest first). */
export function unacknowledgedFirst<T extends { unacknowledged: boolean }>(drafts: readonly T[]): T[] {
  return [...drafts.filter((d) => d.unacknowledged), ...drafts.filter((d) => !d.unacknowledged)];
}

/** The status the declare form suggests for a draft's component: what an alert of that severity usually means. */
export function suggestedComponentStatus(severity: number | null, current: ComponentStatus): ComponentStatus {
  // A status an alert (a rule's automatic status) or a person already set is kept.
  if (current !== 'operational' && current !== 'under_maintenance') return current;
  if (severity === 1) return 'major_outage';
  if (severity === 2) return 'partial_outage';
  return 'degraded_performance';
}

/**
 * The incident's alert history and the suggestion when every alert has
 * resolved while the incident has not: a person decides what customers
 * read, so it is only a suggestion (nothing is posted).
 */
export function presentAlertHistory(
  draft: (DraftWithIncident & { alerts: AlertRow[]; firingCount: number }) | null,
  incident: { status: string },
  componentsById: ReadonlyMap<string, Pick<ComponentRow, 'id' | 'name'>>,
  format: Formatter,
  now: number,
): { draft: DraftView; suggestion: string | null } | null {
  if (!draft) return null;
  const view = presentDraft(draft, componentsById, format, now);
  let suggestion: string | null = null;
  if (view.allResolvedAt && incident.status !== 'resolved') {
    const next = incident.status === 'monitoring' ? 'Resolved' : 'Monitoring or Resolved';
    suggestion = `All alerts resolved at ${view.allResolvedAt.text}. Consider posting ${next}.`;
  }
  return { draft: view, suggestion };
}

/** The investigating template a declaration from an alert starts from: the chosen one, else the first-update one. */
export function declareTemplate<T extends Pick<TemplateRow, 'id' | 'kind' | 'status' | 'title'>>(templates: readonly T[], chosenId: string | undefined): T | undefined {
  const incident = templates.filter((t) => t.kind === 'incident');
  const chosen = incident.find((t) => t.id === chosenId);
  if (chosen) return chosen;
  const investigating = incident.filter((t) => t.status === 'investigating');
  return investigating.find((t) => t.id === 'defaultinvestigating') ?? investigating.find((t) => t.title) ?? investigating[0];
}

/**
 * The declare form pre-filled from a draft: its title, its suggested
 * severity, its components checked with a status that fits the severity,
 * and the template with {{affected_service}} filled with the names of the
 * components customers can see (a hidden component's name is never offered
 * for public text).
 */
export function declareFormFromDraft(
  state: UpdateFormState,
  draft: Pick<DraftWithIncident, 'title' | 'severity' | 'componentIds'>,
  components: readonly Pick<ComponentRow, 'id' | 'name' | 'hidden' | 'status'>[],
  template: TemplateRow | undefined,
): UpdateFormState {
  const byId = new Map(components.map((c) => [c.id, c]));
  const visible = draft.componentIds.flatMap((id) => {
    const c = byId.get(id);
    return c && !c.hidden ? [c.name] : [];
  });
  const known: Record<string, string> = visible.length ? { affected_service: joinNames(visible) } : {};
  let form: UpdateFormState = {
    ...state,
    title: draft.title,
    severity: draft.severity === null ? '' : String(draft.severity),
    components: state.components.map((c) =>
      draft.componentIds.includes(c.id) ? { ...c, chosen: suggestedComponentStatus(draft.severity, c.current) } : c,
    ),
  };
  if (template) form = applyTemplate(form, template, known);
  return form;
}
