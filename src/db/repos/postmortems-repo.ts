import { and, asc, eq, inArray, isNotNull, isNull, lte, ne, sql } from 'drizzle-orm';
import type { ActionItemStatus } from '../../domain/constants.js';
import type { Orm, Statement } from '../database.js';
import { actionItems, incidents, postmortems, type ActionItemRow, type PostmortemRow } from '../schema.js';

export type NewPostmortem = typeof postmortems.$inferInsert;
export type PostmortemPatch = Partial<Omit<NewPostmortem, 'incidentId' | 'createdAt'>> & { updatedAt: number };
export type NewActionItem = typeof actionItems.$inferInsert;
export type ActionItemPatch = Partial<Omit<NewActionItem, 'id' | 'incidentId' | 'createdAt'>> & { updatedAt: number };

/** A postmortem with its incident's title and severity (lists, the dashboard). */
export interface PostmortemListRow extends PostmortemRow {
  title: string;
  severity: number | null;
  resolvedAt: number | null;
}

export interface ActionItemListRow extends ActionItemRow {
  incidentTitle: string;
}

export interface ActionItemFilter {
  status?: ActionItemStatus;
  ownerUserId?: string;
  /** Open items whose due date passed before this instant. */
  overdueAt?: number;
  incidentId?: string;
}

/** The customer-facing postmortem of an incident, as the status page shows it. */
export interface PublicPostmortem {
  /** Markdown. */
  body: string;
  publishedAt: number;
  updatedAt: number;
}

/** Postmortems and action items (issue 17). */
export interface PostmortemsRepo {
  find(incidentId: string): Promise<PostmortemRow | undefined>;
  /** Creates one unless the incident has one already (resolving twice creates one). */
  insertIfAbsent(row: NewPostmortem): Statement;
  update(incidentId: string, patch: PostmortemPatch): Statement;
  /** Gives a postmortem started before resolution its due date, if it has none and is not published. */
  setDueIfMissing(incidentId: string, dueAt: number, now: number): Statement;
  /** Saves the document only if nobody saved since `baseRevision` (a claim: 0 rows means someone did). */
  saveBody(incidentId: string, baseRevision: number, patch: PostmortemPatch): Statement;
  /** Postmortems not yet published internally with a due date, soonest first. */
  listOpenDue(): Promise<PostmortemListRow[]>;
  /** Every postmortem with a due date (for the on-time rate), by due date. */
  listWithDue(from: number, to: number): Promise<PostmortemRow[]>;
  /** Marks the public postmortem emailed to subscribers, unless it was already (a claim; after insertPostmortemFanout in the same write). */
  markEmailed(incidentId: string, now: number): Statement;
  /** Marks a reminder sent, unless it was already (a claim). */
  claimReminder(incidentId: string, which: 'due_soon' | 'overdue', now: number): Statement;

  /** The public postmortems of these incidents (those on the status page only), by incident id. */
  publicOf(incidentIds: readonly string[]): Promise<Map<string, PublicPostmortem>>;

  actionItemsOf(incidentId: string): Promise<ActionItemRow[]>;
  findActionItem(id: string): Promise<ActionItemRow | undefined>;
  listActionItems(filter: ActionItemFilter, limit: number): Promise<ActionItemListRow[]>;
  insertActionItem(row: NewActionItem): Statement;
  updateActionItem(id: string, patch: ActionItemPatch): Statement;
  deleteActionItem(id: string): Statement;
}

