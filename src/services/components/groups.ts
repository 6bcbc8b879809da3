import type { Statement } from '../../db/database.js';
import type { ComponentGroupRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput } from '../validation.js';
import { z } from 'zod';
import { describeGroupDeletion, findGroup } from './reads.js';
import { assertKnown, Description, Name, OrderInput, renumber, swapWithNeighbour, type MoveDirection } from './shared.js';

/*
 * Creating, editing, ordering and deleting component groups (the
 * `components:write` permission). Deleting a group keeps its components,
 * ungrouped.
 */

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

export const CreateGroupInput = z.object({
  name: Name,
  description: z.string().trim().max(500, { error: 'must be at most 500 characters' }).optional(),
  /** Defaults to after the last group. */
  position: z.number().int().min(0).optional(),
  example: z.boolean().default(false),
});
export type CreateGroupInput = z.input<typeof CreateGroupInput>;

/**
 * Creates a component group. Returns its id. The group goes after the last
 * one unless a position is given; the audit log records who created it.
 */
export async function createGroup(
  deps: WriteDeps,
  raw: CreateGroupInput,
  actor: Actor,
): Promise<string> {
  authorize(actor, 'components:write');
  const input = parseInput(CreateGroupInput, raw);
  const position = input.position ?? (await deps.repos.components.maxGroupPosition()) + 1;
  const now = deps.clock.now();
  const id = newId();
  await deps.db.atomic([
    deps.repos.components.insertGroup({
      id,
      name: input.name,
      description: input.description || null,
      position,
      example: input.example,
      createdAt: now,
      updatedAt: now,
    }),
    auditEntry(deps, actor, { action: 'component_group.create', targetType: 'component_group', targetId: id, details: { name: input.name } }),
  ]);
  return id;
}

export const UpdateGroupInput = z.object({
  name: Name.optional(),
  description: Description.optional(),
});
export type UpdateGroupInput = z.input<typeof UpdateGroupInput>;

async function writeGroupOrder(deps: WriteDeps, actor: Actor, current: readonly ComponentGroupRow[], ordered: readonly string[], details: Record<string, unknown>): Promise<void> {
  const moves = renumber(current, ordered);
  if (moves.length === 0) return;
  const now = deps.clock.now();
  const statements: Statement[] = moves.map((move) => deps.repos.components.updateGroup(move.id, { position: move.position, updatedAt: now }));
  await deps.db.atomic([...statements, auditEntry(deps, actor, { action: 'component_group.reorder', targetType: 'component_group', details })]);
}

/** Updates a group's name and description. */
export async function updateGroup(deps: WriteDeps, actor: Actor, id: string, raw: UpdateGroupInput): Promise<void> {
  authorize(actor, 'components:write');
  const input = parseInput(UpdateGroupInput, raw);
  const group = await findGroup(deps, id);
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const patch: { name?: string; description?: string | null } = {};
  if (input.name !== undefined && input.name !== group.name) {
    before.name = group.name;
    after.name = patch.name = input.name;
  }
  if (input.description !== undefined && input.description !== group.description) {
    before.description = group.description;
    after.description = patch.description = input.description;
  }
  if (Object.keys(patch).length === 0) return;
  await deps.db.atomic([
    deps.repos.components.updateGroup(id, { ...patch, updatedAt: deps.clock.now() }),
    auditEntry(deps, actor, { action: 'component_group.update', targetType: 'component_group', targetId: id, details: { before, after } }),
  ]);
}

/** Puts groups in the given order; groups not listed keep their order after the listed ones. */
export async function reorderGroups(deps: WriteDeps, actor: Actor, orderedIds: unknown): Promise<void> {
  authorize(actor, 'components:write');
  const ordered = parseInput(z.object({ orderedIds: OrderInput }), { orderedIds }).orderedIds;
  const current = await deps.repos.components.listGroups();
  assertKnown(ordered, current, 'component group');
  await writeGroupOrder(deps, actor, current, ordered, { order: ordered });
}

/** Moves a group one place up or down. */
export async function moveGroup(deps: WriteDeps, actor: Actor, id: string, direction: MoveDirection): Promise<void> {
  authorize(actor, 'components:write');
  const current = await deps.repos.components.listGroups();
  if (!current.some((row) => row.id === id)) throw new NotFoundError(`No component group with id ${id}.`);
  const order = swapWithNeighbour(current, current, id, direction);
  if (order) await writeGroupOrder(deps, actor, current, order, { groupId: id, direction });
}

/** Deletes a group. Its components stay, with their history, and become ungrouped. */
export async function deleteGroup(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'components:write');
  const { group, components } = await describeGroupDeletion(deps, id);
  const now = deps.clock.now();
  await deps.db.atomic([
    ...deps.repos.components.deleteGroup(id, now),
    auditEntry(deps, actor, {
      action: 'component_group.delete',
      targetType: 'component_group',
      targetId: id,
      details: { name: group.name, ungrouped: components.map((c) => c.id) },
    }),
  ]);
}
