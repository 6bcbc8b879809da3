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

/** An instant rounded up to the next whole 5 minutes (promises read "by 14:35", not "by 14:33"). */
export function roundUpToFiveMinutes(at: number): number {
  const fiveMinutes = 5 * 60_000;
  return Math.ceil(at / fiveMinutes) * fiveMinutes;
}

/** The "next update by" time a new update should promise, rounded up to 5 minutes. */
export function suggestedNextUpdate(severity: Severity, now: number): number | null {
  const cadence = updateCadenceMs(severity);
  if (cadence === null) return null;
  return roundUpToFiveMinutes(now + cadence);
}

/* ---- The internal cadence: how often the company is told, beside the public page ---- */

/** Minutes between internal updates per severity when the settings keep the defaults (SEV-4: none). */
export const DEFAULT_INTERNAL_CADENCE: Readonly<Record<Severity, number | null>> = { 1: 15, 2: 30, 3: 120, 4: null };

/** The shortest and longest internal cadence the settings accept, in whole minutes. */
export const INTERNAL_CADENCE_MIN = 5;
export const INTERNAL_CADENCE_MAX = 1440;

/**
 * The internal cadence per severity from the stored setting: null means the
 * defaults; in a stored table a severity left out (or not a whole number of
 * minutes in range) has no internal cadence.
 */
export function internalCadenceTable(stored: Readonly<Record<string, number>> | null | undefined): Record<Severity, number | null> {
  if (stored === null || stored === undefined) return { ...DEFAULT_INTERNAL_CADENCE };
  const minutes = (severity: Severity): number | null => {
    const value = Object.hasOwn(stored, String(severity)) ? stored[String(severity)] : undefined;
    return typeof value === 'number' && Number.isInteger(value) && value >= INTERNAL_CADENCE_MIN && value <= INTERNAL_CADENCE_MAX
      ? value
      : null;
  };
  return { 1: minutes(1), 2: minutes(2), 3: minutes(3), 4: minutes(4) };
}

/**
 * When the next internal update is due: the severity's cadence after the
 * last time the company was told anything (an internal update, a public
 * update, or the declaration). No cadence (null minutes): never due.
 */
export function internalCadence(
  options: { severity: Severity; lastInternalAt: number; cadenceMinutes: number | null },
  now: number,
): Cadence {
  if (options.cadenceMinutes === null) return { dueAt: null, overdue: false };
  const dueAt = options.lastInternalAt + options.cadenceMinutes * 60_000;
  return { dueAt, overdue: now > dueAt };
}

/** Whole minutes an overdue update is late, at least 1 (what "late by N min" says everywhere). */
export function minutesLate(dueAt: number, now: number): number {
  return Math.max(1, Math.floor((now - dueAt) / 60_000));
}
