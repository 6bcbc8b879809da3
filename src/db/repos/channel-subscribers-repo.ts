import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { channelSubscribers, type ChannelSubscriberRow } from '../schema.js';

export type NewChannelSubscriber = typeof channelSubscribers.$inferInsert;
export type ChannelSubscriberPatch = Partial<Omit<NewChannelSubscriber, 'id' | 'createdAt'>> & { updatedAt: number };

export type PendingChannelSubscriber = Pick<
  NewChannelSubscriber,
  'id' | 'type' | 'url' | 'contactEmail' | 'secret' | 'createdAt' | 'updatedAt' | 'lastNoticeAt'
> & { allComponents: boolean; componentIds: string[]; groupIds: string[] };

/** Customers' webhook and chat subscriptions (their deliveries: customer-deliveries-repo.ts). */
export interface ChannelSubscribersRepo {
  findById(id: string): Promise<ChannelSubscriberRow | undefined>;
  /** The subscription to this exact endpoint URL, if any (the oldest, should a race have made two). */
  findByUrl(url: string): Promise<ChannelSubscriberRow | undefined>;
  insert(row: NewChannelSubscriber): Statement;
  /** A new pending subscription, unless one to the same URL exists: one row only for the first of concurrent callers (db.claim). */
  insertPendingIfNewUrl(row: PendingChannelSubscriber): Statement;
  update(id: string, patch: ChannelSubscriberPatch): Statement;
  delete(id: string): Statement;
  /** pending -> confirmed, with the webhook signing secret (null for chat); changes one row only the first time (db.claim). */
  confirm(id: string, at: number, signingSecret: string | null): Statement;
  /** disabled -> confirmed, with the failure streak and the "disabled" notice forgotten; one row only while disabled (db.claim). */
  reEnable(id: string, at: number): Statement;
  /** Takes the right to email the contact now: one row when no notice went out since `since` (db.claim). */
  claimNotice(id: string, at: number, since: number): Statement;
}

export function channelSubscribersRepo(orm: Orm): ChannelSubscribersRepo {
  return {
    async findById(id) {
      return orm.select().from(channelSubscribers).where(eq(channelSubscribers.id, id)).get();
    },
    async findByUrl(url) {
      return orm.select().from(channelSubscribers).where(eq(channelSubscribers.url, url)).orderBy(channelSubscribers.createdAt, channelSubscribers.id).get();
    },
    insert(row) {
      return orm.insert(channelSubscribers).values(row);
    },
    insertPendingIfNewUrl(row) {
      // The columns in the table's order (drizzle lists them all): id, type, url, contact_email, status, secret,
      // signing_secret, all_components, component_ids, group_ids, created_at, updated_at, confirmed_at,
      // last_notice_at, then the seven health columns (a new column makes SQLite refuse the statement).
      return orm.insert(channelSubscribers).select(
        sql`SELECT ${row.id}, ${row.type}, ${row.url}, ${row.contactEmail}, 'pending', ${row.secret}, NULL, ${row.allComponents ? 1 : 0},
          ${JSON.stringify(row.componentIds)}, ${JSON.stringify(row.groupIds)}, ${row.createdAt}, ${row.updatedAt}, NULL, ${row.lastNoticeAt ?? null},
          NULL, NULL, NULL, NULL, NULL, NULL, NULL
          WHERE NOT EXISTS (SELECT 1 FROM channel_subscribers WHERE url = ${row.url})`,
      );
    },
    update(id, patch) {
      return orm.update(channelSubscribers).set(patch).where(eq(channelSubscribers.id, id));
    },
    delete(id) {
      return orm.delete(channelSubscribers).where(eq(channelSubscribers.id, id));
    },
    confirm(id, at, signingSecret) {
      return orm
        .update(channelSubscribers)
        .set({ status: 'confirmed', confirmedAt: at, updatedAt: at, signingSecret })
        .where(and(eq(channelSubscribers.id, id), eq(channelSubscribers.status, 'pending')));
    },
    reEnable(id, at) {
      return orm
        .update(channelSubscribers)
        .set({ status: 'confirmed', updatedAt: at, failingSince: null, disabledAt: null, disabledNoticeAt: null })
        .where(and(eq(channelSubscribers.id, id), eq(channelSubscribers.status, 'disabled')));
    },
    claimNotice(id, at, since) {
      return orm
        .update(channelSubscribers)
        .set({ lastNoticeAt: at })
        .where(and(eq(channelSubscribers.id, id), or(isNull(channelSubscribers.lastNoticeAt), lte(channelSubscribers.lastNoticeAt, since))));
    },
  };
}
