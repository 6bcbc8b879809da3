import { z } from 'zod';
import type { SettingsRow } from '../../db/schema.js';
import { SEVERITIES, type Severity } from '../../domain/constants.js';
import { DEFAULT_POSTMORTEM_TEMPLATE, postmortemDueTable } from '../postmortems/postmortems.js';

/*
 * Postmortem settings (issue 17): hours from resolution to the postmortem's
 * due date per severity (empty: none required for that severity) and the
 * Markdown template a new postmortem starts from (empty: Herald's default).
 */

export const POSTMORTEM_DUE_MIN_HOURS = 1;
/** A year: longer than any team waits for a postmortem. */
export const POSTMORTEM_DUE_MAX_HOURS = 8760;
export const POSTMORTEM_DUE_MESSAGE = `must be whole hours from ${POSTMORTEM_DUE_MIN_HOURS} to ${POSTMORTEM_DUE_MAX_HOURS}, or empty when none is required`;
export const POSTMORTEM_TEMPLATE_MAX = 50_000;

/** Hours for one severity: a whole number in range, or empty / null for "not required". */
const DueHours = z
  .union([z.number(), z.string(), z.null()], { error: POSTMORTEM_DUE_MESSAGE })
  .transform((value, ctx): number | null => {
    if (value === null) return null;
    const text = String(value).trim();
    if (text === '') return null;
    const hours = Number(text);
    if (!/^\d+$/.test(text) || hours < POSTMORTEM_DUE_MIN_HOURS || hours > POSTMORTEM_DUE_MAX_HOURS) {
      ctx.addIssue({ code: 'custom', message: POSTMORTEM_DUE_MESSAGE });
      return z.NEVER;
    }
    return hours;
  });

/** Hours per severity ("1".."4"); a severity not sent keeps its value. null: back to the defaults (48, 72, 168, none). */
export const PostmortemDueHoursInput = z
  .strictObject(
    { 1: DueHours.optional(), 2: DueHours.optional(), 3: DueHours.optional(), 4: DueHours.optional() },
    { error: 'must map severities 1 to 4 to hours' },
  )
  .nullable();

/** The template; "", null or the default's own text: Herald's default (so a later change of the default reaches this page). */
export const PostmortemTemplateInput = z
  .string({ error: "must be Markdown text, or empty for Herald's default" })
  .max(POSTMORTEM_TEMPLATE_MAX, { error: `must be at most ${POSTMORTEM_TEMPLATE_MAX.toLocaleString('en-US')} characters` })
  .nullable()
  .transform((text) => {
    const normalized = text?.replace(/\r\n?/g, '\n') ?? '';
    return normalized.trim() === '' || normalized.trim() === DEFAULT_POSTMORTEM_TEMPLATE.trim() ? null : normalized;
  });

/** The stored form of a due table: {"1": 48, ...}, a severity without a postmortem left out. */
export function storedDueHours(table: Record<Severity, number | null>): Record<string, number> {
  const stored: Record<string, number> = {};
  for (const severity of SEVERITIES) {
    const hours = table[severity];
    if (hours !== null) stored[String(severity)] = hours;
  }
  return stored;
}

/** The due hours after a partial change; null when the result is the defaults' own (kept as "the defaults"). */
export function nextDueHours(
  current: SettingsRow['postmortemDueHours'],
  input: Partial<Record<Severity, number | null | undefined>> | null,
): { stored: Record<string, number> | null; changed: boolean } {
  const was = postmortemDueTable(current);
  if (input === null) return { stored: null, changed: current !== null };
  const wanted = { ...was };
  for (const severity of SEVERITIES) {
    const value = input[severity];
    if (value !== undefined) wanted[severity] = value;
  }
  const changed = JSON.stringify(wanted) !== JSON.stringify(was);
  return { stored: changed ? storedDueHours(wanted) : current, changed };
}
