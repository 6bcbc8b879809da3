import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { get, textOf } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('GET /incidents/:id', () => {
  it('shows the incident with every update newest first, its times and components', async () => {
    const deps = await createTestDeps({ now: NOON - 2 * HOUR });
    const api = await makeComponent(deps, { name: 'API', startedAt: NOON - DAY });
    const id = await makeIncident(deps, {
      title: 'Slow API',
      severity: 3,
      body: 'Looking into it.',
      components: [{ componentId: api, status: 'degraded_performance' }],
    });
    deps.clock.advance(45 * MINUTE);
    await postUpdate(deps, {
      incidentId: id,
      status: 'resolved',
      body: 'All good again.',
      components: [{ componentId: api, status: 'operational' }],
    }, FIXTURE_ACTOR);
    const res = await get(deps, `/incidents/${id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Slow API · Test Cloud</title>');
    const text = textOf(res.text);
    expect(text).toContain('Resolved Minor impact');
    expect(text).toContain('Started 23 Nov 2026, 10:00 UTC');
    expect(text).toContain('Resolved 23 Nov 2026, 10:45 UTC (45 min)');
    expect(text).toContain('Affected components API');
    expect(text.indexOf('All good again.')).toBeLessThan(text.indexOf('Looking into it.'));
    expect(text).toContain('API: Degraded performance → Operational');
    expect(text).toContain('API: Operational → Degraded performance');
  });

  it('shows a maintenance with its window', async () => {
    const deps = await createTestDeps({ now: NOON });
    const id = await makeMaintenance(deps, { title: 'Kernel patching', scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + HOUR });
    const text = textOf((await get(deps, `/incidents/${id}`)).text);
    expect(text).toContain('Kernel patching');
    expect(text).toContain('Scheduled Scheduled maintenance');
    expect(text).toContain('Window 24 Nov 2026, 12:00 UTC to 24 Nov 2026, 13:00 UTC');
  });

  it('answers 404 with a real page for an unknown or malformed id', async () => {
    const deps = await createTestDeps({ now: NOON });
    for (const path of ['/incidents/abcdefabcdef', '/incidents/%3Cscript%3E']) {
      const res = await get(deps, path);
      expect(res.status).toBe(404);
      expect(res.text).toContain('<title>Page not found</title>');
      expect(res.text).toContain('There is no incident at this address.');
      expect(res.text).not.toContain('<script>');
    }
  });
});

describe('GET /history', () => {
  it('lists incidents by month in the page time zone, newest month first', async () => {
    const deps = await createTestDeps({ now: NOON, config: { initialTimeZone: 'America/New_York' } });
    // 1 Nov 2026 03:00 UTC is still 31 October in New York.
    deps.clock.set(Date.UTC(2026, 10, 1, 3, 0));
    await makeIncident(deps, { title: 'Halloween hiccup', status: 'resolved' });
    deps.clock.set(Date.UTC(2026, 10, 10, 15, 0));
    await makeIncident(deps, { title: 'November outage', status: 'resolved' });
    deps.clock.set(NOON);
    const text = textOf((await get(deps, '/history')).text);
    expect(text).toMatch(/November 2026 November outage .* October 2026 Halloween hiccup .* September 2026 No incidents reported this month\./);
  });

  it('pages back three months at a time and links older and newer pages', async () => {
    const deps = await createTestDeps({ now: Date.UTC(2026, 3, 15) });
    await makeIncident(deps, { title: 'April incident', status: 'resolved' });
    deps.clock.set(NOON);
    const first = await get(deps, '/history');
    expect(textOf(first.text)).not.toContain('April incident');
    expect(first.text).toContain('<a href="/history?page=2" rel="next">Older →</a>');
    expect(first.text).not.toContain('rel="prev"');

    const third = await get(deps, '/history?page=3');
    expect(textOf(third.text)).toMatch(/May 2026 .* April 2026 April incident .* March 2026/);
    expect(third.text).toContain('<a href="/history?page=2" rel="prev">← Newer</a>');
    expect(third.text).not.toContain('rel="next"');
  });

  it('refuses a page number that is not one, with a clear 400 page', async () => {
    const deps = await createTestDeps({ now: NOON });
    for (const page of ['abc', '0', '-1', '1.5', '99999', "1' OR '1'='1"]) {
      const res = await get(deps, `/history?page=${encodeURIComponent(page)}`);
      expect(res.status).toBe(400);
      expect(res.text).toContain('page:');
      expect(res.text).toContain('<title>That did not work</title>');
    }
  });
});

describe('errors', () => {
  it('answers unknown pages with a 404 page that links home', async () => {
    const deps = await createTestDeps({ now: NOON });
    const res = await get(deps, '/no/such/page');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('<a href="/">Go to the current status</a>');
    expect(res.text).toContain('Test Cloud');
  });

  it('answers unknown JSON paths with a JSON error', async () => {
    const deps = await createTestDeps({ now: NOON });
    const res = await get(deps, '/api/v2/nothing.json');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({ error: { code: 'not_found', message: 'The page you asked for does not exist.' } });
  });

  it('hides internal failures behind a 500 page with a request id, and logs the details', async () => {
    const deps = await createTestDeps({ now: NOON });
    deps.repos.incidents.listOpenIncidents = async () => {
      throw new Error('disk on fire at /var/secret/path');
    };
    const res = await get(deps, '/');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('disk on fire');
    expect(res.text).not.toContain('/var/secret');
    const requestId = /request id ([a-z0-9]+)/.exec(res.text)![1];
    const logged = deps.log.lines.find((line) => line.level === 'error');
    expect(logged?.fields?.requestId).toBe(requestId);
    expect(String(logged?.fields?.error)).toContain('disk on fire');
  });

  it('sends security headers on every page', async () => {
    const deps = await createTestDeps({ now: NOON });
    for (const path of ['/', '/history', '/nope']) {
      const res = await get(deps, path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });
});
