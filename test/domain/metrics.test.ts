// The response metrics' definitions against figures worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  actionItemCompletionRate,
  customerDetectedRate,
  durationStats,
  incidentsPerMonth,
  mean,
  median,
  metricDuration,
  monthOf,
  monthsBetween,
  postmortemOnTimeRate,
  summarizeIncidents,
  type IncidentTimes,
} from '../../src/domain/metrics.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 9, 0); // 2026-11-02 09:00 UTC

function incident(id: string, offsets: Partial<Record<'impact' | 'detected' | 'ack' | 'mitigated' | 'resolved', number>>, extra: Partial<IncidentTimes> = {}): IncidentTimes {
  const at = (m: number | undefined) => (m === undefined ? null : T0 + m * MIN);
  return {
    id,
    title: id,
    severity: 1,
    detectionSource: 'alert',
    impactStartedAt: at(offsets.impact),
    detectedAt: at(offsets.detected),
    acknowledgedAt: at(offsets.ack),
    mitigatedAt: at(offsets.mitigated),
    resolvedAt: at(offsets.resolved),
    ...extra,
  };
}

/*
 * Three SEV-1s and a SEV-2, in minutes after T0:
 *   a: impact 0, detected 4, ack 6, mitigated 20, resolved 60     MTTD 4  MTTA 2  MTTM 16  MTTR 56
 *   b: impact 0, detected 10, ack 11, mitigated 40, resolved 100  MTTD 10 MTTA 1  MTTM 30  MTTR 90
 *   c: (no impact time), detected 0, ack 30, (no mitigation), resolved 400        MTTA 30 MTTR 400
 *   d: SEV-2, impact 0, detected 1, ack 3, mitigated 5, resolved 7  MTTD 1  MTTA 2  MTTM 4  MTTR 6
 */
const FIXTURE = [
  incident('a', { impact: 0, detected: 4, ack: 6, mitigated: 20, resolved: 60 }),
  incident('b', { impact: 0, detected: 10, ack: 11, mitigated: 40, resolved: 100 }, { detectionSource: 'customer_report' }),
  incident('c', { detected: 0, ack: 30, resolved: 400 }, { detectionSource: null }),
  incident('d', { impact: 0, detected: 1, ack: 3, mitigated: 5, resolved: 7 }, { severity: 2, detectionSource: 'internal' }),
];

describe('median and mean', () => {
  it('take the middle (or the mean of the two middles) and the average', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeNull();
    expect(mean([1, 2, 6])).toBe(3);
    expect(mean([])).toBeNull();
  });
});

describe('metric durations', () => {
  it('measure from and to the defined times', () => {
    expect(metricDuration(FIXTURE[0]!, 'mttd')).toBe(4 * MIN);
    expect(metricDuration(FIXTURE[0]!, 'mtta')).toBe(2 * MIN);
    expect(metricDuration(FIXTURE[0]!, 'mttm')).toBe(16 * MIN);
    expect(metricDuration(FIXTURE[0]!, 'mttr')).toBe(56 * MIN);
  });

  it('leave out an incident missing a time, and one whose times are in the wrong order', () => {
    expect(metricDuration(FIXTURE[2]!, 'mttd')).toBeNull();
    expect(metricDuration(incident('x', { detected: 10, ack: 5 }), 'mtta')).toBeNull();
  });

  it('give median and mean over the incidents that have the times, naming the others', () => {
    const sev1 = FIXTURE.slice(0, 3);
    expect(durationStats(sev1, 'mttd')).toEqual({ count: 2, missing: ['c'], median: 7 * MIN, mean: 7 * MIN });
    // MTTA 2, 1, 30: median 2, mean 11.
    expect(durationStats(sev1, 'mtta')).toEqual({ count: 3, missing: [], median: 2 * MIN, mean: 11 * MIN });
    // MTTR 56, 90, 400: the mean (182) is pulled by one long night; the median (90) is not.
    expect(durationStats(sev1, 'mttr')).toEqual({ count: 3, missing: [], median: 90 * MIN, mean: 182 * MIN });
    expect(durationStats([], 'mttr')).toEqual({ count: 0, missing: [], median: null, mean: null });
  });

  it('summarize overall and per severity', () => {
    const summary = summarizeIncidents(FIXTURE);
    expect(summary.incidents).toBe(4);
    // MTTM 16, 30, 4 (c has none): median 16, mean 50/3.
    expect(summary.durations.mttm).toEqual({ count: 3, missing: ['c'], median: 16 * MIN, mean: (50 * MIN) / 3 });
    expect(summary.bySeverity[1].incidents).toBe(3);
    expect(summary.bySeverity[2].durations.mttr).toEqual({ count: 1, missing: [], median: 6 * MIN, mean: 6 * MIN });
    expect(summary.bySeverity[3]).toEqual({
      incidents: 0,
      durations: {
        mttd: { count: 0, missing: [], median: null, mean: null },
        mtta: { count: 0, missing: [], median: null, mean: null },
        mttm: { count: 0, missing: [], median: null, mean: null },
        mttr: { count: 0, missing: [], median: null, mean: null },
      },
    });
  });
});

