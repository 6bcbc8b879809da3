import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/domain/calendar.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { get, textOf } from '../support/http.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('/embed', () => {
  it('is a small frameable page with the overall status and what is going on', async () => {
    const deps = await createTestDeps({ now: NOON - 10 * MINUTE });
    const api = await makeComponent(deps, { name: 'API' });
    await makeIncident(deps, { title: 'Login failures', components: [{ componentId: api, status: 'partial_outage' }] });
    await makeMaintenance(deps, { title: 'Network work', scheduledFor: NOON - MINUTE, scheduledUntil: NOON + HOUR });
    await makeMaintenance(deps, { title: 'Later work', scheduledFor: NOON + HOUR, scheduledUntil: NOON + 2 * HOUR });
    deps.clock.set(NOON);
    const res = await get(deps, '/embed');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(res.headers.get('x-frame-options')).toBeNull();
    const text = textOf(res.text);
    expect(text).toContain('Partial system outage');
    expect(text).toContain('Login failures Investigating');
    expect(text).toContain('Network work In progress');
    expect(text).not.toContain('Later work');
    expect(res.text).toContain('target="_blank" rel="noopener"');
    expect(res.text).not.toContain('<script');
  });

  it('follows the system colour scheme by default and can be forced light or dark', async () => {
    const deps = await createTestDeps({ now: NOON });
    expect((await get(deps, '/embed')).text).toContain('@media (prefers-color-scheme:dark){:root{--bg:#0d1117');
    const dark = (await get(deps, '/embed?theme=dark')).text;
    expect(dark).toContain('<meta name="color-scheme" content="dark">');
    expect(dark).not.toContain('@media (prefers-color-scheme:dark)');
    expect(dark).toContain(':root{--bg:#0d1117');
    const light = (await get(deps, '/embed?theme=light')).text;
    expect(light).not.toContain('--bg:#0d1117');
    expect((await get(deps, '/embed?theme=neon')).status).toBe(400);
  });

  it('leaves every other page unframeable', async () => {
    const deps = await createTestDeps({ now: NOON });
    expect((await get(deps, '/')).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('/embed.js', () => {
  it('is a small dependency-free script that reads the public API', async () => {
    const deps = await createTestDeps({ now: NOON });
    const res = await get(deps, '/embed.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600, stale-while-revalidate=86400');
    expect(new TextEncoder().encode(res.text).length).toBeLessThan(5 * 1024);
    expect(res.text).toContain("'/api/v2/summary.json'");
    expect(res.text).toContain('attachShadow');
    expect(res.text).not.toContain('innerHTML');
    expect(() => new Function(res.text)).not.toThrow();
  });
});
