import { and, asc, eq, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { ChannelSubscriberType } from '../../domain/constants.js';
import type { Orm, Statement } from '../database.js';
import { channelSubscribers as cs, customerDeliveries as d, customerNotices as n, incidentUpdates, type CustomerDeliveryRow } from '../schema.js';

/*
 * The customer channels' outbox (services/customer-channels/): expanding a
 * notice into one delivery per subscriber, the drainer's claims and results,
 * each subscriber's health, and pruning. Every claim and result is one
 * conditional statement, so two drainers never hold the same row:
 * - a delivery is due when it is queued and its time has come, or `sending`
 *   with its holder's lease run out (the holder crashed);
 * - a subscriber gets its messages in order: a row is never claimed while an
 *   older row (smaller id) of the same subscriber is unfinished;
 * - a result (and the health it implies) is recorded only while the lease
 *   still holds the row.
 * Finished rows keep due_at = finished_at, so pruning walks the (status, due_at) index.
 */

/** A notice with channel subscribers still to expand. */
export interface ExpandableNotice {
  id: string;
  kind: 'incident' | 'component';
  cursor: string;
  /** When it became ready (an update's publication; the end of a component change's flap window): whoever was confirmed by then hears of it, as on the email side. */
  readyAt: number;
  /** Kind incident: the incident of the announced update. */
  incidentId: string | null;
  componentId: string | null;
  hasPayload: boolean;
}

/** A due delivery and what sending it needs. */
export interface DueCustomerDelivery {
  id: number;
  messageId: string;
  noticeId: string;
  subscriberId: string;
  attempts: number;
  createdAt: number;
  type: ChannelSubscriberType;
  url: string;
  signingSecret: string | null;
  /** The manage-link secret ("<id>.<secret>" is the token). */
  secret: string;
}

export interface CustomerAttemptResult {
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
}

/** A subscriber whose endpoint was disabled, for its contact's email. */
export interface DisabledSubscriber {
  id: string;
  type: ChannelSubscriberType;
  url: string;
  contactEmail: string;
  secret: string;
  failingSince: number | null;
  disabledAt: number | null;
  lastFailureAt: number | null;
  lastFailureStatus: number | null;
  lastFailureError: string | null;
}

/** Message ids ("msg_<notice>_<subscriber>"): the Standard Webhooks webhook-id, stable across retries. */
export function customerMessageId(noticeId: string, subscriberId: string): string {
  return `msg_${noticeId}_${subscriberId}`;
}

/** The cursor of a notice whose channel subscribers are all expanded. */
export const EXPANDED = '~';

export interface CustomerDeliveriesRepo {
  /** A subscriber's delivery of one notice (at most one). */
  find(noticeId: string, subscriberId: string): Promise<CustomerDeliveryRow | undefined>;
  findByMessageId(messageId: string): Promise<CustomerDeliveryRow | undefined>;

  /* ---- Expansion ---- */
  /** The ready notice due first whose channel subscribers are not all expanded. */
  nextNotice(): Promise<ExpandableNotice | undefined>;
  /** Whether any channel subscriber was confirmed by `at` (else a notice of then has nobody to tell). */
  anyConfirmedBy(at: number): Promise<boolean>;
  /** Marks a notice's channel side finished with nothing queued (nobody to tell), and the notice done if its email side is. */
  skipChannelSide(notice: ExpandableNotice): Statement[];
  /** The last id of the next `size` channel subscribers after `cursor` (null: fewer are left). */
  chunkEnd(cursor: string, size: number): Promise<string | null>;
  /**
   * One chunk: a queued delivery for each subscriber in (cursor, end] the
   * notice reaches, the cursor moved to `end` (EXPANDED when null), the
   * payload stored with the first chunk, and the notice done when both its
   * sides are expanded. Writes nothing unless the cursor is still `notice.cursor`.
   */
  expand(notice: ExpandableNotice, end: string | null, now: number, payload: Record<string, unknown> | null): Statement[];
  /** A notice with nothing left to announce: done, nothing sent (db.claim: 1 when this call ended it). */
  dropNotice(noticeId: string): Statement;

  /* ---- Drainer ---- */
  /** Up to `limit` due deliveries that head their subscriber's queue, oldest due first; only confirmed subscribers. */
  due(now: number, limit: number): Promise<DueCustomerDelivery[]>;
  /** The notice's stored notification (JSON), or null. */
  payload(noticeId: string): Promise<Record<string, unknown> | null>;
  /** Takes one due delivery under `lease` until `leaseUntil`, counting the attempt (db.claim: 1 when won). */
  claim(id: number, lease: string, now: number, leaseUntil: number): Statement;
  /** The attempt succeeded; the subscriber is healthy (one write; nothing when the lease was lost). */
  markSent(row: DueCustomerDelivery, lease: string, now: number, result: CustomerAttemptResult): Statement[];
  /**
   * The attempt failed for good; the subscriber's failure recorded, unless
   * `endpoint` is false (the message could not be built: Herald's fault, not the endpoint's).
   */
  markFailed(row: DueCustomerDelivery, lease: string, now: number, result: CustomerAttemptResult, options?: { endpoint: boolean }): Statement[];
  /** The attempt failed; queued again, not before `dueAt`; the subscriber's failure recorded. */
  postpone(row: DueCustomerDelivery, lease: string, now: number, dueAt: number, result: CustomerAttemptResult): Statement[];
  /** Makes every held delivery due now (a Node process starting knows no drainer is running). */
  releaseAll(now: number): Statement;
  /** When the next delivery `due` could return is due (null: none). */
  nextDueAt(): Promise<number | null>;
  /** Whether a notice waits to be expanded. */
  hasExpandable(): Promise<boolean>;

  /* ---- Health ---- */
  /** Confirmed subscribers with a delivery failed for good `periodMs` or more after their first failure, no success since (at most `limit`). */
  toDisable(periodMs: number, limit: number, subscriberId?: string): Promise<string[]>;
  /** Disables one of them, if it still qualifies (db.claim: 1 when this call disabled it). */
  disable(subscriberId: string, periodMs: number, now: number): Statement;
  /** Fails the waiting deliveries of disabled subscribers, or of one of them (db.claim: how many). */
  failDisabledQueue(now: number, subscriberId?: string): Statement;
  /** Disabled subscribers whose contact was not told yet (at most `limit`). */
  disabledUntold(limit: number): Promise<DisabledSubscriber[]>;
  /** Claims the one "disabled" email of a subscriber (db.claim: 1 when this call may send it). */
  claimDisabledNotice(subscriberId: string, now: number): Statement;
  /** Gives the claim back after the provider did not take the email (a later tick tries again, same idempotency key). */
  releaseDisabledNotice(subscriberId: string, claimedAt: number): Statement;

  /* ---- Pruning ---- */
  /** Deletes up to `limit` deliveries finished before `before` (db.claim: how many). */
  prune(before: number, limit: number): Statement;
  /** Deletes up to `limit` finished notices last changed before `before` with no delivery or email left (db.claim: how many). */
  pruneNotices(before: number, limit: number): Statement;
}

const UNFINISHED = ['queued', 'sending'] as const;

/** No older unfinished delivery of the same subscriber than the outer statement's row. */
function headOfQueue(): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM customer_deliveries o
    WHERE o.subscriber_id = ${d}.subscriber_id AND o.id < ${d}.id AND o.status IN ('queued', 'sending'))`;
}

/** Which channel subscribers `s` a notice reaches, besides being confirmed before it. */
function scopeOf(notice: ExpandableNotice): SQL {
  if (notice.kind === 'incident') {
    // Every component; or the incident names none (the whole page); or a component of theirs, or of a group of theirs, is affected.
    return sql`(s.all_components = 1
      OR NOT EXISTS (SELECT 1 FROM incident_components ic WHERE ic.incident_id = ${notice.incidentId})
      OR EXISTS (SELECT 1 FROM json_each(s.component_ids) j JOIN incident_components ic ON ic.component_id = j.value
                 WHERE ic.incident_id = ${notice.incidentId})
      OR EXISTS (SELECT 1 FROM json_each(s.group_ids) g JOIN components c ON c.group_id = g.value
                   JOIN incident_components ic ON ic.component_id = c.id
                 WHERE ic.incident_id = ${notice.incidentId}))`;
  }
  return sql`(s.all_components = 1
    OR EXISTS (SELECT 1 FROM json_each(s.component_ids) j WHERE j.value = ${notice.componentId})
    OR EXISTS (SELECT 1 FROM json_each(s.group_ids) g JOIN components c ON c.group_id = g.value WHERE c.id = ${notice.componentId}))`;
}

export function customerDeliveriesRepo(orm: Orm): CustomerDeliveriesRepo {
  const heldSql = (row: DueCustomerDelivery, lease: string) =>
    sql`EXISTS (SELECT 1 FROM customer_deliveries h WHERE h.id = ${row.id} AND h.lease = ${lease} AND h.status = 'sending')`;
  const held = (id: number, lease: string) => and(eq(d.id, id), eq(d.lease, lease), eq(d.status, 'sending'));
  // Health first, while the lease still holds the delivery (the delivery's own update ends the lease).
  const failure = (row: DueCustomerDelivery, lease: string, now: number, result: CustomerAttemptResult): Statement =>
    orm
      .update(cs)
      .set({
        lastFailureAt: now,
        lastFailureStatus: result.responseStatus,
        lastFailureError: result.error,
        failingSince: sql`coalesce(${cs.failingSince}, ${now})`,
      })
      .where(and(eq(cs.id, row.subscriberId), heldSql(row, lease)));
  const dueColumns = {
    id: d.id,
    messageId: d.messageId,
    noticeId: d.noticeId,
    subscriberId: d.subscriberId,
    attempts: d.attempts,
    createdAt: d.createdAt,
    type: cs.type,
    url: cs.url,
    signingSecret: cs.signingSecret,
    secret: cs.secret,
  };
  // Failing for the whole period: a delivery failed for good at least `periodMs` after the first failure, with no
  // success since (a success clears failing_since). One failure followed by a quiet page disables nobody.
  const disableWhere = (periodMs: number) =>
    and(
      eq(cs.status, 'confirmed'),
      sql`${cs.failingSince} IS NOT NULL`,
      sql`EXISTS (SELECT 1 FROM customer_deliveries f WHERE f.subscriber_id = ${cs.id} AND f.status = 'failed'
            AND f.finished_at >= ${cs.failingSince} + ${periodMs} AND f.error IS NOT 'subscriber disabled')`,
    );

  /** Done once both sides are expanded (the email side, component notices only, moves email_cursor). */
  const finishIfBothSides = (noticeId: string) =>
    orm
      .update(n)
      .set({ state: 'done' })
      .where(and(eq(n.id, noticeId), eq(n.state, 'ready'), eq(n.cursor, EXPANDED), sql`(${n.kind} = 'incident' OR ${n.emailCursor} = ${EXPANDED})`));

  return {
    async find(noticeId, subscriberId) {
      return orm.select().from(d).where(and(eq(d.noticeId, noticeId), eq(d.subscriberId, subscriberId))).get();
    },
    async findByMessageId(messageId) {
      return orm.select().from(d).where(eq(d.messageId, messageId)).get();
    },

    async nextNotice() {
      const row = await orm
        .select({
          id: n.id,
          kind: n.kind,
          cursor: n.cursor,
          readyAt: n.dueAt,
          incidentId: incidentUpdates.incidentId,
          componentId: n.componentId,
          hasPayload: sql<number>`${n.payload} IS NOT NULL`,
        })
        .from(n)
        .leftJoin(incidentUpdates, eq(incidentUpdates.id, n.updateId))
        .where(and(eq(n.state, 'ready'), sql`${n.cursor} <> ${EXPANDED}`))
        .orderBy(asc(n.dueAt), asc(n.id))
        .limit(1)
        .get();
      return row ? { ...row, hasPayload: Boolean(row.hasPayload) } : undefined;
    },
    async chunkEnd(cursor, size) {
      const row = await orm
        .select({ id: cs.id })
        .from(cs)
        .where(sql`${cs.id} > ${cursor}`)
        .orderBy(asc(cs.id))
        .limit(1)
        .offset(size - 1)
        .get();
      return row?.id ?? null;
    },
    expand(notice, end, now, payload) {
      const current = and(eq(n.id, notice.id), eq(n.cursor, notice.cursor), eq(n.state, 'ready'));
      const upTo = end === null ? sql`` : sql`AND s.id <= ${end}`;
      // An id range of subscribers (the unary + keeps the planner off the status index);
      // columns in the table's order, as INSERT ... SELECT wants them.
      const chunk = sql`SELECT NULL, 'msg_' || ${notice.id} || '_' || s.id, ${notice.id}, s.id, 'queued', 0, ${now}, NULL, NULL, NULL, NULL, NULL, ${now}, NULL
        FROM channel_subscribers s
        WHERE s.id > ${notice.cursor} ${upTo}
          AND EXISTS (SELECT 1 FROM customer_notices cn WHERE cn.id = ${notice.id} AND cn.cursor = ${notice.cursor} AND cn.state = 'ready')
          AND +s.status = 'confirmed' AND s.confirmed_at IS NOT NULL AND s.confirmed_at <= ${notice.readyAt}
          AND ${scopeOf(notice)}`;
      const statements: Statement[] = [];
      if (payload) statements.push(orm.update(n).set({ payload }).where(and(current, sql`${n.payload} IS NULL`)));
      statements.push(
        orm.insert(d).select(chunk).onConflictDoNothing(),
        orm
          .update(n)
          .set({ cursor: end ?? EXPANDED })
          .where(current),
      );
      if (end === null) statements.push(finishIfBothSides(notice.id));
      return statements;
    },
    skipChannelSide(notice) {
      return [
        orm.update(n).set({ cursor: EXPANDED }).where(and(eq(n.id, notice.id), eq(n.cursor, notice.cursor), eq(n.state, 'ready'))),
        finishIfBothSides(notice.id),
      ];
    },
    dropNotice(noticeId) {
      return orm
        .update(n)
        .set({ state: 'done', cursor: EXPANDED, emailCursor: EXPANDED })
        .where(and(eq(n.id, noticeId), eq(n.state, 'ready')));
    },

    async due(now, limit) {
      // Two index walks (queued by due time; sending with a lapsed lease), merged: an IN over both statuses would sort every row.
      const walk = (status: 'queued' | 'sending') =>
        orm
          .select(dueColumns)
          .from(d)
          .innerJoin(cs, eq(cs.id, d.subscriberId))
          .where(and(eq(d.status, status), lte(d.dueAt, now), eq(cs.status, 'confirmed'), headOfQueue()))
          .orderBy(asc(d.dueAt), asc(d.id))
          .limit(limit)
          .all();
      const [queued, lapsed] = await Promise.all([walk('queued'), walk('sending')]);
      return lapsed.length === 0 ? queued : [...lapsed, ...queued].sort((a, b) => a.id - b.id).slice(0, limit);
    },
    async payload(noticeId) {
      const row = await orm.select({ payload: n.payload }).from(n).where(eq(n.id, noticeId)).get();
      return row?.payload ?? null;
    },
    claim(id, lease, now, leaseUntil) {
      return orm
        .update(d)
        .set({ status: 'sending', lease, dueAt: leaseUntil, attempts: sql`${d.attempts} + 1`, lastAttemptAt: now })
        .where(
          and(
            eq(d.id, id),
            inArray(d.status, UNFINISHED),
            lte(d.dueAt, now),
            headOfQueue(),
            // Never to a subscriber disabled since the row was read (its queue is failed by the disabling).
            sql`EXISTS (SELECT 1 FROM channel_subscribers c WHERE c.id = ${d.subscriberId} AND c.status = 'confirmed')`,
          ),
        );
    },
    markSent(row, lease, now, result) {
      return [
        orm
          .update(cs)
          .set({ lastSuccessAt: now, failingSince: null })
          .where(and(eq(cs.id, row.subscriberId), heldSql(row, lease))),
        orm
          .update(d)
          .set({ status: 'sent', lease: null, dueAt: now, finishedAt: now, ...result })
          .where(held(row.id, lease)),
      ];
    },
    markFailed(row, lease, now, result, options = { endpoint: true }) {
      return [
        ...(options.endpoint ? [failure(row, lease, now, result)] : []),
        orm
          .update(d)
          .set({ status: 'failed', lease: null, dueAt: now, finishedAt: now, ...result })
          .where(held(row.id, lease)),
      ];
    },
    postpone(row, lease, now, dueAt, result) {
      return [
        failure(row, lease, now, result),
        orm
          .update(d)
          .set({ status: 'queued', lease: null, dueAt, ...result })
          .where(held(row.id, lease)),
      ];
    },
    releaseAll(now) {
      return orm.update(d).set({ dueAt: now }).where(eq(d.status, 'sending'));
    },
    async nextDueAt() {
      const row = await orm
        .select({ at: sql<number | null>`min(${d.dueAt})` })
        .from(d)
        .innerJoin(cs, eq(cs.id, d.subscriberId))
        .where(and(inArray(d.status, UNFINISHED), eq(cs.status, 'confirmed'), headOfQueue()))
        .get();
      return typeof row?.at === 'number' ? row.at : null;
    },
    async anyConfirmedBy(at) {
      const row = await orm
        .select({ id: cs.id })
        .from(cs)
        .where(and(eq(cs.status, 'confirmed'), lte(cs.confirmedAt, at)))
        .limit(1)
        .get();
      return row !== undefined;
    },
    async hasExpandable() {
      const row = await orm
        .select({ id: n.id })
        .from(n)
        .where(and(eq(n.state, 'ready'), sql`${n.cursor} <> ${EXPANDED}`))
        .limit(1)
        .get();
      return row !== undefined;
    },

    async toDisable(periodMs, limit, subscriberId) {
      const rows = await orm
        .select({ id: cs.id })
        .from(cs)
        .where(and(disableWhere(periodMs), subscriberId === undefined ? undefined : eq(cs.id, subscriberId)))
        .orderBy(asc(cs.failingSince))
        .limit(limit)
        .all();
      return rows.map((r) => r.id);
    },
    disable(subscriberId, periodMs, now) {
      return orm
        .update(cs)
        .set({ status: 'disabled', disabledAt: now, disabledNoticeAt: null, updatedAt: now })
        .where(and(eq(cs.id, subscriberId), disableWhere(periodMs)));
    },
    failDisabledQueue(now, subscriberId) {
      const whose =
        subscriberId === undefined
          ? sql`${d.subscriberId} IN (SELECT id FROM channel_subscribers WHERE status = 'disabled')`
          : and(eq(d.subscriberId, subscriberId), sql`EXISTS (SELECT 1 FROM channel_subscribers WHERE id = ${subscriberId} AND status = 'disabled')`);
      // Queued, or held by a drainer that died (its lease ran out): nothing sends to a disabled subscriber.
      const waiting = sql`(${d.status} = 'queued' OR (${d.status} = 'sending' AND ${d.dueAt} <= ${now}))`;
      return orm
        .update(d)
        .set({ status: 'failed', error: 'subscriber disabled', lease: null, dueAt: now, finishedAt: now })
        .where(and(waiting, whose));
    },
    async disabledUntold(limit) {
      return orm
        .select({
          id: cs.id,
          type: cs.type,
          url: cs.url,
          contactEmail: cs.contactEmail,
          secret: cs.secret,
          failingSince: cs.failingSince,
          disabledAt: cs.disabledAt,
          lastFailureAt: cs.lastFailureAt,
          lastFailureStatus: cs.lastFailureStatus,
          lastFailureError: cs.lastFailureError,
        })
        .from(cs)
        .where(and(eq(cs.status, 'disabled'), sql`${cs.disabledNoticeAt} IS NULL`))
        .orderBy(asc(cs.disabledAt))
        .limit(limit)
        .all();
    },
    claimDisabledNotice(subscriberId, now) {
      return orm
        .update(cs)
        .set({ disabledNoticeAt: now })
        .where(and(eq(cs.id, subscriberId), eq(cs.status, 'disabled'), sql`${cs.disabledNoticeAt} IS NULL`));
    },
    releaseDisabledNotice(subscriberId, claimedAt) {
      return orm
        .update(cs)
        .set({ disabledNoticeAt: null })
        .where(and(eq(cs.id, subscriberId), eq(cs.status, 'disabled'), eq(cs.disabledNoticeAt, claimedAt)));
    },

    prune(before, limit) {
      const old = orm
        .select({ id: d.id })
        .from(d)
        .where(and(inArray(d.status, ['sent', 'failed']), lt(d.dueAt, before)))
        .limit(limit);
      return orm.delete(d).where(inArray(d.id, old));
    },
    pruneNotices(before, limit) {
      const old = orm
        .select({ id: n.id })
        .from(n)
        .where(
          and(
            inArray(n.state, ['done', 'dropped']),
            lt(n.updatedAt, before),
            sql`NOT EXISTS (SELECT 1 FROM customer_deliveries x WHERE x.notice_id = ${n.id})`,
            sql`NOT EXISTS (SELECT 1 FROM mail_outbox m WHERE m.notice_id = ${n.id})`,
          ),
        )
        .limit(limit);
      return orm.delete(n).where(inArray(n.id, old));
    },
  };
}
