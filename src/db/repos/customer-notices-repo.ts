import { and, asc, eq, gt, lte, ne, sql } from 'drizzle-orm';
import type { ComponentStatus } from '../../domain/constants.js';
import type { Orm, Statement } from '../database.js';
import { customerNotices, mailOutbox, type CustomerNoticeRow } from '../schema.js';

export type NewCustomerNotice = typeof customerNotices.$inferInsert;

/** The cursor value of an expansion that is finished (sorts after every id). */
export const EXPANDED = '~';

/** A component status change outside an incident, as a notice hears of it. */
export interface ComponentChangeNotice {
  id: string;
  componentId: string;
  /** The status before this change. */
  from: ComponentStatus;
  to: ComponentStatus;
  now: number;
  /** The flap window (ms): the notice waits this long after the last change. */
  windowMs: number;
  /** The latest a waiting notice may be postponed to, after its first change (ms). */
  maxWaitMs: number;
}

/** A ready component notice whose email side is not fully written into mail_outbox yet. */
export interface EmailExpansion {
  id: string;
  componentId: string;
  /** The last email subscriber id done ('' for none). */
  emailCursor: string;
  /** When the notice became ready: subscribers confirmed later are not told. */
  readyAt: number;
}

/** What customers' channels are told (incident updates, component changes) before and while it is expanded into deliveries. */
export interface CustomerNoticesRepo {
  findById(id: string): Promise<CustomerNoticeRow | undefined>;
  insert(row: NewCustomerNotice): Statement;
  /**
   * The two statements of a component change (in this order, in the write
   * that changes the status): the component's waiting notice still in its
   * window takes the new status and waits again (never past `maxWaitMs`
   * after its first change); if there is none, a new waiting notice from
   * `from` to `to`. Both are conditional on the table as the write finds it,
   * so racing writes never leave two waiting notices for one component.
   */
  noteComponentChange(change: ComponentChangeNotice): Statement[];
  /**
   * Ends the wait of every waiting notice due by `now`: one that came back to
   * where it started, or whose component an incident update moved since (that
   * update's notice told the newer status), or every one (`announce` false:
   * the page setting is off) is dropped, the others become ready. One
   * statement: run it with db.claim.
   */
  promoteDue(now: number, options: { announce: boolean }): Statement;
  /** The oldest ready component notice whose email side is not finished. */
  nextEmailExpansion(): Promise<EmailExpansion | undefined>;
  /**
   * Writes the component emails of the subscribers after the notice's email
   * cursor up to `end` (null: to the last) and moves the cursor there (to
   * EXPANDED at the end), unless another drainer already did.
   */
  expandEmail(notice: EmailExpansion, end: string | null): Statement[];
  /**
   * Marks a ready notice done once both its expansions are finished (its
   * channel cursor is EXPANDED, and its email cursor too, or it is an
   * incident notice, which has no email side). Either expander may run it.
   */
  finishNotice(id: string): Statement;
}

