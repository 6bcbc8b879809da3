import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { removeExampleContent, seedExampleContent } from '../../src/services/settings/example-page.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeGroup, makeIncident, makeMaintenance } from '../support/factories.js';
import { get, textOf } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { systemActor } from '../../src/services/auth/actor.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('GET /', () => {
  it('says all systems are operational when every component is', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const res = await get(deps, '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(textOf(res.text)).toContain('All systems operational');
    expect(res.text).toContain('<title>Test Cloud status</title>');
  });

  it('shows the worst component status in the banner', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API', status: 'degraded_performance' });
    await makeComponent(deps, { name: 'Web', status: 'major_outage' });
    await makeComponent(deps, { name: 'Jobs', status: 'under_maintenance' });
    const res = await get(deps, '/');
    expect(res.text).toMatch(/class="banner s-major_outage"[^>]*><p>Major system outage<\/p>/);
  });

  it('shows maintenance as such when nothing is worse', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API', status: 'under_maintenance' });
    await makeComponent(deps, { name: 'Web' });
    expect(textOf((await get(deps, '/')).text)).toContain('Service under maintenance');
  });

  it('lists an active incident first with its updates newest first and the affected components', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'Payments API', startedAt: NOON - 10 * DAY });
    const id = await makeIncident(deps, {
      title: 'Card payments failing',
      body: 'First we looked.',
      components: [{ componentId: api, status: 'major_outage' }],
    });
    deps.clock.advance(20 * MINUTE);
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'Then we found it.' }, FIXTURE_ACTOR);
    const text = textOf((await get(deps, '/')).text);
    expect(text).toContain('Active incidents');
    expect(text.indexOf('Active incidents')).toBeLessThan(text.indexOf('Components'));
    expect(text.indexOf('Then we found it.')).toBeLessThan(text.indexOf('First we looked.'));
    expect(text).toContain('Affects: Payments API');
    expect(text).toContain('Identified · 23 Nov 2026, 12:20 UTC');
    expect(text).toContain('Investigating · 23 Nov 2026, 12:00 UTC');
    expect(text).toContain('Major system outage');
  });

  it('shows upcoming maintenance with its window in the page time zone, named', async () => {
    const deps = await createTestDeps({ now: NOON, config: { initialTimeZone: 'Europe/Berlin' } });
    await makeMaintenance(deps, {
      title: 'Database upgrade',
      scheduledFor: Date.UTC(2026, 10, 25, 22, 0),
      scheduledUntil: Date.UTC(2026, 10, 26, 0, 0),
    });
    const text = textOf((await get(deps, '/')).text);
    expect(text).toContain('Scheduled maintenance');
    expect(text).toContain('Database upgrade');
    expect(text).toContain('25 Nov 2026, 23:00 CET to 26 Nov 2026, 01:00 CET');
    expect(text).toContain('All times are shown in Europe/Berlin');
  });

  it('moves a maintenance to In progress when its window opens and drops it once the window closes', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeMaintenance(deps, { title: 'Disk swap', scheduledFor: NOON + HOUR, scheduledUntil: NOON + 2 * HOUR });
    expect((await get(deps, '/')).text).toMatch(/Disk swap[\s\S]*?<span class="pill">Scheduled<\/span>/);
    deps.clock.set(NOON + HOUR + MINUTE);
    expect((await get(deps, '/')).text).toMatch(/Disk swap[\s\S]*?<span class="pill">In progress<\/span>/);
    deps.clock.set(NOON + 3 * HOUR);
    expect(textOf((await get(deps, '/')).text)).not.toContain('Scheduled maintenance');
  });

  it('groups components in collapsible details elements and hides hidden components', async () => {
    const deps = await createTestDeps({ now: NOON });
    const group = await makeGroup(deps, 'Platform');
    await makeComponent(deps, { name: 'API', groupId: group, description: 'The REST API' });
    await makeComponent(deps, { name: 'Secret backend', hidden: true });
    const res = await get(deps, '/');
    expect(res.text).toMatch(/<details class="group s-operational" open>\s*<summary><span class="name">Platform<\/span>/);
    expect(res.text).toContain('title="The REST API"');
    expect(res.text).not.toContain('Secret backend');
  });

  it('draws 90 day cells coloured by the worst status of each day, with a text alternative', async () => {
    const deps = await createTestDeps({ now: NOON - 5 * DAY });
    const api = await makeComponent(deps, { name: 'API', startedAt: NOON - 100 * DAY });
    const id = await makeIncident(deps, { components: [{ componentId: api, status: 'partial_outage' }] });
    deps.clock.advance(2 * HOUR);
    await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Fixed.', components: [{ componentId: api, status: 'operational' }] }, FIXTURE_ACTOR);
    deps.clock.set(NOON);
    const res = await get(deps, '/');
    const bar = /<ol class="bar" aria-hidden="true">([\s\S]*?)<\/ol>/.exec(res.text)![1]!;
    // A day without trouble is a bare cell in the bar's own (operational) colour,
    // without a tooltip; a day with trouble names its status and says what happened.
    const cell = /<li(?: class="s-([a-z_]+)")?(?: title="([^"]+)")?><\/li>/g;
    const cells = [...bar.matchAll(cell)];
    expect(bar.replace(cell, '')).toBe('');
    expect(cells).toHaveLength(90);
    expect(cells.filter((c) => c[1] === 'partial_outage').map((c) => c[2])).toEqual([
      '18 Nov 2026: partial outage for 2 h',
    ]);
    expect(cells.filter((c) => c[1] === undefined && c[2] === undefined)).toHaveLength(89);
    expect(res.text).toMatch(/\.bar\{--c:var\(--ok\);/);
    expect(res.text).toContain('Last 90 days: 18 Nov 2026: partial outage for 2 h; other days without downtime.');
  });

  it('computes uptime from the status history: partial outage at 30%, maintenance left out', async () => {
    const deps = await createTestDeps({ now: NOON - 10 * DAY });
    const api = await makeComponent(deps, { name: 'API', startedAt: NOON - 200 * DAY });
    const id = await makeIncident(deps, { components: [{ componentId: api, status: 'partial_outage' }] });
    deps.clock.advance(10 * HOUR);
    await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Fixed.', components: [{ componentId: api, status: 'operational' }] }, FIXTURE_ACTOR);
    deps.clock.set(NOON);
    // Window: 89 whole days plus 12 hours of today = 2148 h; downtime 10 h x 30% = 3 h.
    // 1 - 3 / 2148 = 0.998603... shown floored to two decimals.
    expect(textOf((await get(deps, '/')).text)).toContain('99.86% uptime');
  });

  it('explains the uptime formula on the page', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const text = textOf((await get(deps, '/')).text);
    expect(text).toContain('A major outage counts as 100% downtime, a partial outage as 30%');
    expect(text).toContain('degraded performance as 0%');
    expect(text).toContain('Time under planned maintenance is left out');
  });

  it('lists incidents of the last 14 days by day, and points to the history', async () => {
    const deps = await createTestDeps({ now: NOON - 3 * DAY });
    await makeIncident(deps, { title: 'Recent blip', status: 'resolved' });
    deps.clock.set(NOON - 20 * DAY);
    await makeIncident(deps, { title: 'Old blip', status: 'resolved' });
    deps.clock.set(NOON);
    const res = await get(deps, '/');
    const text = textOf(res.text);
    expect(text).toMatch(/20 Nov 2026 Recent blip Resolved/);
    expect(text).not.toContain('Old blip');
    expect(text.match(/No incidents reported\./g)).toHaveLength(13);
    expect(res.text).toContain('<a href="/history">Incident history →</a>');
  });

  it('renders Markdown in updates and strips anything that could run', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeIncident(deps, {
      body: '**Payments** are slow. <script>alert(1)</script> <img src=x onerror=alert(2)> [click](javascript:alert(3)) see https://example.com/x',
    });
    const html = (await get(deps, '/')).text;
    expect(html).toContain('<strong>Payments</strong> are slow.');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<img[^>]*onerror/);
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<a href="https://example.com/x" rel="nofollow noopener noreferrer">');
  });

  it('escapes component and incident names', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: '<b onmouseover=alert(1)>API</b>', description: '"><script>x</script>' });
    await makeIncident(deps, { title: '<img src=x onerror=alert(1)>', components: [{ componentId: api, status: 'partial_outage' }] });
    const html = (await get(deps, '/')).text;
    expect(html).not.toContain('<b onmouseover');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('"><script>');
    expect(html).toContain('&lt;b onmouseover=alert(1)&gt;API&lt;/b&gt;');
  });

  it('labels example content and drops it when removed', async () => {
    const deps = await createTestDeps({ now: NOON });
    await seedExampleContent(deps, systemActor('example page'));
    const before = textOf((await get(deps, '/')).text);
    expect(before).toContain('Example content.');
    expect(before).toContain('REST API');
    expect(before).toContain('Elevated API error rates');
    expect(before).toContain('Database engine upgrade');
    await removeExampleContent(deps, FIXTURE_ACTOR);
    const after = textOf((await get(deps, '/')).text);
    expect(after).not.toContain('Example content.');
    expect(after).not.toContain('REST API');
    expect(after).toContain('No components yet.');
  });

  it('works without JavaScript and declares the landmarks a screen reader needs', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const html = (await get(deps, '/')).text;
    expect(html).not.toContain('<script');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<main id="main"');
    expect(html).toContain('<header class="site">');
    expect(html).toContain('<footer');
    expect(html).toContain('name="viewport"');
    expect(html).toContain('prefers-color-scheme:dark');
  });
});
