import { describe, expect, it } from 'vitest';
import { foldLine, icsCalendar, icsDate, icsText, type CalendarEvent } from '../../src/calendar/ics.js';

/*
 * The iCalendar builder (RFC 5545) on its own: dates, TEXT escaping, folding
 * at 75 octets, and the document's shape. The HTTP tests and ical.js read
 * the whole feed; these pin each rule.
 */

const octets = (text: string): number => new TextEncoder().encode(text).length;

describe('icsDate: UTC date-time form (RFC 5545 3.3.5, form #2)', () => {
  it.each([
    [Date.UTC(2026, 10, 23, 12, 0, 0), '20261123T120000Z'],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 999), '20260101T000000Z'],
    [Date.UTC(1999, 11, 31, 23, 59, 59), '19991231T235959Z'],
    [0, '19700101T000000Z'],
  ])('%d -> %s', (ms, expected) => {
    expect(icsDate(ms)).toBe(expected);
  });
});

describe('icsText: TEXT escaping (RFC 5545 3.3.11)', () => {
  it.each([
    ['plain', 'plain'],
    ['a;b', 'a\\;b'],
    ['a,b', 'a\\,b'],
    ['back\\slash', 'back\\\\slash'],
    ['line\nbreak', 'line\\nbreak'],
    ['crlf\r\nbreak', 'crlf\\nbreak'],
    ['cr\rbreak', 'cr\\nbreak'],
    ['\\;', '\\\\\\;'],
    ['bell\u0007 and nul\u0000 dropped', 'bell and nul dropped'],
    ['tab\tkept', 'tab\tkept'],
    ['del\u007f dropped', 'del dropped'],
    ['\u0001start\u0008 \u000bvt \u000cff \u000eso \u001bescape \u001fend', 'start vt ff so escape end'],
    ['controls\u007f; then, escapes\u0000\n', 'controls\\; then\\, escapes\\n'],
    ['Zürich: ünïcode ✓', 'Zürich: ünïcode ✓'],
  ])('%j -> %j', (input, expected) => {
    expect(icsText(input)).toBe(expected);
  });
});

describe('foldLine: at most 75 octets a line, never inside a character (RFC 5545 3.1)', () => {
  it.each([
    { case: 'short line unchanged', line: 'SUMMARY:short', parts: 1 },
    { case: 'exactly 75 octets unchanged', line: `X:${'a'.repeat(73)}`, parts: 1 },
    { case: '76 octets: two lines', line: `X:${'a'.repeat(74)}`, parts: 2 },
    { case: 'ASCII, 300 octets', line: `DESCRIPTION:${'x'.repeat(288)}`, parts: 5 },
    { case: 'two-octet characters', line: `SUMMARY:${'ü'.repeat(100)}`, parts: 3 },
    { case: 'four-octet characters', line: `SUMMARY:${'😀'.repeat(40)}`, parts: 3 },
  ])('$case', ({ line, parts }) => {
    const folded = foldLine(line);
    const lines = folded.split('\r\n');
    expect(lines).toHaveLength(parts);
    expect(octets(lines[0]!)).toBeLessThanOrEqual(75);
    for (const continuation of lines.slice(1)) {
      expect(continuation.startsWith(' ')).toBe(true);
      expect(octets(continuation)).toBeLessThanOrEqual(75);
    }
    // Unfolding (remove CRLF + one space) gives the line back, every character whole.
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(folded).not.toContain('\uFFFD');
  });
});

describe('icsCalendar', () => {
  const event = (overrides: Partial<CalendarEvent> = {}): CalendarEvent => ({
    uid: 'maintenance-abc@status.example.com',
    sequence: 2,
    created: Date.UTC(2026, 10, 20, 9),
    lastModified: Date.UTC(2026, 10, 21, 9),
    start: Date.UTC(2026, 10, 23, 22),
    end: Date.UTC(2026, 10, 24, 1),
    summary: 'Database upgrade; API, Web',
    description: 'We will upgrade.\nExpect short errors.',
    url: 'https://status.example.com/incidents/abc',
    status: 'CONFIRMED',
    ...overrides,
  });
  const stamp = Date.UTC(2026, 10, 22, 12);

  it('ends every line with CRLF, the document included, and keeps every line within 75 octets', () => {
    const text = icsCalendar({ name: 'Acme', description: 'Planned work', stamp, events: [event({ description: 'é'.repeat(200) })] });
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(octets(line)).toBeLessThanOrEqual(75);
  });

  it('writes one VEVENT per event with its UID, SEQUENCE, UTC times, escaped text and status, in order', () => {
    const text = icsCalendar({
      name: 'Acme, Inc.',
      description: 'Planned work',
      stamp,
      events: [event(), event({ uid: 'second@x', sequence: 0, status: 'CANCELLED' })],
    });
    const unfolded = text.replace(/\r\n /g, '').split('\r\n');
    expect(unfolded.slice(0, 3)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Herald//Status page//EN']);
    expect(unfolded).toContain('X-WR-CALNAME:Acme\\, Inc.');
    const first = unfolded.slice(unfolded.indexOf('BEGIN:VEVENT'), unfolded.indexOf('END:VEVENT') + 1);
    expect(first).toEqual([
      'BEGIN:VEVENT',
      'UID:maintenance-abc@status.example.com',
      'SEQUENCE:2',
      'DTSTAMP:20261122T120000Z',
      'CREATED:20261120T090000Z',
      'LAST-MODIFIED:20261121T090000Z',
      'DTSTART:20261123T220000Z',
      'DTEND:20261124T010000Z',
      'SUMMARY:Database upgrade\\; API\\, Web',
      'DESCRIPTION:We will upgrade.\\nExpect short errors.',
      'URL:https://status.example.com/incidents/abc',
      'STATUS:CONFIRMED',
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    ]);
    expect(unfolded.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(2);
    expect(unfolded).toContain('UID:second@x');
    expect(unfolded).toContain('STATUS:CANCELLED');
  });

  it('opens with the calendar header: version, product, GREGORIAN scale, PUBLISH method, name, description, refresh hints of one hour', () => {
    const text = icsCalendar({ name: 'Acme', description: 'Planned work', stamp, events: [event()] });
    const lines = text.split('\r\n');
    expect(lines.slice(0, lines.indexOf('BEGIN:VEVENT'))).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Herald//Status page//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'X-WR-CALNAME:Acme',
      'X-WR-CALDESC:Planned work',
      'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
      'X-PUBLISHED-TTL:PT1H',
    ]);
    // Once each, in the header only.
    for (const name of ['CALSCALE:', 'METHOD:', 'REFRESH-INTERVAL', 'X-PUBLISHED-TTL:']) {
      expect(lines.filter((l) => l.startsWith(name))).toHaveLength(1);
    }
  });

  it('strips control characters from every TEXT value it writes (name, description, summary, description of events)', () => {
    const dirty = 'a\u0000b\u0007c\u001bd\u007fe';
    const text = icsCalendar({ name: dirty, description: dirty, stamp, events: [event({ summary: dirty, description: dirty })] });
    expect(text).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/);
    const lines = text.split('\r\n');
    expect(lines).toContain('X-WR-CALNAME:abcde');
    expect(lines).toContain('X-WR-CALDESC:abcde');
    expect(lines).toContain('SUMMARY:abcde');
    expect(lines).toContain('DESCRIPTION:abcde');
  });

  it('is a valid empty calendar without events', () => {
    const lines = icsCalendar({ name: 'Acme', description: '', stamp, events: [] }).split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.at(-2)).toBe('END:VCALENDAR');
    expect(lines).not.toContain('BEGIN:VEVENT');
  });
});
