import type { Fact, InternalNotification } from '../../channels/message.js';
import type { Statement } from '../../db/database.js';
import type { AlertDraftRow } from '../../db/schema.js';
import { ALERT_SOURCE_LABELS, type NotificationKind, type Severity } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { heraldBaseUrl, queueDelivery, severityLabel, type NotifyDeps } from '../destinations/notify.js';

/*
 * What the team's channels hear of a draft: "Alert firing, unacknowledged"
 * with Acknowledge and Declare links, again when a SEV-1/2 draft stays
 * unacknowledged, and who acknowledged it. Routed like incidents: a
 * destination that asks for certain severities hears of drafts suggesting
 * one of them (a draft without a suggested severity only reaches
 * destinations taking every severity); one that asks for components hears of
 * drafts touching one of them.
 */

export type DraftFacts = Pick<AlertDraftRow, 'id' | 'title' | 'severity' | 'componentIds' | 'detectedAt' | 'source'>;

/** The admin links of a draft. */
export function draftLinks(base: string, draftId: string) {
  return {
    admin: `${base}/admin/alerts/${draftId}`,
    acknowledge: `${base}/admin/alerts/${draftId}/acknowledge`,
    declare: `${base}/admin/incidents/new?alert=${draftId}`,
  };
}

/** "SEV-1 (suggested)", or "No severity suggested". */
export function suggestedSeverityLabel(severity: number | null): string {
  return severity === null ? 'No severity suggested' : `${severityLabel(severity)} (suggested)`;
}

function wantsDraft(routing: { severities: readonly number[] | null; componentIds: readonly string[] | null }, draft: DraftFacts): boolean {
  if (routing.severities && (draft.severity === null || !routing.severities.includes(draft.severity))) return false;
  if (routing.componentIds && !routing.componentIds.some((id) => draft.componentIds.includes(id))) return false;
  return true;
}

export interface DraftEvent {
  kind: Extract<NotificationKind, 'alert' | 'escalation' | 'alert_acknowledged'>;
  /** The status as the message shows it ("Firing, unacknowledged"). */
  status: string;
  /** Markdown. */
  text: string;
  alertCount: number;
  extraFacts?: readonly Fact[];
  /** Fixed message ids (an escalation queued at most once). */
  dedupeKey?: string;
}

/** The deliveries telling every active destination that wants `draft` of `event`. */
export async function announceDraft(deps: NotifyDeps & Pick<Deps, 'clock'>, draft: DraftFacts, event: DraftEvent): Promise<Statement[]> {
  const targets = (await deps.repos.destinations.list()).filter(
    (d) => d.pausedAt === null && wantsDraft({ severities: d.severities, componentIds: d.componentIds }, draft),
  );
  if (!targets.length) return [];
  const base = await heraldBaseUrl(deps);
  const components = draft.componentIds.length ? await deps.repos.components.findByIds(draft.componentIds) : [];
  const facts: Fact[] = [
    { label: 'Components', value: components.length ? components.map((c) => c.name).join(', ') : 'Not mapped (no rule matched)' },
    { label: 'Source', value: ALERT_SOURCE_LABELS[draft.source] },
    { label: 'Alerts', value: String(event.alertCount) },
    ...(event.extraFacts ?? []),
  ];
  const links = draftLinks(base, draft.id);
  const message: InternalNotification = {
    kind: event.kind,
    incidentId: draft.id,
    title: draft.title,
    severity: (draft.severity ?? 4) as Severity,
    severityLabel: suggestedSeverityLabel(draft.severity),
    status: event.status,
    text: event.text,
    impact: null,
    startedAt: draft.detectedAt,
    nextUpdateAt: null,
    roles: {},
    links: {
      admin: links.admin,
      public: '',
      ...(event.kind === 'alert_acknowledged' ? {} : { acknowledge: links.acknowledge }),
      declare: links.declare,
    },
    postedOnStatusPage: false,
    extraFacts: facts,
  };
  const now = deps.clock.now();
  return targets.map((d) => queueDelivery(deps, d.id, message, now, event.dedupeKey ? `msg_${event.dedupeKey}${d.id}` : undefined));
}
