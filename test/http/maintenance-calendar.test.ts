import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { foldLine, icsText } from '../../src/calendar/ics.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeMaintenance } from '../support/factories.js';
import { get } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

function events(text: string): ICAL.Event[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
}

describe('/maintenance.ics', () => {
  it('is an RFC 5545 calendar of scheduled maintenance with stable UIDs', async () => {
    const deps = await createTestDeps({ now: NOON });
    const db = await makeComponent(deps, { name: 'Database' });
    const id = await makeMaintenance(deps, {
      title: 'Engine upgrade',
      body: 'Short failovers; expect slow queries, briefly.',
      scheduledFor: NOON + DAY,
      scheduledUntil: NOON + DAY + 2 * HOUR,
      componentIds: [db],
    });
    const res = await get(deps, '/maintenance.ics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(res.text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:')).toBe(true);
    expect(res.text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(res.text.replace(/\r\n/g, '')).not.toContain('\n');
    for (const line of res.text.split('\r\n')) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);

    const [event] = events(res.text);
    expect(event!.uid).toBe(`maintenance-${id}@status.test`);
    expect(event!.summary).toBe('Maintenance: Engine upgrade');
    expect(event!.startDate.toJSDate().getTime()).toBe(NOON + DAY);
    expect(event!.endDate.toJSDate().getTime()).toBe(NOON + DAY + 2 * HOUR);
    expect(event!.description).toContain('Status: Scheduled');
    expect(event!.description).toContain('Affects: Database');
    expect(event!.description).toContain('Short failovers; expect slow queries, briefly.');
    expect(event!.component.getFirstPropertyValue('url')).toBe(`http://status.test/incidents/${id}`);
  });

  it('keeps the UID and counts the changes in SEQUENCE: 0, then one more per change', async () => {
    const deps = await createTestDeps({ now: NOON });
    const id = await makeMaintenance(deps, { title: 'Upgrade', scheduledFor: NOON + HOUR, scheduledUntil: NOON + 2 * HOUR });
    const before = events((await get(deps, '/maintenance.ics')).text)[0]!;
    expect(before.sequence).toBe(0);
    deps.clock.advance(90 * MINUTE);
    await postUpdate(deps, { incidentId: id, status: 'in_progress', body: 'Started.' }, FIXTURE_ACTOR);
    const after = events((await get(deps, '/maintenance.ics')).text)[0]!;
    expect(after.uid).toBe(before.uid);
    // Not the 5,400 seconds since it was scheduled.
    expect(after.sequence).toBe(1);
    expect(after.description).toContain('Status: In progress');
    deps.clock.advance(MINUTE);
    await postUpdate(deps, { incidentId: id, status: 'verifying', body: 'Checking.' }, FIXTURE_ACTOR);
    expect(events((await get(deps, '/maintenance.ics')).text)[0]!.sequence).toBe(2);
  });

  it('escapes TEXT values and folds long lines without splitting characters', () => {
    expect(icsText('a,b;c\\d\nnext')).toBe('a\\,b\\;c\\\\d\\nnext');
    const folded = foldLine(`DESCRIPTION:${'é'.repeat(100)}`);
    const lines = folded.split('\r\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    expect(lines.map((l, i) => (i ? l.slice(1) : l)).join('')).toBe(`DESCRIPTION:${'é'.repeat(100)}`);
  });

  it('survives hostile titles and bodies', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeMaintenance(deps, {
      title: 'Evil\r\nBEGIN:VEVENT\r\nSUMMARY:injected',
      body: `x;y,z\\ ${'long '.repeat(500)}`,
      scheduledFor: NOON + HOUR,
      scheduledUntil: NOON + 2 * HOUR,
    });
    const text = (await get(deps, '/maintenance.ics')).text;
    const parsed = events(text);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.summary).toBe('Maintenance: Evil\nBEGIN:VEVENT\nSUMMARY:injected');
    expect(text.match(/^BEGIN:VEVENT/gm)).toHaveLength(1);
  });
});
