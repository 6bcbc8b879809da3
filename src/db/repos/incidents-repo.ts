import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, max, ne, notInArray, or, sql } from 'drizzle-orm';
import type { ComponentStatus, IncidentKind } from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import {
  incidentComponents,
  incidents,
  incidentUpdateComponents,
  incidentUpdates,
  type IncidentRow,
  type IncidentUpdateRow,
} from '../schema.js';

export type NewIncident = typeof incidents.$inferInsert;
export type NewIncidentUpdate = typeof incidentUpdates.$inferInsert;
export type IncidentPatch = Partial<Omit<NewIncident, 'id' | 'kind' | 'createdAt' | 'sequence'>>;

export interface ComponentChange {
  componentId: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
}

export interface UpdateDetail extends IncidentUpdateRow {
  componentChanges: ComponentChange[];
}

export interface IncidentDetail extends IncidentRow {
  /** Newest first. */
  updates: UpdateDetail[];
  componentIds: string[];
}

export interface IncidentsRepo {
  findById(id: string): Promise<IncidentDetail | undefined>;
  /** The incident an update belongs to. */
  findByUpdateId(updateId: string): Promise<IncidentDetail | undefined>;
  /** Unresolved incidents, newest first. */
  listOpenIncidents(): Promise<IncidentDetail[]>;
  /** Maintenance not completed whose window has not ended, soonest first. */
  listPendingMaintenance(now: number): Promise<IncidentDetail[]>;
  /** Incidents and maintenance that started in [from, to), newest first. */
  listStartedBetween(from: number, to: number): Promise<IncidentDetail[]>;
  /** The most recently started incidents and/or maintenances, newest first. */
  listRecent(options: { kind?: IncidentKind; componentId?: string; limit: number }): Promise<IncidentDetail[]>;
  /**
   * One page of incidents or of maintenances (management API): open ones
   * first (not resolved or completed, and for maintenance a window that has
   * not ended at `now`), then newest first; `openOnly` leaves out the rest.
   */
  listPage(options: { kind: IncidentKind; openOnly: boolean; now: number; limit: number; offset: number }): Promise<IncidentDetail[]>;
  /** The latest updated_at of any incident or maintenance (0 when there are none). */
  lastUpdatedAt(): Promise<number>;
  /** Whether anything started before `before` (for "older" links). */
  anyStartedBefore(before: number): Promise<boolean>;
  insert(row: NewIncident, componentIds: readonly string[]): Statement[];
  update(id: string, patch: IncidentPatch): Statement;
  /**
   * Marks an open incident reminded of its overdue internal update, unless it
   * already was for this overdue period (reminded at or after `dueAt`). For
   * `db.claim` (not 0: this caller reminds; D1 also counts the revision
   * trigger's row, so a win reads 2 there) or the write that queues the reminder.
   * Not a public change: the calendar SEQUENCE stays.
   */
  claimInternalReminder(id: string, dueAt: number, now: number): Statement;
  insertUpdate(row: NewIncidentUpdate, changes: readonly ComponentChange[]): Statement[];
  editUpdate(id: string, patch: { body: string; updatedAt: number }): Statement;
  deleteUpdate(id: string): Statement;
  deleteExamples(): Statement;
}

