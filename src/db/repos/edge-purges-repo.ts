import { and, asc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Orm, Statement } from '../database.js';
import { components, edgePurges, incidentComponents, incidents, type EdgePurgeRow } from '../schema.js';

/** The Worker's purge outbox (src/edge/purge.ts). Worker only: not part of createRepos. */
export interface EdgePurgesRepo {
  insert(row: { id: string; urls: string[]; now: number }): Statement;
  /** Queued rows due now and not leased, oldest first. */
  due(now: number, limit: number): Promise<EdgePurgeRow[]>;
  /** Takes the row for `leaseMs` and counts the attempt; run with db.claim (1: yours). */
  lease(id: string, now: number, leaseMs: number): Statement;
  done(id: string, now: number): Statement;
  retry(id: string, dueAt: number, error: string): Statement;
  failed(id: string, now: number, error: string): Statement;
  /** Ids of incidents changed at or after `since` (the public pages a write changed). */
  incidentsChangedSince(since: number): Promise<string[]>;
  /** Components whose status changed at or after `since`, and those the given incidents affect (their feeds and badges). */
  componentsChangedSince(since: number, incidentIds: readonly string[]): Promise<string[]>;
}

export function edgePurgesRepo(orm: Orm): EdgePurgesRepo {
  return {
    insert({ id, urls, now }) {
      return orm.insert(edgePurges).values({ id, urls, status: 'queued', attempts: 0, dueAt: now, createdAt: now });
    },
    async due(now, limit) {
      return orm
        .select()
        .from(edgePurges)
        .where(
          and(
            eq(edgePurges.status, 'queued'),
            lte(edgePurges.dueAt, now),
            or(isNull(edgePurges.leaseUntil), lt(edgePurges.leaseUntil, now)),
          ),
        )
        .orderBy(asc(edgePurges.dueAt))
        .limit(limit)
        .all();
    },
    lease(id, now, leaseMs) {
      return orm
        .update(edgePurges)
        .set({ leaseUntil: now + leaseMs, attempts: sqlIncrement() })
        .where(
          and(
            eq(edgePurges.id, id),
            eq(edgePurges.status, 'queued'),
            or(isNull(edgePurges.leaseUntil), lt(edgePurges.leaseUntil, now)),
          ),
        );
    },
    done(id, now) {
      return orm.update(edgePurges).set({ status: 'done', doneAt: now, leaseUntil: null, lastError: null }).where(eq(edgePurges.id, id));
    },
    retry(id, dueAt, error) {
      return orm.update(edgePurges).set({ dueAt, leaseUntil: null, lastError: error }).where(eq(edgePurges.id, id));
    },
    failed(id, now, error) {
      return orm.update(edgePurges).set({ status: 'failed', doneAt: now, leaseUntil: null, lastError: error }).where(eq(edgePurges.id, id));
    },
    async incidentsChangedSince(since) {
      const rows = await orm.select({ id: incidents.id }).from(incidents).where(gte(incidents.updatedAt, since)).limit(100).all();
      return rows.map((row) => row.id);
    },
    async componentsChangedSince(since, incidentIds) {
      const changed = await orm.select({ id: components.id }).from(components).where(gte(components.updatedAt, since)).limit(100).all();
      const affected = incidentIds.length
        ? await orm
            .select({ id: incidentComponents.componentId })
            .from(incidentComponents)
            .where(inArray(incidentComponents.incidentId, incidentIds.slice(0, 90)))
            .limit(200)
            .all()
        : [];
      return [...new Set([...changed, ...affected].map((row) => row.id))];
    },
  };
}

function sqlIncrement() {
  return sql`${edgePurges.attempts} + 1`;
}

