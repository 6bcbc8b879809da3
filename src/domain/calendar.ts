/**
 * Calendar arithmetic in a named IANA time zone, using only Intl. Pure: every
 * function takes the instant it works on.
 */
import { memoize } from '../lib/memo.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when the runtime knows this IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    partsFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Per zone, the local fields of an instant, remembered: pages ask for the same
 * day boundaries on every render (90 days of bars, the recent days), and
 * formatToParts costs about 10 µs a call (40% of rendering `/` before this).
 */
const localFieldsByZone = new Map<string, (instant: number) => Readonly<Record<string, number>>>();

function localFields(instant: number, timeZone: string): Readonly<Record<string, number>> {
  let fieldsOf = localFieldsByZone.get(timeZone);
  if (!fieldsOf) {
    const formatter = partsFormatter(timeZone);
    fieldsOf = memoize(10_000, (at: number) => {
      const fields: Record<string, number> = {};
      for (const part of formatter.formatToParts(at)) {
        if (part.type !== 'literal') fields[part.type] = Number(part.value);
      }
      return fields;
    });
    localFieldsByZone.set(timeZone, fieldsOf);
  }
  return fieldsOf(instant);
}

/** Offset of the zone from UTC at an instant, in ms (positive east of UTC). */
export function zoneOffset(instant: number, timeZone: string): number {
  const f = localFields(instant, timeZone);
  const asUtc = Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The local calendar date of an instant in the zone. */
export function localDate(instant: number, timeZone: string): LocalDate {
  const f = localFields(instant, timeZone);
  return { year: f.year!, month: f.month!, day: f.day! };
}

/**
 * The instant a local date starts in the zone. Usually local midnight; where a
 * DST change skips midnight (e.g. America/Santiago), the first instant that is
 * on that date. Where midnight happens twice, the first one.
 */
export function startOfLocalDate(date: LocalDate, timeZone: string): number {
  const wallClock = Date.UTC(date.year, date.month - 1, date.day);
  const candidates = [wallClock - zoneOffset(wallClock - DAY, timeZone), wallClock - zoneOffset(wallClock + DAY, timeZone)]
    .filter((instant) => sameDate(localDate(instant, timeZone), date))
    .sort((a, b) => a - b);
  return candidates[0] ?? wallClock - zoneOffset(wallClock, timeZone);
}

function sameDate(a: LocalDate, b: LocalDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** Adds whole days to a calendar date (month and year roll over). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Adds whole months to the first of a month. */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1 + months, 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: 1 };
}

export function isoDate(date: LocalDate): string {
  const mm = String(date.month).padStart(2, '0');
  const dd = String(date.day).padStart(2, '0');
  return `${date.year}-${mm}-${dd}`;
}

export interface DayWindow {
  /** YYYY-MM-DD in the zone. */
  date: string;
  start: number;
  end: number;
}

/** The last `count` local days up to and including today, oldest first. */
export function lastDays(now: number, count: number, timeZone: string): DayWindow[] {
  const today = localDate(now, timeZone);
  const days: DayWindow[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const date = addDays(today, -i);
    days.push({
      date: isoDate(date),
      start: startOfLocalDate(date, timeZone),
      end: startOfLocalDate(addDays(date, 1), timeZone),
    });
  }
  return days;
}

export interface MonthWindow {
  year: number;
  month: number;
  start: number;
  end: number;
}

/** The local calendar month `offset` months before the one holding `now`. */
export function monthWindow(now: number, offset: number, timeZone: string): MonthWindow {
  const today = localDate(now, timeZone);
  const first = addMonths({ year: today.year, month: today.month, day: 1 }, -offset);
  return {
    year: first.year,
    month: first.month,
    start: startOfLocalDate(first, timeZone),
    end: startOfLocalDate(addMonths(first, 1), timeZone),
  };
}

/**
 * The instant a wall-clock time ("2026-11-23T14:30", as an HTML
 * datetime-local field sends it) names in the zone; null when malformed.
 */
export function parseLocalDateTime(text: string, timeZone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const wallClock = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(wallClock).getUTCDate() !== d) return null;
  // Offset at the wall-clock time, settled with a second pass as for midnight.
  const first = wallClock - zoneOffset(wallClock, timeZone);
  return wallClock - zoneOffset(first, timeZone);
}

/** "2026-11-23T14:30" for an instant in the zone (for datetime-local fields). */
export function formatLocalDateTime(instant: number, timeZone: string): string {
  const f = localFields(instant, timeZone);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${f.year}-${pad(f.month!)}-${pad(f.day!)}T${pad(f.hour!)}:${pad(f.minute!)}`;
}

/** The next instant after `now` at which the zone's clock shows "HH:MM"; null when malformed. */
export function nextLocalTime(now: number, hhmm: string, timeZone: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) return null;
  const today = localDate(now, timeZone);
  for (const date of [today, addDays(today, 1)]) {
    const text = `${isoDate(date)}T${match[1]!.padStart(2, '0')}:${match[2]}`;
    const instant = parseLocalDateTime(text, timeZone);
    if (instant !== null && instant > now) return instant;
  }
  return null;
}
