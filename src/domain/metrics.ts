import { MINUTE } from './calendar.js';
import { SEVERITIES, type ActionItemPriority, type DetectionSource, type Severity } from './constants.js';

/*
 * Response metrics (issue 17), pure: what the team measures itself by, from
 * each incident's key times. Every figure says how many incidents it is
 * based on and which incidents lack a time it needs, so a figure is never
 * silently computed from half the data; medians and means both, since a
 * mean alone lies when one incident took all night.
 *
 * Definitions (docs/metrics.md):
 *   MTTD  impact started -> detected       (how long customers were hurt before we knew)
 *   MTTA  detected -> acknowledged         (how long before someone took it on)
 *   MTTM  detected -> mitigated            (how long until customer impact stopped)
 *   MTTR  detected -> resolved             (how long until it was over)
 * A duration that comes out negative (times typed in the wrong order) is
 * left out as missing, not counted as zero.
 */

/** The key times of one incident (epoch ms), as the timeline's markers hold them. */
export interface IncidentTimes {
  id: string;
  title: string;
  severity: Severity;
  detectionSource: DetectionSource | null;
  impactStartedAt: number | null;
  detectedAt: number | null;
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
}

export const METRICS = ['mttd', 'mtta', 'mttm', 'mttr'] as const;
export type Metric = (typeof METRICS)[number];

type TimeField = 'impactStartedAt' | 'detectedAt' | 'acknowledgedAt' | 'mitigatedAt' | 'resolvedAt';

export const METRIC_DEFINITIONS: Record<Metric, { label: string; name: string; from: TimeField; to: TimeField; meaning: string }> = {
  mttd: { label: 'MTTD', name: 'Mean time to detect', from: 'impactStartedAt', to: 'detectedAt', meaning: 'impact started to detected' },
  mtta: { label: 'MTTA', name: 'Mean time to acknowledge', from: 'detectedAt', to: 'acknowledgedAt', meaning: 'detected to acknowledged' },
  mttm: { label: 'MTTM', name: 'Mean time to mitigate', from: 'detectedAt', to: 'mitigatedAt', meaning: 'detected to mitigated' },
  mttr: { label: 'MTTR', name: 'Mean time to resolve', from: 'detectedAt', to: 'resolvedAt', meaning: 'detected to resolved' },
};

export interface DurationStats {
  /** Incidents the figure is based on. */
  count: number;
  /** Incidents lacking a time the figure needs (or with times in the wrong order), by id. */
  missing: string[];
  /** Milliseconds; null when no incident has the times. */
  median: number | null;
  mean: number | null;
}

/** The duration a metric measures for one incident; null when a time is missing or out of order. */
export function metricDuration(incident: IncidentTimes, metric: Metric): number | null {
  const { from, to } = METRIC_DEFINITIONS[metric];
  const start = incident[from];
  const end = incident[to];
  if (start === null || end === null || end < start) return null;
  return end - start;
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : null;
}

export function durationStats(incidents: readonly IncidentTimes[], metric: Metric): DurationStats {
  const values: number[] = [];
  const missing: string[] = [];
  for (const incident of incidents) {
    const duration = metricDuration(incident, metric);
    if (duration === null) missing.push(incident.id);
    else values.push(duration);
  }
  return { count: values.length, missing, median: median(values), mean: mean(values) };
}

/** A share with what it counts, so "100%" of one incident reads as what it is. */
export interface Rate {
  /** 0..1; null when there is nothing to count. */
  rate: number | null;
  numerator: number;
  denominator: number;
}

export function rate(numerator: number, denominator: number): Rate {
  return { rate: denominator ? numerator / denominator : null, numerator, denominator };
}

/** Incidents customers told us about first (detection source "customer report"), of those with a source recorded. */
export function customerDetectedRate(incidents: readonly IncidentTimes[]): Rate & { missing: string[] } {
  const known = incidents.filter((i) => i.detectionSource !== null);
  return {
    ...rate(known.filter((i) => i.detectionSource === 'customer_report').length, known.length),
    missing: incidents.filter((i) => i.detectionSource === null).map((i) => i.id),
  };
}

/** A postmortem as the completion rate sees it. */
export interface PostmortemDue {
  dueAt: number;
  /** When it was published (internally or on the page); null while not. */
  completedAt: number | null;
}

