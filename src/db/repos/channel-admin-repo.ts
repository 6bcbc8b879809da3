import { and, count, desc, eq, inArray, isNotNull, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import {
  CHANNEL_SUBSCRIBER_STATUSES,
  CHANNEL_SUBSCRIBER_TYPES,
  DELIVERY_STATUSES,
  type ChannelHealth,
  type ChannelSubscriberStatus,
  type ChannelSubscriberType,
  type CustomerNoticeKind,
  type DeliveryStatus,
} from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm } from '../database.js';
import { channelSubscribers, customerDeliveries, customerNotices, type ChannelSubscriberRow } from '../schema.js';

/*
 * The team's reads of customers' webhook and chat subscriptions: the list
 * (filters, keyset paging), counts, delivery counts per notice and per
 * update, and one subscriber's delivery log. Writes go through
 * channel-subscribers-repo.ts.
 */

/** Where a page of the list starts: after this (created_at, id), newest first. */
export interface ChannelCursor {
  createdAt: number;
  id: string;
}

export interface ChannelSubscriberQuery {
  type?: ChannelSubscriberType;
  status?: ChannelSubscriberStatus;
  health?: ChannelHealth;
  /** Part of the contact address or of the endpoint's host (never the rest of the URL: it may be a secret). */
  search?: string;
  after?: ChannelCursor;
  limit: number;
}

export type DeliveryStatusCounts = Record<DeliveryStatus, number>;
/** Deliveries per subscriber type, then per status. */
export type ChannelDeliveryCounts = Record<ChannelSubscriberType, DeliveryStatusCounts>;

export interface ChannelDeliveryLogRow {
  id: number;
  messageId: string;
  noticeId: string;
  kind: CustomerNoticeKind;
  updateId: string | null;
  componentId: string | null;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  createdAt: number;
  lastAttemptAt: number | null;
  finishedAt: number | null;
}

export interface ChannelAdminRepo {
  list(query: ChannelSubscriberQuery): Promise<ChannelSubscriberRow[]>;
  /** Subscribers per type and status, over the whole list. */
  countByTypeAndStatus(): Promise<Record<ChannelSubscriberType, Record<ChannelSubscriberStatus, number>>>;
  /** Deliveries of each notice per subscriber type and status (notices without any are left out). */
  countsForNotices(noticeIds: readonly string[]): Promise<Map<string, ChannelDeliveryCounts>>;
  /** Deliveries of each update's customer notice per subscriber type and status (updates without any are left out). */
  countsForUpdates(updateIds: readonly string[]): Promise<Map<string, ChannelDeliveryCounts>>;
  /** One subscriber's latest deliveries, newest first. */
  recentDeliveries(subscriberId: string, limit: number): Promise<ChannelDeliveryLogRow[]>;
}

export function emptyDeliveryStatusCounts(): DeliveryStatusCounts {
  return Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as DeliveryStatusCounts;
}

export function emptyChannelDeliveryCounts(): ChannelDeliveryCounts {
  return Object.fromEntries(CHANNEL_SUBSCRIBER_TYPES.map((t) => [t, emptyDeliveryStatusCounts()])) as ChannelDeliveryCounts;
}

/**
 * The host (and port) of the stored URL, in SQL: what lies between "://" and
 * the next "/". The search looks at this and the contact only, so that it
 * cannot be used to guess a chat URL's secret path letter by letter.
 */
const rest = sql`substr(${channelSubscribers.url}, instr(${channelSubscribers.url}, '://') + 3)`;
const HOST = sql`lower(CASE WHEN instr(${rest}, '/') > 0 THEN substr(${rest}, 1, instr(${rest}, '/') - 1) ELSE ${rest} END)`;

function healthCondition(health: ChannelHealth): SQL {
  if (health === 'disabled') return eq(channelSubscribers.status, 'disabled');
  if (health === 'failing') return and(isNotNull(channelSubscribers.failingSince), ne(channelSubscribers.status, 'disabled'))!;
  return and(eq(channelSubscribers.status, 'confirmed'), isNull(channelSubscribers.failingSince))!;
}

