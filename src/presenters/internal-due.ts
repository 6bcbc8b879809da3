import { minutesLate } from '../domain/cadence.js';
import type { InternalDue } from '../services/incidents/dashboard.js';
import type { Formatter, TimeView } from './format.js';

const MINUTE = 60_000;

export interface InternalDueView {
  at: TimeView;
  overdue: boolean;
  /** Said in words as well as in colour: "Next internal update due 14:30 UTC" or "… late by 12 min". */
  text: string;
}

/** The dashboard's line about the internal cadence; null when the severity has none. */
export function presentInternalDue(due: InternalDue | undefined, format: Formatter, now: number): InternalDueView | null {
  if (!due || due.dueAt === null) return null;
  const at = format.time(due.dueAt);
  if (due.overdue) {
    const late = minutesLate(due.dueAt, now);
    return { at, overdue: true, text: `Next internal update was due ${at.text}: late by ${late} min` };
  }
  const left = Math.max(0, Math.ceil((due.dueAt - now) / MINUTE));
  return { at, overdue: false, text: `Next internal update due ${at.text} (in ${left} min)` };
}
