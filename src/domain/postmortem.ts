import { HOUR } from './calendar.js';
import type { Severity } from './constants.js';

/*
 * Postmortems and the incident timeline's export (issue 17), pure.
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

/** One line of an incident's timeline as exported. */
export interface TimelineRow {
  at: number;
  event: string;
  who: string | null;
}

/** "2026-11-02 09:04:05" (UTC), the export's time column. */
export function utcTimestamp(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** A table cell: one line, pipes escaped, so typed text cannot break the table. */
export function markdownCell(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').trim();
}

/** The timeline as the Markdown table teams paste into their docs, oldest first. */
export function timelineMarkdown(rows: readonly TimelineRow[]): string {
  const lines = ['| Time (UTC) | Event | Who |', '| --- | --- | --- |'];
  for (const row of [...rows].sort((a, b) => a.at - b.at)) {
    lines.push(`| ${utcTimestamp(row.at)} | ${markdownCell(row.event)} | ${markdownCell(row.who ?? '')} |`);
  }
  return lines.join('\n');
}
