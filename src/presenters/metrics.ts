import { SEVERITIES, type Severity } from '../domain/constants.js';
import { METRIC_DEFINITIONS, METRICS, type DurationStats, type Metric, type Rate } from '../domain/metrics.js';
import { utcTimestamp } from '../domain/timeline.js';
import type { MetricsPeriod, MetricsReport, NamedIncident } from '../services/metrics/metrics.js';
import type { Formatter } from './format.js';
import { incidentsPerMonthSvg, SEVERITY_COLOURS, trendSvg } from './metrics-charts.js';

/*
 * What /admin/metrics and its CSV show of a metrics report: durations as
 * "median / mean (n incidents)", rates with what they count, each figure
 * next to its target, and the incidents a figure could not count, named.
 */

/** "42 s", "4 min 30 s", "2 h 5 min", "3 d 4 h": precise enough to compare with a 5-minute target. */
export function metricDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** "33%" (whole percent, rounded down so "95%" never hides 94.6%). */
export function metricPercent(ratio: number): string {
  return `${Math.floor(ratio * 1000) / 10}%`;
}

export function durationText(stats: DurationStats): string {
  if (stats.median === null || stats.mean === null) return 'no incidents with these times';
  const n = `${stats.count} incident${stats.count === 1 ? '' : 's'}`;
  return `${metricDuration(stats.median)} / ${metricDuration(stats.mean)} (${n})`;
}

export function rateText(r: Rate): string {
  return r.rate === null ? 'nothing to count yet' : `${metricPercent(r.rate)} (${r.numerator} of ${r.denominator})`;
}

export function periodLabel(period: MetricsPeriod): string {
  return 'days' in period ? `the last ${period.days} days` : period.month;
}

export function periodQuery(period: MetricsPeriod): string {
  return 'days' in period ? `days=${period.days}` : `month=${period.month}`;
}

const linkOf = (i: NamedIncident) => {
  const href = `/admin/incidents/${encodeURIComponent(i.id)}`;
  return { href, timeline: `${href}/timeline`, postmortem: `${href}/postmortem`, title: i.title, severity: `SEV-${i.severity}`, open: i.open };
};

export function presentMetricsPage(report: MetricsReport, format: Formatter) {
  const { summary } = report;
  const figures = METRICS.map((metric: Metric) => ({
    metric,
    label: METRIC_DEFINITIONS[metric].label,
    name: METRIC_DEFINITIONS[metric].name,
    meaning: METRIC_DEFINITIONS[metric].meaning,
    overall: durationText(summary.durations[metric]),
    bySeverity: SEVERITIES.map((s) => ({ severity: `SEV-${s}`, text: durationText(summary.bySeverity[s].durations[metric]) })),
    missing: report.missing[metric].map(linkOf),
  }));
  const targets = report.targets.map((t) => ({
    label: t.label,
    target: t.target,
    value: t.value === null ? '—' : t.kind === 'duration' ? `${metricDuration(t.value)} (median)` : metricPercent(t.value),
    status: t.met === null ? 'No data' : t.met ? 'Met' : 'Missed',
    met: t.met,
  }));
  const trend = report.trend.map((t) => ({
    month: t.month,
    mtta: t.mtta.median === null ? '—' : `${metricDuration(t.mtta.median)} (${t.mtta.count})`,
    mttr: t.mttr.median === null ? '—' : `${metricDuration(t.mttr.median)} (${t.mttr.count})`,
  }));
  return {
    periodLabel: periodLabel(report.period),
    query: periodQuery(report.period),
    selectedDays: 'days' in report.period ? String(report.period.days) : '',
    selectedMonth: 'month' in report.period ? report.period.month : '',
    from: format.dateTime(report.from),
    to: format.dateTime(Math.min(report.to, report.now)),
    timeZone: report.timeZone,
    incidents: summary.incidents,
    targets,
    figures,
    severityNames: SEVERITIES.map((s: Severity) => ({ severity: `SEV-${s}`, colour: SEVERITY_COLOURS[s] })),
    perMonth: report.perMonth.map((m) => ({ month: m.month, total: m.total, counts: SEVERITIES.map((s) => m.bySeverity[s]) })),
    trend,
    postmortems: { text: rateText(report.postmortems), late: report.postmortems.late.map(linkOf) },
    actionItems: { text: rateText(report.actionItems), late: report.actionItems.late.map(linkOf) },
    customerDetected: { text: rateText(summary.customerDetected), missing: summary.customerDetected.missing.map((id) => report.incidents.find((i) => i.id === id)!).map((i) => linkOf({ ...i, open: i.resolvedAt === null })) },
  };
}

