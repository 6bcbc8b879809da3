import { and, asc, count, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { MailKind, OutboxStatus } from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import { incidentUpdates, mailOutbox, subscribers, type MailOutboxRow } from '../schema.js';

/** Updates dated more than this before they are written are backfill: never emailed. */
export const BACKFILL_NO_NOTIFY_MS = 60 * 60 * 1000;

export type DeliveryCounts = Record<OutboxStatus, number>;

export function emptyCounts(): DeliveryCounts {
  return { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0 };
}

/** A failed email, for the admin's delivery page. */
export interface FailedDelivery {
  id: number;
  updateId: string;
  email: string;
  error: string | null;
  /** When it failed for good. */
  failedAt: number | null;
}

export interface OutboxRepo {
  /**
   * The fan-out of one published update, as one INSERT ... SELECT in the
   * publishing write: a queued email for every confirmed subscriber the update
   * concerns, when the incident has "notify" on. Empty for backfilled updates.
   */
  enqueueForUpdate(update: { id: string; incidentId: string; at: number; createdAt: number }): Statement[];
  /** A mail about the subscription itself (confirmation, "already subscribed"). */
  enqueue(kind: Exclude<MailKind, 'update'>, subscriberId: string, now: number): Statement;
  /** The same mail for many subscribers in one statement (their ids travel as one JSON parameter: no D1 bound-parameter limit). */
  enqueueMany(kind: Exclude<MailKind, 'update'>, subscriberIds: readonly string[], now: number): Statement;
  /** Drops what is still queued for a subscriber who left. */
  skipQueuedFor(subscriberId: string, reason: string): Statement;
  /** Claims up to `limit` of the oldest queued emails into a new batch held by `lease`. */
  claimQueued(batchId: string, lease: string, now: number, leaseUntil: number, limit: number): Statement;
  /** A batch whose holder's time is up: one to retry (after a failure) or resume (after a crash). */
  findDueBatch(now: number): Promise<string | undefined>;
  /** Takes over a due batch (only if it is still due: two drainers never both get it). */
  takeBatch(batchId: string, lease: string, now: number, leaseUntil: number): Statement;
  /** The rows of a batch the lease holds, in a fixed order. */
  batchRows(batchId: string, lease: string): Promise<MailOutboxRow[]>;
  markSent(id: number, providerId: string, now: number): Statement;
  markFailed(id: number, error: string, now: number): Statement;
  /** Gives a batch back until `dueAt`, keeping its membership (and so its idempotency key). */
  postponeBatch(batchId: string, lease: string, dueAt: number, error: string): Statement;
  /** Makes every held batch due now (a Node process starting knows no drainer is running). */
  releaseAll(now: number): Statement;
  countsForUpdates(updateIds: readonly string[]): Promise<Map<string, DeliveryCounts>>;
  counts(): Promise<DeliveryCounts>;
  /** When the oldest email still waiting was queued (for the admin's "oldest waiting" figure). */
  oldestWaiting(): Promise<number | null>;
  /** The latest failed update emails of an incident, newest first, with the address they were for. */
  failedForIncident(incidentId: string, limit: number): Promise<FailedDelivery[]>;
}

export function outboxRepo(orm: Orm): OutboxRepo {
  return {
    enqueueForUpdate(update) {
      if (update.at < update.createdAt - BACKFILL_NO_NOTIFY_MS) return [];
      const now = update.createdAt;
      // Subscribers to every component; or to a component the incident
      // affects; or to a group holding one; and everyone when the incident
      // names no component (it concerns the whole page).
      const fanOut = sql`SELECT NULL, 'update', s.id, ${update.id}, 'queued', NULL, NULL, 0, ${now}, NULL, NULL, ${now}, NULL
        FROM subscribers s JOIN incidents i ON i.id = ${update.incidentId}
        WHERE i.notify = 1 AND s.status = 'confirmed' AND (
          s.all_components = 1
          OR NOT EXISTS (SELECT 1 FROM incident_components ic WHERE ic.incident_id = i.id)
          OR EXISTS (SELECT 1 FROM subscriber_components sc JOIN incident_components ic ON ic.component_id = sc.component_id
                     WHERE sc.subscriber_id = s.id AND ic.incident_id = i.id)
          OR EXISTS (SELECT 1 FROM subscriber_groups sg JOIN components c ON c.group_id = sg.group_id
                       JOIN incident_components ic ON ic.component_id = c.id
                     WHERE sg.subscriber_id = s.id AND ic.incident_id = i.id))`;
      return [orm.insert(mailOutbox).select(fanOut)];
    },
    enqueue(kind, subscriberId, now) {
      return orm.insert(mailOutbox).values({ kind, subscriberId, status: 'queued', dueAt: now, createdAt: now });
    },
    enqueueMany(kind, subscriberIds, now) {
      return orm.insert(mailOutbox).select(
        sql`SELECT NULL, ${kind}, value, NULL, 'queued', NULL, NULL, 0, ${now}, NULL, NULL, ${now}, NULL FROM json_each(${JSON.stringify(subscriberIds)})`,
      );
    },
    skipQueuedFor(subscriberId, reason) {
      return orm
        .update(mailOutbox)
        .set({ status: 'skipped', error: reason })
        .where(and(eq(mailOutbox.subscriberId, subscriberId), eq(mailOutbox.status, 'queued')));
    },
    claimQueued(batchId, lease, now, leaseUntil, limit) {
      const oldest = orm
        .select({ id: mailOutbox.id })
        .from(mailOutbox)
        .where(and(eq(mailOutbox.status, 'queued'), lte(mailOutbox.dueAt, now)))
        .orderBy(asc(mailOutbox.dueAt))
        .limit(limit);
      return orm
        .update(mailOutbox)
        .set({ status: 'sending', batchId, lease, dueAt: leaseUntil, attempts: sql`${mailOutbox.attempts} + 1` })
        .where(inArray(mailOutbox.id, oldest));
    },
    async findDueBatch(now) {
      const row = await orm
        .select({ batchId: mailOutbox.batchId })
        .from(mailOutbox)
        .where(and(eq(mailOutbox.status, 'sending'), lte(mailOutbox.dueAt, now)))
        .orderBy(asc(mailOutbox.dueAt))
        .limit(1)
        .get();
      return row?.batchId ?? undefined;
    },
    takeBatch(batchId, lease, now, leaseUntil) {
      return orm
        .update(mailOutbox)
        .set({ lease, dueAt: leaseUntil, attempts: sql`${mailOutbox.attempts} + 1` })
        .where(and(eq(mailOutbox.batchId, batchId), eq(mailOutbox.status, 'sending'), lte(mailOutbox.dueAt, now)));
    },
    async batchRows(batchId, lease) {
      return orm
        .select()
        .from(mailOutbox)
        .where(and(eq(mailOutbox.batchId, batchId), eq(mailOutbox.lease, lease), eq(mailOutbox.status, 'sending')))
        .orderBy(asc(mailOutbox.id))
        .all();
    },
    markSent(id, providerId, now) {
      return orm.update(mailOutbox).set({ status: 'sent', providerId, sentAt: now, error: null }).where(eq(mailOutbox.id, id));
    },
    markFailed(id, error, now) {
      return orm.update(mailOutbox).set({ status: 'failed', error, sentAt: now }).where(eq(mailOutbox.id, id));
    },
    postponeBatch(batchId, lease, dueAt, error) {
      return orm
        .update(mailOutbox)
        .set({ dueAt, error })
        .where(and(eq(mailOutbox.batchId, batchId), eq(mailOutbox.lease, lease), eq(mailOutbox.status, 'sending')));
    },
    releaseAll(now) {
      return orm.update(mailOutbox).set({ dueAt: now }).where(eq(mailOutbox.status, 'sending'));
    },
    async countsForUpdates(updateIds) {
      const result = new Map<string, DeliveryCounts>();
      if (updateIds.length === 0) return result;
      const rows = await selectInChunks(updateIds, (chunk) =>
        orm
          .select({ updateId: mailOutbox.updateId, status: mailOutbox.status, n: count() })
          .from(mailOutbox)
          .where(inArray(mailOutbox.updateId, chunk))
          .groupBy(mailOutbox.updateId, mailOutbox.status)
          .all(),
      );
      for (const row of rows) {
        if (!row.updateId) continue;
        const counts = result.get(row.updateId) ?? emptyCounts();
        counts[row.status] = row.n;
        result.set(row.updateId, counts);
      }
      return result;
    },
    async counts() {
      const rows = await orm.select({ status: mailOutbox.status, n: count() }).from(mailOutbox).groupBy(mailOutbox.status).all();
      const counts = emptyCounts();
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },
    async oldestWaiting() {
      const row = await orm
        .select({ at: sql<number | null>`min(${mailOutbox.createdAt})` })
        .from(mailOutbox)
        .where(inArray(mailOutbox.status, ['queued', 'sending']))
        .get();
      return row?.at ?? null;
    },
    async failedForIncident(incidentId, limit) {
      const rows = await orm
        .select({
          id: mailOutbox.id,
          updateId: mailOutbox.updateId,
          email: subscribers.email,
          error: mailOutbox.error,
          failedAt: mailOutbox.sentAt,
        })
        .from(mailOutbox)
        .innerJoin(incidentUpdates, eq(incidentUpdates.id, mailOutbox.updateId))
        .innerJoin(subscribers, eq(subscribers.id, mailOutbox.subscriberId))
        .where(and(eq(incidentUpdates.incidentId, incidentId), eq(mailOutbox.status, 'failed')))
        .orderBy(desc(mailOutbox.sentAt), desc(mailOutbox.id))
        .limit(limit)
        .all();
      return rows.map((row) => ({ ...row, updateId: row.updateId ?? '' }));
    },
  };
}
