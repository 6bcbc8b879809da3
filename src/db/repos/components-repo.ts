import { and, asc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { ComponentStatus } from '../../domain/constants.js';
import type { StatusChange } from '../../domain/uptime.js';
import { MAX_IN_LIST, selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import {
  componentGroups,
  components,
  componentStatusChanges,
  type ComponentGroupRow,
  type ComponentRow,
} from '../schema.js';

export type NewComponentGroup = typeof componentGroups.$inferInsert;
export type NewComponent = typeof components.$inferInsert;

export interface StatusChangeInput {
  componentId: string;
  status: ComponentStatus;
  at: number;
  incidentId?: string | null;
}

export interface ComponentsRepo {
  listGroups(): Promise<ComponentGroupRow[]>;
  /** All components, ordered by position (hidden ones included). */
  list(): Promise<ComponentRow[]>;
  findByIds(ids: readonly string[]): Promise<ComponentRow[]>;
  insertGroup(row: NewComponentGroup): Statement;
  insert(row: NewComponent): Statement;
  /** Sets the current status and records it in the history. */
  setStatus(change: StatusChangeInput, updatedAt: number): Statement[];
  /** Records a past status change without touching the current status (backfill). */
  recordChange(change: StatusChangeInput): Statement;
  /**
   * Each component's status history from `from` on, sorted by time, starting
   * with the last change before `from` (the status the window opens with).
   */
  historySince(componentIds: readonly string[], from: number): Promise<Map<string, StatusChange[]>>;
  deleteExamples(): Statement[];
}

export function componentsRepo(orm: Orm): ComponentsRepo {
  const recordChange = (change: StatusChangeInput): Statement =>
    orm.insert(componentStatusChanges).values({
      componentId: change.componentId,
      status: change.status,
      at: change.at,
      incidentId: change.incidentId ?? null,
    });

  return {
    async listGroups() {
      return orm.select().from(componentGroups).orderBy(asc(componentGroups.position), asc(componentGroups.name)).all();
    },
    async list() {
      return orm.select().from(components).orderBy(asc(components.position), asc(components.name)).all();
    },
    async findByIds(ids) {
      return selectInChunks(ids, (chunk) => orm.select().from(components).where(inArray(components.id, chunk)).all());
    },
    insertGroup(row) {
      return orm.insert(componentGroups).values(row);
    },
    insert(row) {
      return orm.insert(components).values(row);
    },
    setStatus(change, updatedAt) {
      return [
        orm.update(components).set({ status: change.status, updatedAt }).where(eq(components.id, change.componentId)),
        recordChange(change),
      ];
    },
    recordChange,
    async historySince(componentIds, from) {
      const history = new Map<string, StatusChange[]>(componentIds.map((id) => [id, []]));
      if (componentIds.length === 0) return history;
      // One index seek per component for the status in force at `from`, then one
      // range scan of the (component_id, at) index: no full-table scans however
      // many years of history there are. Ids are bound twice, hence half-size chunks.
      const rows = await selectInChunks(
        componentIds,
        (ids) => {
          const openingIds = sql`(SELECT (SELECT p.id FROM ${componentStatusChanges} p
            WHERE p.component_id = c.id AND p.at < ${from} ORDER BY p.at DESC, p.id DESC LIMIT 1)
            FROM ${components} c WHERE c.id IN ${ids})`;
          return orm
            .select({
              componentId: componentStatusChanges.componentId,
              status: componentStatusChanges.status,
              at: componentStatusChanges.at,
            })
            .from(componentStatusChanges)
            .where(
              sql`${componentStatusChanges.id} IN ${openingIds} OR (${and(
                inArray(componentStatusChanges.componentId, ids),
                gte(componentStatusChanges.at, from),
              )})`,
            )
            .orderBy(asc(componentStatusChanges.componentId), asc(componentStatusChanges.at), asc(componentStatusChanges.id))
            .all();
        },
        Math.floor((MAX_IN_LIST - 2) / 2),
      );
      for (const row of rows) history.get(row.componentId)?.push({ status: row.status, at: row.at });
      return history;
    },
    deleteExamples() {
      return [
        orm.delete(components).where(eq(components.example, true)),
        orm.delete(componentGroups).where(eq(componentGroups.example, true)),
      ];
    },
  };
}
