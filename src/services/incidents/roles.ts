import { z } from 'zod';
import type { Statement } from '../../db/database.js';
import type { NewIncidentRole } from '../../db/repos/incident-roles-repo.js';
import type { IncidentRoleRow } from '../../db/schema.js';
import { INCIDENT_ROLE_LABELS, INCIDENT_ROLES, type IncidentRole } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { factsOf, notifyDestinations, roleNames, type NotifyDeps, type RoleNames } from '../destinations/notify.js';
import { parseInput, PublicId } from '../validation.js';

/*
 * Incident roles (Incident Commander, Comms Lead, Ops Lead, Scribe): each held
 * by a team member or by a free-text name or handle (people without an
 * account). The shared parts of declaring with roles and changing them.
 */

/** One role: a member (by id) or a free-text name; null leaves it unassigned. */
export const RoleAssignment = z
  .object({
    userId: PublicId.optional(),
    name: z.string().trim().max(100, { error: 'at most 100 characters' }).optional(),
  })
  .refine((a) => Boolean(a.userId) || Boolean(a.name), { error: 'give a team member or a name' });
export type RoleAssignment = z.output<typeof RoleAssignment>;

export const RolesInput = z.partialRecord(z.enum(INCIDENT_ROLES), RoleAssignment.nullable());
export type RolesInput = z.output<typeof RolesInput>;

/** A link on the incident's header (war room, runbook, dashboard): http(s) only, or null to clear. */
export const IncidentLink = z
  .string()
  .trim()
  .max(2_000)
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .nullable();

export const IncidentLinksInput = z.object({
  warRoomUrl: IncidentLink.optional(),
  runbookUrl: IncidentLink.optional(),
  dashboardUrl: IncidentLink.optional(),
});

/** A role as it will be stored: who, and the name shown. */
export interface ResolvedRole {
  role: IncidentRole;
  userId: string | null;
  name: string;
}

/**
 * The roles as stored rows: member ids checked (a clear error for an unknown
 * or disabled one) and named by the account's name; null entries mean
 * "unassign" and come back with `name` ''.
 */
export async function resolveRoles(deps: Pick<Deps, 'repos'>, input: RolesInput): Promise<(ResolvedRole | { role: IncidentRole; unassign: true })[]> {
  const resolved: (ResolvedRole | { role: IncidentRole; unassign: true })[] = [];
  const problems: Record<string, string[]> = {};
  for (const role of INCIDENT_ROLES) {
    const assignment = input[role];
    if (assignment === undefined) continue;
    if (assignment === null) {
      resolved.push({ role, unassign: true });
      continue;
    }
    if (assignment.userId) {
      const user = await deps.repos.accounts.findUserById(assignment.userId);
      if (!user || user.disabledAt !== null) {
        problems[`roles.${role}`] = ['is not a team member'];
        continue;
      }
      resolved.push({ role, userId: user.id, name: user.name });
    } else {
      resolved.push({ role, userId: null, name: assignment.name! });
    }
  }
  if (Object.keys(problems).length) throw new ValidationError('Nothing was saved: a role names someone who is not on the team.', problems);
  return resolved;
}

/** Declaring: the declaring person is Incident Commander and Comms Lead unless the input says otherwise. */
export async function declaredRoles(deps: Pick<Deps, 'repos'>, input: RolesInput | undefined, actor: Actor): Promise<ResolvedRole[]> {
  const given = await resolveRoles(deps, input ?? {});
  const roles = new Map<IncidentRole, ResolvedRole | null>(given.map((r) => [r.role, 'unassign' in r ? null : r]));
  if (actor.kind === 'user') {
    const user = await deps.repos.accounts.findUserById(actor.id);
    for (const role of ['incident_commander', 'comms_lead'] as const) {
      if (user && !roles.has(role)) roles.set(role, { role, userId: user.id, name: user.name });
    }
  }
  return [...roles.values()].filter((r): r is ResolvedRole => r !== null);
}

/** The rows assigning `roles` on an incident. */
export function assignStatements(deps: Pick<Deps, 'repos'>, incidentId: string, roles: readonly ResolvedRole[], actor: Actor, now: number): Statement[] {
  return roles.map((r) =>
    deps.repos.roles.assign({ incidentId, role: r.role, userId: r.userId, name: r.name, assignedAt: now, assignedBy: actor.label } satisfies NewIncidentRole),
  );
}

export function namesOf(roles: readonly ResolvedRole[]): RoleNames {
  return Object.fromEntries(roles.map((r) => [r.role, r.name]));
}

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'> & NotifyDeps;

