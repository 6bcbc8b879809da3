import { HOUR, MINUTE } from '../domain/calendar.js';
import { memoize } from '../lib/memo.js';

/** A time as both machine-readable and human-readable text. */
export interface TimeView {
  iso: string;
  text: string;
}

export interface Formatter {
  timeZone: string;
  /** "23 Nov 2026, 14:05 CET" */
  dateTime(ms: number): TimeView;
  /** "23 Nov 2026" */
  date(ms: number): TimeView;
  /** "14:05 CET" */
  time(ms: number): TimeView;
  /** "November 2026" */
  month(ms: number): string;
}

const formatters = new Map<string, Formatter>();

/** Formatters for the page's time zone, always naming the zone. Cached per zone. */
export function formatterFor(timeZone: string): Formatter {
  let formatter = formatters.get(timeZone);
  if (formatter) return formatter;
  const dateTime = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const date = new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric' });
  const time = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const month = new Intl.DateTimeFormat('en-GB', { timeZone, month: 'long', year: 'numeric' });
  // Intl formatting costs microseconds a call, and pages and feeds show the
  // same instants (update times, day boundaries) on every render: remember them.
  const view = (format: Intl.DateTimeFormat): ((ms: number) => TimeView) =>
    memoize(2_000, (ms: number): TimeView => Object.freeze({ iso: new Date(ms).toISOString(), text: format.format(ms) }));
  formatter = {
    timeZone,
    dateTime: view(dateTime),
    date: view(date),
    time: view(time),
    month: memoize(1_000, (ms: number) => month.format(ms)),
  };
  formatters.set(timeZone, formatter);
  return formatter;
}

/** "2 h 5 min", "45 min", "less than a minute". */
export function formatDuration(ms: number): string {
  if (ms < MINUTE) return 'less than a minute';
  const hours = Math.floor(ms / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  if (hours >= 48) return `${Math.round(ms / (24 * HOUR))} days`;
  if (hours === 0) return `${minutes} min`;
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
}

/** "99.98%": two decimals, never rounding a real outage up to 100%. */
export function formatPercent(ratio: number): string {
  const floored = Math.floor(ratio * 10_000) / 100;
  return `${floored.toFixed(2)}%`;
}
