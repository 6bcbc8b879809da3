import { z } from 'zod';
import { METRICS, type DurationStats, type Rate } from '../domain/metrics.js';
import type { MetricsReport, NamedIncident } from '../services/metrics/metrics.js';
import { Id, model, Time } from './api-v1-models.js';

/*
 * GET /api/v1/metrics: the response metrics of a period, as /admin/metrics
 * shows them. Durations in seconds (medians and means both), rates 0..1
 * with what they count, and the incidents a figure could not count.
 */

const IncidentRef = z.strictObject({
  id: Id,
  title: z.string(),
  severity: z.number().int().min(1).max(4),
  open: z.boolean().describe('Not resolved yet'),
});

const Seconds = z.number().nullable().describe('Seconds; null when no incident has the times');

const DurationModel = z.strictObject({
  median_seconds: Seconds,
  mean_seconds: Seconds,
  count: z.number().int().describe('Incidents the figure is based on'),
  missing: z.array(IncidentRef).describe('Incidents lacking a time the figure needs (or with times out of order)'),
});

const SeverityDurationModel = z.strictObject({
  median_seconds: Seconds,
  mean_seconds: Seconds,
  count: z.number().int(),
  missing_count: z.number().int(),
});

const perMetric = <T extends z.ZodType>(schema: T) => z.strictObject({ mttd: schema, mtta: schema, mttm: schema, mttr: schema });
const perSeverity = <T extends z.ZodType>(schema: T) => z.strictObject({ 1: schema, 2: schema, 3: schema, 4: schema });

const RateFields = {
  rate: z.number().min(0).max(1).nullable().describe('0..1; null when there is nothing to count'),
  numerator: z.number().int(),
  denominator: z.number().int(),
};

export const MetricsModel = model(
  'Metrics',
  z.strictObject({
    period: z.strictObject({
      days: z.number().int().nullable().describe('30, 90 or 365; null for a month'),
      month: z.string().nullable().describe('"2026-11"; null for a number of days'),
      from: Time.describe('Incidents that started at or after this instant...'),
      to: Time.describe('...and before this one'),
      time_zone: z.string().describe("The page's time zone, in which months are counted"),
    }),
    incidents: z.number().int().describe('Incidents counted (kind incident, example content left out)'),
    durations: perMetric(DurationModel).describe('MTTD impact started -> detected; MTTA detected -> acknowledged; MTTM detected -> mitigated; MTTR detected -> resolved'),
    by_severity: perSeverity(z.strictObject({ incidents: z.number().int(), durations: perMetric(SeverityDurationModel) })),
    incidents_per_month: z.array(z.strictObject({ month: z.string(), total: z.number().int(), by_severity: perSeverity(z.number().int()) })),
    trend: z.array(z.strictObject({ month: z.string(), mtta: SeverityDurationModel, mttr: SeverityDurationModel })).describe('MTTA and MTTR of the incidents that started in each month'),
    postmortems_on_time: z.strictObject({ ...RateFields, late: z.array(IncidentRef).describe('Postmortems published after their due date, or overdue') }),
    action_items_on_time: z
      .strictObject({ ...RateFields, late: z.array(IncidentRef).describe('Incidents with a P0/P1 item done late or overdue') })
      .describe('P0/P1 action items done by their due date'),
    customer_detected: z.strictObject({ ...RateFields, missing: z.array(IncidentRef).describe('Incidents without a detection source') }),
    targets: z.array(
      z.strictObject({
        key: z.enum(['mttd', 'mtta_sev1', 'mttm_sev1', 'postmortems', 'action_items', 'customer_detected']),
        label: z.string(),
        target: z.string().describe('"< 5 min", "> 95%"'),
        value: z.number().nullable().describe('A median in seconds, or a rate 0..1'),
        unit: z.enum(['seconds', 'ratio']),
        met: z.boolean().nullable().describe('null when there is nothing to compare'),
      }),
    ),
  }),
);
export type ApiMetrics = z.infer<typeof MetricsModel>;

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
const ref = (i: NamedIncident) => ({ id: i.id, title: i.title, severity: i.severity, open: i.open });
const brief = (s: DurationStats) => ({ median_seconds: seconds(s.median), mean_seconds: seconds(s.mean), count: s.count, missing_count: s.missing.length });
const rateOf = (r: Rate) => ({ rate: r.rate, numerator: r.numerator, denominator: r.denominator });
const bySeverity = <T>(f: (s: 1 | 2 | 3 | 4) => T) => ({ 1: f(1), 2: f(2), 3: f(3), 4: f(4) });

export function presentApiMetrics(report: MetricsReport): ApiMetrics {
  const { summary } = report;
  const named = new Map(report.incidents.map((i) => [i.id, { id: i.id, title: i.title, severity: i.severity, open: i.resolvedAt === null }]));
  return {
    period: {
      days: 'days' in report.period ? report.period.days : null,
      month: 'month' in report.period ? report.period.month : null,
      from: new Date(report.from).toISOString(),
      to: new Date(report.to).toISOString(),
      time_zone: report.timeZone,
    },
    incidents: summary.incidents,
    durations: Object.fromEntries(
      METRICS.map((m) => {
        const s = summary.durations[m];
        return [m, { median_seconds: seconds(s.median), mean_seconds: seconds(s.mean), count: s.count, missing: report.missing[m].map(ref) }];
      }),
    ) as ApiMetrics['durations'],
    by_severity: bySeverity((s) => ({
      incidents: summary.bySeverity[s].incidents,
      durations: Object.fromEntries(METRICS.map((m) => [m, brief(summary.bySeverity[s].durations[m])])) as ApiMetrics['by_severity'][1]['durations'],
    })),
    incidents_per_month: report.perMonth.map((m) => ({ month: m.month, total: m.total, by_severity: bySeverity((s) => m.bySeverity[s]) })),
    trend: report.trend.map((t) => ({ month: t.month, mtta: brief(t.mtta), mttr: brief(t.mttr) })),
    postmortems_on_time: { ...rateOf(report.postmortems), late: report.postmortems.late.map(ref) },
    action_items_on_time: { ...rateOf(report.actionItems), late: report.actionItems.late.map(ref) },
    customer_detected: { ...rateOf(summary.customerDetected), missing: summary.customerDetected.missing.map((id) => named.get(id)!) },
    targets: report.targets.map((t) => ({
      key: t.key,
      label: t.label,
      target: t.target,
      value: t.kind === 'duration' ? seconds(t.value) : t.value,
      unit: t.kind === 'duration' ? 'seconds' : 'ratio',
      met: t.met,
    })),
  };
}
