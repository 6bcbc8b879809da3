import { and, asc, eq, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { DestinationType } from '../../domain/constants.js';
import type { Orm, Statement } from '../database.js';
import { destinationDeliveries as d, destinations, type DestinationDeliveryRow } from '../schema.js';

/*
 * The destinations' drainer's queries (services/destinations/deliveries.ts).
 * Every claim and every result is one conditional statement (db.claim), so
 * they behave the same on better-sqlite3 and D1 and two drainers never hold
 * the same row:
 * - a row is due when it is queued and its time has come, or when it is
 *   `sending` and its holder's lease ran out (the holder crashed);
 * - a destination gets its messages in order: a row is never claimed while
 *   an older row (smaller id) of the same destination is unfinished;
 * - a result is recorded only while the lease still holds the row.
 * Finished rows keep due_at = finished_at, so pruning walks the (status, due_at) index.
 */

/** A due delivery and what sending it needs from its destination. */
export interface DueDelivery {
  id: number;
  messageId: string;
  destinationId: string;
  message: Record<string, unknown>;
  attempts: number;
  createdAt: number;
  type: DestinationType;
  url: string;
  signingSecret: string | null;
  allowPrivate: boolean;
}

export interface AttemptResult {
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
}

export interface DeliveriesRepo {
  /**
   * Up to `limit` due deliveries that head their destination's queue, oldest
   * due first (at most one per destination). Paused destinations are held.
   */
  due(now: number, limit: number): Promise<DueDelivery[]>;
  /** Takes one due delivery under `lease` until `leaseUntil`, counting the attempt (db.claim: 1 when won). */
  claim(id: number, lease: string, now: number, leaseUntil: number): Statement;
  /** The attempt succeeded (db.claim: 0 when the lease was lost meanwhile). */
  markSent(id: number, lease: string, now: number, result: AttemptResult): Statement;
  /** The attempt failed for good. */
  markFailed(id: number, lease: string, now: number, result: AttemptResult): Statement;
  /** The attempt failed; queued again, not before `dueAt`. */
  postpone(id: number, lease: string, now: number, dueAt: number, result: AttemptResult): Statement;
  /** Makes every held delivery due now (a Node process starting knows no drainer is running). */
  releaseAll(now: number): Statement;
  /** When the next delivery `due` could return is due (null: none). */
  nextDueAt(): Promise<number | null>;
  /** Deletes up to `limit` deliveries finished before `before` (db.claim: how many). */
  prune(before: number, limit: number): Statement;
  findByMessageId(messageId: string): Promise<DestinationDeliveryRow | undefined>;
}

const UNFINISHED = ['queued', 'sending'] as const;

/** No older unfinished delivery of the same destination than the outer statement's row. */
function headOfQueue(): SQL {
  // ${d} is the outer table by name; the inner one is aliased `o`.
  return sql`NOT EXISTS (SELECT 1 FROM destination_deliveries o
    WHERE o.destination_id = ${d}.destination_id AND o.id < ${d}.id AND o.status IN ('queued', 'sending'))`;
}

export function deliveriesRepo(orm: Orm): DeliveriesRepo {
  const held = (id: number, lease: string) => and(eq(d.id, id), eq(d.lease, lease), eq(d.status, 'sending'));
  return {
    async due(now, limit) {
      const rows = await orm
        .select({
          id: d.id,
          messageId: d.messageId,
          destinationId: d.destinationId,
          message: d.message,
          attempts: d.attempts,
          createdAt: d.createdAt,
          type: destinations.type,
          url: destinations.url,
          signingSecret: destinations.signingSecret,
          allowPrivate: destinations.allowPrivate,
        })
        .from(d)
        .innerJoin(destinations, eq(destinations.id, d.destinationId))
        .where(and(inArray(d.status, UNFINISHED), lte(d.dueAt, now), sql`${destinations.pausedAt} IS NULL`, headOfQueue()))
        .orderBy(asc(d.dueAt), asc(d.id))
        .limit(limit)
        .all();
      return rows;
    },
    claim(id, lease, now, leaseUntil) {
      return orm
        .update(d)
        .set({ status: 'sending', lease, dueAt: leaseUntil, attempts: sql`${d.attempts} + 1`, lastAttemptAt: now })
        .where(and(eq(d.id, id), inArray(d.status, UNFINISHED), lte(d.dueAt, now), headOfQueue()));
    },
    markSent(id, lease, now, result) {
      return orm
        .update(d)
        .set({ status: 'sent', lease: null, dueAt: now, finishedAt: now, ...result })
        .where(held(id, lease));
    },
    markFailed(id, lease, now, result) {
      return orm
        .update(d)
        .set({ status: 'failed', lease: null, dueAt: now, finishedAt: now, ...result })
        .where(held(id, lease));
    },
    postpone(id, lease, _now, dueAt, result) {
      return orm
        .update(d)
        .set({ status: 'queued', lease: null, dueAt, ...result })
        .where(held(id, lease));
    },
    releaseAll(now) {
      return orm.update(d).set({ dueAt: now }).where(eq(d.status, 'sending'));
    },
    async nextDueAt() {
      // Only what `due` could return then: a row behind its destination's head, or paused, is not due whatever its time.
      const row = await orm
        .select({ at: sql<number | null>`min(${d.dueAt})` })
        .from(d)
        .innerJoin(destinations, eq(destinations.id, d.destinationId))
        .where(and(inArray(d.status, UNFINISHED), sql`${destinations.pausedAt} IS NULL`, headOfQueue()))
        .get();
      return typeof row?.at === 'number' ? row.at : null;
    },
    prune(before, limit) {
      const old = orm
        .select({ id: d.id })
        .from(d)
        .where(and(inArray(d.status, ['sent', 'failed']), lt(d.dueAt, before)))
        .limit(limit);
      return orm.delete(d).where(inArray(d.id, old));
    },
    async findByMessageId(messageId) {
      return orm.select().from(d).where(eq(d.messageId, messageId)).get();
    },
  };
}
