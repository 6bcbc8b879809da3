import { describe, expect, it } from 'vitest';
import type { DayWindow } from '../../src/domain/calendar.js';
import {
  DOWNTIME_WEIGHT,
  dailySummaries,
  statusSegments,
  uptime,
  type StatusChange,
} from '../../src/domain/uptime.js';

const MIN = 60_000;
const H = 3_600_000;
const D = 24 * H;
/** 2026-05-10T00:00:00Z */
const T0 = Date.UTC(2026, 4, 10);

describe('DOWNTIME_WEIGHT', () => {
  it('weighs operational and degraded as no downtime, partial at 30% and major at 100%', () => {
    expect(DOWNTIME_WEIGHT).toEqual({
      operational: 0,
      degraded_performance: 0,
      partial_outage: 0.3,
      major_outage: 1,
    });
  });

  it('has no weight for maintenance', () => {
    expect('under_maintenance' in DOWNTIME_WEIGHT).toBe(false);
  });
});

describe('statusSegments', () => {
  it('yields nothing for an empty history', () => {
    expect(statusSegments([], T0, T0 + D)).toEqual([]);
  });

  it('yields nothing for an empty window', () => {
    expect(statusSegments([{ status: 'operational', at: T0 - H }], T0, T0)).toEqual([]);
  });

  it('stretches a change made before the window over the whole window', () => {
    expect(statusSegments([{ status: 'operational', at: T0 - 5 * D }], T0, T0 + D)).toEqual([
      { status: 'operational', start: T0, end: T0 + D },
    ]);
  });

  it('starts at the first change when it comes after the window start (no data before it)', () => {
    expect(statusSegments([{ status: 'major_outage', at: T0 + 4 * H }], T0, T0 + 10 * H)).toEqual([
      { status: 'major_outage', start: T0 + 4 * H, end: T0 + 10 * H },
    ]);
  });

  it('yields nothing when the only change comes after the window', () => {
    expect(statusSegments([{ status: 'major_outage', at: T0 + 11 * H }], T0, T0 + 10 * H)).toEqual([]);
  });

  it('yields nothing when the only change is exactly at the window end', () => {
    expect(statusSegments([{ status: 'major_outage', at: T0 + 10 * H }], T0, T0 + 10 * H)).toEqual([]);
  });

  it('cuts the history into consecutive segments clipped to the window', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - 2 * H },
      { status: 'partial_outage', at: T0 + 3 * H },
      { status: 'major_outage', at: T0 + 5 * H },
      { status: 'operational', at: T0 + 6 * H },
      { status: 'degraded_performance', at: T0 + 12 * H },
    ];
    expect(statusSegments(changes, T0, T0 + 10 * H)).toEqual([
      { status: 'operational', start: T0, end: T0 + 3 * H },
      { status: 'partial_outage', start: T0 + 3 * H, end: T0 + 5 * H },
      { status: 'major_outage', start: T0 + 5 * H, end: T0 + 6 * H },
      { status: 'operational', start: T0 + 6 * H, end: T0 + 10 * H },
    ]);
  });

  it('ignores changes that were superseded before the window started', () => {
    const changes: StatusChange[] = [
      { status: 'major_outage', at: T0 - 3 * H },
      { status: 'partial_outage', at: T0 - 2 * H },
      { status: 'degraded_performance', at: T0 - H },
    ];
    expect(statusSegments(changes, T0, T0 + H)).toEqual([
      { status: 'degraded_performance', start: T0, end: T0 + H },
    ]);
  });

  it('uses a change made exactly at the window start', () => {
    const changes: StatusChange[] = [
      { status: 'major_outage', at: T0 - H },
      { status: 'operational', at: T0 },
    ];
    expect(statusSegments(changes, T0, T0 + H)).toEqual([{ status: 'operational', start: T0, end: T0 + H }]);
  });

  it('merges consecutive changes to the same status into one segment', () => {
    const changes: StatusChange[] = [
      { status: 'partial_outage', at: T0 },
      { status: 'partial_outage', at: T0 + H },
      { status: 'partial_outage', at: T0 + 2 * H },
      { status: 'operational', at: T0 + 3 * H },
    ];
    expect(statusSegments(changes, T0, T0 + 4 * H)).toEqual([
      { status: 'partial_outage', start: T0, end: T0 + 3 * H },
      { status: 'operational', start: T0 + 3 * H, end: T0 + 4 * H },
    ]);
  });

  it('drops a status that lasted no time and merges the statuses around it', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 },
      { status: 'major_outage', at: T0 + H },
      { status: 'operational', at: T0 + H },
    ];
    expect(statusSegments(changes, T0, T0 + 2 * H)).toEqual([{ status: 'operational', start: T0, end: T0 + 2 * H }]);
  });

  it('keeps the later of two changes made at the same instant', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 },
      { status: 'major_outage', at: T0 + H },
      { status: 'partial_outage', at: T0 + H },
    ];
    expect(statusSegments(changes, T0, T0 + 2 * H)).toEqual([
      { status: 'operational', start: T0, end: T0 + H },
      { status: 'partial_outage', start: T0 + H, end: T0 + 2 * H },
    ]);
  });
});

