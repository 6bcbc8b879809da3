import { z } from 'zod';
import { COMPONENT_STATUSES } from '../domain/constants.js';
import type { Deps } from '../deps.js';
import { ValidationError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { parseInput, PublicId, Timestamp } from './validation.js';

export const CreateGroupInput = z.object({
  name: z.string().trim().min(1, { error: 'is required' }).max(100),
  description: z.string().trim().max(500).optional(),
  position: z.number().int().min(0).default(0),
  example: z.boolean().default(false),
});
export type CreateGroupInput = z.input<typeof CreateGroupInput>;

export const CreateComponentInput = z.object({
  name: z.string().trim().min(1, { error: 'is required' }).max(100),
  description: z.string().trim().max(500).optional(),
  groupId: PublicId.optional(),
  position: z.number().int().min(0).default(0),
  status: z.enum(COMPONENT_STATUSES).default('operational'),
  hidden: z.boolean().default(false),
  /** When tracking starts; uptime before it has no data. Defaults to now. */
  startedAt: Timestamp.optional(),
  example: z.boolean().default(false),
});
export type CreateComponentInput = z.input<typeof CreateComponentInput>;

export async function createGroup(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, raw: CreateGroupInput): Promise<string> {
  const input = parseInput(CreateGroupInput, raw);
  const now = deps.clock.now();
  const id = newId();
  await deps.db.atomic([
    deps.repos.components.insertGroup({
      id,
      name: input.name,
      description: input.description ?? null,
      position: input.position,
      example: input.example,
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  return id;
}

/** Creates a component and opens its status history. Returns its id. */
export async function createComponent(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  raw: CreateComponentInput,
): Promise<string> {
  const input = parseInput(CreateComponentInput, raw);
  if (input.groupId) {
    const groups = await deps.repos.components.listGroups();
    if (!groups.some((g) => g.id === input.groupId)) {
      throw new ValidationError('Unknown component group.', { groupId: ['no such group'] });
    }
  }
  const now = deps.clock.now();
  const startedAt = input.startedAt ?? now;
  const id = newId();
  await deps.db.atomic([
    deps.repos.components.insert({
      id,
      groupId: input.groupId ?? null,
      name: input.name,
      description: input.description ?? null,
      position: input.position,
      status: input.status,
      hidden: input.hidden,
      startedAt,
      example: input.example,
      createdAt: now,
      updatedAt: now,
    }),
    deps.repos.components.recordChange({ componentId: id, status: input.status, at: startedAt }),
  ]);
  return id;
}
