import { eq } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { customerNotices, type CustomerNoticeRow } from '../schema.js';

export type NewCustomerNotice = typeof customerNotices.$inferInsert;

/** What customers' channels are told (incident updates, component changes) before and while it is expanded into deliveries. */
export interface CustomerNoticesRepo {
  findById(id: string): Promise<CustomerNoticeRow | undefined>;
  insert(row: NewCustomerNotice): Statement;
}

export function customerNoticesRepo(orm: Orm): CustomerNoticesRepo {
  return {
    async findById(id) {
      return orm.select().from(customerNotices).where(eq(customerNotices.id, id)).get();
    },
    insert(row) {
      return orm.insert(customerNotices).values(row);
    },
  };
}
