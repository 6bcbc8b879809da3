import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/domain/calendar.js';
import { ForbiddenError, ValidationError } from '../../src/lib/errors.js';
import { incidentMetrics, parseMetricsPeriod, periodWindow } from '../../src/services/metrics/metrics.js';
import type { Actor } from '../../src/services/auth/actor.js';
import { memberActor } from '../support/actors.js';
import { createTestDeps } from '../support/deps.js';
import { seedIncident, seedStandardFixture } from './fixtures.js';

const viewer = memberActor('viewer');
const alertsToken: Actor = { kind: 'token', id: 'tok-alerts', label: 'token: alertmanager', role: 'alerts' };

/*
 * Expected figures, by hand (minutes), for the last 30 days (A, B, C, D, H):
 *   MTTD: A 2, B 10 (detected = declared), C 1, D 10 (corrected)   -> median 6, mean 5.75; H missing
 *   MTTA: A 4, B 0, C 2, D 30 (corrected)                          -> median 3, mean 9;    H missing
 *   MTTM: A 18, B 80 (no Monitoring: resolution), D 50             -> median 50, mean 49.33; C (open), H missing
 *   MTTR: A 58, B 80, D 110                                        -> median 80, mean 82.67; C (open), H missing
 *   SEV-1 MTTA 4, 0 -> median 2 (target < 5 met); SEV-1 MTTM 18, 80 -> median 49 (< 30 missed)
 *   Customer detected: B of A, B, D (C and H have no source) -> 1/3
 *   Postmortems: A on time, B overdue, D published late; C not due yet, H not required -> 1/3
 *   P0/P1 items: A's P0 on time, A's P1 overdue, B's P0 done late (B's P1 not due, no-date and won't-do left out) -> 1/3
 */
describe('incidentMetrics over the hand-computed fixture', () => {
  it('computes every figure of the last 30 days, leaving out example content, maintenance and older incidents', async () => {
    const deps = await createTestDeps();
    const ids = await seedStandardFixture(deps);
    const report = await incidentMetrics(deps, viewer, { days: 30 });
    const { durations, bySeverity, customerDetected } = report.summary;

    expect(report.incidents.map((i) => i.id).sort()).toEqual([ids.a, ids.b, ids.c, ids.d, ids.h].sort());
    expect(durations.mttd).toEqual({ count: 4, missing: [ids.h], median: 6 * MINUTE, mean: 5.75 * MINUTE });
    expect(durations.mtta).toEqual({ count: 4, missing: [ids.h], median: 3 * MINUTE, mean: 9 * MINUTE });
    expect(durations.mttm.count).toBe(3);
    expect(durations.mttm.median).toBe(50 * MINUTE);
    expect(durations.mttm.mean).toBeCloseTo((148 / 3) * MINUTE);
    expect(durations.mttr.median).toBe(80 * MINUTE);
    expect(durations.mttr.mean).toBeCloseTo((248 / 3) * MINUTE);
    expect(report.missing.mttr.map((m) => [m.title, m.open]).sort()).toEqual([
      ['Backfilled blip', false],
      ['Slow search', true],
    ]);
    expect(bySeverity[1].durations.mtta.median).toBe(2 * MINUTE);
    expect(bySeverity[1].durations.mttm.median).toBe(49 * MINUTE);
    expect(bySeverity[2].incidents).toBe(2);
    expect(bySeverity[4].incidents).toBe(0);
    expect(customerDetected).toMatchObject({ numerator: 1, denominator: 3 });
    expect(customerDetected.missing.sort()).toEqual([ids.c, ids.h].sort());

    expect(report.postmortems).toMatchObject({ numerator: 1, denominator: 3 });
    expect(report.postmortems.late.map((l) => l.id).sort()).toEqual([ids.b, ids.d].sort());
    expect(report.actionItems).toMatchObject({ numerator: 1, denominator: 3 });
    expect(report.actionItems.late.map((l) => l.id).sort()).toEqual([ids.a, ids.b].sort());

    const met = Object.fromEntries(report.targets.map((t) => [t.key, t.met]));
    expect(met).toEqual({ mttd: false, mtta_sev1: true, mttm_sev1: false, postmortems: false, action_items: false, customer_detected: false });
  });

  it('counts incidents per month by severity with empty months as zero, and trends MTTA/MTTR by month', async () => {
    const deps = await createTestDeps();
    await seedStandardFixture(deps);
    const report = await incidentMetrics(deps, viewer, { days: 90 });
    expect(report.perMonth.map((m) => m.month)).toEqual(['2026-08', '2026-09', '2026-10', '2026-11']);
    expect(report.perMonth.map((m) => m.total)).toEqual([0, 0, 1, 5]);
    expect(report.perMonth[3]!.bySeverity).toEqual({ 1: 2, 2: 2, 3: 1, 4: 0 });
    expect(report.perMonth[2]!.bySeverity).toEqual({ 1: 0, 2: 0, 3: 1, 4: 0 });
    const november = report.trend.find((t) => t.month === '2026-11')!;
    expect(november.mtta.median).toBe(3 * MINUTE);
    expect(november.mttr.count).toBe(3);
    expect(report.trend[0]!.mtta).toEqual({ count: 0, missing: [], median: null, mean: null });
  });

  it('reads a month in the page time zone: an incident at 23:30 UTC on 31 October is November in Berlin', async () => {
    const at = Date.parse('2026-10-31T23:30:00Z');
    for (const [zone, expected] of [
      ['UTC', 0],
      ['Europe/Berlin', 1],
    ] as const) {
      const deps = await createTestDeps({ config: { initialTimeZone: zone } });
      await seedIncident(deps, { startedAt: at });
      const report = await incidentMetrics(deps, viewer, { month: '2026-11' });
      expect(report.incidents, zone).toHaveLength(expected);
      expect(report.perMonth.map((m) => m.month)).toEqual(['2026-11']);
    }
  });

  it('gives nulls, not zeros, when the period has no incidents', async () => {
    const deps = await createTestDeps();
    const report = await incidentMetrics(deps, viewer, { month: '2020-01' });
    expect(report.summary.durations.mttr).toEqual({ count: 0, missing: [], median: null, mean: null });
    expect(report.postmortems.rate).toBeNull();
    expect(report.targets.every((t) => t.met === null)).toBe(true);
  });

  it('is read by every team member and refused to an alerts token', async () => {
    const deps = await createTestDeps();
    await expect(incidentMetrics(deps, alertsToken, { days: 30 })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('parseMetricsPeriod', () => {
  it('defaults to 90 days and reads days or a month', () => {
    expect(parseMetricsPeriod({})).toEqual({ days: 90 });
    expect(parseMetricsPeriod({ days: '', month: '' })).toEqual({ days: 90 });
    expect(parseMetricsPeriod({ days: '365' })).toEqual({ days: 365 });
    expect(parseMetricsPeriod({ month: '2026-02' })).toEqual({ month: '2026-02' });
  });

  it('refuses other day counts, malformed months and both at once', () => {
    for (const query of [{ days: '7' }, { days: '90x' }, { month: '2026-13' }, { month: '26-01' }, { days: '30', month: '2026-01' }]) {
      expect(() => parseMetricsPeriod(query), JSON.stringify(query)).toThrow(ValidationError);
    }
  });

  it('windows a month from its first local midnight to the next', () => {
    const { from, to } = periodWindow({ month: '2026-03' }, 0, 'Europe/Berlin');
    expect(new Date(from).toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(new Date(to).toISOString()).toBe('2026-03-31T22:00:00.000Z');
  });
});
