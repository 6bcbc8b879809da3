import { isAboutDraft, type InternalNotification, type Fact } from '../../channels/message.js';
import type { Statement } from '../../db/database.js';
import type { IncidentRoleRow } from '../../db/schema.js';
import {
  IMPACT_LABELS,
  INCIDENT_STATUS_LABELS,
  type AnyIncidentStatus,
  type Impact,
  type IncidentRole,
  type NotificationKind,
  type Severity,
} from '../../domain/constants.js';
import { toldInternally, wants } from '../../domain/notify.js';
import type { Deps } from '../../deps.js';
import { newId } from '../../lib/ids.js';
import { loadSettings } from '../settings/reads.js';

/*
 * What the company's own channels are told, as statements for the write that
 * does what they announce (declaring, an update, a severity or role change):
 * one queued delivery per destination that wants the incident, recorded with
 * the change or not at all, then sent by the drainer (deliveries.ts). The
 * message is built now and stored whole, so every attempt sends the same
 * thing and the delivery log shows what was said.
 */

/** The facts about an incident a message needs (as they will be once the write lands). */
export interface IncidentFacts {
  id: string;
  kind: string;
  example: boolean;
  title: string;
  severity: Severity;
  status: AnyIncidentStatus;
  impact: Impact;
  startedAt: number;
  nextUpdateAt: number | null;
  componentIds: readonly string[];
  warRoomUrl: string | null;
  runbookUrl: string | null;
  dashboardUrl: string | null;
}

/** Who holds the roles a message names. */
export type RoleNames = Partial<Record<IncidentRole, string>>;

export interface NotificationEvent {
  kind: NotificationKind;
  /** Markdown. */
  text: string;
  postedOnStatusPage: boolean;
  /** When it happened (an update's publication time) and when it is written: backfill tells no one. */
  at: number;
  extraFacts?: readonly Fact[];
  /**
   * For an event that must be queued at most once however often it is tried
   * (the internal cadence reminder): each delivery's message id is derived
   * from it, so a second write of the same event fails whole on the unique id.
   */
  dedupeKey?: string;
  /** The incident as it was before this change, for destinations that wanted it then (a severity change). */
  wantedAsWell?: Pick<IncidentFacts, 'severity' | 'componentIds'>;
}

export function roleNames(rows: readonly Pick<IncidentRoleRow, 'role' | 'name'>[]): RoleNames {
  return Object.fromEntries(rows.map((row) => [row.role, row.name]));
}

/** "SEV-1". */
export function severityLabel(severity: number): string {
  return `SEV-${severity}`;
}

/** What building a message reads: the repos, and the configuration when the caller has it (PUBLIC_URL). */
export type NotifyDeps = Pick<Deps, 'repos'> & Partial<Pick<Deps, 'config'>>;

/** Links into Herald for a message: the page's public URL (PUBLIC_URL, else the page's URL setting). */
export async function heraldBaseUrl(deps: NotifyDeps): Promise<string> {
  return (deps.config?.publicUrl ?? (await loadSettings(deps)).url).replace(/\/+$/, '');
}

export async function buildNotification(
  deps: NotifyDeps,
  incident: IncidentFacts,
  roles: RoleNames,
  event: Omit<NotificationEvent, 'at'>,
): Promise<InternalNotification> {
  const base = await heraldBaseUrl(deps);
  const components = incident.componentIds.length ? await deps.repos.components.findByIds(incident.componentIds) : [];
  const extraFacts: Fact[] = [];
  if (components.length) extraFacts.push({ label: 'Components', value: components.map((c) => c.name).join(', ') });
  if (roles.ops_lead) extraFacts.push({ label: 'Ops Lead', value: roles.ops_lead });
  extraFacts.push(...(event.extraFacts ?? []));
  return {
    kind: event.kind,
    incidentId: incident.id,
    title: incident.title,
    severity: incident.severity,
    severityLabel: severityLabel(incident.severity),
    status: INCIDENT_STATUS_LABELS[incident.status],
    text: event.text,
    impact: IMPACT_LABELS[incident.impact],
    startedAt: incident.startedAt,
    nextUpdateAt: incident.nextUpdateAt,
    roles: { incidentCommander: roles.incident_commander ?? null, commsLead: roles.comms_lead ?? null },
    links: {
      admin: `${base}/admin/incidents/${incident.id}`,
      public: `${base}/incidents/${incident.id}`,
      warRoom: incident.warRoomUrl,
      dashboard: incident.dashboardUrl,
      runbook: incident.runbookUrl,
    },
    postedOnStatusPage: event.postedOnStatusPage,
    extraFacts,
  };
}

/**
 * The deliveries telling every active destination that wants `incident` of
 * `event`, for the write that makes it true. Empty when nobody is told
 * (example page, maintenance, backfill, no destination wants it).
 */
export async function notifyDestinations(
  deps: NotifyDeps & Pick<Deps, 'clock'>,
  incident: IncidentFacts,
  roles: RoleNames,
  event: NotificationEvent,
): Promise<Statement[]> {
  const now = deps.clock.now();
  if (!toldInternally(incident, { at: event.at, createdAt: now })) return [];
  // A change of severity is for whoever wants the incident before or after it (#exec hears the way down too).
  const asWanted = [incident, ...(event.wantedAsWell ? [event.wantedAsWell] : [])];
  const targets = (await deps.repos.destinations.list()).filter(
    (d) => d.pausedAt === null && asWanted.some((facts) => wants({ severities: d.severities, componentIds: d.componentIds }, facts)),
  );
  if (!targets.length) return [];
  const message = await buildNotification(deps, incident, roles, event);
  return targets.map((destination) =>
    queueDelivery(deps, destination.id, message, now, event.dedupeKey ? `msg_${event.dedupeKey}${destination.id}` : undefined),
  );
}

/** One queued delivery of `message` to one destination (also the test message's way out). */
export function queueDelivery(
  deps: Pick<Deps, 'repos'>,
  destinationId: string,
  message: InternalNotification,
  now: number,
  messageId = `msg_${newId(24)}`,
): Statement {
  return deps.repos.destinations.insertDelivery({
    messageId,
    destinationId,
    kind: message.kind,
    // A test message is about nothing; an alert's is about a draft, not (yet) an incident.
    incidentId: message.kind === 'test' || isAboutDraft(message.kind) ? null : message.incidentId,
    message: message as unknown as Record<string, unknown>,
    status: 'queued',
    dueAt: now,
    createdAt: now,
  });
}

/** The facts of a stored incident, for changes to one that exists. */
export function factsOf(incident: Omit<IncidentFacts, 'severity'> & { severity: number | null }): IncidentFacts {
  return { ...incident, severity: (incident.severity ?? 4) as Severity };
}
