import { describe, expect, it } from 'vitest';
import {
  DAY,
  HOUR,
  MINUTE,
  addDays,
  addMonths,
  isValidTimeZone,
  isoDate,
  lastDays,
  localDate,
  monthWindow,
  startOfLocalDate,
  zoneOffset,
} from '../../src/domain/calendar.js';

describe('time constants', () => {
  it('defines a minute, an hour and a day in milliseconds', () => {
    expect(MINUTE).toBe(60_000);
    expect(HOUR).toBe(3_600_000);
    expect(DAY).toBe(86_400_000);
  });
});

describe('isValidTimeZone', () => {
  it('accepts well-known IANA zone names', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true);
  });

  it('rejects names the runtime does not know', () => {
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('Not a zone')).toBe(false);
  });

  it('rejects the empty string', () => {
    expect(isValidTimeZone('')).toBe(false);
  });

  it('keeps rejecting an invalid name when asked again', () => {
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
  });
});

describe('zoneOffset', () => {
  it('is zero for UTC', () => {
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'UTC')).toBe(0);
    expect(zoneOffset(Date.UTC(2026, 6, 15, 12), 'UTC')).toBe(0);
  });

  it('is +1h for Berlin in winter and +2h in summer', () => {
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'Europe/Berlin')).toBe(HOUR);
    expect(zoneOffset(Date.UTC(2026, 6, 15, 12), 'Europe/Berlin')).toBe(2 * HOUR);
  });

  it('switches Berlin to +2h exactly at 01:00 UTC on 2026-03-29', () => {
    expect(zoneOffset(Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Berlin')).toBe(HOUR);
    expect(zoneOffset(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Berlin')).toBe(2 * HOUR);
  });

  it('switches Berlin back to +1h exactly at 01:00 UTC on 2026-10-25', () => {
    expect(zoneOffset(Date.UTC(2026, 9, 25, 0, 59, 59), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(zoneOffset(Date.UTC(2026, 9, 25, 1, 0, 0), 'Europe/Berlin')).toBe(HOUR);
  });

  it('is negative west of UTC: -5h for New York in winter and -4h in summer', () => {
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'America/New_York')).toBe(-5 * HOUR);
    expect(zoneOffset(Date.UTC(2026, 6, 15, 12), 'America/New_York')).toBe(-4 * HOUR);
  });

  it('switches New York to -4h at 07:00 UTC on 2026-03-08 and back to -5h at 06:00 UTC on 2026-11-01', () => {
    expect(zoneOffset(Date.UTC(2026, 2, 8, 6, 59, 59), 'America/New_York')).toBe(-5 * HOUR);
    expect(zoneOffset(Date.UTC(2026, 2, 8, 7), 'America/New_York')).toBe(-4 * HOUR);
    expect(zoneOffset(Date.UTC(2026, 10, 1, 5, 59, 59), 'America/New_York')).toBe(-4 * HOUR);
    expect(zoneOffset(Date.UTC(2026, 10, 1, 6), 'America/New_York')).toBe(-5 * HOUR);
  });

  it('handles a half-hour offset: +5:30 for Kolkata', () => {
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12), 'Asia/Kolkata')).toBe(5 * HOUR + 30 * MINUTE);
    expect(zoneOffset(Date.UTC(2026, 6, 15, 12), 'Asia/Kolkata')).toBe(19_800_000);
  });

  it('ignores the milliseconds of the instant', () => {
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12, 0, 0, 999), 'Europe/Berlin')).toBe(HOUR);
    expect(zoneOffset(Date.UTC(2026, 0, 15, 12, 0, 0, 1), 'Asia/Kolkata')).toBe(19_800_000);
  });

  it('works for instants before 1970 with a fractional second', () => {
    expect(zoneOffset(Date.UTC(1969, 11, 31, 23, 59, 59, 500), 'UTC')).toBe(0);
    expect(zoneOffset(Date.UTC(1969, 6, 20, 20, 17, 40, 250), 'UTC')).toBe(0);
  });
});

