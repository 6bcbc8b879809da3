import { and, asc, count, desc, eq, gt, inArray, isNotNull, lt, lte, sql } from 'drizzle-orm';
import type { FanoutKind, MailKind, OutboxStatus } from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import { incidentUpdates, mailDeliveryTotals, mailFanouts, mailOutbox, subscribers, type MailOutboxRow } from '../schema.js';

/** Finished emails last attempted longer ago than this are pruned from the outbox (their counts are kept per update). */
export const OUTBOX_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** Statuses nothing more happens to. */
export const FINISHED_STATUSES = ['sent', 'failed', 'skipped'] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];
export interface PruneEnd {
  dueAt: number;
  id: number;
}

export type DeliveryCounts = Record<OutboxStatus, number> & {
  /** Emails are still being written into the outbox (a fan-out in progress): more will be queued. */
  preparing: boolean;
};

export function emptyCounts(): DeliveryCounts {
  return { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0, preparing: false };
}

/** A published update whose emails are still being written into the outbox. */
export interface Fanout {
  updateId: string;
  /** What its emails announce: the update, or the incident's public postmortem. */
  kind: FanoutKind;
  incidentId: string;
  /** The last subscriber id done ('' for none). */
  cursor: string;
  /** When the update was published. */
  createdAt: number;
}

/** What became of one email of a sent batch. */
export type BatchResult = { id: number; providerId: string } | { id: number; error: string };

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
   * The fan-out of one published update that emails its subscribers (the
   * service decided so: services/notifications/publish.ts): one mail_fanouts
   * row, which the drainer expands into a queued email for every subscriber
   * confirmed at that time whom the update concerns. No row while nobody is
   * subscribed.
   */
  insertFanout(updateId: string, createdAt: number): Statement;
  /**
   * The fan-out emailing an incident's public postmortem to the subscribers
   * its updates go to (keyed by its latest update, `updateId`), only while the
   * postmortem is not marked emailed: in the same write as markPostmortemEmailed
   * (after this statement), two publishes never both queue it.
   */
  insertPostmortemFanout(incidentId: string, updateId: string, createdAt: number): Statement;
  /** Drops the postmortem emails of an incident not sent yet (it was taken off the page). */
  skipQueuedPostmortem(incidentId: string, reason: string): Statement[];
  /** The oldest update whose fan-out is not fully written yet. */
  nextFanout(): Promise<Fanout | undefined>;
  /** The subscriber id that ends the chunk of `size` after `cursor`; null when the rest is smaller. */
  fanoutChunkEnd(cursor: string, size: number): Promise<string | null>;
  /**
   * Writes the emails of subscribers after the fan-out's cursor up to `end`
   * (null: to the last) and moves the cursor there (or deletes the fan-out),
   * unless another drainer already did.
   */
  expandFanout(fanout: Fanout, end: string | null): Statement[];
  /** A mail about the subscription itself (confirmation, "already subscribed"). */
  enqueue(kind: Exclude<MailKind, FanoutKind>, subscriberId: string, now: number): Statement;
  /** The same mail for many subscribers in one statement (their ids travel as one JSON parameter: no D1 bound-parameter limit). */
  enqueueMany(kind: Exclude<MailKind, FanoutKind>, subscriberIds: readonly string[], now: number): Statement;
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
  /**
   * Records a whole batch's answer: each email sent with its provider id, or
   * failed with its reason. Two statements whatever the batch size (the
   * results travel as JSON), not one per email.
   */
  recordBatch(results: readonly BatchResult[], now: number): Statement[];
  /** Gives a batch back until `dueAt`, keeping its membership (and so its idempotency key). */
  postponeBatch(batchId: string, lease: string, dueAt: number, error: string): Statement;
  /** Makes every held batch due now (a Node process starting knows no drainer is running). */
  releaseAll(now: number): Statement;
  countsForUpdates(updateIds: readonly string[]): Promise<Map<string, DeliveryCounts>>;
  counts(): Promise<DeliveryCounts>;
  /** When the oldest email still waiting was queued (for the admin's "oldest waiting" figure). */
  oldestWaiting(): Promise<number | null>;
  /**
   * Where the first `size` emails of a finished status last attempted (due_at)
   * before `before` end, in (due_at, id) order; null when there are none.
   */
  pruneEnd(status: FinishedStatus, before: number, size: number): Promise<PruneEnd | null>;
  /** Deletes those emails up to `end`, adding them to their update's totals. */
  prune(status: FinishedStatus, end: PruneEnd): Statement[];
  /** The latest failed update emails of an incident, newest first, with the address they were for. */
  failedForIncident(incidentId: string, limit: number): Promise<FailedDelivery[]>;
}

