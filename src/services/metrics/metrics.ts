import { z } from 'zod';
import type { IncidentTimesRow } from '../../db/repos/metrics-repo.js';
import { addMonths, DAY, startOfLocalDate } from '../../domain/calendar.js';
import type { Severity } from '../../domain/constants.js';
import {
  actionItemCompletionRate,
  durationStats,
  incidentsPerMonth,
  METRICS,
  metricDuration,
  monthOf,
  monthsBetween,
  postmortemOnTimeRate,
  summarizeIncidents,
  TARGETS,
  type DurationStats,
  type IncidentTimes,
  type Metric,
  type MetricsSummary,
  type Rate,
} from '../../domain/metrics.js';
import { keyTimes } from '../../domain/timeline.js';
import type { Deps } from '../../deps.js';
import { authorize, type Actor } from '../auth/actor.js';
import { loadSettings } from '../settings/reads.js';
import { parseInput } from '../validation.js';

/*
 * Response metrics for a period (issue 17): the incidents that started in
 * it (kind incident, example content left out) with their key times as the
 * timeline has them (from the data unless a person corrected them), the
 * postmortems and P0/P1 action items of those incidents, each figure next
 * to its target and with the incidents it could not count, by name.
 * Definitions: docs/metrics.md and src/domain/metrics.ts.
 */

export const METRIC_PERIOD_DAYS = [30, 90, 365] as const;

/** `?days=30|90|365` or `?month=YYYY-MM` (in the page's time zone); neither: the last 90 days. */
export const MetricsPeriodQuery = z
  .object({
    days: z.enum(['30', '90', '365'], { error: 'must be 30, 90 or 365' }).optional(),
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be a month like 2026-11' })
      .refine((m) => Number(m.slice(0, 4)) >= 1970 && Number(m.slice(0, 4)) <= 9999, { error: 'must be a month like 2026-11' })
      .optional(),
  })
  .refine((q) => !(q.days && q.month), { error: 'choose either days or month, not both', path: ['month'] });

export type MetricPeriodDays = (typeof METRIC_PERIOD_DAYS)[number];
export type MetricsPeriod = { days: MetricPeriodDays } | { month: string };

/** Reads a period from query parameters ("" counts as not given); a ValidationError names the bad one. */
export function parseMetricsPeriod(query: Record<string, string | undefined>): MetricsPeriod {
  const given = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const parsed = parseInput(MetricsPeriodQuery, { days: given(query.days), month: given(query.month) });
  if (parsed.month) return { month: parsed.month };
  return { days: Number(parsed.days ?? '90') as MetricPeriodDays };
}

/** A named incident a figure could not count (or that missed), for the page to link. */
export interface NamedIncident {
  id: string;
  title: string;
  severity: Severity;
  /** Not resolved yet (so no resolution time, and maybe no mitigation time). */
  open: boolean;
}

export interface IncidentMetricsRow extends IncidentTimes {
  startedAt: number;
  month: string;
  durations: Record<Metric, number | null>;
}

export interface MetricsReport {
  period: MetricsPeriod;
  /** [from, to) in epoch ms. */
  from: number;
  to: number;
  timeZone: string;
  now: number;
  summary: MetricsSummary;
  incidents: IncidentMetricsRow[];
  /** Per metric, the incidents lacking a time it needs (or with times out of order). */
  missing: Record<Metric, NamedIncident[]>;
  perMonth: { month: string; total: number; bySeverity: Record<Severity, number> }[];
  /** Per month, MTTA and MTTR of the incidents that started in it. */
  trend: { month: string; mtta: DurationStats; mttr: DurationStats }[];
  postmortems: Rate & { late: NamedIncident[] };
  actionItems: Rate & { late: NamedIncident[] };
  targets: TargetCheck[];
}

/** A figure next to its target; `met` is null when there is nothing to compare. */
export interface TargetCheck {
  key: 'mttd' | 'mtta_sev1' | 'mttm_sev1' | 'postmortems' | 'action_items' | 'customer_detected';
  label: string;
  /** "< 5 min", "> 95%". */
  target: string;
  /** The figure compared: a median in ms, or a rate 0..1. */
  value: number | null;
  kind: 'duration' | 'rate';
  met: boolean | null;
}

/** The instants [from, to) of a period: the last N days up to now, or a calendar month in the zone. */
export function periodWindow(period: MetricsPeriod, now: number, timeZone: string): { from: number; to: number } {
  if ('days' in period) return { from: now - period.days * DAY, to: now + 1 };
  const [year, month] = period.month.split('-').map(Number) as [number, number];
  const first = { year, month, day: 1 };
  return { from: startOfLocalDate(first, timeZone), to: startOfLocalDate(addMonths(first, 1), timeZone) };
}

function incidentTimesOf(row: IncidentTimesRow): IncidentTimes {
  const times = keyTimes(row);
  return {
    id: row.id,
    title: row.title,
    severity: (row.severity ?? 4) as Severity,
    detectionSource: row.detectionSource,
    impactStartedAt: times.impact_started.at,
    detectedAt: times.detected.at,
    acknowledgedAt: times.acknowledged.at,
    mitigatedAt: times.mitigated.at,
    resolvedAt: times.resolved.at,
  };
}

