import type { ComponentStatus } from './constants.js';
import type { DayWindow } from './calendar.js';
import { worseStatus } from './status.js';

/** One entry of a component's status history. */
export interface StatusChange {
  status: ComponentStatus;
  at: number;
}

export interface StatusSegment {
  status: ComponentStatus;
  start: number;
  end: number;
}

/**
 * How much of an interval in each status counts as downtime. Degraded
 * performance still works, so it is not downtime; a partial outage hurts some
 * users, so it counts at 30%. Maintenance is left out of the uptime maths
 * entirely (neither up nor down) because it was planned and announced.
 */
export const DOWNTIME_WEIGHT: Record<Exclude<ComponentStatus, 'under_maintenance'>, number> = {
  operational: 0,
  degraded_performance: 0,
  partial_outage: 0.3,
  major_outage: 1,
};

/**
 * Cuts a status history into the intervals it describes within [from, to).
 * `changes` must be sorted by time and should include the last change at or
 * before `from`; time before the first change has no data and yields nothing.
 */
export function statusSegments(changes: readonly StatusChange[], from: number, to: number): StatusSegment[] {
  const segments: StatusSegment[] = [];
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    const next = changes[i + 1];
    const start = Math.max(change.at, from);
    const end = Math.min(next ? next.at : to, to);
    if (end <= start) continue;
    const last = segments[segments.length - 1];
    if (last && last.status === change.status && last.end === start) last.end = end;
    else segments.push({ status: change.status, start, end });
  }
  return segments;
}

export interface Uptime {
  /** 0..1, or null when the window holds no countable time. */
  ratio: number | null;
  /** Weighted downtime in ms. */
  downtimeMs: number;
  /** Time counted (the window minus maintenance and time without data). */
  countedMs: number;
}

/** Uptime over [from, to) with the DOWNTIME_WEIGHT formula. */
export function uptime(changes: readonly StatusChange[], from: number, to: number): Uptime {
  let downtimeMs = 0;
  let countedMs = 0;
  for (const segment of statusSegments(changes, from, to)) {
    if (segment.status === 'under_maintenance') continue;
    const length = segment.end - segment.start;
    countedMs += length;
    downtimeMs += length * DOWNTIME_WEIGHT[segment.status];
  }
  return { ratio: countedMs > 0 ? 1 - downtimeMs / countedMs : null, downtimeMs, countedMs };
}

export interface DaySummary {
  date: string;
  /** Worst status seen that day; null when there is no data for the day. */
  worst: ComponentStatus | null;
  /** Time spent in each status other than operational, in ms. */
  durations: Partial<Record<ComponentStatus, number>>;
}

/**
 * One summary per day window: the worst status in effect at any moment of the
 * day and how long each non-operational status lasted. Days are clipped to
 * `now` so that today only counts what already happened.
 */
export function dailySummaries(
  changes: readonly StatusChange[],
  days: readonly DayWindow[],
  now: number,
): DaySummary[] {
  if (days.length === 0) return [];
  const segments = statusSegments(changes, days[0]!.start, Math.min(days[days.length - 1]!.end, now));
  const summaries: DaySummary[] = [];
  let first = 0;
  for (const day of days) {
    let worst: ComponentStatus | null = null;
    const durations: Partial<Record<ComponentStatus, number>> = {};
    while (first < segments.length && segments[first]!.end <= day.start) first++;
    for (let i = first; i < segments.length && segments[i]!.start < day.end; i++) {
      const segment = segments[i]!;
      const overlap = Math.min(segment.end, day.end) - Math.max(segment.start, day.start);
      if (overlap <= 0) continue;
      worst = worst ? worseStatus(worst, segment.status) : segment.status;
      if (segment.status !== 'operational') {
        durations[segment.status] = (durations[segment.status] ?? 0) + overlap;
      }
    }
    summaries.push({ date: day.date, worst, durations });
  }
  return summaries;
}