export function outboxRepo(orm: Orm): OutboxRepo {
  return {
    insertFanout(updateId, createdAt) {
      // One row, whatever the audience: the drainer expands it (expandFanout).
      return orm
        .insert(mailFanouts)
        .select(sql`SELECT ${updateId}, 'update', '', ${createdAt} WHERE EXISTS (SELECT 1 FROM subscribers WHERE status = 'confirmed')`);
    },
    insertPostmortemFanout(incidentId, updateId, createdAt) {
      return orm
        .insert(mailFanouts)
        .select(
          sql`SELECT ${updateId}, 'postmortem', '', ${createdAt}
            WHERE EXISTS (SELECT 1 FROM subscribers WHERE status = 'confirmed')
              AND EXISTS (SELECT 1 FROM postmortems WHERE incident_id = ${incidentId} AND emailed_at IS NULL)`,
        )
        .onConflictDoNothing();
    },
    skipQueuedPostmortem(incidentId, reason) {
      const ofIncident = sql`(SELECT id FROM incident_updates WHERE incident_id = ${incidentId})`;
      return [
        orm.delete(mailFanouts).where(and(eq(mailFanouts.kind, 'postmortem'), inArray(mailFanouts.updateId, ofIncident))),
        orm
          .update(mailOutbox)
          .set({ status: 'skipped', error: reason })
          .where(and(eq(mailOutbox.kind, 'postmortem'), eq(mailOutbox.status, 'queued'), inArray(mailOutbox.updateId, ofIncident))),
      ];
    },
    async nextFanout() {
      return orm
        .select({ updateId: mailFanouts.updateId, kind: mailFanouts.kind, cursor: mailFanouts.cursor, createdAt: mailFanouts.createdAt, incidentId: incidentUpdates.incidentId })
        .from(mailFanouts)
        .innerJoin(incidentUpdates, eq(incidentUpdates.id, mailFanouts.updateId))
        .orderBy(asc(mailFanouts.createdAt), asc(mailFanouts.updateId), asc(mailFanouts.kind))
        .limit(1)
        .get();
    },
    async fanoutChunkEnd(cursor, size) {
      const row = await orm
        .select({ id: subscribers.id })
        .from(subscribers)
        .where(gt(subscribers.id, cursor))
        .orderBy(asc(subscribers.id))
        .limit(1)
        .offset(size - 1)
        .get();
      return row?.id ?? null;
    },
    expandFanout(fanout, end) {
      // Only while the cursor is where this drainer read it: of two drainers
      // expanding the same chunk, the second writes nothing.
      const current = and(eq(mailFanouts.updateId, fanout.updateId), eq(mailFanouts.kind, fanout.kind), eq(mailFanouts.cursor, fanout.cursor));
      const upTo = end === null ? sql`` : sql`AND s.id <= ${end}`;
      // The chunk is an id range (the unary + keeps the planner off the status
      // index, which would read every confirmed subscriber for every chunk).
      // Subscribers to every component; or to a component the incident
      // affects; or to a group holding one; and everyone when the incident
      // names no component (it concerns the whole page).
      const chunk = sql`SELECT NULL, ${fanout.kind}, s.id, ${fanout.updateId}, 'queued', NULL, NULL, 0, ${fanout.createdAt}, NULL, NULL, ${fanout.createdAt}, NULL, NULL
        FROM subscribers s
        WHERE s.id > ${fanout.cursor} ${upTo}
          AND EXISTS (SELECT 1 FROM mail_fanouts f WHERE f.update_id = ${fanout.updateId} AND f.kind = ${fanout.kind} AND f.cursor = ${fanout.cursor})
          AND +s.status = 'confirmed' AND coalesce(s.confirmed_at, 0) <= ${fanout.createdAt} AND (
            s.all_components = 1
            OR NOT EXISTS (SELECT 1 FROM incident_components ic WHERE ic.incident_id = ${fanout.incidentId})
            OR EXISTS (SELECT 1 FROM subscriber_components sc JOIN incident_components ic ON ic.component_id = sc.component_id
                       WHERE sc.subscriber_id = s.id AND ic.incident_id = ${fanout.incidentId})
            OR EXISTS (SELECT 1 FROM subscriber_groups sg JOIN components c ON c.group_id = sg.group_id
                         JOIN incident_components ic ON ic.component_id = c.id
                       WHERE sg.subscriber_id = s.id AND ic.incident_id = ${fanout.incidentId}))`;
      return [
        orm.insert(mailOutbox).select(chunk),
        end === null ? orm.delete(mailFanouts).where(current) : orm.update(mailFanouts).set({ cursor: end }).where(current),
      ];
    },
    enqueue(kind, subscriberId, now) {
      return orm.insert(mailOutbox).values({ kind, subscriberId, status: 'queued', dueAt: now, createdAt: now });
    },
    enqueueMany(kind, subscriberIds, now) {
      return orm.insert(mailOutbox).select(
        sql`SELECT NULL, ${kind}, value, NULL, 'queued', NULL, NULL, 0, ${now}, NULL, NULL, ${now}, NULL, NULL FROM json_each(${JSON.stringify(subscriberIds)})`,
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
    recordBatch(results, now) {
      const sent = results.flatMap((r) => ('providerId' in r ? [[r.id, r.providerId]] : []));
      const failed = results.flatMap((r) => ('error' in r ? [[r.id, r.error]] : []));
      // [[id, text], ...] as one parameter; each row picks its own text.
      const update = (pairs: unknown[][], set: Partial<typeof mailOutbox.$inferInsert>, column: 'providerId' | 'error') => {
        const json = JSON.stringify(pairs);
        return orm
          .update(mailOutbox)
          .set({ ...set, [column]: sql`(SELECT json_extract(value, '$[1]') FROM json_each(${json}) WHERE json_extract(value, '$[0]') = ${mailOutbox.id})` })
          .where(inArray(mailOutbox.id, sql`(SELECT json_extract(value, '$[0]') FROM json_each(${json}))`));
      };
      return [
        ...(sent.length ? [update(sent, { status: 'sent', sentAt: now, error: null }, 'providerId')] : []),
        ...(failed.length ? [update(failed, { status: 'failed', sentAt: now }, 'error')] : []),
      ];
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
      const countsOf = (updateId: string) => result.get(updateId) ?? result.set(updateId, emptyCounts()).get(updateId)!;
      const live = selectInChunks(updateIds, (chunk) =>
        orm
          .select({ updateId: mailOutbox.updateId, status: mailOutbox.status, n: count() })
          .from(mailOutbox)
          // A postmortem email carries the incident's latest update id: it is not one of that update's emails.
          .where(and(inArray(mailOutbox.updateId, chunk), eq(mailOutbox.kind, 'update')))
          .groupBy(mailOutbox.updateId, mailOutbox.status)
          .all(),
      );
      const pruned = selectInChunks(updateIds, (chunk) =>
        orm
          .select({ updateId: mailDeliveryTotals.updateId, status: mailDeliveryTotals.status, n: mailDeliveryTotals.count })
          .from(mailDeliveryTotals)
          .where(inArray(mailDeliveryTotals.updateId, chunk))
          .all(),
      );
      const preparing = selectInChunks(updateIds, (chunk) =>
        orm
          .select({ updateId: mailFanouts.updateId })
          .from(mailFanouts)
          .where(and(inArray(mailFanouts.updateId, chunk), eq(mailFanouts.kind, 'update')))
          .all(),
      );
      for (const row of [...(await live), ...(await pruned)]) {
        if (row.updateId) countsOf(row.updateId)[row.status] += row.n;
      }
      for (const row of await preparing) countsOf(row.updateId).preparing = true;
      return result;
    },
    async counts() {
      const rows = await orm.select({ status: mailOutbox.status, n: count() }).from(mailOutbox).groupBy(mailOutbox.status).all();
      const counts = emptyCounts();
      for (const row of rows) counts[row.status] = row.n;
      counts.preparing = (await orm.select({ id: mailFanouts.updateId }).from(mailFanouts).limit(1).get()) !== undefined;
      return counts;
    },
    async oldestWaiting() {
      const [emails, fanouts] = await Promise.all([
        orm.select({ at: sql<number | null>`min(${mailOutbox.createdAt})` }).from(mailOutbox).where(inArray(mailOutbox.status, ['queued', 'sending'])).get(),
        orm.select({ at: sql<number | null>`min(${mailFanouts.createdAt})` }).from(mailFanouts).get(),
      ]);
      const times = [emails?.at, fanouts?.at].filter((at): at is number => typeof at === 'number');
      return times.length ? Math.min(...times) : null;
    },
    async pruneEnd(status, before, size) {
      // Walks the (status, due_at) index, which holds the rowid: (due_at, id) is a keyset.
      const chunk = orm
        .select({ dueAt: mailOutbox.dueAt, id: mailOutbox.id })
        .from(mailOutbox)
        .where(and(eq(mailOutbox.status, status), lt(mailOutbox.dueAt, before)))
        .orderBy(asc(mailOutbox.dueAt), asc(mailOutbox.id))
        .limit(size)
        .as('chunk');
      return (await orm.select().from(chunk).orderBy(desc(chunk.dueAt), desc(chunk.id)).limit(1).get()) ?? null;
    },
    prune(status, end) {
      const upTo = and(eq(mailOutbox.status, status), sql`(${mailOutbox.dueAt}, ${mailOutbox.id}) <= (${end.dueAt}, ${end.id})`);
      return [
        orm
          .insert(mailDeliveryTotals)
          .select(
            orm
              .select({ updateId: mailOutbox.updateId, status: mailOutbox.status, count: sql<number>`count(*)`.as('count') })
              .from(mailOutbox)
              // Update emails only: the totals are an update's (pruned postmortem emails are not counted per update).
              .where(and(upTo, isNotNull(mailOutbox.updateId), eq(mailOutbox.kind, 'update')))
              .groupBy(mailOutbox.updateId),
          )
          .onConflictDoUpdate({
            target: [mailDeliveryTotals.updateId, mailDeliveryTotals.status],
            set: { count: sql`${mailDeliveryTotals.count} + excluded.count` },
          }),
        orm.delete(mailOutbox).where(upTo),
      ];
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
        // Update emails only: each failure is listed under its update (a postmortem email only borrows the latest update's id).
        .where(and(eq(incidentUpdates.incidentId, incidentId), eq(mailOutbox.status, 'failed'), eq(mailOutbox.kind, 'update')))
        .orderBy(desc(mailOutbox.sentAt), desc(mailOutbox.id))
        .limit(limit)
        .all();
      return rows.map((row) => ({ ...row, updateId: row.updateId ?? '' }));
    },
  };
}