describe('rates', () => {
  it('customer-detected: of the incidents with a detection source, naming those without', () => {
    expect(customerDetectedRate(FIXTURE)).toEqual({ rate: 1 / 3, numerator: 1, denominator: 3, missing: ['c'] });
    expect(customerDetectedRate([])).toEqual({ rate: null, numerator: 0, denominator: 0, missing: [] });
  });

  it('postmortems on time: done by the due date, of those due by now or done', () => {
    const now = T0 + 10_000 * MIN;
    const rate = postmortemOnTimeRate(
      [
        { dueAt: T0, completedAt: T0 - MIN }, // on time
        { dueAt: T0, completedAt: T0 + MIN }, // late
        { dueAt: T0, completedAt: null }, // overdue, not done: late
        { dueAt: now + MIN, completedAt: null }, // not due yet: not counted
        { dueAt: now + MIN, completedAt: T0 }, // done early: on time
      ],
      now,
    );
    expect(rate).toEqual({ rate: 2 / 4, numerator: 2, denominator: 4 });
  });

  it('action items: P0/P1 done by their due date; P2, no due date and won\'t do are left out', () => {
    const now = T0 + 100 * MIN;
    const rate = actionItemCompletionRate(
      [
        { priority: 'P0', dueAt: T0, doneAt: T0, wontDo: false }, // on time
        { priority: 'P1', dueAt: T0, doneAt: T0 + MIN, wontDo: false }, // late
        { priority: 'P1', dueAt: T0, doneAt: null, wontDo: false }, // overdue
        { priority: 'P1', dueAt: now + MIN, doneAt: null, wontDo: false }, // not due
        { priority: 'P1', dueAt: T0, doneAt: null, wontDo: true }, // a decision
        { priority: 'P2', dueAt: T0, doneAt: null, wontDo: false }, // not counted
        { priority: 'P0', dueAt: null, doneAt: null, wontDo: false }, // no due date
      ],
      now,
    );
    expect(rate).toEqual({ rate: 1 / 3, numerator: 1, denominator: 3 });
  });
});

describe('months', () => {
  it('place an instant in its month in the page time zone', () => {
    const lateUtc = Date.UTC(2026, 10, 30, 23, 30); // 30 Nov 23:30 UTC
    expect(monthOf(lateUtc, 'UTC')).toBe('2026-11');
    expect(monthOf(lateUtc, 'Europe/Berlin')).toBe('2026-12');
  });

  it('list every month between two instants, across a year end', () => {
    expect(monthsBetween(Date.UTC(2025, 10, 15), Date.UTC(2026, 1, 2), 'UTC')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween(Date.UTC(2026, 1, 2), Date.UTC(2026, 1, 20), 'UTC')).toEqual(['2026-02']);
  });

  it('count incidents per month by severity, zero for a quiet month', () => {
    const rows = incidentsPerMonth(
      [
        { startedAt: Date.UTC(2026, 9, 3), severity: 1 },
        { startedAt: Date.UTC(2026, 9, 20), severity: 3 },
        { startedAt: Date.UTC(2026, 11, 1), severity: 3 },
      ],
      ['2026-10', '2026-11', '2026-12'],
      'UTC',
    );
    expect(rows.map((r) => [r.month, r.total, r.bySeverity[1], r.bySeverity[3]])).toEqual([
      ['2026-10', 2, 1, 1],
      ['2026-11', 0, 0, 0],
      ['2026-12', 1, 0, 1],
    ]);
  });
});
