import { and, asc, count, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { SubscriberStatus } from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import { subscriberComponents, subscriberGroups, subscribers, type SubscriberRow } from '../schema.js';

export type NewSubscriber = typeof subscribers.$inferInsert;
export type SubscriberPatch = Partial<
  Pick<NewSubscriber, 'status' | 'allComponents' | 'reason' | 'updatedAt' | 'confirmedAt' | 'lastNoticeAt' | 'secret'>
>;

/** Which components a subscriber chose: everything, or these components and groups. */
export interface SubscriberScope {
  all: boolean;
  componentIds: string[];
  groupIds: string[];
}

export interface SubscriberQuery {
  search?: string;
  status?: SubscriberStatus;
  /** Rows after this email (keyset paging, in email order). */
  after?: string;
  limit: number;
}

export interface SubscribersRepo {
  findById(id: string): Promise<SubscriberRow | undefined>;
  findByEmail(email: string): Promise<SubscriberRow | undefined>;
  findByIds(ids: readonly string[]): Promise<SubscriberRow[]>;
  insert(row: NewSubscriber, scope: SubscriberScope): Statement[];
  update(id: string, patch: SubscriberPatch): Statement;
  /** Replaces the subscriber's choice of components. */
  setScope(id: string, scope: SubscriberScope, updatedAt: number): Statement[];
  scopeOf(id: string): Promise<SubscriberScope>;
  /**
   * The components and groups chosen by each of these subscribers (ids in
   * order), in a few statements whatever their number. Subscribers without
   * rows (those to every component) get empty lists.
   */
  scopesOf(ids: readonly string[]): Promise<Map<string, { componentIds: string[]; groupIds: string[] }>>;
  delete(id: string): Statement;
  list(query: SubscriberQuery): Promise<SubscriberRow[]>;
  countByStatus(): Promise<Record<SubscriberStatus, number>>;
}

export function subscribersRepo(orm: Orm): SubscribersRepo {
  function scopeRows(id: string, scope: SubscriberScope): Statement[] {
    if (scope.all) return [];
    return [
      ...scope.componentIds.map((componentId) => orm.insert(subscriberComponents).values({ subscriberId: id, componentId })),
      ...scope.groupIds.map((groupId) => orm.insert(subscriberGroups).values({ subscriberId: id, groupId })),
    ];
  }

  return {
    async findById(id) {
      return orm.select().from(subscribers).where(eq(subscribers.id, id)).get();
    },
    async findByEmail(email) {
      return orm.select().from(subscribers).where(eq(subscribers.email, email.toLowerCase())).get();
    },
    async findByIds(ids) {
      if (ids.length === 0) return [];
      return orm.select().from(subscribers).where(inArray(subscribers.id, [...ids])).all();
    },
    insert(row, scope) {
      return [orm.insert(subscribers).values({ ...row, allComponents: scope.all }), ...scopeRows(row.id, scope)];
    },
    update(id, patch) {
      return orm.update(subscribers).set(patch).where(eq(subscribers.id, id));
    },
    setScope(id, scope, updatedAt) {
      return [
        orm.delete(subscriberComponents).where(eq(subscriberComponents.subscriberId, id)),
        orm.delete(subscriberGroups).where(eq(subscriberGroups.subscriberId, id)),
        orm.update(subscribers).set({ allComponents: scope.all, updatedAt }).where(eq(subscribers.id, id)),
        ...scopeRows(id, scope),
      ];
    },
    async scopeOf(id) {
      const row = await orm.select({ all: subscribers.allComponents }).from(subscribers).where(eq(subscribers.id, id)).get();
      const [componentRows, groupRows] = await Promise.all([
        orm.select({ id: subscriberComponents.componentId }).from(subscriberComponents).where(eq(subscriberComponents.subscriberId, id)).all(),
        orm.select({ id: subscriberGroups.groupId }).from(subscriberGroups).where(eq(subscriberGroups.subscriberId, id)).all(),
      ]);
      return { all: row?.all ?? true, componentIds: componentRows.map((r) => r.id), groupIds: groupRows.map((r) => r.id) };
    },
    async scopesOf(ids) {
      const unique = [...new Set(ids)];
      const result = new Map(unique.map((id) => [id, { componentIds: [] as string[], groupIds: [] as string[] }]));
      if (unique.length === 0) return result;
      const [componentRows, groupRows] = await Promise.all([
        selectInChunks(unique, (chunk) =>
          orm
            .select({ subscriberId: subscriberComponents.subscriberId, id: subscriberComponents.componentId })
            .from(subscriberComponents)
            .where(inArray(subscriberComponents.subscriberId, chunk))
            .orderBy(asc(subscriberComponents.componentId))
            .all(),
        ),
        selectInChunks(unique, (chunk) =>
          orm
            .select({ subscriberId: subscriberGroups.subscriberId, id: subscriberGroups.groupId })
            .from(subscriberGroups)
            .where(inArray(subscriberGroups.subscriberId, chunk))
            .orderBy(asc(subscriberGroups.groupId))
            .all(),
        ),
      ]);
      for (const row of componentRows) result.get(row.subscriberId)?.componentIds.push(row.id);
      for (const row of groupRows) result.get(row.subscriberId)?.groupIds.push(row.id);
      return result;
    },
    delete(id) {
      return orm.delete(subscribers).where(eq(subscribers.id, id));
    },
    async list(query) {
      const conditions: SQL[] = [];
      if (query.status) conditions.push(eq(subscribers.status, query.status));
      if (query.search) {
        // LIKE with the user's text as a literal (its % and _ escaped).
        const pattern = `%${query.search.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
        conditions.push(sql`${subscribers.email} LIKE ${pattern} ESCAPE '\\'`);
      }
      if (query.after) conditions.push(gt(subscribers.email, query.after));
      const where = conditions.length ? and(...conditions) : undefined;
      return orm.select().from(subscribers).where(where).orderBy(asc(subscribers.email)).limit(query.limit).all();
    },
    async countByStatus() {
      const rows = await orm.select({ status: subscribers.status, n: count() }).from(subscribers).groupBy(subscribers.status).all();
      const counts: Record<SubscriberStatus, number> = { pending: 0, confirmed: 0, unsubscribed: 0, suppressed: 0 };
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    },
  };
}