describe('localDate', () => {
  it('is the UTC date in UTC', () => {
    expect(localDate(Date.UTC(2026, 0, 1, 0, 0, 0), 'UTC')).toEqual({ year: 2026, month: 1, day: 1 });
    expect(localDate(Date.UTC(2025, 11, 31, 23, 59, 59, 999), 'UTC')).toEqual({ year: 2025, month: 12, day: 31 });
  });

  it('is still the previous day in New York at UTC midnight', () => {
    expect(localDate(Date.UTC(2026, 0, 1, 0, 0), 'America/New_York')).toEqual({ year: 2025, month: 12, day: 31 });
    expect(localDate(Date.UTC(2026, 0, 1, 4, 59, 59), 'America/New_York')).toEqual({
      year: 2025,
      month: 12,
      day: 31,
    });
    expect(localDate(Date.UTC(2026, 0, 1, 5, 0, 0), 'America/New_York')).toEqual({ year: 2026, month: 1, day: 1 });
  });

  it('turns the date at 18:30 UTC in Kolkata', () => {
    expect(localDate(Date.UTC(2025, 11, 31, 18, 29, 59), 'Asia/Kolkata')).toEqual({
      year: 2025,
      month: 12,
      day: 31,
    });
    expect(localDate(Date.UTC(2025, 11, 31, 18, 30, 0), 'Asia/Kolkata')).toEqual({ year: 2026, month: 1, day: 1 });
  });

  it('turns the date at 23:00 UTC in Berlin on the night DST begins', () => {
    expect(localDate(Date.UTC(2026, 2, 28, 22, 59, 59), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 28,
    });
    expect(localDate(Date.UTC(2026, 2, 28, 23, 0, 0), 'Europe/Berlin')).toEqual({ year: 2026, month: 3, day: 29 });
  });

  it('handles a leap day', () => {
    expect(localDate(Date.UTC(2024, 1, 29, 12), 'UTC')).toEqual({ year: 2024, month: 2, day: 29 });
  });
});

