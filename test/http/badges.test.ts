import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../../src/domain/calendar.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { get } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

function parseSvg(text: string): any {
  expect(XMLValidator.validate(text)).toBe(true);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text).svg;
}

describe('badges', () => {
  it('/badge.svg is a valid, accessible SVG of the overall status', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API', status: 'partial_outage' });
    const res = await get(deps, '/badge.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=300');
    const svg = parseSvg(res.text);
    expect(svg.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(svg.role).toBe('img');
    expect(svg['aria-label']).toBe('Test Cloud: partial outage');
    expect(svg.title).toBe('Test Cloud: partial outage');
    expect(res.text).toContain('fill="#fe7d37"');
  });

  it('keeps badges apart whose component names and labels hold the key separator', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'c', status: 'major_outage' });
    await makeComponent(deps, { name: 'c|json|flat|x', status: 'operational' });
    // Joined with "|", both would be badge:c|json|flat|x|svg|flat|y|status|30d.
    const svg = await get(deps, `/badge/${encodeURIComponent('c|json|flat|x')}.svg?label=y`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const json = await get(deps, `/badge/c.json?label=${encodeURIComponent('x|svg|flat|y')}`);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.text)).toMatchObject({ label: 'x|svg|flat|y', message: 'major outage' });
  });

  it('colours a component badge by its status and takes a label', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'Payments API', status: 'major_outage' });
    const byId = await get(deps, `/badge/${api}.svg?label=payments`);
    expect(parseSvg(byId.text)['aria-label']).toBe('payments: major outage');
    expect(byId.text).toContain('fill="#e05d44"');
    const byName = await get(deps, '/badge/payments%20api.svg');
    expect(parseSvg(byName.text)['aria-label']).toBe('Payments API: major outage');
  });

  it('draws every style as valid SVG; for-the-badge is upper case and taller', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    for (const style of ['flat', 'flat-square', 'for-the-badge']) {
      const svg = parseSvg((await get(deps, `/badge.svg?style=${style}`)).text);
      expect(Number(svg.width)).toBeGreaterThan(60);
      expect(svg.height).toBe(style === 'for-the-badge' ? '28' : '20');
      if (style === 'for-the-badge') expect(svg.title).toBe('TEST CLOUD: OPERATIONAL');
    }
  });

  it('makes longer text give a wider badge', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const short = parseSvg((await get(deps, '/badge.svg?label=a')).text);
    const long = parseSvg((await get(deps, '/badge.svg?label=a%20much%20longer%20label')).text);
    expect(Number(long.width)).toBeGreaterThan(Number(short.width) + 80);
  });

  it('shows uptime over a window from the status history, for any component', async () => {
    const deps = await createTestDeps({ now: NOON - 40 * DAY });
    const api = await makeComponent(deps, { name: 'API' });
    deps.clock.set(NOON - 10 * DAY);
    const id = await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }] });
    deps.clock.advance(6 * HOUR);
    await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Fixed.', components: [{ componentId: api, status: 'operational' }] }, FIXTURE_ACTOR);
    deps.clock.set(NOON);
    // 6 h down in 30 days: 1 - 6 / 720 = 99.1666…% -> 99.16%.
    const svg = parseSvg((await get(deps, `/badge/${api}.svg?metric=uptime&window=30d`)).text);
    expect(svg['aria-label']).toBe('API uptime 30d: 99.16%');
    const json = JSON.parse((await get(deps, `/badge/${api}.json?metric=uptime&window=30d`)).text);
    expect(json).toEqual({ schemaVersion: 1, label: 'API uptime 30d', message: '99.16%', color: '97ca00' });
    // The page's badge names the page.
    expect(JSON.parse((await get(deps, '/badge.json?metric=uptime&window=30d')).text).label).toBe('Test Cloud uptime 30d');
    // A 7-day window does not include the outage.
    expect(JSON.parse((await get(deps, `/badge/${api}.json?metric=uptime&window=7d`)).text).message).toBe('100.00%');
  });

  it('/badge.json follows the shields.io endpoint schema and nothing more', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API', status: 'under_maintenance' });
    const res = await get(deps, '/badge.json');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.text)).toEqual({ schemaVersion: 1, label: 'Test Cloud', message: 'under maintenance', color: '007ec6' });
  });

  it('escapes hostile labels and drops characters XML forbids', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const label = encodeURIComponent('<script>alert(1)</script>"\u0001&');
    const res = await get(deps, `/badge.svg?label=${label}`);
    parseSvg(res.text);
    expect(res.text).not.toContain('<script');
    expect(res.text).toContain('&lt;script&gt;');
  });

  it('refuses bad options with a clear 400 and unknown components with 404', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API', hidden: true });
    const style = await get(deps, '/badge.json?style=plastic');
    expect(style.status).toBe(400);
    expect(JSON.parse(style.text).error.fields.style[0]).toContain('must be one of flat, flat-square, for-the-badge');
    expect((await get(deps, '/badge.json?metric=uptime&window=400d')).status).toBe(400);
    expect((await get(deps, `/badge.json?label=${'x'.repeat(61)}`)).status).toBe(400);
    expect((await get(deps, '/badge/API.svg')).status).toBe(404);
    expect((await get(deps, '/badge/nothing.png')).status).toBe(404);
  });
});
