import { and, asc, count, eq, inArray, max, sql } from 'drizzle-orm';
import type { NotificationKind } from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import { auditLog, destinationDeliveries, destinations, mailOutbox, timelineEntries, type AuditRow, type TimelineEntryRow } from '../schema.js';

export type NewTimelineEntry = typeof timelineEntries.$inferInsert;

/** The messages queued together to the team's destinations about one event. */
export interface ToldGroup {
  kind: NotificationKind;
  createdAt: number;
  destinations: string[];
  sent: number;
  failed: number;
  waiting: number;
}

/** What the timeline reads beyond the incident itself (services/timeline). */
export interface TimelineRepo {
  entriesOf(incidentId: string): Promise<TimelineEntryRow[]>;
  findEntry(id: string): Promise<TimelineEntryRow | undefined>;
  insertEntry(row: NewTimelineEntry): Statement;
  deleteEntry(id: string): Statement;
  /** Audit entries about a target, oldest first. */
  auditOf(targetType: string, targetId: string): Promise<AuditRow[]>;
  /** The team's destinations told about an incident, one group per event. */
  toldAbout(incidentId: string): Promise<ToldGroup[]>;
  /** When each update's emails last finished (sent or failed), by update id (pruned ones have none). */
  emailsFinishedAt(updateIds: readonly string[]): Promise<Map<string, number>>;
}

export function timelineRepo(orm: Orm): TimelineRepo {
  return {
    async entriesOf(incidentId) {
      return orm
        .select()
        .from(timelineEntries)
        .where(eq(timelineEntries.incidentId, incidentId))
        .orderBy(asc(timelineEntries.at), asc(timelineEntries.createdAt))
        .all();
    },
    async findEntry(id) {
      return orm.select().from(timelineEntries).where(eq(timelineEntries.id, id)).get();
    },
    insertEntry(row) {
      return orm.insert(timelineEntries).values(row);
    },
    deleteEntry(id) {
      return orm.delete(timelineEntries).where(eq(timelineEntries.id, id));
    },
    async auditOf(targetType, targetId) {
      return orm
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetType, targetType), eq(auditLog.targetId, targetId)))
        .orderBy(asc(auditLog.at), asc(auditLog.id))
        .all();
    },
    async toldAbout(incidentId) {
      const rows = await orm
        .select({
          kind: destinationDeliveries.kind,
          createdAt: destinationDeliveries.createdAt,
          status: destinationDeliveries.status,
          name: destinations.name,
        })
        .from(destinationDeliveries)
        .innerJoin(destinations, eq(destinations.id, destinationDeliveries.destinationId))
        .where(eq(destinationDeliveries.incidentId, incidentId))
        .orderBy(asc(destinationDeliveries.id))
        .all();
      const groups: ToldGroup[] = [];
      for (const row of rows) {
        // Deliveries queued by one write share its time and kind.
        let group = groups.find((g) => g.kind === row.kind && g.createdAt === row.createdAt);
        if (!group) groups.push((group = { kind: row.kind, createdAt: row.createdAt, destinations: [], sent: 0, failed: 0, waiting: 0 }));
        group.destinations.push(row.name);
        if (row.status === 'sent') group.sent += 1;
        else if (row.status === 'failed') group.failed += 1;
        else group.waiting += 1;
      }
      return groups;
    },
    async emailsFinishedAt(updateIds) {
      const rows = await selectInChunks(updateIds, (chunk) =>
        orm
          .select({ updateId: mailOutbox.updateId, at: max(sql<number>`coalesce(${mailOutbox.sentAt}, ${mailOutbox.dueAt})`), n: count() })
          .from(mailOutbox)
          .where(and(inArray(mailOutbox.updateId, chunk), inArray(mailOutbox.status, ['sent', 'failed'])))
          .groupBy(mailOutbox.updateId)
          .all(),
      );
      return new Map(rows.filter((r) => r.updateId && r.at !== null).map((r) => [r.updateId!, Number(r.at)]));
    },
  };
}
