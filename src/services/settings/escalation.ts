import { z } from 'zod';
import type { SettingsRow, UserRow } from '../../db/schema.js';
import type { Role } from '../../domain/constants.js';
import { can } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { authorize, type Actor } from '../auth/actor.js';
import { PublicId } from '../validation.js';

/*
 * Alert escalation settings (issue 16): how many minutes a draft suggesting
 * SEV-1 or SEV-2 may stay unacknowledged before it is announced again, and
 * who is emailed then: the members on a list, or (no list) every owner.
 * Only members who can acknowledge a draft (Comms and above) can be on the
 * list; the escalation itself skips disabled accounts (services/alerts/escalation.ts).
 */

export const ALERT_ESCALATION_MIN = 1;
export const ALERT_ESCALATION_MAX = 120;
export const ESCALATION_MINUTES_MESSAGE = `must be whole minutes from ${ALERT_ESCALATION_MIN} to ${ALERT_ESCALATION_MAX}`;
/** The longest list (more than any team this page is for). */
export const ESCALATION_LIST_MAX = 200;

/** Minutes, as a number (API) or as typed in a form field. */
export const EscalationMinutes = z
  .union([z.number(), z.string()], { error: ESCALATION_MINUTES_MESSAGE })
  .transform((value, ctx): number => {
    const text = String(value).trim();
    const minutes = Number(text);
    if (!/^\d+$/.test(text) || minutes < ALERT_ESCALATION_MIN || minutes > ALERT_ESCALATION_MAX) {
      ctx.addIssue({ code: 'custom', message: ESCALATION_MINUTES_MESSAGE });
      return z.NEVER;
    }
    return minutes;
  });

/** The members emailed, by id (each once, in the order given); null: every owner. */
export const EscalationUserIds = z
  .array(PublicId, { error: 'must be a list of member ids, or null for every owner' })
  .max(ESCALATION_LIST_MAX, { error: `must name at most ${ESCALATION_LIST_MAX} members` })
  .transform((ids) => [...new Set(ids)])
  .nullable();

/** Whether a member can be on the list: they can acknowledge a draft. */
export function canBeEscalatedTo(role: Role): boolean {
  return can(role, 'incidents:write');
}

/**
 * Refuses ids that are not members who can acknowledge (unknown ids,
 * viewers), naming them, as a 400 on the field `alertEscalationUserIds`.
 */
export async function assertEscalationMembers(deps: Pick<Deps, 'repos'>, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const members = new Map((await deps.repos.accounts.listUsers()).map((u) => [u.id, u]));
  const unknown = ids.filter((id) => !members.has(id));
  const viewers = ids.filter((id) => members.has(id) && !canBeEscalatedTo(members.get(id)!.role));
  const problems: string[] = [];
  if (unknown.length) problems.push(`no member has the id ${unknown.join(', ')}`);
  if (viewers.length) {
    const names = viewers.map((id) => members.get(id)!.email);
    problems.push(`${names.join(', ')} can only view and cannot acknowledge an alert (make them Comms or above first)`);
  }
  if (problems.length) {
    throw new ValidationError(`Escalation list: ${problems.join('; ')}.`, { alertEscalationUserIds: problems });
  }
}

/** A member the settings page offers for the escalation list. */
export interface EscalationCandidate {
  id: string;
  name: string;
  email: string;
  role: Role;
  disabled: boolean;
}

/** The members who may be put on the escalation list (Comms and above), in the order they joined. */
export async function escalationCandidates(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<EscalationCandidate[]> {
  authorize(actor, 'settings:write');
  return (await deps.repos.accounts.listUsers())
    .filter((u) => canBeEscalatedTo(u.role))
    .map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role, disabled: u.disabledAt !== null }));
}

/**
 * Who is emailed when a draft escalates: the listed members (every owner
 * when there is no list) whose accounts are enabled and who can still
 * acknowledge (a member whose role was lowered, or who was removed, is skipped).
 */
export async function escalationRecipients(
  deps: Pick<Deps, 'repos'>,
  settings: Pick<SettingsRow, 'alertEscalationUserIds'>,
): Promise<UserRow[]> {
  const users = await deps.repos.accounts.listUsers();
  const listed = settings.alertEscalationUserIds;
  const chosen =
    listed === null
      ? users.filter((u) => u.role === 'owner')
      : listed.map((id) => users.find((u) => u.id === id)).filter((u): u is UserRow => u !== undefined);
  return chosen.filter((u) => u.disabledAt === null && canBeEscalatedTo(u.role));
}
