import { eq } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { channelSubscribers, type ChannelSubscriberRow } from '../schema.js';

export type NewChannelSubscriber = typeof channelSubscribers.$inferInsert;
export type ChannelSubscriberPatch = Partial<Omit<NewChannelSubscriber, 'id' | 'createdAt'>> & { updatedAt: number };

/** Customers' webhook and chat subscriptions (their deliveries: customer-deliveries-repo.ts). */
export interface ChannelSubscribersRepo {
  findById(id: string): Promise<ChannelSubscriberRow | undefined>;
  insert(row: NewChannelSubscriber): Statement;
  update(id: string, patch: ChannelSubscriberPatch): Statement;
  delete(id: string): Statement;
}

export function channelSubscribersRepo(orm: Orm): ChannelSubscribersRepo {
  return {
    async findById(id) {
      return orm.select().from(channelSubscribers).where(eq(channelSubscribers.id, id)).get();
    },
    insert(row) {
      return orm.insert(channelSubscribers).values(row);
    },
    update(id, patch) {
      return orm.update(channelSubscribers).set(patch).where(eq(channelSubscribers.id, id));
    },
    delete(id) {
      return orm.delete(channelSubscribers).where(eq(channelSubscribers.id, id));
    },
  };
}