/** The comparisons the seeds set: medians for durations (a mean is shown beside them), rates as they are. */
export function targetChecks(summary: MetricsSummary, postmortems: Rate, actionItems: Rate): TargetCheck[] {
  const below = (value: number | null, limit: number) => (value === null ? null : value < limit);
  const above = (value: number | null, limit: number) => (value === null ? null : value > limit);
  const mttd = summary.durations.mttd.median;
  const mtta1 = summary.bySeverity[1].durations.mtta.median;
  const mttm1 = summary.bySeverity[1].durations.mttm.median;
  return [
    { key: 'mttd', label: 'MTTD (all incidents)', target: '< 5 min', value: mttd, kind: 'duration', met: below(mttd, TARGETS.mttdMs) },
    { key: 'mtta_sev1', label: 'MTTA for SEV-1', target: '< 5 min', value: mtta1, kind: 'duration', met: below(mtta1, TARGETS.mttaSev1Ms) },
    { key: 'mttm_sev1', label: 'MTTM for SEV-1', target: '< 30 min', value: mttm1, kind: 'duration', met: below(mttm1, TARGETS.mttmSev1Ms) },
    { key: 'postmortems', label: 'Postmortems on time', target: '> 95%', value: postmortems.rate, kind: 'rate', met: above(postmortems.rate, TARGETS.postmortemOnTime) },
    { key: 'action_items', label: 'P0/P1 action items done by their due date', target: '> 90%', value: actionItems.rate, kind: 'rate', met: above(actionItems.rate, TARGETS.actionItems) },
    {
      key: 'customer_detected',
      label: 'Incidents customers reported first',
      target: '< 10%',
      value: summary.customerDetected.rate,
      kind: 'rate',
      met: below(summary.customerDetected.rate, TARGETS.customerDetected),
    },
  ];
}

/** The metrics of a period. Every team member reads them. */
export async function incidentMetrics(deps: Deps, actor: Actor, period: MetricsPeriod): Promise<MetricsReport> {
  authorize(actor, 'admin:read');
  const { timeZone } = await loadSettings(deps);
  const now = deps.clock.now();
  const { from, to } = periodWindow(period, now, timeZone);
  const [rows, postmortemRows, itemRows] = await Promise.all([
    deps.repos.metrics.incidentTimes(from, to),
    deps.repos.metrics.postmortemTimes(from, to),
    deps.repos.metrics.actionItemTimes(from, to),
  ]);

  const named = new Map<string, NamedIncident>();
  const incidents: IncidentMetricsRow[] = rows.map((row) => {
    const times = incidentTimesOf(row);
    named.set(row.id, { id: row.id, title: row.title, severity: times.severity, open: row.resolvedAt === null });
    const durations = Object.fromEntries(METRICS.map((m) => [m, metricDuration(times, m)])) as Record<Metric, number | null>;
    return { ...times, startedAt: row.startedAt, month: monthOf(row.startedAt, timeZone), durations };
  });
  const summary = summarizeIncidents(incidents);
  const nameAll = (ids: readonly string[]) => ids.map((id) => named.get(id)!).filter(Boolean);
  const missing = Object.fromEntries(METRICS.map((m) => [m, nameAll(summary.durations[m].missing)])) as Record<Metric, NamedIncident[]>;

  const months = monthsBetween(from, Math.min(to - 1, now), timeZone);
  const perMonth = incidentsPerMonth(incidents, months, timeZone);
  const trend = months.map((month) => {
    const of = incidents.filter((i) => i.month === month);
    return { month, mtta: durationStats(of, 'mtta'), mttr: durationStats(of, 'mttr') };
  });

  const due = postmortemRows
    .filter((p) => p.dueAt !== null)
    .map((p) => {
      const done = [p.publishedAt, p.publicPublishedAt].filter((t): t is number => t !== null);
      return { incidentId: p.incidentId, dueAt: p.dueAt!, completedAt: done.length ? Math.min(...done) : null };
    });
  const postmortems = {
    ...postmortemOnTimeRate(due, now),
    late: nameAll(due.filter((p) => (p.completedAt ?? now) > p.dueAt && (p.completedAt !== null || p.dueAt <= now)).map((p) => p.incidentId)),
  };

  const items = itemRows.map((i) => ({ incidentId: i.incidentId, priority: i.priority, dueAt: i.dueAt, doneAt: i.status === 'done' ? i.doneAt : null, wontDo: i.status === 'wont_do' }));
  const lateItems = items.filter(
    (i) => (i.priority === 'P0' || i.priority === 'P1') && !i.wontDo && i.dueAt !== null && (i.doneAt ?? now) > i.dueAt && (i.doneAt !== null || i.dueAt <= now),
  );
  const actionItems = { ...actionItemCompletionRate(items, now), late: nameAll([...new Set(lateItems.map((i) => i.incidentId))]) };

  return {
    period,
    from,
    to,
    timeZone,
    now,
    summary,
    incidents,
    missing,
    perMonth,
    trend,
    postmortems,
    actionItems,
    targets: targetChecks(summary, postmortems, actionItems),
  };
}
