import { z } from 'zod';
import type { Statement } from '../../db/database.js';
import type { ComponentRow } from '../../db/schema.js';
import { COMPONENT_STATUSES, type ComponentStatus } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { noticeComponentChange } from '../customer-channels/component-notices.js';
import { parseInput, PublicId, Timestamp } from '../validation.js';
import { describeComponentDeletion, findComponent } from './reads.js';
import { assertKnown, Description, Name, OrderInput, renumber, swapWithNeighbour, type MoveDirection } from './shared.js';

/*
 * Creating, editing, ordering and deleting components (the
 * `components:write` permission: admins and owners). Every write is one
 * `db.atomic` call that carries its audit row.
 */

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

export const ComponentStatusInput = z.enum(COMPONENT_STATUSES, { error: `must be one of ${COMPONENT_STATUSES.join(', ')}` });

export const CreateComponentInput = z.object({
  name: Name,
  description: z.string().trim().max(500, { error: 'must be at most 500 characters' }).optional(),
  groupId: PublicId.optional(),
  /** Defaults to after the last component. */
  position: z.number().int().min(0).optional(),
  status: ComponentStatusInput.default('operational'),
  hidden: z.boolean().default(false),
  /** When tracking starts; uptime before it has no data. Defaults to now. */
  startedAt: Timestamp.optional(),
  example: z.boolean().default(false),
});
export type CreateComponentInput = z.input<typeof CreateComponentInput>;

/**
 * Creates a component and opens its status history. Returns its id. The
 * component goes after the last one unless a position is given; the audit log
 * records who created it.
 */
export async function createComponent(
  deps: WriteDeps,
  raw: CreateComponentInput,
  actor: Actor,
): Promise<string> {
  authorize(actor, 'components:write');
  const input = parseInput(CreateComponentInput, raw);
  if (input.groupId && !(await deps.repos.components.findGroup(input.groupId))) {
    throw new ValidationError('Unknown component group.', { groupId: ['no such group'] });
  }
  const position = input.position ?? (await deps.repos.components.maxPosition()) + 1;
  const now = deps.clock.now();
  const startedAt = input.startedAt ?? now;
  const id = newId();
  await deps.db.atomic([
    deps.repos.components.insert({
      id,
      groupId: input.groupId ?? null,
      name: input.name,
      description: input.description || null,
      position,
      status: input.status,
      hidden: input.hidden,
      startedAt,
      example: input.example,
      createdAt: now,
      updatedAt: now,
    }),
    deps.repos.components.recordChange({ componentId: id, status: input.status, at: startedAt }),
    auditEntry(deps, actor, {
      action: 'component.create',
      targetType: 'component',
      targetId: id,
      details: { name: input.name, groupId: input.groupId ?? null, status: input.status, hidden: input.hidden },
    }),
  ]);
  return id;
}

/** Only the fields given change (the admin form sends all of them; the API may send some). */
export const UpdateComponentInput = z.object({
  name: Name.optional(),
  description: Description.optional(),
  /** null takes the component out of its group. */
  groupId: PublicId.nullable().optional(),
  hidden: z.boolean().optional(),
});
export type UpdateComponentInput = z.input<typeof UpdateComponentInput>;

/** Updates a component's name, description, group and visibility. */
export async function updateComponent(deps: WriteDeps, actor: Actor, id: string, raw: UpdateComponentInput): Promise<void> {
  authorize(actor, 'components:write');
  const input = parseInput(UpdateComponentInput, raw);
  const component = await findComponent(deps, id);
  if (input.groupId && !(await deps.repos.components.findGroup(input.groupId))) {
    throw new ValidationError('Unknown component group.', { groupId: ['no such group'] });
  }
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const patch: { name?: string; description?: string | null; groupId?: string | null; hidden?: boolean; position?: number } = {};
  const change = <K extends 'name' | 'description' | 'groupId' | 'hidden'>(key: K, value: ComponentRow[K] | undefined) => {
    if (value === undefined || value === component[key]) return;
    before[key] = component[key];
    after[key] = value;
    (patch as Record<string, unknown>)[key] = value;
  };
  change('name', input.name);
  change('description', input.description);
  change('groupId', input.groupId);
  change('hidden', input.hidden);
  if (Object.keys(patch).length === 0) return;
  // A component that moves to another group goes to the end of it.
  if ('groupId' in patch) patch.position = (await deps.repos.components.maxPosition()) + 1;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.components.update(id, { ...patch, updatedAt: now }),
    auditEntry(deps, actor, { action: 'component.update', targetType: 'component', targetId: id, details: { before, after } }),
  ]);
}