export function channelAdminRepo(orm: Orm): ChannelAdminRepo {
  const countsBy = async <K extends string>(
    keys: readonly string[],
    column: typeof customerNotices.id | typeof customerNotices.updateId,
  ): Promise<Map<K, ChannelDeliveryCounts>> => {
    const result = new Map<K, ChannelDeliveryCounts>();
    if (keys.length === 0) return result;
    const rows = await selectInChunks(keys, (chunk) =>
      orm
        .select({ key: column, type: channelSubscribers.type, status: customerDeliveries.status, n: count() })
        .from(customerDeliveries)
        .innerJoin(customerNotices, eq(customerNotices.id, customerDeliveries.noticeId))
        .innerJoin(channelSubscribers, eq(channelSubscribers.id, customerDeliveries.subscriberId))
        .where(inArray(column, chunk))
        .groupBy(column, channelSubscribers.type, customerDeliveries.status)
        .all(),
    );
    for (const row of rows) {
      if (row.key === null) continue;
      const key = row.key as K;
      const counts = result.get(key) ?? result.set(key, emptyChannelDeliveryCounts()).get(key)!;
      counts[row.type][row.status] += row.n;
    }
    return result;
  };

  return {
    async list(query) {
      const conditions: SQL[] = [];
      if (query.type) conditions.push(eq(channelSubscribers.type, query.type));
      if (query.status) conditions.push(eq(channelSubscribers.status, query.status));
      if (query.health) conditions.push(healthCondition(query.health));
      if (query.search) {
        // LIKE with the user's text as a literal (its % and _ escaped), as for email subscribers.
        const pattern = `%${query.search.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
        conditions.push(or(sql`${channelSubscribers.contactEmail} LIKE ${pattern} ESCAPE '\\'`, sql`${HOST} LIKE ${pattern} ESCAPE '\\'`)!);
      }
      if (query.after) {
        const { createdAt, id } = query.after;
        conditions.push(
          sql`(${channelSubscribers.createdAt} < ${createdAt} OR (${channelSubscribers.createdAt} = ${createdAt} AND ${channelSubscribers.id} < ${id}))`,
        );
      }
      return orm
        .select()
        .from(channelSubscribers)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(channelSubscribers.createdAt), desc(channelSubscribers.id))
        .limit(query.limit)
        .all();
    },
    async countByTypeAndStatus() {
      const rows = await orm
        .select({ type: channelSubscribers.type, status: channelSubscribers.status, n: count() })
        .from(channelSubscribers)
        .groupBy(channelSubscribers.type, channelSubscribers.status)
        .all();
      const counts = Object.fromEntries(
        CHANNEL_SUBSCRIBER_TYPES.map((t) => [t, Object.fromEntries(CHANNEL_SUBSCRIBER_STATUSES.map((s) => [s, 0]))]),
      ) as Record<ChannelSubscriberType, Record<ChannelSubscriberStatus, number>>;
      for (const row of rows) counts[row.type][row.status] = row.n;
      return counts;
    },
    countsForNotices(noticeIds) {
      return countsBy<string>(noticeIds, customerNotices.id);
    },
    countsForUpdates(updateIds) {
      return countsBy<string>(updateIds, customerNotices.updateId);
    },
    async recentDeliveries(subscriberId, limit) {
      return orm
        .select({
          id: customerDeliveries.id,
          messageId: customerDeliveries.messageId,
          noticeId: customerDeliveries.noticeId,
          kind: customerNotices.kind,
          updateId: customerNotices.updateId,
          componentId: customerNotices.componentId,
          status: customerDeliveries.status,
          attempts: customerDeliveries.attempts,
          responseStatus: customerDeliveries.responseStatus,
          latencyMs: customerDeliveries.latencyMs,
          error: customerDeliveries.error,
          createdAt: customerDeliveries.createdAt,
          lastAttemptAt: customerDeliveries.lastAttemptAt,
          finishedAt: customerDeliveries.finishedAt,
        })
        .from(customerDeliveries)
        .innerJoin(customerNotices, eq(customerNotices.id, customerDeliveries.noticeId))
        .where(eq(customerDeliveries.subscriberId, subscriberId))
        .orderBy(desc(customerDeliveries.id))
        .limit(limit)
        .all();
    },
  };
}