export const METRIC_CHARTS = ['incidents-per-month', 'mtta', 'mttr'] as const;
export type MetricChart = (typeof METRIC_CHARTS)[number];

/** A chart of the report as a standalone SVG document (served as image/svg+xml: Herald's pages hold no inline SVG). */
export function metricsChartSvg(report: MetricsReport, chart: MetricChart): string {
  if (chart === 'incidents-per-month') return incidentsPerMonthSvg(report.perMonth);
  const title = chart === 'mtta' ? 'MTTA by month (median)' : 'MTTR by month (median)';
  return trendSvg(report.trend.map((t) => ({ month: t.month, value: t[chart].median })), { id: `${chart}-trend`, title, format: metricDuration });
}

/** RFC 4180 quoting, and a leading ' for anything a spreadsheet would run as a formula (= + - @, tab, CR). */
export function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(rows: readonly (readonly (string | number | null)[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const iso = (ms: number | null) => (ms === null ? null : `${utcTimestamp(ms)}Z`.replace(' ', 'T'));
const minutes = (ms: number | null) => (ms === null ? null : Math.round((ms / 60_000) * 100) / 100);

/** One row per incident: its key times (UTC) and its durations in minutes (blank when a time is missing). */
export function metricsIncidentsCsv(report: MetricsReport): string {
  const header = ['id', 'title', 'severity', 'month', 'detection_source', 'impact_started_at', 'detected_at', 'acknowledged_at', 'mitigated_at', 'resolved_at', ...METRICS.map((m) => `${m}_minutes`)];
  return csv([
    header,
    ...report.incidents.map((i) => [
      i.id,
      i.title,
      i.severity,
      i.month,
      i.detectionSource,
      iso(i.impactStartedAt),
      iso(i.detectedAt),
      iso(i.acknowledgedAt),
      iso(i.mitigatedAt),
      iso(i.resolvedAt),
      ...METRICS.map((m) => minutes(i.durations[m])),
    ]),
  ]);
}

/** The figures of the period: each metric overall and per severity (minutes), then the rates. */
export function metricsSummaryCsv(report: MetricsReport): string {
  const rows: (string | number | null)[][] = [['figure', 'scope', 'median_minutes', 'mean_minutes', 'rate', 'counted', 'of', 'missing']];
  for (const m of METRICS) {
    const scopes: [string, DurationStats][] = [['all', report.summary.durations[m]], ...SEVERITIES.map((s): [string, DurationStats] => [`SEV-${s}`, report.summary.bySeverity[s].durations[m]])];
    for (const [scope, stats] of scopes) rows.push([m, scope, minutes(stats.median), minutes(stats.mean), null, stats.count, stats.count + stats.missing.length, stats.missing.length]);
  }
  const rateRow = (name: string, r: Rate, missing: number | null) => [name, 'all', null, null, r.rate === null ? null : Math.round(r.rate * 10_000) / 10_000, r.numerator, r.denominator, missing];
  rows.push(rateRow('postmortems_on_time', report.postmortems, null));
  rows.push(rateRow('action_items_p0_p1_on_time', report.actionItems, null));
  rows.push(rateRow('customer_detected', report.summary.customerDetected, report.summary.customerDetected.missing.length));
  return csv(rows);
}
