import { z } from 'zod';
import type { Statement } from '../../db/database.js';
import type { NewIncidentRole } from '../../db/repos/incident-roles-repo.js';
import { INCIDENT_ROLES, type IncidentRole } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import type { RoleNames } from '../destinations/notify.js';
import { PublicId } from '../validation.js';

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
