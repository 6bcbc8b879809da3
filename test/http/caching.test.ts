import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/domain/calendar.js';
import { REVISION_MEMO_MS } from '../../src/entry/node-deps.js';
import { postUpdate } from '../../src/services/post-update.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { get } from '../support/http.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

/** Counts how often the status page template is rendered. */
function countRenders(deps: TestDeps): () => number {
  let renders = 0;
  const render = deps.views.render.bind(deps.views);
  deps.views = {
    render(name, data) {
      if (name === 'status-page') renders++;
      return render(name, data);
    },
  };
  return () => renders;
}

describe('render cache and conditional GET', () => {
  it('renders the page once for many requests while nothing changes', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const renders = countRenders(deps);
    const responses = await Promise.all(Array.from({ length: 20 }, () => get(deps, '/')));
    expect(new Set(responses.map((r) => r.headers.get('etag'))).size).toBe(1);
    expect(renders()).toBe(1);
  });

  it('answers If-None-Match with 304 and no body', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const first = await get(deps, '/');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{24}"$/);
    const second = await get(deps, '/', { 'If-None-Match': `W/"other", ${etag}` });
    expect(second.status).toBe(304);
    expect(second.text).toBe('');
    expect(second.headers.get('etag')).toBe(etag);
    expect((await get(deps, '/', { 'If-None-Match': '"stale"' })).status).toBe(200);
  });

  it('sends a short CDN-friendly Cache-Control with stale-while-revalidate', async () => {
    const deps = await createTestDeps({ now: NOON });
    const res = await get(deps, '/');
    expect(res.headers.get('cache-control')).toBe('public, max-age=10, stale-while-revalidate=30');
    expect(res.headers.get('last-modified')).toBe(new Date(NOON).toUTCString());
  });

  it('shows a new update on the next request, with a new ETag', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'API' });
    const id = await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }] });
    const before = await get(deps, '/');
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'Found the broken router.' });
    const after = await get(deps, '/', { 'If-None-Match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.text).toContain('Found the broken router.');
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
  });

  it('sees writes made by another process through the revision counter, within REVISION_MEMO_MS', async () => {
    const deps = await createTestDeps({ now: NOON });
    await get(deps, '/');
    // A write that bypasses every service, as the admin CLI or hand-run SQL would.
    await deps.db.orm.run(sql`UPDATE settings SET name = 'Renamed Cloud'`);
    await new Promise((resolve) => setTimeout(resolve, REVISION_MEMO_MS + 5));
    expect((await get(deps, '/')).text).toContain('Renamed Cloud');
  });

  it('sees its own writes at once, however recently it read the revision', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'API' });
    for (let i = 0; i < 5; i++) {
      await get(deps, '/');
      await makeIncident(deps, { title: `Outage number ${i}`, components: [{ componentId: api, status: 'major_outage' }] });
      expect((await get(deps, '/')).text).toContain(`Outage number ${i}`);
    }
  });

  it('re-renders when a maintenance window opens, even with no write', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeMaintenance(deps, { title: 'Swap', scheduledFor: NOON + 10 * 1000, scheduledUntil: NOON + HOUR });
    const renders = countRenders(deps);
    await get(deps, '/');
    deps.clock.advance(5 * 1000);
    await get(deps, '/');
    expect(renders()).toBe(1);
    deps.clock.advance(6 * 1000);
    expect((await get(deps, '/')).text).toContain('In progress');
    expect(renders()).toBe(2);
  });

  it('refreshes time-based figures at least once a minute', async () => {
    const deps = await createTestDeps({ now: NOON });
    await makeComponent(deps, { name: 'API' });
    const renders = countRenders(deps);
    await get(deps, '/');
    deps.clock.advance(MINUTE + 1);
    await get(deps, '/');
    expect(renders()).toBe(2);
  });
});