async function findRealIncident(deps: Pick<Deps, 'repos'>, incidentId: string) {
  const incident = await deps.repos.incidents.findById(incidentId);
  if (!incident) throw new NotFoundError(`No incident with id ${incidentId}.`);
  if (incident.kind !== 'incident') throw new ValidationError('Maintenance has no incident roles or links.');
  return incident;
}

/** One role that changed hands: the names before and after (null: unassigned). */
export interface RoleChange {
  role: IncidentRole;
  from: string | null;
  to: string | null;
}

/** "IC handover: Ada → Grace", "Ops Lead: (none) → Linus": one line per change, the IC first. */
export function describeRoleChanges(changes: readonly RoleChange[]): string {
  return changes
    .map((c) => {
      const label = c.role === 'incident_commander' ? 'IC handover' : INCIDENT_ROLE_LABELS[c.role];
      return `${label}: ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`;
    })
    .join('\n');
}

/**
 * Assigns and unassigns an incident's roles (roles left out stay as they are).
 * Each change is audited with the names before and after and announced to the
 * destinations that want the incident ("IC handover: A → B"), in the same
 * write; a change to nothing writes nothing. Returns the roles afterwards.
 */
export async function setIncidentRoles(deps: WriteDeps, incidentId: string, raw: unknown, actor: Actor): Promise<IncidentRoleRow[]> {
  authorize(actor, 'incidents:write');
  const input = parseInput(RolesInput, raw);
  const incident = await findRealIncident(deps, incidentId);
  const current = await deps.repos.roles.rolesOf(incidentId);
  const held = new Map(current.map((r) => [r.role, r]));
  const wanted = await resolveRoles(deps, input);
  const now = deps.clock.now();
  const changes: RoleChange[] = [];
  const statements: Statement[] = [];
  for (const r of wanted) {
    const before = held.get(r.role);
    if ('unassign' in r) {
      if (!before) continue;
      changes.push({ role: r.role, from: before.name, to: null });
      statements.push(deps.repos.roles.unassign(incidentId, r.role));
      held.delete(r.role);
    } else {
      if (before && before.userId === r.userId && before.name === r.name) continue;
      changes.push({ role: r.role, from: before?.name ?? null, to: r.name });
      statements.push(...assignStatements(deps, incidentId, [r], actor, now));
      held.set(r.role, { incidentId, role: r.role, userId: r.userId, name: r.name, assignedAt: now, assignedBy: actor.label });
    }
  }
  if (!changes.length) return current;
  const after = INCIDENT_ROLES.flatMap((role) => (held.has(role) ? [held.get(role)!] : []));
  const told = await notifyDestinations(deps, factsOf(incident), roleNames(after), {
    kind: 'role_change',
    text: describeRoleChanges(changes),
    postedOnStatusPage: false,
    at: now,
    extraFacts: changes.map((c) => ({ label: INCIDENT_ROLE_LABELS[c.role], value: `${c.from ?? '(none)'} → ${c.to ?? '(none)'}` })),
  });
  await deps.db.atomic([
    // The incident row stays as it is: roles are internal, and its public times must not move.
    ...statements,
    ...told,
    auditEntry(deps, actor, {
      action: 'incident.roles',
      targetType: 'incident',
      targetId: incidentId,
      details: { changes: Object.fromEntries(changes.map((c) => [c.role, { from: c.from, to: c.to }])) },
    }),
  ]);
  return deps.repos.roles.rolesOf(incidentId);
}

/** Sets or clears the war room, runbook and dashboard links (those left out stay); audited with before and after. */
export async function updateIncidentLinks(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, incidentId: string, raw: unknown, actor: Actor): Promise<void> {
  authorize(actor, 'incidents:write');
  const input = parseInput(IncidentLinksInput, raw);
  const incident = await findRealIncident(deps, incidentId);
  const patch: Partial<Record<'warRoomUrl' | 'runbookUrl' | 'dashboardUrl', string | null>> = {};
  const changes: Record<string, { from: string | null; to: string | null }> = {};
  for (const key of ['warRoomUrl', 'runbookUrl', 'dashboardUrl'] as const) {
    const value = input[key] === undefined ? undefined : input[key] || null;
    if (value === undefined || value === incident[key]) continue;
    patch[key] = value;
    changes[key] = { from: incident[key], to: value };
  }
  if (!Object.keys(patch).length) return;
  await deps.db.atomic([
    deps.repos.incidents.update(incidentId, patch),
    auditEntry(deps, actor, { action: 'incident.links', targetType: 'incident', targetId: incidentId, details: { changes } }),
  ]);
}