describe('uptime', () => {
  const from = T0;
  const to = T0 + 10 * H;

  it('is 100% when the component was operational throughout', () => {
    expect(uptime([{ status: 'operational', at: T0 - D }], from, to)).toEqual({
      ratio: 1,
      downtimeMs: 0,
      countedMs: 10 * H,
    });
  });

  it('counts a major outage as 100% downtime', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'major_outage', at: T0 + 2 * H },
      { status: 'operational', at: T0 + 3 * H },
    ];
    expect(uptime(changes, from, to)).toEqual({ ratio: 0.9, downtimeMs: H, countedMs: 10 * H });
  });

  it('counts a partial outage as 30% downtime', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'partial_outage', at: T0 + 2 * H },
      { status: 'operational', at: T0 + 3 * H },
    ];
    const result = uptime(changes, from, to);
    expect(result.downtimeMs).toBe(1_080_000);
    expect(result.countedMs).toBe(10 * H);
    expect(result.ratio).toBeCloseTo(0.97, 12);
  });

  it('counts a partial outage over the whole window as 70% uptime', () => {
    const result = uptime([{ status: 'partial_outage', at: T0 }], from, to);
    expect(result.downtimeMs).toBe(3 * H);
    expect(result.countedMs).toBe(10 * H);
    expect(result.ratio).toBeCloseTo(0.7, 12);
  });

  it('counts degraded performance as no downtime', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'degraded_performance', at: T0 + 2 * H },
      { status: 'operational', at: T0 + 4 * H },
    ];
    expect(uptime(changes, from, to)).toEqual({ ratio: 1, downtimeMs: 0, countedMs: 10 * H });
  });

  it('leaves maintenance out of both the downtime and the counted time', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'under_maintenance', at: T0 + 2 * H },
      { status: 'operational', at: T0 + 4 * H },
    ];
    expect(uptime(changes, from, to)).toEqual({ ratio: 1, downtimeMs: 0, countedMs: 8 * H });
  });

  it('computes the ratio over the time left after removing maintenance', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'under_maintenance', at: T0 + 2 * H },
      { status: 'major_outage', at: T0 + 4 * H },
      { status: 'operational', at: T0 + 6 * H },
    ];
    // Counted: 10h - 2h maintenance = 8h; downtime: 2h major.
    expect(uptime(changes, from, to)).toEqual({ ratio: 0.75, downtimeMs: 2 * H, countedMs: 8 * H });
  });

  it('treats time before the first change as having no data', () => {
    const changes: StatusChange[] = [{ status: 'major_outage', at: T0 + 4 * H }];
    expect(uptime(changes, from, to)).toEqual({ ratio: 0, downtimeMs: 6 * H, countedMs: 6 * H });
  });

  it('does not count time before the first change as uptime', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 + 5 * H },
      { status: 'major_outage', at: T0 + 9 * H },
    ];
    // Only 5h of data, 1h of it down.
    expect(uptime(changes, from, to)).toEqual({ ratio: 0.8, downtimeMs: H, countedMs: 5 * H });
  });

  it('combines every status with its own weight', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 },
      { status: 'partial_outage', at: T0 + 5 * H },
      { status: 'major_outage', at: T0 + 7 * H },
      { status: 'under_maintenance', at: T0 + 8 * H },
      { status: 'degraded_performance', at: T0 + 9 * H },
    ];
    // Counted 9h (1h maintenance excluded); downtime 2h * 0.3 + 1h * 1 = 1.6h = 5_760_000 ms.
    const result = uptime(changes, from, to);
    expect(result.countedMs).toBe(9 * H);
    expect(result.downtimeMs).toBe(5_760_000);
    expect(result.ratio).toBeCloseTo(1 - 1.6 / 9, 12);
  });

  it('only counts the part of an outage that falls inside the window', () => {
    const changes: StatusChange[] = [
      { status: 'major_outage', at: T0 - 5 * H },
      { status: 'operational', at: T0 + 2 * H },
      { status: 'major_outage', at: T0 + 9 * H },
      { status: 'operational', at: T0 + 15 * H },
    ];
    expect(uptime(changes, from, to)).toEqual({ ratio: 0.7, downtimeMs: 3 * H, countedMs: 10 * H });
  });

  it('has a null ratio when there is no data in the window', () => {
    expect(uptime([], from, to)).toEqual({ ratio: null, downtimeMs: 0, countedMs: 0 });
    expect(uptime([{ status: 'major_outage', at: to }], from, to)).toEqual({
      ratio: null,
      downtimeMs: 0,
      countedMs: 0,
    });
  });

  it('has a null ratio when the whole window was maintenance', () => {
    expect(uptime([{ status: 'under_maintenance', at: T0 - H }], from, to)).toEqual({
      ratio: null,
      downtimeMs: 0,
      countedMs: 0,
    });
  });

  it('measures a one-minute major outage over a 30-day window', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'major_outage', at: T0 + 10 * D },
      { status: 'operational', at: T0 + 10 * D + MIN },
    ];
    const result = uptime(changes, T0, T0 + 30 * D);
    expect(result.downtimeMs).toBe(MIN);
    expect(result.countedMs).toBe(30 * D);
    expect(result.ratio).toBeCloseTo(1 - 1 / 43_200, 12);
  });
});