/**
 * Sets a component's current status by hand (outside an incident), from now
 * on. The change goes into the status history, so uptime and the daily bars
 * follow, and (when the page announces component changes) into the
 * component's notice. Setting the status it already has changes nothing.
 */
export async function setComponentStatus(deps: WriteDeps, actor: Actor, id: string, status: unknown): Promise<void> {
  authorize(actor, 'components:write');
  const next: ComponentStatus = parseInput(z.object({ status: ComponentStatusInput }), { status }).status;
  const component = await findComponent(deps, id);
  if (component.status === next) return;
  const now = deps.clock.now();
  await deps.db.atomic([
    ...deps.repos.components.setStatus({ componentId: id, status: next, at: now, incidentId: null }, now),
    ...(await noticeComponentChange(deps, { componentId: id, from: component.status, to: next }, now)),
    auditEntry(deps, actor, {
      action: 'component.set_status',
      targetType: 'component',
      targetId: id,
      details: { from: component.status, to: next },
    }),
  ]);
}

async function writeComponentOrder(deps: WriteDeps, actor: Actor, current: readonly ComponentRow[], ordered: readonly string[], details: Record<string, unknown>): Promise<void> {
  const moves = renumber(current, ordered);
  if (moves.length === 0) return;
  const now = deps.clock.now();
  const statements: Statement[] = moves.map((move) => deps.repos.components.update(move.id, { position: move.position, updatedAt: now }));
  await deps.db.atomic([...statements, auditEntry(deps, actor, { action: 'component.reorder', targetType: 'component', details })]);
}

/**
 * Puts components in the given order. Components are shown by position
 * within their group, so a partial list (one group's components) is fine:
 * the listed ones come first, the rest keep their order after them.
 */
export async function reorderComponents(deps: WriteDeps, actor: Actor, orderedIds: unknown): Promise<void> {
  authorize(actor, 'components:write');
  const ordered = parseInput(z.object({ orderedIds: OrderInput }), { orderedIds }).orderedIds;
  const current = await deps.repos.components.list();
  assertKnown(ordered, current, 'component');
  await writeComponentOrder(deps, actor, current, ordered, { order: ordered });
}

/** Moves a component one place up or down within its group (the admin page's arrows). */
export async function moveComponent(deps: WriteDeps, actor: Actor, id: string, direction: MoveDirection): Promise<void> {
  authorize(actor, 'components:write');
  const [current, groups] = await Promise.all([deps.repos.components.list(), deps.repos.components.listGroups()]);
  const component = current.find((row) => row.id === id);
  if (!component) throw new NotFoundError(`No component with id ${id}.`);
  // The public page shows a component whose group is gone as ungrouped; so does this.
  const sectionOf = (row: ComponentRow) => (row.groupId && groups.some((g) => g.id === row.groupId) ? row.groupId : null);
  const siblings = current.filter((row) => sectionOf(row) === sectionOf(component));
  const order = swapWithNeighbour(current, siblings, id, direction);
  if (order) await writeComponentOrder(deps, actor, current, order, { componentId: id, direction });
}

/**
 * Deletes a component with its status history (uptime) and its links from
 * incidents and their updates. The incidents stay on the page, without it.
 */
export async function deleteComponent(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'components:write');
  const { component, statusChanges, incidents } = await describeComponentDeletion(deps, id);
  await deps.db.atomic([
    ...deps.repos.components.delete(id),
    auditEntry(deps, actor, {
      action: 'component.delete',
      targetType: 'component',
      targetId: id,
      details: { name: component.name, groupId: component.groupId, status: component.status, statusChanges, incidents },
    }),
  ]);
}
