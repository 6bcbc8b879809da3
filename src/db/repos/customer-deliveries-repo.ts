import { and, eq } from 'drizzle-orm';
import type { Orm } from '../database.js';
import { customerDeliveries, type CustomerDeliveryRow } from '../schema.js';

/** The customer channels' outbox: the drainer's queries, and the delivery log. */
export interface CustomerDeliveriesRepo {
  /** A subscriber's deliveries of one notice (at most one). */
  find(noticeId: string, subscriberId: string): Promise<CustomerDeliveryRow | undefined>;
}

export function customerDeliveriesRepo(orm: Orm): CustomerDeliveriesRepo {
  return {
    async find(noticeId, subscriberId) {
      return orm
        .select()
        .from(customerDeliveries)
        .where(and(eq(customerDeliveries.noticeId, noticeId), eq(customerDeliveries.subscriberId, subscriberId)))
        .get();
    },
  };
}
