import { and, asc, count, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { SubscriberStatus } from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import { subscriberComponents, subscriberGroups, subscribers, type SubscriberRow } from '../schema.js';

export type NewSubscriber = typeof subscribers.$inferInsert;

/** What sets apart each subscriber of a bulk insert (an import); everything else they share. */
export type NewSubscriberOfMany = Pick<NewSubscriber, 'id' | 'email' | 'secret'>;
/** What every subscriber of a bulk insert shares. */
export type SharedSubscriberValues = Pick<NewSubscriber, 'status' | 'source' | 'createdAt' | 'updatedAt' | 'confirmedAt' | 'lastNoticeAt'>;

/**
 * Set-based statements take their rows as ONE JSON text parameter read with
 * `json_each`, so they bind a handful of parameters whatever the row count
 * (D1 allows 100 per statement). D1 also caps a string at 1,000,000 bytes and
 * a statement's SQL at 100 KB (the SQL here is short and fixed), so a list
 * goes in slices of at most JSON_ROWS_PER_STATEMENT rows and
 * JSON_BYTES_PER_STATEMENT bytes of JSON: a statement per few thousand rows.
 */
export const JSON_ROWS_PER_STATEMENT = 5_000;
export const JSON_BYTES_PER_STATEMENT = 500_000;

const utf8 = new TextEncoder();

/** `items` as JSON array texts, each within the limits above (none for an empty list). */
export function jsonChunks(
  items: readonly unknown[],
  maxRows: number = JSON_ROWS_PER_STATEMENT,
  maxBytes: number = JSON_BYTES_PER_STATEMENT,
): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 2; // the brackets
  for (const item of items) {
    const part = JSON.stringify(item);
    const size = utf8.encode(part).length + 1; // and its comma
    if (parts.length > 0 && (parts.length >= maxRows || bytes + size > maxBytes)) {
      chunks.push(`[${parts.join(',')}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(part);
    bytes += size;
  }
  if (parts.length > 0) chunks.push(`[${parts.join(',')}]`);
  return chunks;
}

export type SubscriberPatch = Partial<
  Pick<NewSubscriber, 'status' | 'allComponents' | 'reason' | 'updatedAt' | 'confirmedAt' | 'lastNoticeAt' | 'secret' | 'componentUpdates'>
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
  /**
   * Which of these addresses (compared lower-cased, as `findByEmail` does) are
   * known, in any status: one query per few thousand addresses.
   */
  existingEmails(emails: readonly string[]): Promise<Set<string>>;
  /**
   * Many new subscribers to every component that differ only in id, address
   * and secret (an import): the same rows `insert` writes, in one
   * `INSERT ... SELECT ... FROM json_each(?)` per few thousand (none for an
   * empty list), for one atomic write.
   */
  insertMany(rows: readonly NewSubscriberOfMany[], shared: SharedSubscriberValues): Statement[];
  update(id: string, patch: SubscriberPatch): Statement;
  /**
   * Confirms a pending or unsubscribed subscriber; for `db.claim`: no row
   * changes when it is confirmed already or was suppressed meanwhile (a bounce
   * arriving while its link is used must win).
   */
  confirm(id: string, at: number): Statement;
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
    async existingEmails(emails) {
      const found = new Set<string>();
      for (const json of jsonChunks([...new Set(emails.map((email) => email.toLowerCase()))])) {
        const rows = await orm
          .select({ email: subscribers.email })
          .from(subscribers)
          .where(sql`${subscribers.email} IN (SELECT value FROM json_each(${json}))`)
          .all();
        for (const row of rows) found.add(row.email);
      }
      return found;
    },
    insertMany(rows, shared) {
      // Each row travels as [id, email, secret]; the columns in the table's order
      // (drizzle lists them all): id, email, status, secret, all_components,
      // source, reason, created_at, updated_at, confirmed_at, last_notice_at,
      // component_updates
      // (a new column makes SQLite refuse the statement; the contract suite
      // checks these rows equal what `insert` writes).
      return jsonChunks(rows.map((row) => [row.id, row.email, row.secret])).map((json) =>
        orm.insert(subscribers).select(
          sql`SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ${shared.status}, json_extract(value, '$[2]'), 1,
            ${shared.source}, NULL, ${shared.createdAt}, ${shared.updatedAt}, ${shared.confirmedAt ?? null}, ${shared.lastNoticeAt ?? null}, 0
            FROM json_each(${json})`,
        ),
      );
    },
    update(id, patch) {
      return orm.update(subscribers).set(patch).where(eq(subscribers.id, id));
    },
    confirm(id, at) {
      return orm
        .update(subscribers)
        .set({ status: 'confirmed', confirmedAt: at, updatedAt: at })
        .where(and(eq(subscribers.id, id), inArray(subscribers.status, ['pending', 'unsubscribed'])));
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