export function incidentsRepo(orm: Orm): IncidentsRepo {
  /** Loads updates and components for many incidents in three queries. */
  async function withDetails(rows: IncidentRow[]): Promise<IncidentDetail[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const updates = await selectInChunks(ids, (chunk) =>
      orm
        .select()
        .from(incidentUpdates)
        .where(inArray(incidentUpdates.incidentId, chunk))
        .orderBy(desc(incidentUpdates.at), desc(incidentUpdates.createdAt))
        .all(),
    );
    // Chunks are each sorted; the whole list must be too.
    updates.sort((a, b) => b.at - a.at || b.createdAt - a.createdAt);
    const changes = await selectInChunks(
      updates.map((u) => u.id),
      (chunk) => orm.select().from(incidentUpdateComponents).where(inArray(incidentUpdateComponents.updateId, chunk)).all(),
    );
    const affected = await selectInChunks(ids, (chunk) =>
      orm.select().from(incidentComponents).where(inArray(incidentComponents.incidentId, chunk)).all(),
    );

    const changesByUpdate = groupBy(changes, (c) => c.updateId);
    const updatesByIncident = groupBy(updates, (u) => u.incidentId);
    const componentsByIncident = groupBy(affected, (a) => a.incidentId);
    return rows.map((row) => ({
      ...row,
      updates: (updatesByIncident.get(row.id) ?? []).map((update) => ({
        ...update,
        componentChanges: (changesByUpdate.get(update.id) ?? []).map(({ componentId, oldStatus, newStatus }) => ({
          componentId,
          oldStatus,
          newStatus,
        })),
      })),
      componentIds: (componentsByIncident.get(row.id) ?? []).map((a) => a.componentId),
    }));
  }

  return {
    async findById(id) {
      const row = await orm.select().from(incidents).where(eq(incidents.id, id)).get();
      return row ? (await withDetails([row]))[0] : undefined;
    },
    async findByUpdateId(updateId) {
      const row = await orm
        .select({ incident: incidents })
        .from(incidentUpdates)
        .innerJoin(incidents, eq(incidents.id, incidentUpdates.incidentId))
        .where(eq(incidentUpdates.id, updateId))
        .get();
      return row ? (await withDetails([row.incident]))[0] : undefined;
    },
    async listOpenIncidents() {
      const rows = await orm
        .select()
        .from(incidents)
        .where(and(eq(incidents.kind, 'incident'), inArray(incidents.status, ['investigating', 'identified', 'monitoring'])))
        .orderBy(desc(incidents.startedAt))
        .all();
      return withDetails(rows);
    },
    async listPendingMaintenance(now) {
      const rows = await orm
        .select()
        .from(incidents)
        .where(
          and(
            eq(incidents.kind, 'maintenance'),
            inArray(incidents.status, ['scheduled', 'in_progress', 'verifying']),
            or(isNull(incidents.scheduledUntil), gt(incidents.scheduledUntil, now)),
          ),
        )
        .orderBy(asc(incidents.scheduledFor))
        .all();
      return withDetails(rows);
    },
    async listStartedBetween(from, to) {
      const rows = await orm
        .select()
        .from(incidents)
        .where(and(gte(incidents.startedAt, from), lt(incidents.startedAt, to)))
        .orderBy(desc(incidents.startedAt))
        .all();
      return withDetails(rows);
    },
    async listRecent({ kind, componentId, limit }) {
      const affecting = componentId
        ? inArray(
            incidents.id,
            orm
              .select({ id: incidentComponents.incidentId })
              .from(incidentComponents)
              .where(eq(incidentComponents.componentId, componentId)),
          )
        : undefined;
      const rows = await orm
        .select()
        .from(incidents)
        .where(and(kind ? eq(incidents.kind, kind) : undefined, affecting))
        .orderBy(desc(incidents.startedAt))
        .limit(limit)
        .all();
      return withDetails(rows);
    },
    async listPage({ kind, openOnly, now, limit, offset }) {
      const open = and(
        notInArray(incidents.status, ['resolved', 'completed']),
        or(isNull(incidents.scheduledUntil), gt(incidents.scheduledUntil, now)),
      );
      const rows = await orm
        .select()
        .from(incidents)
        .where(and(eq(incidents.kind, kind), openOnly ? open : undefined))
        .orderBy(sql`CASE WHEN ${open} THEN 0 ELSE 1 END`, desc(incidents.startedAt), desc(incidents.id))
        .limit(limit)
        .offset(offset)
        .all();
      return withDetails(rows);
    },
    async lastUpdatedAt() {
      const row = await orm.select({ at: max(incidents.updatedAt) }).from(incidents).get();
      return row?.at ?? 0;
    },
    async anyStartedBefore(before) {
      const row = await orm.select({ id: incidents.id }).from(incidents).where(lt(incidents.startedAt, before)).limit(1).get();
      return row !== undefined;
    },
    insert(row, componentIds) {
      return [
        orm.insert(incidents).values(row),
        ...componentIds.map((componentId) =>
          orm.insert(incidentComponents).values({ incidentId: row.id, componentId }).onConflictDoNothing(),
        ),
      ];
    },
    update(id, patch) {
      // Every change counts: the maintenance calendar's SEQUENCE.
      return orm.update(incidents).set({ ...patch, sequence: sql`${incidents.sequence} + 1` }).where(eq(incidents.id, id));
    },
    claimInternalReminder(id, dueAt, now) {
      return orm
        .update(incidents)
        .set({ internalRemindedAt: now })
        .where(
          and(
            eq(incidents.id, id),
            ne(incidents.status, 'resolved'),
            or(isNull(incidents.internalRemindedAt), lt(incidents.internalRemindedAt, dueAt)),
          ),
        );
    },
    insertUpdate(row, changes) {
      return [
        orm.insert(incidentUpdates).values(row),
        ...changes.map((change) => orm.insert(incidentUpdateComponents).values({ updateId: row.id, ...change })),
        ...changes.map((change) =>
          orm
            .insert(incidentComponents)
            .values({ incidentId: row.incidentId, componentId: change.componentId })
            .onConflictDoNothing(),
        ),
      ];
    },
    editUpdate(id, patch) {
      return orm.update(incidentUpdates).set(patch).where(eq(incidentUpdates.id, id));
    },
    deleteUpdate(id) {
      return orm.delete(incidentUpdates).where(eq(incidentUpdates.id, id));
    },
    deleteExamples() {
      return orm.delete(incidents).where(eq(incidents.example, true));
    },
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
