import { z } from 'zod';
import { ValidationError } from '../../lib/errors.js';
import { PublicId } from '../validation.js';

/*
 * What the component and group writes share: the name and description
 * fields, and putting rows in order (a full or partial list, or one step up
 * or down).
 */

export type MoveDirection = 'up' | 'down';

export const Name = z.string().trim().min(1, { error: 'is required' }).max(100, { error: 'must be at most 100 characters' });
export const Description = z
  .string()
  .trim()
  .max(500, { error: 'must be at most 500 characters' })
  .nullable()
  .transform((text) => text || null);


export const OrderInput = z
  .array(PublicId)
  .max(10_000)
  .refine((ids) => new Set(ids).size === ids.length, { error: 'lists an id twice' });

/**
 * The new positions for `current` (in display order) when `ordered` comes
 * first, in that order, and everything else keeps its relative order after
 * it. Positions are renumbered 0..n-1; only the rows that move are returned.
 */
export function renumber<T extends { id: string; position: number }>(current: readonly T[], ordered: readonly string[]): { id: string; position: number }[] {
  const byId = new Map(current.map((row) => [row.id, row]));
  const listed = new Set(ordered);
  const sequence = [...ordered.map((id) => byId.get(id)!), ...current.filter((row) => !listed.has(row.id))];
  return sequence.flatMap((row, position) => (row.position === position ? [] : [{ id: row.id, position }]));
}

export function assertKnown(ids: readonly string[], known: readonly { id: string }[], what: string): void {
  const missing = ids.filter((id) => !known.some((row) => row.id === id));
  if (missing.length) throw new ValidationError(`Unknown ${what}: ${missing.join(', ')}`, { orderedIds: [`unknown id ${missing.join(', ')}`] });
}

/** Swaps `id` with its neighbour among `siblings`; null when it is already at that end. */
export function swapWithNeighbour(all: readonly { id: string }[], siblings: readonly { id: string }[], id: string, direction: MoveDirection): string[] | null {
  const at = siblings.findIndex((row) => row.id === id);
  const neighbour = siblings[direction === 'up' ? at - 1 : at + 1];
  if (at < 0 || !neighbour) return null;
  const order = all.map((row) => row.id);
  const i = order.indexOf(id);
  const j = order.indexOf(neighbour.id);
  [order[i], order[j]] = [order[j]!, order[i]!];
  return order;
}
