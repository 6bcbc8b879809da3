import { z } from 'zod';
import type { ActionItemFilter, ActionItemListRow } from '../../db/repos/postmortems-repo.js';
import type { ActionItemRow } from '../../db/schema.js';
import { ACTION_ITEM_PRIORITIES, ACTION_ITEM_STATUSES } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { ID_PATTERN, newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput, PublicId, Timestamp } from '../validation.js';

/*
 * Action items (issue 17): the follow-up work a postmortem decides on. Each
 * has an owner (a member or a name), a priority (P0/P1/P2), a due date, a
 * status (open, done, won't do with a reason) and optionally the ticket in
 * an external tracker. Listed per incident and across incidents (by owner,
 * status, overdue); overdue P0/P1 items show on the dashboard.
 */

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

const TrackerUrl = z
  .string()
  .trim()
  .max(2000)
  .url({ protocol: /^https?$/, error: 'must be an http(s) link to the ticket' });

const fields = {
  title: z.string().trim().min(1, { error: 'say what will be done' }).max(300),
  ownerUserId: PublicId.nullable(),
  ownerName: z.string().trim().max(100).nullable(),
  priority: z.enum(ACTION_ITEM_PRIORITIES, { error: 'must be P0, P1 or P2' }),
  dueAt: Timestamp.nullable(),
  url: TrackerUrl.nullable(),
};

export const CreateActionItemInput = z.object({
  ...fields,
  ownerUserId: fields.ownerUserId.default(null),
  ownerName: fields.ownerName.default(null),
  priority: fields.priority.default('P1'),
  dueAt: fields.dueAt.default(null),
  url: fields.url.default(null),
});
export type CreateActionItemInput = z.input<typeof CreateActionItemInput>;

export const UpdateActionItemInput = z
  .object({
    ...fields,
    status: z.enum(ACTION_ITEM_STATUSES, { error: `must be one of ${ACTION_ITEM_STATUSES.join(', ')}` }),
    /** Why it won't be done (required with wont_do). */
    reason: z.string().trim().max(1000).nullable(),
  })
  .partial();
export type UpdateActionItemInput = z.input<typeof UpdateActionItemInput>;

/** The name of the enabled team member `userId` names (an owner of a postmortem or an action item); 400 otherwise. */
export async function memberOwnerName(deps: Pick<Deps, 'repos'>, userId: string): Promise<string> {
  const user = await deps.repos.accounts.findUserById(userId);
  if (!user || user.disabledAt !== null) throw new ValidationError('The owner must be a team member.', { ownerUserId: ['is not a team member'] });
  return user.name;
}

async function owner(deps: Pick<Deps, 'repos'>, ownerUserId: string | null | undefined, ownerName: string | null | undefined) {
  if (!ownerUserId) return { ownerUserId: ownerUserId ?? null, ownerName: ownerName || null };
  return { ownerUserId, ownerName: await memberOwnerName(deps, ownerUserId) };
}

export async function createActionItem(deps: WriteDeps, actor: Actor, incidentId: string, raw: CreateActionItemInput): Promise<ActionItemRow> {
  authorize(actor, 'incidents:write');
  const input = parseInput(CreateActionItemInput, raw);
  const incident = ID_PATTERN.test(incidentId) ? await deps.repos.incidents.findById(incidentId) : undefined;
  if (!incident || incident.kind !== 'incident') throw new NotFoundError('There is no incident with this id.');
  const now = deps.clock.now();
  const row: ActionItemRow = {
    id: newId(),
    incidentId: incident.id,
    title: input.title,
    ...(await owner(deps, input.ownerUserId, input.ownerName)),
    priority: input.priority,
    dueAt: input.dueAt,
    status: 'open',
    reason: null,
    url: input.url,
    doneAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await deps.db.atomic([
    deps.repos.postmortems.insertActionItem(row),
    auditEntry(deps, actor, {
      action: 'action_item.create',
      targetType: 'incident',
      targetId: incident.id,
      details: { id: row.id, summary: `Action item (${row.priority}): ${row.title}` },
    }),
  ]);
  return row;
}

export async function findActionItem(deps: Pick<Deps, 'repos'>, actor: Actor, id: string): Promise<ActionItemRow> {
  authorize(actor, 'admin:read');
  const item = ID_PATTERN.test(id) ? await deps.repos.postmortems.findActionItem(id) : undefined;
  if (!item) throw new NotFoundError('There is no action item with this id.');
  return item;
}

/** Changes an item; done records when, won't do needs a reason. */
export async function updateActionItem(deps: WriteDeps, actor: Actor, id: string, raw: UpdateActionItemInput): Promise<ActionItemRow> {
  authorize(actor, 'incidents:write');
  const input = parseInput(UpdateActionItemInput, raw);
  const current = await findActionItem(deps, actor, id);
  const status = input.status ?? current.status;
  const reason = input.reason !== undefined ? input.reason : current.reason;
  if (status === 'wont_do' && !reason) throw new ValidationError("Say why it won't be done.", { reason: ["is required for won't do"] });
  const now = deps.clock.now();
  const who = input.ownerUserId !== undefined || input.ownerName !== undefined ? await owner(deps, input.ownerUserId, input.ownerName) : {};
  const patch = {
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...who,
    ...(input.priority !== undefined ? { priority: input.priority } : {}),
    ...(input.dueAt !== undefined ? { dueAt: input.dueAt } : {}),
    ...(input.url !== undefined ? { url: input.url } : {}),
    status,
    reason: status === 'wont_do' ? reason : null,
    doneAt: status === 'done' ? (current.doneAt ?? now) : null,
    updatedAt: now,
  };
  const statusChanged = status !== current.status;
  await deps.db.atomic([
    deps.repos.postmortems.updateActionItem(id, patch),
    auditEntry(deps, actor, {
      action: 'action_item.update',
      targetType: statusChanged ? 'incident' : 'action_item',
      targetId: statusChanged ? current.incidentId : id,
      details: {
        id,
        changed: Object.keys(input),
        ...(statusChanged ? { summary: `Action item ${status === 'done' ? 'done' : status === 'wont_do' ? "won't be done" : 'reopened'}: ${current.title}` } : {}),
      },
    }),
  ]);
  return (await deps.repos.postmortems.findActionItem(id))!;
}

export async function deleteActionItem(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'incidents:write');
  const current = await findActionItem(deps, actor, id);
  await deps.db.atomic([
    deps.repos.postmortems.deleteActionItem(id),
    auditEntry(deps, actor, { action: 'action_item.delete', targetType: 'action_item', targetId: id, details: { title: current.title, incidentId: current.incidentId } }),
  ]);
}

export const ActionItemListInput = z.object({
  status: z.enum(ACTION_ITEM_STATUSES).optional(),
  ownerUserId: PublicId.optional(),
  overdue: z.boolean().optional(),
  incidentId: PublicId.optional(),
});

/** Action items across incidents, soonest due first (open ones without a due date last). */
export async function listActionItems(deps: Pick<Deps, 'repos' | 'clock'>, actor: Actor, raw: z.input<typeof ActionItemListInput>, limit = 500): Promise<ActionItemListRow[]> {
  authorize(actor, 'admin:read');
  const input = parseInput(ActionItemListInput, raw);
  const filter: ActionItemFilter = {
    ...(input.status ? { status: input.status } : {}),
    ...(input.ownerUserId ? { ownerUserId: input.ownerUserId } : {}),
    ...(input.incidentId ? { incidentId: input.incidentId } : {}),
    ...(input.overdue ? { overdueAt: deps.clock.now() } : {}),
  };
  return deps.repos.postmortems.listActionItems(filter, limit);
}
