import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/domain/calendar.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { subscriberToken } from '../../src/services/subscribers/subscriptions.js';
import { addSubscribers, subscriberRows } from '../mail/support.js';
import { createTestDeps } from '../support/deps.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { get } from '../support/http.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('GET /robots.txt', () => {
  it('lets crawlers read the public pages and keeps them out of the admin, the management API and the link pages', async () => {
    const deps = await createTestDeps({ now: NOON });
    const res = await get(deps, '/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const rules = res.text.split('\n');
    expect(rules).toContain('User-agent: *');
    expect(rules).toContain('Allow: /');
    for (const path of ['/admin', '/api/v1', '/unsubscribe/', '/subscriptions/', '/subscribe/confirm/']) expect(rules).toContain(`Disallow: ${path}`);
    // /admin covers /admin/setup/<token> and /admin/reset/<token>; the public pages stay open.
    const disallowed = rules.filter((r) => r.startsWith('Disallow: ')).map((r) => r.slice('Disallow: '.length));
    for (const open of ['/', '/history', '/incidents/abc', '/subscribe', '/history.atom', '/api/v2/summary.json', '/embed']) {
      expect(disallowed.some((prefix) => open.startsWith(prefix)), open).toBe(false);
    }
  });

  it('can be fetched from inside a page: the pages allow connections to their own origin (Lighthouse reads it so)', async () => {
    const deps = await createTestDeps({ now: NOON });
    const policy = (await get(deps, '/')).headers.get('content-security-policy') ?? '';
    expect(policy.split('; ')).toContain("connect-src 'self'");
    expect(policy).toContain("script-src 'none'");
  });
});

describe('the icon', () => {
  it('is a dot in the colour of the overall status, served from the render cache with an ETag', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'API', startedAt: NOON - DAY });
    const calm = await get(deps, '/favicon.svg');
    expect(calm.status).toBe(200);
    expect(calm.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(calm.text).toContain('#1a7f37');
    const etag = calm.headers.get('etag')!;
    expect((await get(deps, '/favicon.svg', { 'If-None-Match': etag })).status).toBe(304);

    const incident = await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }] });
    const outage = await get(deps, '/favicon.svg', { 'If-None-Match': etag });
    expect(outage.status).toBe(200);
    expect(outage.text).toContain('#cf222e');
    await postUpdate(deps, { incidentId: incident, status: 'resolved', body: 'Fixed.', components: [{ componentId: api, status: 'operational' }] }, FIXTURE_ACTOR);
    expect((await get(deps, '/favicon.svg')).text).toContain('#1a7f37');
  });

  it('answers /favicon.ico with the way to the SVG icon instead of a 404', async () => {
    const deps = await createTestDeps({ now: NOON });
    const res = await get(deps, '/favicon.ico');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/favicon.svg');
  });
});

describe('the page head', () => {
  it('links the icon and the Atom and RSS feeds from the status page, the history and incident pages', async () => {
    const deps = await createTestDeps({ now: NOON });
    const incident = await makeIncident(deps, { title: 'Slow API' });
    for (const path of ['/', '/history', `/incidents/${incident}`, '/subscribe']) {
      const { text } = await get(deps, path);
      const head = text.slice(0, text.indexOf('</head>'));
      expect(head, path).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
      expect(head, path).toContain('<link rel="alternate" type="application/atom+xml" title="Test Cloud incidents (Atom)" href="/history.atom">');
      expect(head, path).toContain('<link rel="alternate" type="application/rss+xml" title="Test Cloud incidents (RSS)" href="/history.rss">');
    }
  });

  it('advertises no feeds on the pages behind a subscriber’s link', async () => {
    const deps = await createTestDeps({ now: NOON });
    await addSubscribers(deps, ['reader@example.com']);
    const token = subscriberToken((await subscriberRows(deps))[0]!);
    for (const path of [`/subscriptions/${token}`, `/unsubscribe/${token}`]) {
      const { status, text } = await get(deps, path);
      expect(status, path).toBe(200);
      expect(text, path).toContain('<meta name="robots" content="noindex">');
      expect(text, path).not.toContain('rel="alternate"');
    }
  });
});