export function customerNoticesRepo(orm: Orm): CustomerNoticesRepo {
  return {
    async findById(id) {
      return orm.select().from(customerNotices).where(eq(customerNotices.id, id)).get();
    },
    insert(row) {
      return orm.insert(customerNotices).values(row);
    },
    noteComponentChange(change) {
      const waitingInWindow = and(
        eq(customerNotices.kind, 'component'),
        eq(customerNotices.componentId, change.componentId),
        eq(customerNotices.state, 'waiting'),
        gt(customerNotices.dueAt, change.now),
      );
      const coalesce = orm
        .update(customerNotices)
        .set({
          newStatus: change.to,
          updatedAt: change.now,
          dueAt: sql`min(${change.now + change.windowMs}, ${customerNotices.createdAt} + ${change.maxWaitMs})`,
        })
        .where(waitingInWindow);
      const open = orm.insert(customerNotices).select(
        sql`SELECT ${change.id}, 'component', NULL, ${change.componentId}, ${change.from}, ${change.to}, 'waiting',
            ${change.now + change.windowMs}, '', '', NULL, ${change.now}, ${change.now}
          WHERE NOT EXISTS (SELECT 1 FROM customer_notices n
            WHERE n.component_id = ${change.componentId} AND n.kind = 'component' AND n.state = 'waiting' AND n.due_at > ${change.now})`,
      );
      return [coalesce, open];
    },
    promoteDue(now, options) {
      // An incident (or maintenance) update that moved the component after the
      // notice's last change told customers itself, with the newer status: the
      // notice would only repeat an older one.
      const superseded = sql`EXISTS (SELECT 1 FROM component_status_changes h
        WHERE h.component_id = ${customerNotices.componentId} AND h.at >= ${customerNotices.updatedAt} AND h.incident_id IS NOT NULL)`;
      const state = options.announce
        ? sql`CASE WHEN ${customerNotices.newStatus} = ${customerNotices.oldStatus} OR ${superseded} THEN 'dropped' ELSE 'ready' END`
        : sql`'dropped'`;
      // due_at becomes the time it was published (the email side tells those confirmed by then).
      return orm
        .update(customerNotices)
        .set({ state, dueAt: now })
        .where(and(eq(customerNotices.state, 'waiting'), lte(customerNotices.dueAt, now)));
    },
    async nextEmailExpansion() {
      const row = await orm
        .select({ id: customerNotices.id, componentId: customerNotices.componentId, emailCursor: customerNotices.emailCursor, readyAt: customerNotices.dueAt })
        .from(customerNotices)
        .where(and(eq(customerNotices.state, 'ready'), eq(customerNotices.kind, 'component'), ne(customerNotices.emailCursor, EXPANDED)))
        .orderBy(asc(customerNotices.dueAt), asc(customerNotices.id))
        .limit(1)
        .get();
      return row?.componentId ? { ...row, componentId: row.componentId } : undefined;
    },
    expandEmail(notice, end) {
      // Only while the cursor is where this drainer read it: of two drainers
      // expanding the same chunk, the second writes nothing.
      const current = and(eq(customerNotices.id, notice.id), eq(customerNotices.state, 'ready'), eq(customerNotices.emailCursor, notice.emailCursor));
      const upTo = end === null ? sql`` : sql`AND s.id <= ${end}`;
      // Confirmed by the time the notice was published, opted in to component
      // updates, and subscribed to every component, to this one, or to its
      // group. Nothing for a component hidden from the page (the cursor still moves).
      const chunk = sql`SELECT NULL, 'component', s.id, NULL, 'queued', NULL, NULL, 0, ${notice.readyAt}, NULL, NULL, ${notice.readyAt}, NULL, ${notice.id}
        FROM subscribers s
        WHERE s.id > ${notice.emailCursor} ${upTo}
          AND EXISTS (SELECT 1 FROM customer_notices n JOIN components c ON c.id = n.component_id
                      WHERE n.id = ${notice.id} AND n.state = 'ready' AND n.email_cursor = ${notice.emailCursor} AND c.hidden = 0)
          AND +s.status = 'confirmed' AND s.component_updates = 1 AND coalesce(s.confirmed_at, 0) <= ${notice.readyAt} AND (
            s.all_components = 1
            OR EXISTS (SELECT 1 FROM subscriber_components sc WHERE sc.subscriber_id = s.id AND sc.component_id = ${notice.componentId})
            OR EXISTS (SELECT 1 FROM subscriber_groups sg JOIN components c ON c.group_id = sg.group_id
                       WHERE sg.subscriber_id = s.id AND c.id = ${notice.componentId}))`;
      return [orm.insert(mailOutbox).select(chunk), orm.update(customerNotices).set({ emailCursor: end ?? EXPANDED }).where(current)];
    },
    finishNotice(id) {
      return orm
        .update(customerNotices)
        .set({ state: 'done' })
        .where(
          and(
            eq(customerNotices.id, id),
            eq(customerNotices.state, 'ready'),
            eq(customerNotices.cursor, EXPANDED),
            sql`(${customerNotices.kind} = 'incident' OR ${customerNotices.emailCursor} = ${EXPANDED})`,
          ),
        );
    },
  };
}
