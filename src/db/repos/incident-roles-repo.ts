import { and, asc, desc, eq, inArray, max } from 'drizzle-orm';
import type { IncidentRole } from '../../domain/constants.js';
import { selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import { incidentRoles, internalUpdates, type IncidentRoleRow, type InternalUpdateRow } from '../schema.js';

export type NewIncidentRole = typeof incidentRoles.$inferInsert;
export type NewInternalUpdate = typeof internalUpdates.$inferInsert;

/** How an incident is run inside the company: who holds which role, and the internal-only updates. */
export interface IncidentRolesRepo {
  /** The roles of one incident (absent roles are unassigned). */
  rolesOf(incidentId: string): Promise<IncidentRoleRow[]>;
  /** The roles of many incidents (the dashboard). */
  rolesOfMany(incidentIds: readonly string[]): Promise<IncidentRoleRow[]>;
  /** Assigns a role (replacing who held it). */
  assign(row: NewIncidentRole): Statement;
  /** Leaves a role unassigned. */
  unassign(incidentId: string, role: IncidentRole): Statement;
  insertInternalUpdate(row: NewInternalUpdate): Statement;
  /** Newest first. */
  internalUpdatesOf(incidentId: string): Promise<InternalUpdateRow[]>;
  /** The time of each incident's latest internal update (incidents without one are absent). */
  lastInternalUpdateAt(incidentIds: readonly string[]): Promise<Map<string, number>>;
}

export function incidentRolesRepo(orm: Orm): IncidentRolesRepo {
  return {
    async rolesOf(incidentId) {
      return orm.select().from(incidentRoles).where(eq(incidentRoles.incidentId, incidentId)).all();
    },
    async rolesOfMany(incidentIds) {
      return selectInChunks([...incidentIds], (chunk) => orm.select().from(incidentRoles).where(inArray(incidentRoles.incidentId, chunk)).all());
    },
    assign(row) {
      const { incidentId: _incidentId, role: _role, ...rest } = row;
      return orm.insert(incidentRoles).values(row).onConflictDoUpdate({ target: [incidentRoles.incidentId, incidentRoles.role], set: rest });
    },
    unassign(incidentId, role) {
      return orm.delete(incidentRoles).where(and(eq(incidentRoles.incidentId, incidentId), eq(incidentRoles.role, role)));
    },
    insertInternalUpdate(row) {
      return orm.insert(internalUpdates).values(row);
    },
    async internalUpdatesOf(incidentId) {
      return orm
        .select()
        .from(internalUpdates)
        .where(eq(internalUpdates.incidentId, incidentId))
        .orderBy(desc(internalUpdates.at), desc(internalUpdates.createdAt))
        .all();
    },
    async lastInternalUpdateAt(incidentIds) {
      const rows = await selectInChunks([...incidentIds], (chunk) =>
        orm
          .select({ incidentId: internalUpdates.incidentId, at: max(internalUpdates.at) })
          .from(internalUpdates)
          .where(inArray(internalUpdates.incidentId, chunk))
          .groupBy(internalUpdates.incidentId)
          .orderBy(asc(internalUpdates.incidentId))
          .all(),
      );
      return new Map(rows.filter((r) => r.at !== null).map((r) => [r.incidentId, r.at as number]));
    },
  };
}
