import { and, eq, gte, inArray, lt } from 'drizzle-orm';
import type { ActionItemPriority, ActionItemStatus, DetectionSource, TimelineMarker } from '../../domain/constants.js';
import type { Orm } from '../database.js';
import { actionItems, incidents, postmortems } from '../schema.js';

/** One incident as the metrics read it: only the columns its key times need, never its updates. */
export interface IncidentTimesRow {
  id: string;
  title: string;
  severity: number | null;
  startedAt: number;
  createdAt: number;
  monitoringAt: number | null;
  resolvedAt: number | null;
  detectionSource: DetectionSource | null;
  detectedAt: number | null;
  acknowledgedAt: number | null;
  markerTimes: Partial<Record<TimelineMarker, number>> | null;
}

export interface PostmortemTimesRow {
  incidentId: string;
  dueAt: number | null;
  publishedAt: number | null;
  publicPublishedAt: number | null;
}

export interface ActionItemTimesRow {
  incidentId: string;
  priority: ActionItemPriority;
  dueAt: number | null;
  status: ActionItemStatus;
  doneAt: number | null;
}

/**
 * The lean reads behind /admin/metrics and GET /api/v1/metrics: incidents
 * (kind incident, not example content) that started in [from, to), sought
 * through incidents_kind_started_at, and their postmortems and action items
 * by incident id (test/db/query-plans.test.ts holds them to the indexes).
 */
export interface MetricsRepo {
  incidentTimes(from: number, to: number): Promise<IncidentTimesRow[]>;
  postmortemTimes(from: number, to: number): Promise<PostmortemTimesRow[]>;
  actionItemTimes(from: number, to: number): Promise<ActionItemTimesRow[]>;
}

export function metricsRepo(orm: Orm): MetricsRepo {
  const inPeriod = (from: number, to: number) =>
    and(eq(incidents.kind, 'incident'), gte(incidents.startedAt, from), lt(incidents.startedAt, to), eq(incidents.example, false));
  const idsInPeriod = (from: number, to: number) => orm.select({ id: incidents.id }).from(incidents).where(inPeriod(from, to));
  return {
    async incidentTimes(from, to) {
      return orm
        .select({
          id: incidents.id,
          title: incidents.title,
          severity: incidents.severity,
          startedAt: incidents.startedAt,
          createdAt: incidents.createdAt,
          monitoringAt: incidents.monitoringAt,
          resolvedAt: incidents.resolvedAt,
          detectionSource: incidents.detectionSource,
          detectedAt: incidents.detectedAt,
          acknowledgedAt: incidents.acknowledgedAt,
          markerTimes: incidents.markerTimes,
        })
        .from(incidents)
        .where(inPeriod(from, to))
        .orderBy(incidents.startedAt)
        .all();
    },
    async postmortemTimes(from, to) {
      return orm
        .select({
          incidentId: postmortems.incidentId,
          dueAt: postmortems.dueAt,
          publishedAt: postmortems.publishedAt,
          publicPublishedAt: postmortems.publicPublishedAt,
        })
        .from(postmortems)
        .where(inArray(postmortems.incidentId, idsInPeriod(from, to)))
        .all();
    },
    async actionItemTimes(from, to) {
      return orm
        .select({
          incidentId: actionItems.incidentId,
          priority: actionItems.priority,
          dueAt: actionItems.dueAt,
          status: actionItems.status,
          doneAt: actionItems.doneAt,
        })
        .from(actionItems)
        .where(inArray(actionItems.incidentId, idsInPeriod(from, to)))
        .all();
    },
  };
}
