import { HOUR } from './calendar.js';
import type { Severity } from './constants.js';

/*
 * Postmortem due dates and urgency (issue 17), pure.
 */

/** Hours from resolution to the postmortem's due date per severity (SEV-4: optional, none is created). */
export const DEFAULT_POSTMORTEM_DUE_HOURS: Readonly<Record<Severity, number | null>> = { 1: 48, 2: 72, 3: 168, 4: null };

/** When a postmortem is due, or null when the severity does not require one. */
export function postmortemDueAt(
  severity: Severity,
  resolvedAt: number,
  table: Readonly<Record<Severity, number | null>> = DEFAULT_POSTMORTEM_DUE_HOURS,
): number | null {
  const hours = table[severity];
  return hours === null ? null : resolvedAt + hours * HOUR;
}

/** A reminder goes a day before the due date, and again once it is overdue. */
export const POSTMORTEM_REMINDER_LEAD_MS = 24 * HOUR;

export type PostmortemUrgency = 'not_due' | 'due_soon' | 'overdue' | 'done';

export function postmortemUrgency(dueAt: number, completedAt: number | null, now: number): PostmortemUrgency {
  if (completedAt !== null) return 'done';
  if (now > dueAt) return 'overdue';
  if (now >= dueAt - POSTMORTEM_REMINDER_LEAD_MS) return 'due_soon';
  return 'not_due';
}
