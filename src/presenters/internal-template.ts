import type { IncidentRoleRow } from '../db/schema.js';
import { INCIDENT_STATUS_LABELS, type AnyIncidentStatus } from '../domain/constants.js';
import { fillTemplate } from '../domain/templates.js';
import { formatDuration, type Formatter } from './format.js';

/*
 * An internal template started from the incident page: the placeholders
 * Herald knows the answer to are filled in from the incident (severity,
 * status, roles, links, times, and what earlier public updates said for the
 * same names); the rest stay `{{...}}` for the Comms Lead, and the guard
 * refuses to send the text until they are filled.
 */

export interface InternalTemplateFacts {
  title: string;
  severity: number | null;
  status: AnyIncidentStatus;
  startedAt: number;
  warRoomUrl: string | null;
  runbookUrl: string | null;
  dashboardUrl: string | null;
  roles: readonly Pick<IncidentRoleRow, 'role' | 'name'>[];
  /** Values typed for public templates earlier in the incident ("impact", "affected_service"). */
  carried: Readonly<Record<string, string>>;
  /** When the next internal update is due if one is posted now (the cadence), or null. */
  nextInternalAt: number | null;
}

export function internalTemplateValues(facts: InternalTemplateFacts, format: Formatter, now: number): Record<string, string> {
  const role = (name: string) => facts.roles.find((r) => r.role === name)?.name ?? '';
  const known: Record<string, string> = {
    what: facts.title,
    severity: facts.severity === null ? '' : `SEV-${facts.severity}`,
    status: INCIDENT_STATUS_LABELS[facts.status],
    started: `${format.dateTime(facts.startedAt).text} (${formatDuration(now - facts.startedAt)} ago)`,
    duration: formatDuration(now - facts.startedAt),
    incident_commander: role('incident_commander'),
    comms_lead: role('comms_lead'),
    ops_lead: role('ops_lead'),
    scribe: role('scribe'),
    war_room: facts.warRoomUrl ?? '',
    runbook: facts.runbookUrl ?? '',
    dashboard: facts.dashboardUrl ?? '',
    next_update_time: facts.nextInternalAt === null ? '' : format.time(facts.nextInternalAt).text,
  };
  // What Herald knows wins over what was typed for a public template under the same name.
  return { ...facts.carried, ...Object.fromEntries(Object.entries(known).filter(([, value]) => value !== '')) };
}

/** The template's text with what Herald knows filled in. */
export function startInternalUpdate(body: string, facts: InternalTemplateFacts, format: Formatter, now: number): string {
  return fillTemplate(body, internalTemplateValues(facts, format, now));
}