describe('dailySummaries', () => {
  /** Three UTC days: 2026-05-10, -11, -12. */
  const days: DayWindow[] = [
    { date: '2026-05-10', start: T0, end: T0 + D },
    { date: '2026-05-11', start: T0 + D, end: T0 + 2 * D },
    { date: '2026-05-12', start: T0 + 2 * D, end: T0 + 3 * D },
  ];
  const afterAll = T0 + 4 * D;

  it('returns nothing when there are no days', () => {
    expect(dailySummaries([{ status: 'major_outage', at: T0 }], [], afterAll)).toEqual([]);
  });

  it('reports no data (worst null) for every day when there is no history', () => {
    expect(dailySummaries([], days, afterAll)).toEqual([
      { date: '2026-05-10', worst: null, durations: {} },
      { date: '2026-05-11', worst: null, durations: {} },
      { date: '2026-05-12', worst: null, durations: {} },
    ]);
  });

  it('reports operational days with no durations', () => {
    expect(dailySummaries([{ status: 'operational', at: T0 - 10 * D }], days, afterAll)).toEqual([
      { date: '2026-05-10', worst: 'operational', durations: {} },
      { date: '2026-05-11', worst: 'operational', durations: {} },
      { date: '2026-05-12', worst: 'operational', durations: {} },
    ]);
  });

  it('reports the worst status of each day and how long each non-operational status lasted', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'degraded_performance', at: T0 + 1 * H },
      { status: 'operational', at: T0 + 2 * H },
      { status: 'partial_outage', at: T0 + 10 * H },
      { status: 'operational', at: T0 + 12 * H },
      { status: 'degraded_performance', at: T0 + 14 * H },
      { status: 'operational', at: T0 + 14 * H + 30 * MIN },
    ];
    expect(dailySummaries(changes, days, afterAll)).toEqual([
      {
        date: '2026-05-10',
        worst: 'partial_outage',
        durations: { degraded_performance: H + 30 * MIN, partial_outage: 2 * H },
      },
      { date: '2026-05-11', worst: 'operational', durations: {} },
      { date: '2026-05-12', worst: 'operational', durations: {} },
    ]);
  });

  it('ranks maintenance above operational but below degraded performance', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'under_maintenance', at: T0 + 2 * H },
      { status: 'operational', at: T0 + 4 * H },
      { status: 'under_maintenance', at: T0 + D + 2 * H },
      { status: 'degraded_performance', at: T0 + D + 3 * H },
      { status: 'operational', at: T0 + D + 4 * H },
    ];
    expect(dailySummaries(changes, days, afterAll)).toEqual([
      { date: '2026-05-10', worst: 'under_maintenance', durations: { under_maintenance: 2 * H } },
      {
        date: '2026-05-11',
        worst: 'degraded_performance',
        durations: { under_maintenance: H, degraded_performance: H },
      },
      { date: '2026-05-12', worst: 'operational', durations: {} },
    ]);
  });

  it('splits an outage that spans midnight between the two days', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'major_outage', at: T0 + 22 * H },
      { status: 'operational', at: T0 + D + 3 * H },
    ];
    expect(dailySummaries(changes, days, afterAll)).toEqual([
      { date: '2026-05-10', worst: 'major_outage', durations: { major_outage: 2 * H } },
      { date: '2026-05-11', worst: 'major_outage', durations: { major_outage: 3 * H } },
      { date: '2026-05-12', worst: 'operational', durations: {} },
    ]);
  });

  it('spreads a multi-day outage over every day it covers', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'partial_outage', at: T0 + 12 * H },
      { status: 'operational', at: T0 + 2 * D + 6 * H },
    ];
    expect(dailySummaries(changes, days, afterAll)).toEqual([
      { date: '2026-05-10', worst: 'partial_outage', durations: { partial_outage: 12 * H } },
      { date: '2026-05-11', worst: 'partial_outage', durations: { partial_outage: 24 * H } },
      { date: '2026-05-12', worst: 'partial_outage', durations: { partial_outage: 6 * H } },
    ]);
  });

  it('does not carry a status that ends exactly at midnight into the next day', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'major_outage', at: T0 + 20 * H },
      { status: 'operational', at: T0 + D },
    ];
    expect(dailySummaries(changes, days, afterAll)).toEqual([
      { date: '2026-05-10', worst: 'major_outage', durations: { major_outage: 4 * H } },
      { date: '2026-05-11', worst: 'operational', durations: {} },
      { date: '2026-05-12', worst: 'operational', durations: {} },
    ]);
  });

  it('does not pull a status that starts exactly at midnight into the previous day', () => {
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'major_outage', at: T0 + 2 * D },
    ];
    expect(dailySummaries(changes, days, afterAll)).toEqual([
      { date: '2026-05-10', worst: 'operational', durations: {} },
      { date: '2026-05-11', worst: 'operational', durations: {} },
      { date: '2026-05-12', worst: 'major_outage', durations: { major_outage: D } },
    ]);
  });

  it('reports no data for the days before the first change', () => {
    const changes: StatusChange[] = [{ status: 'major_outage', at: T0 + D + 12 * H }];
    expect(dailySummaries(changes, days, afterAll)).toEqual([
      { date: '2026-05-10', worst: null, durations: {} },
      { date: '2026-05-11', worst: 'major_outage', durations: { major_outage: 12 * H } },
      { date: '2026-05-12', worst: 'major_outage', durations: { major_outage: D } },
    ]);
  });

  it('clips today to now so that only what already happened counts', () => {
    const now = T0 + 2 * D + 6 * H;
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'major_outage', at: T0 + 2 * D + 3 * H },
    ];
    expect(dailySummaries(changes, days, now)).toEqual([
      { date: '2026-05-10', worst: 'operational', durations: {} },
      { date: '2026-05-11', worst: 'operational', durations: {} },
      { date: '2026-05-12', worst: 'major_outage', durations: { major_outage: 3 * H } },
    ]);
  });

  it('ignores changes scheduled after now', () => {
    const now = T0 + 2 * D + 6 * H;
    const changes: StatusChange[] = [
      { status: 'operational', at: T0 - D },
      { status: 'under_maintenance', at: T0 + 2 * D + 20 * H },
    ];
    expect(dailySummaries(changes, days, now)).toEqual([
      { date: '2026-05-10', worst: 'operational', durations: {} },
      { date: '2026-05-11', worst: 'operational', durations: {} },
      { date: '2026-05-12', worst: 'operational', durations: {} },
    ]);
  });

  it('reports no data for a day that has not started yet', () => {
    const now = T0 + D + 12 * H;
    expect(dailySummaries([{ status: 'partial_outage', at: T0 - D }], days, now)).toEqual([
      { date: '2026-05-10', worst: 'partial_outage', durations: { partial_outage: D } },
      { date: '2026-05-11', worst: 'partial_outage', durations: { partial_outage: 12 * H } },
      { date: '2026-05-12', worst: null, durations: {} },
    ]);
  });

  it('reports no data for a day that starts exactly at now', () => {
    const now = T0 + 2 * D;
    expect(dailySummaries([{ status: 'major_outage', at: T0 - D }], days, now)).toEqual([
      { date: '2026-05-10', worst: 'major_outage', durations: { major_outage: D } },
      { date: '2026-05-11', worst: 'major_outage', durations: { major_outage: D } },
      { date: '2026-05-12', worst: null, durations: {} },
    ]);
  });

  it('measures durations against the real length of a 25-hour DST day', () => {
    // Europe/Berlin, 2026-10-25: from 22:00 UTC on the 24th to 23:00 UTC on the 25th.
    const dstDays: DayWindow[] = [
      { date: '2026-10-25', start: Date.UTC(2026, 9, 24, 22), end: Date.UTC(2026, 9, 25, 23) },
      { date: '2026-10-26', start: Date.UTC(2026, 9, 25, 23), end: Date.UTC(2026, 9, 26, 23) },
    ];
    const changes: StatusChange[] = [
      { status: 'degraded_performance', at: Date.UTC(2026, 9, 20) },
      { status: 'operational', at: Date.UTC(2026, 9, 25, 23) },
    ];
    expect(dailySummaries(changes, dstDays, Date.UTC(2026, 10, 1))).toEqual([
      { date: '2026-10-25', worst: 'degraded_performance', durations: { degraded_performance: 25 * H } },
      { date: '2026-10-26', worst: 'operational', durations: {} },
    ]);
  });
});
