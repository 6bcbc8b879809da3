import type { Severity } from './constants.js';
import { updateCadenceMs } from './lifecycle.js';

export interface Cadence {
  /** When the next public update is due; null when the severity has no cadence. */
  dueAt: number | null;
  overdue: boolean;
}

/**
 * When the next update is due: the promise made in the last update if there
 * is one, else the severity's cadence after the last update.
 */
export function updateCadence(
  options: { severity: Severity; lastUpdateAt: number; promisedAt: number | null },
  now: number,
): Cadence {
  const cadence = updateCadenceMs(options.severity);
  const dueAt = options.promisedAt ?? (cadence === null ? null : options.lastUpdateAt + cadence);
  return { dueAt, overdue: dueAt !== null && now > dueAt };
}

/** The "next update by" time a new update should promise, rounded up to 5 minutes. */
export function suggestedNextUpdate(severity: Severity, now: number): number | null {
  const cadence = updateCadenceMs(severity);
  if (cadence === null) return null;
  const fiveMinutes = 5 * 60_000;
  return Math.ceil((now + cadence) / fiveMinutes) * fiveMinutes;
}