/**
 * Postmortems completed by their due date, of those due by `now` or already
 * completed (a postmortem not yet due and not done is not counted either way).
 */
export function postmortemOnTimeRate(postmortems: readonly PostmortemDue[], now: number): Rate {
  const counted = postmortems.filter((p) => p.completedAt !== null || p.dueAt <= now);
  return rate(counted.filter((p) => p.completedAt !== null && p.completedAt <= p.dueAt).length, counted.length);
}

export interface ActionItemDue {
  priority: ActionItemPriority;
  dueAt: number | null;
  /** When it was marked done; null while open (or won't do). */
  doneAt: number | null;
  wontDo: boolean;
}

/**
 * P0/P1 action items done by their due date, of the P0/P1 items with a due
 * date that is past or that are done. "Won't do" items are left out: a
 * decision, not a miss.
 */
export function actionItemCompletionRate(items: readonly ActionItemDue[], now: number): Rate {
  const counted = items.filter(
    (i) => (i.priority === 'P0' || i.priority === 'P1') && !i.wontDo && i.dueAt !== null && (i.doneAt !== null || i.dueAt <= now),
  );
  return rate(counted.filter((i) => i.doneAt !== null && i.doneAt <= i.dueAt!).length, counted.length);
}

/** The targets the seeds set (DOMAIN.md), each next to its figure. */
export const TARGETS = {
  mttdMs: 5 * MINUTE,
  mttaSev1Ms: 5 * MINUTE,
  mttmSev1Ms: 30 * MINUTE,
  postmortemOnTime: 0.95,
  actionItems: 0.9,
  customerDetected: 0.1,
} as const;

export interface MetricsSummary {
  incidents: number;
  durations: Record<Metric, DurationStats>;
  bySeverity: Record<Severity, { incidents: number; durations: Record<Metric, DurationStats> }>;
  customerDetected: Rate & { missing: string[] };
}

function allDurations(incidents: readonly IncidentTimes[]): Record<Metric, DurationStats> {
  return Object.fromEntries(METRICS.map((m) => [m, durationStats(incidents, m)])) as Record<Metric, DurationStats>;
}

export function summarizeIncidents(incidents: readonly IncidentTimes[]): MetricsSummary {
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((s) => {
      const of = incidents.filter((i) => i.severity === s);
      return [s, { incidents: of.length, durations: allDurations(of) }];
    }),
  ) as MetricsSummary['bySeverity'];
  return { incidents: incidents.length, durations: allDurations(incidents), bySeverity, customerDetected: customerDetectedRate(incidents) };
}

/** "2026-11": the month an instant falls in, in a time zone. */
const monthFormats = new Map<string, Intl.DateTimeFormat>();

export function monthOf(at: number, timeZone: string): string {
  // Building a DateTimeFormat costs far more than using one: one per zone (bench/metrics.ts).
  let format = monthFormats.get(timeZone);
  if (!format) monthFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' })));
  const parts = format.formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}`;
}

/**
 * Incidents per month by severity, every month from the first to the last
 * given (months without incidents count zero, so a chart has no gaps).
 */
export function incidentsPerMonth(
  incidents: readonly { startedAt: number; severity: Severity }[],
  months: readonly string[],
  timeZone: string,
): { month: string; total: number; bySeverity: Record<Severity, number> }[] {
  const rows = months.map((month) => ({ month, total: 0, bySeverity: { 1: 0, 2: 0, 3: 0, 4: 0 } as Record<Severity, number> }));
  for (const incident of incidents) {
    const month = monthOf(incident.startedAt, timeZone);
    const row = rows.find((r) => r.month === month);
    if (!row) continue;
    row.total += 1;
    row.bySeverity[incident.severity] += 1;
  }
  return rows;
}

/** The months "YYYY-MM" from the one holding `from` to the one holding `to`, inclusive. */
export function monthsBetween(from: number, to: number, timeZone: string): string[] {
  const [startYear, startMonth] = monthOf(from, timeZone).split('-').map(Number) as [number, number];
  const last = monthOf(to, timeZone);
  const months: string[] = [];
  for (let y = startYear, m = startMonth; months.length < 1200; m === 12 ? ((m = 1), (y += 1)) : (m += 1)) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    months.push(month);
    if (month === last) break;
  }
  return months;
}