export function postmortemsRepo(orm: Orm): PostmortemsRepo {
  return {
    async find(incidentId) {
      return orm.select().from(postmortems).where(eq(postmortems.incidentId, incidentId)).get();
    },
    insertIfAbsent(row) {
      return orm.insert(postmortems).values(row).onConflictDoNothing({ target: postmortems.incidentId });
    },
    update(incidentId, patch) {
      return orm.update(postmortems).set(patch).where(eq(postmortems.incidentId, incidentId));
    },
    markEmailed(incidentId, now) {
      return orm
        .update(postmortems)
        .set({ emailedAt: now })
        .where(and(eq(postmortems.incidentId, incidentId), isNull(postmortems.emailedAt)));
    },
    setDueIfMissing(incidentId, dueAt, now) {
      return orm
        .update(postmortems)
        .set({ dueAt, updatedAt: now })
        .where(and(eq(postmortems.incidentId, incidentId), isNull(postmortems.dueAt), ne(postmortems.state, 'published')));
    },
    saveBody(incidentId, baseRevision, patch) {
      return orm
        .update(postmortems)
        .set({ ...patch, revision: sql`${postmortems.revision} + 1` })
        .where(and(eq(postmortems.incidentId, incidentId), eq(postmortems.revision, baseRevision)));
    },
    async listOpenDue() {
      const rows = await orm
        .select({ postmortem: postmortems, title: incidents.title, severity: incidents.severity, resolvedAt: incidents.resolvedAt })
        .from(postmortems)
        .innerJoin(incidents, eq(incidents.id, postmortems.incidentId))
        .where(and(ne(postmortems.state, 'published'), isNotNull(postmortems.dueAt)))
        .orderBy(asc(postmortems.dueAt))
        .all();
      return rows.map((r) => ({ ...r.postmortem, title: r.title, severity: r.severity, resolvedAt: r.resolvedAt }));
    },
    async listWithDue(from, to) {
      return orm
        .select()
        .from(postmortems)
        .where(and(isNotNull(postmortems.dueAt), sql`${postmortems.dueAt} >= ${from}`, lte(postmortems.dueAt, to)))
        .orderBy(asc(postmortems.dueAt))
        .all();
    },
    claimReminder(incidentId, which, now) {
      const column = which === 'due_soon' ? postmortems.remindedDueSoonAt : postmortems.remindedOverdueAt;
      return orm
        .update(postmortems)
        .set(which === 'due_soon' ? { remindedDueSoonAt: now } : { remindedOverdueAt: now })
        .where(and(eq(postmortems.incidentId, incidentId), isNull(column), ne(postmortems.state, 'published')));
    },
    async publicOf(incidentIds) {
      const found = new Map<string, PublicPostmortem>();
      // In chunks: D1 binds at most 100 parameters a statement.
      for (let i = 0; i < incidentIds.length; i += 90) {
        const rows = await orm
          .select({ incidentId: postmortems.incidentId, body: postmortems.publicBody, publishedAt: postmortems.publicPublishedAt, updatedAt: postmortems.publicUpdatedAt })
          .from(postmortems)
          .where(and(inArray(postmortems.incidentId, incidentIds.slice(i, i + 90)), isNotNull(postmortems.publicBody), isNotNull(postmortems.publicPublishedAt)))
          .all();
        for (const r of rows) found.set(r.incidentId, { body: r.body!, publishedAt: r.publishedAt!, updatedAt: r.updatedAt ?? r.publishedAt! });
      }
      return found;
    },

    async actionItemsOf(incidentId) {
      return orm.select().from(actionItems).where(eq(actionItems.incidentId, incidentId)).orderBy(asc(actionItems.createdAt), asc(actionItems.id)).all();
    },
    async findActionItem(id) {
      return orm.select().from(actionItems).where(eq(actionItems.id, id)).get();
    },
    async listActionItems(filter, limit) {
      const conditions = [
        filter.status ? eq(actionItems.status, filter.status) : undefined,
        filter.ownerUserId ? eq(actionItems.ownerUserId, filter.ownerUserId) : undefined,
        filter.incidentId ? eq(actionItems.incidentId, filter.incidentId) : undefined,
        filter.overdueAt !== undefined
          ? and(eq(actionItems.status, 'open'), isNotNull(actionItems.dueAt), sql`${actionItems.dueAt} < ${filter.overdueAt}`)
          : undefined,
      ].filter((c) => c !== undefined);
      const rows = await orm
        .select({ item: actionItems, incidentTitle: incidents.title })
        .from(actionItems)
        .innerJoin(incidents, eq(incidents.id, actionItems.incidentId))
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(sql`${actionItems.dueAt} is null`, asc(actionItems.dueAt), asc(actionItems.priority), asc(actionItems.createdAt))
        .limit(limit)
        .all();
      return rows.map((r) => ({ ...r.item, incidentTitle: r.incidentTitle }));
    },
    insertActionItem(row) {
      return orm.insert(actionItems).values(row);
    },
    updateActionItem(id, patch) {
      return orm.update(actionItems).set(patch).where(eq(actionItems.id, id));
    },
    deleteActionItem(id) {
      return orm.delete(actionItems).where(eq(actionItems.id, id));
    },
  };
}
