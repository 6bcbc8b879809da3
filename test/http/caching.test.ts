import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/domain/calendar.js';
import { REVISION_MEMO_MS } from '../../src/entry/node-deps.js';
import { RenderCache, STALE_WHILE_RENDERING_MS, type Rendered, type RenderResult } from '../../src/lib/render-cache.js';
import { letWaitingRequestsRun } from '../../src/routes/cached.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { get } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

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

  it('lets browsers revalidate every time while shared caches keep it 10 s, with stale-while-revalidate', async () => {
    const deps = await createTestDeps({ now: NOON });
    const res = await get(deps, '/');
    expect(res.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=10, stale-while-revalidate=30');
    expect(res.headers.get('last-modified')).toBe(new Date(NOON).toUTCString());
  });

  for (const path of ['/', '/api/v2/summary.json', '/api/v2/status.json', '/history.atom', '/history.rss']) {
    it(`sends ${path} with max-age=0 and s-maxage, and revalidation is a 304`, async () => {
      const deps = await createTestDeps({ now: NOON });
      await makeComponent(deps, { name: 'API' });
      const first = await get(deps, path);
      expect(first.status).toBe(200);
      const cacheControl = first.headers.get('cache-control') ?? '';
      expect(cacheControl).toContain('max-age=0');
      expect(cacheControl).toContain('s-maxage=10');
      expect(cacheControl).toContain('stale-while-revalidate=30');
      const again = await get(deps, path, { 'If-None-Match': first.headers.get('etag')! });
      expect(again.status).toBe(304);
      expect(again.headers.get('cache-control')).toBe(cacheControl);
    });
  }

  it('shows a new update on the next request, with a new ETag', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'API' });
    const id = await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }] });
    const before = await get(deps, '/');
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'Found the broken router.' }, FIXTURE_ACTOR);
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

describe('while a page re-renders (stale while rendering)', () => {
  /** A render the test finishes by hand, counting how often the cache asks for one. */
  function controlledRenders() {
    const pending: { body: string; finish: () => void; fail: (error: Error) => void }[] = [];
    const render = (body: string) => () =>
      new Promise<RenderResult>((resolve, reject) => {
        pending.push({
          body,
          finish: () => resolve({ body, contentType: 'text/plain', validUntil: Infinity, lastModified: NOON }),
          fail: reject,
        });
      });
    return { pending, render };
  }
  const text = (rendered: Rendered): string => new TextDecoder().decode(rendered.body);
  /** A cache holding 'old' for '/' at revision r1, rendered through controlledRenders (pending[0]). */
  async function cacheWithOld() {
    const cache = new RenderCache();
    const renders = controlledRenders();
    const first = cache.get('/', 'r1', NOON, renders.render('old'));
    renders.pending[0]!.finish();
    expect(text(await first)).toBe('old');
    return { cache, ...renders };
  }

  it('answers requests that arrive during the re-render with the previous render; the one that found the change waits for the new', async () => {
    const { cache, pending, render } = await cacheWithOld();

    const finder = cache.get('/', 'r2', NOON + 10, render('new'));
    const meanwhile = await cache.get('/', 'r2', NOON + 20, render('unused'));
    expect(text(meanwhile)).toBe('old');
    expect(cache.peek('/', 'r2', NOON + 20)).toBe(meanwhile);
    expect(pending).toHaveLength(2); // one render for the change, none for the request meanwhile

    pending[1]!.finish();
    expect(text(await finder)).toBe('new');
    expect(text(await cache.get('/', 'r2', NOON + 30, render('unused')))).toBe('new');
    expect(text(cache.peek('/', 'r2', NOON + 30)!)).toBe('new');
  });

  it(`makes requests wait for the new render once it has taken ${STALE_WHILE_RENDERING_MS} ms`, async () => {
    const { cache, pending, render } = await cacheWithOld();

    const finder = cache.get('/', 'r2', NOON, render('new'));
    const late = cache.get('/', 'r2', NOON + STALE_WHILE_RENDERING_MS, render('unused'));
    expect(cache.peek('/', 'r2', NOON + STALE_WHILE_RENDERING_MS)).toBeUndefined();
    pending[1]!.finish();
    expect(text(await late)).toBe('new');
    expect(await late).toBe(await finder);
  });

  it('has nothing older to offer on the first render: every request waits for it, and it is rendered once', async () => {
    const cache = new RenderCache();
    const { pending, render } = controlledRenders();
    const requests = [cache.get('/', 'r1', NOON, render('only')), cache.get('/', 'r1', NOON + 5, render('unused'))];
    expect(cache.peek('/', 'r1', NOON + 5)).toBeUndefined();
    pending[0]!.finish();
    expect((await Promise.all(requests)).map(text)).toEqual(['only', 'only']);
    expect(pending).toHaveLength(1);
  });

  it('keeps serving the previous render to others when the re-render fails, and renders again on the next request', async () => {
    const { cache, pending, render } = await cacheWithOld();

    const finder = cache.get('/', 'r2', NOON, render('new'));
    expect(text(await cache.get('/', 'r2', NOON + 1, render('unused')))).toBe('old');
    pending[1]!.fail(new Error('database locked'));
    await expect(finder).rejects.toThrow('database locked');

    const retry = cache.get('/', 'r2', NOON + 2, render('new again'));
    pending[2]!.finish();
    expect(text(await retry)).toBe('new again');
  });

  it('lets a big render pause between its data and its page until the requests that arrived meanwhile have been served', async () => {
    const order: string[] = [];
    const server = createServer((_request, response) => {
      order.push('request served');
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    try {
      await accepted;
      // A request arrives while the render holds the loop...
      client.write('GET / HTTP/1.1\r\nHost: herald.test\r\n\r\n');
      const busyUntil = performance.now() + 20;
      while (performance.now() < busyUntil);
      // ...and is served before the render goes on.
      await letWaitingRequestsRun();
      order.push('render goes on');
      expect(order).toEqual(['request served', 'render goes on']);
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
