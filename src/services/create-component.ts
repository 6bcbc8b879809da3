import { z } from 'zod';
import { COMPONENT_STATUSES } from '../domain/constants.js';
import type { Deps } from '../deps.js';
import { ValidationError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { auditEntry, authorize, type Actor } from './auth/actor.js';
import { parseInput, PublicId, Timestamp } from './validation.js';

export const CreateGroupInput = z.object({
  name: z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
  description: z.string().trim().max(500, { error: 'must be at most 500 characters' }).optional(),
  /** Defaults to after the last group. */
  position: z.number().int().min(0).optional(),
  example: z.boolean().default(false),
});
export type CreateGroupInput = z.input<typeof CreateGroupInput>;

export const CreateComponentInput = z.object({
  name: z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' }),
  description: z.string().trim().max(500, { error: 'must be at most 500 characters' }).optional(),
  groupId: PublicId.optional(),
  /** Defaults to after the last component. */
  position: z.number().int().min(0).optional(),
  status: z.enum(COMPONENT_STATUSES, { error: `must be one of ${COMPONENT_STATUSES.join(', ')}` }).default('operational'),
  hidden: z.boolean().default(false),
  /** When tracking starts; uptime before it has no data. Defaults to now. */
  startedAt: Timestamp.optional(),
  example: z.boolean().default(false),
});
export type CreateComponentInput = z.input<typeof CreateComponentInput>;

/**
 * Creates a component group. Returns its id. The group goes after the last
 * one unless a position is given; the audit log records who created it.
 */
export async function createGroup(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
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

/**
 * Creates a component and opens its status history. Returns its id. The
 * component goes after the last one unless a position is given; the audit log
 * records who created it.
 */
export async function createComponent(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
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