describe('startOfLocalDate', () => {
  it('is UTC midnight in UTC', () => {
    expect(startOfLocalDate({ year: 2026, month: 5, day: 15 }, 'UTC')).toBe(Date.UTC(2026, 4, 15));
  });

  it('is 18:30 UTC the previous day in Kolkata', () => {
    expect(startOfLocalDate({ year: 2026, month: 1, day: 1 }, 'Asia/Kolkata')).toBe(Date.UTC(2025, 11, 31, 18, 30));
  });

  it('is 23:00 UTC the previous day in Berlin in winter and 22:00 UTC in summer', () => {
    expect(startOfLocalDate({ year: 2026, month: 1, day: 15 }, 'Europe/Berlin')).toBe(Date.UTC(2026, 0, 14, 23));
    expect(startOfLocalDate({ year: 2026, month: 7, day: 15 }, 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 14, 22));
  });

  it('is 05:00 UTC in New York in winter and 04:00 UTC in summer', () => {
    expect(startOfLocalDate({ year: 2026, month: 1, day: 15 }, 'America/New_York')).toBe(Date.UTC(2026, 0, 15, 5));
    expect(startOfLocalDate({ year: 2026, month: 7, day: 15 }, 'America/New_York')).toBe(Date.UTC(2026, 6, 15, 4));
  });

  it('finds Berlin midnight on the day DST begins (2026-03-29), still at +1h', () => {
    expect(startOfLocalDate({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 28, 23));
  });

  it('finds Berlin midnight on the day after DST begins (2026-03-30), now at +2h', () => {
    expect(startOfLocalDate({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 22));
  });

  it('makes the Berlin spring-forward day 23 hours long', () => {
    const start = startOfLocalDate({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin');
    const end = startOfLocalDate({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin');
    expect(end - start).toBe(23 * HOUR);
  });

  it('finds Berlin midnight on the day DST ends (2026-10-25), still at +2h', () => {
    expect(startOfLocalDate({ year: 2026, month: 10, day: 25 }, 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 24, 22));
  });

  it('finds Berlin midnight on the day after DST ends (2026-10-26), back at +1h', () => {
    expect(startOfLocalDate({ year: 2026, month: 10, day: 26 }, 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 25, 23));
  });

  it('makes the Berlin fall-back day 25 hours long', () => {
    const start = startOfLocalDate({ year: 2026, month: 10, day: 25 }, 'Europe/Berlin');
    const end = startOfLocalDate({ year: 2026, month: 10, day: 26 }, 'Europe/Berlin');
    expect(end - start).toBe(25 * HOUR);
  });

  it('handles the New York spring-forward day (2026-03-08) as 23 hours', () => {
    expect(startOfLocalDate({ year: 2026, month: 3, day: 8 }, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 5));
    expect(startOfLocalDate({ year: 2026, month: 3, day: 9 }, 'America/New_York')).toBe(Date.UTC(2026, 2, 9, 4));
  });

  it('handles the New York fall-back day (2026-11-01) as 25 hours', () => {
    expect(startOfLocalDate({ year: 2026, month: 11, day: 1 }, 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 4));
    expect(startOfLocalDate({ year: 2026, month: 11, day: 2 }, 'America/New_York')).toBe(Date.UTC(2026, 10, 2, 5));
  });

  it('finds the single midnight of a day that follows a repeated hour at midnight (Santiago, 2026-04-05)', () => {
    // Chile falls back at 24:00 -03 on 2026-04-04 to 23:00 -04; 2026-04-05 00:00 -04 is 04:00 UTC.
    expect(startOfLocalDate({ year: 2026, month: 4, day: 5 }, 'America/Santiago')).toBe(Date.UTC(2026, 3, 5, 4));
  });

  it('starts a day whose midnight is skipped by DST at its first instant (Santiago, 2025-09-07)', () => {
    // Chile springs forward at 24:00 -04 on 2025-09-06 (= 04:00 UTC) to 01:00 -03 on 2025-09-07,
    // so local 2025-09-07 begins at 04:00 UTC. 03:00 UTC is still 23:00 on 2025-09-06.
    const start = startOfLocalDate({ year: 2025, month: 9, day: 7 }, 'America/Santiago');
    expect(start).toBe(Date.UTC(2025, 8, 7, 4));
  });
});

describe('addDays', () => {
  it('returns the same date when adding zero days', () => {
    expect(addDays({ year: 2026, month: 5, day: 15 }, 0)).toEqual({ year: 2026, month: 5, day: 15 });
  });

  it('adds days within a month', () => {
    expect(addDays({ year: 2026, month: 5, day: 15 }, 10)).toEqual({ year: 2026, month: 5, day: 25 });
  });

  it('rolls over into the next month', () => {
    expect(addDays({ year: 2026, month: 1, day: 31 }, 1)).toEqual({ year: 2026, month: 2, day: 1 });
    expect(addDays({ year: 2026, month: 4, day: 30 }, 1)).toEqual({ year: 2026, month: 5, day: 1 });
  });

  it('rolls over into the next year', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
  });

  it('goes back into the previous month and year with negative days', () => {
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({ year: 2026, month: 2, day: 28 });
    expect(addDays({ year: 2026, month: 1, day: 1 }, -1)).toEqual({ year: 2025, month: 12, day: 31 });
  });

  it('respects leap years', () => {
    expect(addDays({ year: 2024, month: 2, day: 28 }, 1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2024, month: 3, day: 1 }, -1)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(addDays({ year: 2026, month: 2, day: 28 }, 1)).toEqual({ year: 2026, month: 3, day: 1 });
  });

  it('adds many days across several months', () => {
    expect(addDays({ year: 2026, month: 1, day: 1 }, 365)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2026, month: 1, day: 1 }, -89)).toEqual({ year: 2025, month: 10, day: 4 });
  });

  it('does not modify the date it is given', () => {
    const date = { year: 2026, month: 1, day: 31 };
    addDays(date, 1);
    expect(date).toEqual({ year: 2026, month: 1, day: 31 });
  });
});

describe('addMonths', () => {
  it('returns the first of the same month when adding zero months', () => {
    expect(addMonths({ year: 2026, month: 5, day: 1 }, 0)).toEqual({ year: 2026, month: 5, day: 1 });
  });

  it('adds months within a year', () => {
    expect(addMonths({ year: 2026, month: 5, day: 1 }, 3)).toEqual({ year: 2026, month: 8, day: 1 });
  });

  it('rolls over into the next year', () => {
    expect(addMonths({ year: 2026, month: 12, day: 1 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addMonths({ year: 2026, month: 11, day: 1 }, 14)).toEqual({ year: 2028, month: 1, day: 1 });
  });

  it('goes back into the previous year with negative months', () => {
    expect(addMonths({ year: 2026, month: 1, day: 1 }, -1)).toEqual({ year: 2025, month: 12, day: 1 });
    expect(addMonths({ year: 2026, month: 3, day: 1 }, -14)).toEqual({ year: 2025, month: 1, day: 1 });
  });

  it('always lands on the first of the month, even from a late day', () => {
    expect(addMonths({ year: 2026, month: 1, day: 31 }, 1)).toEqual({ year: 2026, month: 2, day: 1 });
  });
});

describe('isoDate', () => {
  it('formats a date as YYYY-MM-DD with zero padding', () => {
    expect(isoDate({ year: 2026, month: 3, day: 5 })).toBe('2026-03-05');
    expect(isoDate({ year: 2026, month: 12, day: 31 })).toBe('2026-12-31');
  });
});

describe('lastDays', () => {
  it('returns the last three UTC days, oldest first, ending with today', () => {
    expect(lastDays(Date.UTC(2026, 4, 15, 10), 3, 'UTC')).toEqual([
      { date: '2026-05-13', start: Date.UTC(2026, 4, 13), end: Date.UTC(2026, 4, 14) },
      { date: '2026-05-14', start: Date.UTC(2026, 4, 14), end: Date.UTC(2026, 4, 15) },
      { date: '2026-05-15', start: Date.UTC(2026, 4, 15), end: Date.UTC(2026, 4, 16) },
    ]);
  });

  it('returns only today for a count of one', () => {
    expect(lastDays(Date.UTC(2026, 4, 15, 0, 0), 1, 'UTC')).toEqual([
      { date: '2026-05-15', start: Date.UTC(2026, 4, 15), end: Date.UTC(2026, 4, 16) },
    ]);
  });

  it('returns nothing for a count of zero', () => {
    expect(lastDays(Date.UTC(2026, 4, 15, 10), 0, 'UTC')).toEqual([]);
  });

  it('reaches back across a year boundary', () => {
    expect(lastDays(Date.UTC(2026, 0, 1, 12), 3, 'UTC').map((d) => d.date)).toEqual([
      '2025-12-30',
      '2025-12-31',
      '2026-01-01',
    ]);
  });

  it('uses the local date in the zone to decide which day is today', () => {
    // 02:00 UTC on 1 January is still 21:00 on 31 December in New York.
    expect(lastDays(Date.UTC(2026, 0, 1, 2), 1, 'America/New_York')).toEqual([
      { date: '2025-12-31', start: Date.UTC(2025, 11, 31, 5), end: Date.UTC(2026, 0, 1, 5) },
    ]);
  });

  it('uses half-hour-offset local days in Kolkata', () => {
    // 20:00 UTC on 1 January is 01:30 on 2 January in Kolkata.
    expect(lastDays(Date.UTC(2026, 0, 1, 20), 2, 'Asia/Kolkata')).toEqual([
      { date: '2026-01-01', start: Date.UTC(2025, 11, 31, 18, 30), end: Date.UTC(2026, 0, 1, 18, 30) },
      { date: '2026-01-02', start: Date.UTC(2026, 0, 1, 18, 30), end: Date.UTC(2026, 0, 2, 18, 30) },
    ]);
  });

  it('yields a 23-hour day across the Berlin spring-forward', () => {
    expect(lastDays(Date.UTC(2026, 2, 30, 12), 3, 'Europe/Berlin')).toEqual([
      { date: '2026-03-28', start: Date.UTC(2026, 2, 27, 23), end: Date.UTC(2026, 2, 28, 23) },
      { date: '2026-03-29', start: Date.UTC(2026, 2, 28, 23), end: Date.UTC(2026, 2, 29, 22) },
      { date: '2026-03-30', start: Date.UTC(2026, 2, 29, 22), end: Date.UTC(2026, 2, 30, 22) },
    ]);
  });

  it('yields a 25-hour day across the Berlin fall-back', () => {
    expect(lastDays(Date.UTC(2026, 9, 26, 12), 3, 'Europe/Berlin')).toEqual([
      { date: '2026-10-24', start: Date.UTC(2026, 9, 23, 22), end: Date.UTC(2026, 9, 24, 22) },
      { date: '2026-10-25', start: Date.UTC(2026, 9, 24, 22), end: Date.UTC(2026, 9, 25, 23) },
      { date: '2026-10-26', start: Date.UTC(2026, 9, 25, 23), end: Date.UTC(2026, 9, 26, 23) },
    ]);
  });

  it('covers ninety contiguous days with no gaps or overlaps', () => {
    const days = lastDays(Date.UTC(2026, 5, 30, 12), 90, 'Europe/Berlin');
    expect(days).toHaveLength(90);
    expect(days[0]!.date).toBe('2026-04-02');
    expect(days[89]!.date).toBe('2026-06-30');
    for (let i = 1; i < days.length; i++) expect(days[i]!.start).toBe(days[i - 1]!.end);
  });
});

describe('monthWindow', () => {
  it('returns the current UTC month for offset zero', () => {
    expect(monthWindow(Date.UTC(2026, 4, 15, 10), 0, 'UTC')).toEqual({
      year: 2026,
      month: 5,
      start: Date.UTC(2026, 4, 1),
      end: Date.UTC(2026, 5, 1),
    });
  });

  it('returns the previous month for offset one', () => {
    expect(monthWindow(Date.UTC(2026, 4, 15, 10), 1, 'UTC')).toEqual({
      year: 2026,
      month: 4,
      start: Date.UTC(2026, 3, 1),
      end: Date.UTC(2026, 4, 1),
    });
  });

  it('reaches back into the previous year', () => {
    expect(monthWindow(Date.UTC(2026, 1, 10), 2, 'UTC')).toEqual({
      year: 2025,
      month: 12,
      start: Date.UTC(2025, 11, 1),
      end: Date.UTC(2026, 0, 1),
    });
  });

  it('handles February of a leap year', () => {
    expect(monthWindow(Date.UTC(2024, 2, 10), 1, 'UTC')).toEqual({
      year: 2024,
      month: 2,
      start: Date.UTC(2024, 1, 1),
      end: Date.UTC(2024, 2, 1),
    });
  });

  it('is one hour shorter for the Berlin month in which DST begins', () => {
    expect(monthWindow(Date.UTC(2026, 2, 15), 0, 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      start: Date.UTC(2026, 1, 28, 23),
      end: Date.UTC(2026, 2, 31, 22),
    });
  });

  it('is one hour longer for the Berlin month in which DST ends', () => {
    expect(monthWindow(Date.UTC(2026, 9, 15), 0, 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 10,
      start: Date.UTC(2026, 8, 30, 22),
      end: Date.UTC(2026, 9, 31, 23),
    });
  });

  it('uses the local month in the zone to decide which month holds now', () => {
    // 02:00 UTC on 1 May is still 22:00 on 30 April in New York.
    expect(monthWindow(Date.UTC(2026, 4, 1, 2), 0, 'America/New_York')).toEqual({
      year: 2026,
      month: 4,
      start: Date.UTC(2026, 3, 1, 4),
      end: Date.UTC(2026, 4, 1, 4),
    });
  });

  it('uses half-hour-offset month boundaries in Kolkata', () => {
    // 19:00 UTC on 30 April is 00:30 on 1 May in Kolkata.
    expect(monthWindow(Date.UTC(2026, 3, 30, 19), 0, 'Asia/Kolkata')).toEqual({
      year: 2026,
      month: 5,
      start: Date.UTC(2026, 3, 30, 18, 30),
      end: Date.UTC(2026, 4, 31, 18, 30),
    });
  });
});

describe('parseLocalDateTime, formatLocalDateTime and nextLocalTime', () => {
  it('reads a datetime-local value as wall-clock time in the zone', async () => {
    const { parseLocalDateTime } = await import('../../src/domain/calendar.js');
    expect(parseLocalDateTime('2026-11-23T14:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 10, 23, 13, 30));
    expect(parseLocalDateTime('2026-07-01T09:00', 'America/New_York')).toBe(Date.UTC(2026, 6, 1, 13, 0));
    expect(parseLocalDateTime('2026-02-30T09:00', 'UTC')).toBeNull();
    expect(parseLocalDateTime('yesterday', 'UTC')).toBeNull();
  });

  it('writes an instant back as the zone shows it', async () => {
    const { formatLocalDateTime } = await import('../../src/domain/calendar.js');
    expect(formatLocalDateTime(Date.UTC(2026, 10, 23, 13, 30), 'Europe/Berlin')).toBe('2026-11-23T14:30');
  });

  it('finds the next time the clock shows HH:MM, today or tomorrow', async () => {
    const { nextLocalTime } = await import('../../src/domain/calendar.js');
    const now = Date.UTC(2026, 10, 23, 13, 0); // 14:00 in Berlin
    expect(nextLocalTime(now, '14:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 10, 23, 13, 30));
    expect(nextLocalTime(now, '09:15', 'Europe/Berlin')).toBe(Date.UTC(2026, 10, 24, 8, 15));
    expect(nextLocalTime(now, '25:00', 'Europe/Berlin')).toBeNull();
  });
});
