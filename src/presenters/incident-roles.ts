import type { IncidentRoleRow, InternalUpdateRow, UserRow } from '../db/schema.js';
import { INCIDENT_ROLE_LABELS, INCIDENT_ROLES, INCIDENT_STATUS_LABELS, type IncidentRole } from '../domain/constants.js';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import { formatDuration, type Formatter, type TimeView } from './format.js';
import { renderMarkdown } from './markdown.js';

/*
 * The incident's roles, links and internal updates as the admin shows them:
 * the pinned header at the top of the incident page, the roles form (a team
 * member, or a free-text name or handle), and the internal-only timeline.
 */

/** The select's value meaning "someone without an account: the name typed below". */
export const OTHER_PERSON = '_name';

/** What one role's fields hold: the select (a member id, OTHER_PERSON or '' for unassigned) and the free-text name. */
export interface RoleFieldValue {
  select: string;
  name: string;
}
export type RoleFieldValues = Record<IncidentRole, RoleFieldValue>;

export interface RoleFieldView extends RoleFieldValue {
  role: IncidentRole;
  label: string;
}

export const roleFields = (values: RoleFieldValues): RoleFieldView[] =>
  INCIDENT_ROLES.map((role) => ({ role, label: INCIDENT_ROLE_LABELS[role], ...values[role] }));

/**
 * The roles form filled in with who holds each role now. A holder whose
 * account is no longer selectable (`memberIds`: the active members) shows as
 * a typed name, so that saving the form keeps them instead of unassigning.
 */
export function roleFieldValues(rows: readonly Pick<IncidentRoleRow, 'role' | 'userId' | 'name'>[], memberIds?: ReadonlySet<string>): RoleFieldValues {
  const byRole = new Map(rows.map((r) => [r.role, r]));
  return Object.fromEntries(
    INCIDENT_ROLES.map((role) => {
      const row = byRole.get(role);
      const selectable = row?.userId && (!memberIds || memberIds.has(row.userId));
      const value: RoleFieldValue = !row ? { select: '', name: '' } : selectable ? { select: row.userId!, name: '' } : { select: OTHER_PERSON, name: row.name };
      return [role, value];
    }),
  ) as RoleFieldValues;
}

const text = (fields: Record<string, string | string[]>, key: string): string => (typeof fields[key] === 'string' ? (fields[key] as string) : '');

/** The roles form as it was submitted (to show it again after a refusal). */
export function roleFieldValuesFrom(fields: Record<string, string | string[]>): RoleFieldValues {
  return Object.fromEntries(INCIDENT_ROLES.map((role) => [role, { select: text(fields, `role_${role}`), name: text(fields, `role_${role}_name`) }])) as RoleFieldValues;
}

/**
 * The roles input (RolesInput) from the form: a member by id, a typed name
 * ("Someone else", or a name typed with nothing chosen), or null to unassign.
 */
export function rolesFromForm(fields: Record<string, string | string[]>): Record<IncidentRole, { userId?: string; name?: string } | null> {
  const values = roleFieldValuesFrom(fields);
  return Object.fromEntries(
    INCIDENT_ROLES.map((role) => {
      const { select, name } = values[role];
      if (select === OTHER_PERSON) return [role, { name }];
      if (select) return [role, { userId: select }];
      return [role, name.trim() ? { name } : null];
    }),
  ) as Record<IncidentRole, { userId?: string; name?: string } | null>;
}

/** The links form: an empty field clears the link. */
export function linksFromForm(fields: Record<string, string | string[]>): { warRoomUrl: string | null; runbookUrl: string | null; dashboardUrl: string | null } {
  const link = (key: string) => text(fields, key).trim() || null;
  return { warRoomUrl: link('war_room_url'), runbookUrl: link('runbook_url'), dashboardUrl: link('dashboard_url') };
}

/** The team members a role can be given to (active accounts), by name. */
export function memberOptions(users: readonly UserRow[]): { value: string; label: string }[] {
  return users
    .filter((u) => u.disabledAt === null)
    .map((u) => ({ value: u.id, label: u.name }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

export interface PinnedHeaderView {
  title: string;
  severityLabel: string | null;
  statusLabel: string;
  roles: { role: IncidentRole; label: string; name: string | null }[];
  links: { label: string; url: string }[];
  /** The latest update, public or internal. */
  lastUpdate: { at: TimeView; ago: string; internal: boolean } | null;
}

/** The header pinned at the top of the incident page, like a pinned message in the incident channel. */
export function presentPinnedHeader(
  incident: IncidentDetail,
  roles: readonly Pick<IncidentRoleRow, 'role' | 'name'>[],
  lastInternalAt: number | null,
  publicUrl: string,
  format: Formatter,
  now: number,
): PinnedHeaderView {
  const byRole = new Map(roles.map((r) => [r.role, r.name]));
  const lastPublic = incident.updates[0]?.at ?? null;
  const internal = lastInternalAt !== null && (lastPublic === null || lastInternalAt > lastPublic);
  const last = internal ? lastInternalAt : lastPublic;
  const links = [
    { label: 'Status page', url: publicUrl },
    ...(incident.warRoomUrl ? [{ label: 'War room', url: incident.warRoomUrl }] : []),
    ...(incident.runbookUrl ? [{ label: 'Runbook', url: incident.runbookUrl }] : []),
    ...(incident.dashboardUrl ? [{ label: 'Dashboard', url: incident.dashboardUrl }] : []),
  ];
  return {
    title: incident.title,
    severityLabel: incident.severity ? `SEV-${incident.severity}` : null,
    statusLabel: INCIDENT_STATUS_LABELS[incident.status],
    roles: INCIDENT_ROLES.map((role) => ({ role, label: INCIDENT_ROLE_LABELS[role], name: byRole.get(role) ?? null })),
    links,
    lastUpdate: last === null ? null : { at: format.dateTime(last), ago: now >= last ? `${formatDuration(now - last)} ago` : 'scheduled', internal },
  };
}

export interface InternalUpdateView {
  id: string;
  statusLabel: string;
  at: TimeView;
  author: string;
  bodyHtml: string;
}

export function presentInternalUpdates(rows: readonly InternalUpdateRow[], format: Formatter): InternalUpdateView[] {
  return rows.map((r) => ({ id: r.id, statusLabel: INCIDENT_STATUS_LABELS[r.status], at: format.dateTime(r.at), author: r.author, bodyHtml: renderMarkdown(r.body) }));
}
