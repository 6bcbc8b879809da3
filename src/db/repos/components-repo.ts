import { and, asc, count, eq, gte, inArray, max, sql } from 'drizzle-orm';
import type { ComponentStatus } from '../../domain/constants.js';
import type { StatusChange } from '../../domain/uptime.js';
import { MAX_IN_LIST, selectInChunks } from '../chunks.js';
import type { Orm, Statement } from '../database.js';
import {
  componentGroups,
  components,
  componentStatusChanges,
  incidentComponents,
  incidentUpdateComponents,
  incidentUpdates,
  type ComponentGroupRow,
  type ComponentRow,
} from '../schema.js';

export type NewComponentGroup = typeof componentGroups.$inferInsert;
export type NewComponent = typeof components.$inferInsert;

export type ComponentPatch = Partial<Pick<NewComponent, 'name' | 'description' | 'groupId' | 'hidden' | 'position'>> & {
  updatedAt: number;
};
export type ComponentGroupPatch = Partial<Pick<NewComponentGroup, 'name' | 'description' | 'position'>> & {
  updatedAt: number;
};

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
  findById(id: string): Promise<ComponentRow | undefined>;
  findGroup(id: string): Promise<ComponentGroupRow | undefined>;
  /** The highest component position (-1 when there are none), to append after it. */
  maxPosition(): Promise<number>;
  /** The highest group position (-1 when there are none). */
  maxGroupPosition(): Promise<number>;
  insertGroup(row: NewComponentGroup): Statement;
  insert(row: NewComponent): Statement;
  update(id: string, patch: ComponentPatch): Statement;
  updateGroup(id: string, patch: ComponentGroupPatch): Statement;
  /** How many status-history rows the component has. */
  countStatusChanges(id: string): Promise<number>;
  /** How many incidents or maintenances name the component (as affected, or in an update's changes). */
  countIncidentsMentioning(id: string): Promise<number>;
  /**
   * Deletes a component with its status history and its links from
   * incidents and their updates (the incidents themselves stay). Explicit
   * rather than relying on ON DELETE CASCADE, so it holds whatever the
   * driver's foreign-key setting.
   */
  delete(id: string): Statement[];
  /** Deletes a group; its components stay, ungrouped. */
  deleteGroup(id: string, updatedAt: number): Statement[];
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
    async findById(id) {
      return orm.select().from(components).where(eq(components.id, id)).get();
    },
    async findGroup(id) {
      return orm.select().from(componentGroups).where(eq(componentGroups.id, id)).get();
    },
    async maxPosition() {
      const row = await orm.select({ n: max(components.position) }).from(components).get();
      return row?.n ?? -1;
    },
    async maxGroupPosition() {
      const row = await orm.select({ n: max(componentGroups.position) }).from(componentGroups).get();
      return row?.n ?? -1;
    },
    insertGroup(row) {
      return orm.insert(componentGroups).values(row);
    },
    insert(row) {
      return orm.insert(components).values(row);
    },
    update(id, patch) {
      return orm.update(components).set(patch).where(eq(components.id, id));
    },
    updateGroup(id, patch) {
      return orm.update(componentGroups).set(patch).where(eq(componentGroups.id, id));
    },
    async countStatusChanges(id) {
      const row = await orm
        .select({ n: count() })
        .from(componentStatusChanges)
        .where(eq(componentStatusChanges.componentId, id))
        .get();
      return row?.n ?? 0;
    },
    async countIncidentsMentioning(id) {
      const row = await orm
        .select({ n: sql<number>`count(*)` })
        .from(
          sql`(SELECT ${incidentComponents.incidentId} AS incident_id FROM ${incidentComponents}
            WHERE ${incidentComponents.componentId} = ${id}
            UNION
            SELECT u.incident_id FROM ${incidentUpdateComponents} uc
            JOIN ${incidentUpdates} u ON u.id = uc.update_id
            WHERE uc.component_id = ${id})`,
        )
        .get();
      return Number(row?.n ?? 0);
    },
    delete(id) {
      return [
        orm.delete(incidentUpdateComponents).where(eq(incidentUpdateComponents.componentId, id)),
        orm.delete(incidentComponents).where(eq(incidentComponents.componentId, id)),
        orm.delete(componentStatusChanges).where(eq(componentStatusChanges.componentId, id)),
        orm.delete(components).where(eq(components.id, id)),
      ];
    },
    deleteGroup(id, updatedAt) {
      return [
        orm.update(components).set({ groupId: null, updatedAt }).where(eq(components.groupId, id)),
        orm.delete(componentGroups).where(eq(componentGroups.id, id)),
      ];
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
