import { updateCadence } from '../domain/cadence.js';
import { SEVERITIES, type Severity } from '../domain/constants.js';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import type { DeliveryCounts } from '../db/repos/outbox-repo.js';
import type { ComponentRow } from '../db/schema.js';
import { formatDuration, type Formatter, type TimeView } from './format.js';
import { presentIncident, type IncidentView } from './incident.js';

export const SEVERITY_HELP: Record<Severity, string> = {
  1: 'All or most users lose core function, data loss or a security breach. Update every 15 minutes; postmortem required within 48 hours.',
  2: 'A large subset of users affected or a core feature degraded. Update every 30 minutes; postmortem required within 72 hours.',
  3: 'A small subset, a non-critical feature, or a workaround exists. Update every 2 hours; postmortem recommended within a week.',
  4: 'Internal or cosmetic. No update cadence; postmortem optional.',
};

export const SEVERITY_OPTIONS = SEVERITIES.map((value) => ({ value, label: `SEV-${value}`, help: SEVERITY_HELP[value] }));

export interface AdminIncidentView extends IncidentView {
  severity: Severity | null;
  severityLabel: string | null;
  notify: boolean;
  /** When the next public update is due, and whether it is late. */
  due: { at: TimeView; overdue: boolean; text: string } | null;
}

/** The public view of an incident plus what only the team sees: severity and cadence. */
export function presentAdminIncident(
  incident: IncidentDetail,
  componentsById: ReadonlyMap<string, ComponentRow>,
  format: Formatter,
  now: number,
): AdminIncidentView {
  const view = presentIncident(incident, componentsById, format, now);
  const severity = (incident.severity ?? null) as Severity | null;
  let due: AdminIncidentView['due'] = null;
  if (severity !== null && !view.closed && incident.kind === 'incident') {
    const last = incident.updates[0]?.at ?? incident.startedAt;
    const cadence = updateCadence({ severity, lastUpdateAt: last, promisedAt: incident.nextUpdateAt }, now);
    if (cadence.dueAt !== null) {
      const left = cadence.dueAt - now;
      due = {
        at: format.time(cadence.dueAt),
        overdue: cadence.overdue,
        text: cadence.overdue ? `overdue by ${formatDuration(-left)}` : `due in ${formatDuration(left)}`,
      };
    }
  }
  return { ...view, severity, severityLabel: severity ? `SEV-${severity}` : null, notify: incident.notify, due };
}

/** How far the emails announcing one update have got ("sending" reads as queued: not out yet). */
export interface DeliveryView {
  sent: number;
  queued: number;
  failed: number;
  skipped: number;
  total: number;
  /** Sent, failed or skipped: nothing more will happen to these. */
  processed: number;
  /** Whole percent processed, for the progress bar's text. */
  percent: number;
  inProgress: boolean;
  text: string;
}

export function presentDelivery(counts: DeliveryCounts): DeliveryView {
  const queued = counts.queued + counts.sending;
  const processed = counts.sent + counts.failed + counts.skipped;
  const total = queued + processed;
  return {
    sent: counts.sent,
    queued,
    failed: counts.failed,
    skipped: counts.skipped,
    total,
    processed,
    percent: total === 0 ? 100 : Math.floor((processed / total) * 100),
    inProgress: counts.preparing || queued > 0,
    text: `Email: ${counts.preparing ? 'preparing the list · ' : ''}${counts.sent} sent · ${queued} queued · ${counts.failed} failed · ${counts.skipped} skipped`,
  };
}

/** Delivery views by update id, for the updates that have emails. */
export function presentDeliveries(counts: ReadonlyMap<string, DeliveryCounts>): Record<string, DeliveryView> {
  const out: Record<string, DeliveryView> = Object.create(null) as Record<string, DeliveryView>;
  for (const [updateId, c] of counts) {
    const view = presentDelivery(c);
    if (view.total > 0 || c.preparing) out[updateId] = view;
  }
  return out;
}
