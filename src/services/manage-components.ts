import { z } from 'zod';
import type { Statement } from '../db/database.js';
import type { ComponentGroupRow, ComponentRow } from '../db/schema.js';
import { COMPONENT_STATUSES, type ComponentStatus } from '../domain/constants.js';
import type { Deps } from '../deps.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { auditEntry, authorize, type Actor } from './auth/actor.js';
import { parseInput, PublicId } from './validation.js';

/*
 * Editing, ordering and deleting components and component groups (the
 * `components:write` permission: admins and owners). Every write is one
 * `db.atomic` call that carries its audit row.
 */

type ReadDeps = Pick<Deps, 'repos'>;
type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

export type MoveDirection = 'up' | 'down';

const Name = z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' });
const Description = z
  .string()
  .trim()
  .max(500, { error: 'must be at most 500 characters' })
  .nullable()
  .transform((text) => text || null);

/** Only the fields given change (the admin form sends all of them; the API may send some). */
export const UpdateComponentInput = z.object({
  name: Name.optional(),
  description: Description.optional(),
  /** null takes the component out of its group. */
  groupId: PublicId.nullable().optional(),
  hidden: z.boolean().optional(),
});
export type UpdateComponentInput = z.input<typeof UpdateComponentInput>;

export const UpdateGroupInput = z.object({
  name: Name.optional(),
  description: Description.optional(),
});
export type UpdateGroupInput = z.input<typeof UpdateGroupInput>;

export const ComponentStatusInput = z.enum(COMPONENT_STATUSES, { error: `must be one of ${COMPONENT_STATUSES.join(', ')}` });

export const OrderInput = z
  .array(PublicId)
  .max(10_000)
  .refine((ids) => new Set(ids).size === ids.length, { error: 'lists an id twice' });

async function findComponent(deps: ReadDeps, id: string): Promise<ComponentRow> {
  const component = await deps.repos.components.findById(id);
  if (!component) throw new NotFoundError(`No component with id ${id}.`);
  return component;
}

async function findGroup(deps: ReadDeps, id: string): Promise<ComponentGroupRow> {
  const group = await deps.repos.components.findGroup(id);
  if (!group) throw new NotFoundError(`No component group with id ${id}.`);
  return group;
}

/** Every group and component in display order (hidden components included), for the admin list. */
export async function loadComponents(deps: ReadDeps): Promise<{ groups: ComponentGroupRow[]; components: ComponentRow[] }> {
  const [groups, components] = await Promise.all([deps.repos.components.listGroups(), deps.repos.components.list()]);
  return { groups, components };
}

/** One component, and the groups it could move to; NotFoundError when there is no such component. */
export async function loadComponent(deps: ReadDeps, id: string): Promise<{ component: ComponentRow; groups: ComponentGroupRow[] }> {
  const [component, groups] = await Promise.all([findComponent(deps, id), deps.repos.components.listGroups()]);
  return { component, groups };
}

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
 * follow. Setting the status it already has changes nothing.
 */
export async function setComponentStatus(deps: WriteDeps, actor: Actor, id: string, status: unknown): Promise<void> {
  authorize(actor, 'components:write');
  const next: ComponentStatus = parseInput(z.object({ status: ComponentStatusInput }), { status }).status;
  const component = await findComponent(deps, id);
  if (component.status === next) return;
  const now = deps.clock.now();
  await deps.db.atomic([
    ...deps.repos.components.setStatus({ componentId: id, status: next, at: now, incidentId: null }, now),
    auditEntry(deps, actor, {
      action: 'component.set_status',
      targetType: 'component',
      targetId: id,
      details: { from: component.status, to: next },
    }),
  ]);
}

/**
 * The new positions for `current` (in display order) when `ordered` comes
 * first, in that order, and everything else keeps its relative order after
 * it. Positions are renumbered 0..n-1; only the rows that move are returned.
 */
function renumber<T extends { id: string; position: number }>(current: readonly T[], ordered: readonly string[]): { id: string; position: number }[] {
  const byId = new Map(current.map((row) => [row.id, row]));
  const listed = new Set(ordered);
  const sequence = [...ordered.map((id) => byId.get(id)!), ...current.filter((row) => !listed.has(row.id))];
  return sequence.flatMap((row, position) => (row.position === position ? [] : [{ id: row.id, position }]));
}

function assertKnown(ids: readonly string[], known: readonly { id: string }[], what: string): void {
  const missing = ids.filter((id) => !known.some((row) => row.id === id));
  if (missing.length) throw new ValidationError(`Unknown ${what}: ${missing.join(', ')}`, { orderedIds: [`unknown id ${missing.join(', ')}`] });
}

/** Swaps `id` with its neighbour among `siblings`; null when it is already at that end. */
function swapWithNeighbour(all: readonly { id: string }[], siblings: readonly { id: string }[], id: string, direction: MoveDirection): string[] | null {
  const at = siblings.findIndex((row) => row.id === id);
  const neighbour = siblings[direction === 'up' ? at - 1 : at + 1];
  if (at < 0 || !neighbour) return null;
  const order = all.map((row) => row.id);
  const i = order.indexOf(id);
  const j = order.indexOf(neighbour.id);
  [order[i], order[j]] = [order[j]!, order[i]!];
  return order;
}

async function writeComponentOrder(deps: WriteDeps, actor: Actor, current: readonly ComponentRow[], ordered: readonly string[], details: Record<string, unknown>): Promise<void> {
  const moves = renumber(current, ordered);
  if (moves.length === 0) return;
  const now = deps.clock.now();
  const statements: Statement[] = moves.map((move) => deps.repos.components.update(move.id, { position: move.position, updatedAt: now }));
  await deps.db.atomic([...statements, auditEntry(deps, actor, { action: 'component.reorder', targetType: 'component', details })]);
}

async function writeGroupOrder(deps: WriteDeps, actor: Actor, current: readonly ComponentGroupRow[], ordered: readonly string[], details: Record<string, unknown>): Promise<void> {
  const moves = renumber(current, ordered);
  if (moves.length === 0) return;
  const now = deps.clock.now();
  const statements: Statement[] = moves.map((move) => deps.repos.components.updateGroup(move.id, { position: move.position, updatedAt: now }));
  await deps.db.atomic([...statements, auditEntry(deps, actor, { action: 'component_group.reorder', targetType: 'component_group', details })]);
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

export interface ComponentDeletion {
  component: ComponentRow;
  /** Rows of status history that go with it. */
  statusChanges: number;
  /** Incidents and maintenances that name it; they stay, without it. */
  incidents: number;
}

/** What deleting a component takes with it, for the confirmation page. */
export async function describeComponentDeletion(deps: ReadDeps, id: string): Promise<ComponentDeletion> {
  const component = await findComponent(deps, id);
  const [statusChanges, incidents] = await Promise.all([
    deps.repos.components.countStatusChanges(id),
    deps.repos.components.countIncidentsMentioning(id),
  ]);
  return { component, statusChanges, incidents };
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

export interface GroupDeletion {
  group: ComponentGroupRow;
  /** Its components, in order; they stay, ungrouped. */
  components: ComponentRow[];
}

/**
 * A group with its components in order: what its page shows, and what
 * deleting it changes (they become ungrouped). NotFoundError when there is none.
 */
export async function describeGroupDeletion(deps: ReadDeps, id: string): Promise<GroupDeletion> {
  const group = await findGroup(deps, id);
  const components = (await deps.repos.components.list()).filter((c) => c.groupId === id);
  return { group, components };
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
