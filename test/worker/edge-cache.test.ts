/**
 * The Worker's edge layer on the real Workers runtime (workerd through `wrangler
 * dev --local`, local D1, the Cache API), offline (issue 19):
 * - every client gets a body it can read whatever its Accept-Encoding;
 * - public GETs are answered from caches.default with no D1 query, and nothing
 *   with a cookie, credentials or an unknown query is looked up or stored;
 * - D1 failing on a miss: the last good copy, marked stale;
 * - D1 sessions: public reads unconstrained, writes on the primary, the bookmark
 *   after a write (read-your-writes);
 * - purge after publish against a local fake of Cloudflare's API, retried.
 * D1 is made to fail for real: the `meta` table (the content revision every
 * public request reads) is renamed in the local D1 file, so D1 answers an error.
 */
import BetterSqlite3 from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, startFakeCloudflare, startWrangler, tail, type Wrangler } from './edge-harness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ZONE = '0123456789abcdef0123456789abcdef';
const PURGE_TOKEN = 'purge_only_token_for_tests_0123456789';
/** Long enough for two requests in a row on a busy machine; short enough to wait out. */
const EDGE_SECONDS = 3;

let worker: Wrangler;
let cloudflare: Awaited<ReturnType<typeof startFakeCloudflare>>;
let base = '';

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'src', 'generated', 'views.ts'))) throw new Error('run `npm run build:views` first');
  cloudflare = await startFakeCloudflare();
  worker = await startWrangler(() => ({
    HERALD_EDGE_DEBUG: '1',
    EDGE_CACHE_SECONDS: String(EDGE_SECONDS),
    EDGE_ORIGIN_TIMEOUT_MS: '2000',
    CLOUDFLARE_ZONE_ID: ZONE,
    CLOUDFLARE_PURGE_TOKEN: PURGE_TOKEN,
    CLOUDFLARE_API_BASE_URL: cloudflare.url,
  }));
  base = worker.base;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await cloudflare?.close();
}, 30_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits out the edge lifetime, so the next request for a URL is a miss. */
const expire = (): Promise<void> => sleep(EDGE_SECONDS * 1000 + 300);

function sql(statement: string): void {
  const db = new BetterSqlite3(worker.d1File());
  try {
    db.pragma('busy_timeout = 5000');
    db.exec(statement);
  } finally {
    db.close();
  }
}

const cookieOf = (headers: Headers, name: string): string => headers.getSetCookie().find((c) => c.startsWith(`${name}=`))!.split(';')[0]!;
const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

describe('Accept-Encoding: every client can read the body', () => {
  // [what the client sends, codings it may get back]
  const cases: [string | null, (string | undefined)[]][] = [
    [null, [undefined]],
    ['gzip', ['gzip']],
    ['gzip, deflate, br', ['gzip', 'br']],
    ['br', ['br', undefined]],
    ['identity', [undefined]],
    ['gzip;q=0, identity', [undefined]],
    ['deflate', [undefined]],
  ];
  for (const path of ['/', '/history.atom', '/admin/login']) {
    for (const [header, allowed] of cases) {
      it(`${path} with ${header === null ? 'no Accept-Encoding' : `Accept-Encoding: ${header}`}`, async () => {
        // Twice: the first may be an edge-cache miss, the second a hit; both must be readable.
        for (let i = 0; i < 2; i++) {
          const response = await raw(`${base}${path}`, header === null ? {} : { 'Accept-Encoding': header });
          expect(response.status).toBe(200);
          expect(allowed, `Content-Encoding ${response.headers['content-encoding']} for ${header}`).toContain(response.headers['content-encoding']);
          expect(response.text).toMatch(path === '/history.atom' ? /<feed/ : /<html/);
          if (response.headers['content-encoding'] === undefined) expect(response.raw.subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
        }
      });
    }
  }
});

describe('the edge cache (caches.default)', () => {
  it('answers a repeated public GET from the edge with no D1 query, and keeps ETag/304', async () => {
    await expire();
    const first = await raw(`${base}/api/v2/summary.json`, { 'Accept-Encoding': 'gzip' });
    expect(first.status).toBe(200);
    expect(first.headers['x-herald-cache']).toBe('MISS');
    expect(Number(first.headers['x-herald-d1-queries'])).toBeGreaterThan(0);
    const second = await raw(`${base}/api/v2/summary.json`, { 'Accept-Encoding': 'gzip' });
    expect(second.headers['x-herald-cache']).toBe('HIT');
    expect(second.headers['x-herald-d1-queries']).toBe('0');
    expect(second.text).toBe(first.text);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['cache-control']).toBe(first.headers['cache-control']);
    expect(second.headers['content-type']).toMatch(/^application\/json/);
    expect(second.headers.vary).toBe('Accept-Encoding');

    const notModified = await raw(`${base}/api/v2/summary.json`, { 'Accept-Encoding': 'gzip', 'If-None-Match': first.headers.etag! });
    expect(notModified.status).toBe(304);
    expect(notModified.raw.length).toBe(0);
    expect(notModified.headers['x-herald-d1-queries']).toBe('0');
    // The identity variant has its own ETag, and a 304 for it.
    const plain = await raw(`${base}/api/v2/summary.json`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe(first.text);
    const plainEtag = plain.headers.etag!;
    if (first.headers['content-encoding'] === 'gzip') expect(plainEtag).not.toBe(first.headers.etag);
    expect((await raw(`${base}/api/v2/summary.json`, { 'If-None-Match': plainEtag })).status).toBe(304);
  });

  it('a stampede on one URL costs the app one fill per edge lifetime, not one per request', async () => {
    await expire();
    const before = (await (await fetch(`${base}/__herald/edge-stats`)).json()) as { d1Queries: number; edge: { fills: number } };
    const responses = await Promise.all(Array.from({ length: 40 }, () => raw(`${base}/history`, { 'Accept-Encoding': 'gzip' })));
    const after = (await (await fetch(`${base}/__herald/edge-stats`)).json()) as { d1Queries: number; edge: { fills: number } };
    expect(responses.every((r) => r.status === 200)).toBe(true);
    // One fill (two if the lifetime ran out mid-stampede on a slow machine), whatever the number of readers.
    expect(after.edge.fills - before.edge.fills).toBeLessThanOrEqual(2);
    expect(after.d1Queries - before.d1Queries).toBeLessThan(10);
  });

  it('never looks up or stores a request with a cookie, credentials, a bookmark or a query it does not cover', async () => {
    await expire();
    for (const headers of [{ Cookie: 'herald_session=abc' }, { Authorization: 'Bearer hrld_x' }, { 'X-D1-Bookmark': 'x' }] as Record<string, string>[]) {
      const response = await raw(`${base}/history.rss`, headers);
      expect(response.status).toBe(200);
      expect(response.headers['x-herald-cache'], JSON.stringify(headers)).toBeUndefined();
    }
    // None of those was stored: the first anonymous request is still a miss.
    expect((await raw(`${base}/history.rss`)).headers['x-herald-cache']).toBe('MISS');
    // A query the key does not cover goes to the app every time.
    for (let i = 0; i < 2; i++) {
      const response = await raw(`${base}/?utm_source=mail`);
      expect(response.status).toBe(200);
      expect(response.headers['x-herald-cache']).toBeUndefined();
    }
    // Parameters the page reads are part of the key, in any order.
    await raw(`${base}/badge.svg?style=flat&label=API`);
    expect((await raw(`${base}/badge.svg?label=API&style=flat`)).headers['x-herald-cache']).toBe('HIT');
    // HEAD (uptime checkers) is answered from the same entry, without a body.
    await raw(`${base}/api/v2/status.json`);
    const head = await raw(`${base}/api/v2/status.json`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['x-herald-cache']).toBe('HIT');
    expect(head.raw.length).toBe(0);
    // What is not stored (a 404) still reaches a client without gzip readable.
    const missing = await raw(`${base}/incidents/nosuchincident`);
    expect(missing.status).toBe(404);
    expect(missing.headers['content-encoding']).toBeUndefined();
    expect(missing.text).toContain('Page not found');
    // The admin is never edge-cached, even anonymously.
    for (let i = 0; i < 2; i++) expect((await raw(`${base}/admin/login`)).headers['x-herald-cache']).toBeUndefined();
  });
});

describe('degraded mode: D1 failing on a miss', () => {
  it('serves the last good copy, marked stale, while D1 fails; fresh again once it answers', async () => {
    const good = await raw(`${base}/history.atom`, { 'Accept-Encoding': 'gzip' });
    expect(good.status).toBe(200);
    await expire();
    sql('ALTER TABLE meta RENAME TO meta_offline');
    try {
      const stale = await raw(`${base}/history.atom`, { 'Accept-Encoding': 'gzip' });
      expect(stale.status, tail(worker.output())).toBe(200);
      expect(stale.headers['x-herald-cache']).toBe('STALE');
      expect(stale.headers['x-herald-stale']).toMatch(/database/);
      expect(stale.text).toBe(good.text);
      // A client without gzip gets the same copy, readable.
      const plain = await raw(`${base}/history.atom`);
      expect(plain.headers['x-herald-cache']).toBe('STALE');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.text).toBe(good.text);
      // With nothing kept, the error shows (the embed was never requested).
      expect((await raw(`${base}/embed?theme=dark`)).status).toBeGreaterThanOrEqual(500);
    } finally {
      sql('ALTER TABLE meta_offline RENAME TO meta');
    }
    const fresh = await raw(`${base}/history.atom`, { 'Accept-Encoding': 'gzip' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers['x-herald-cache']).toBe('MISS');
  });
});

describe('D1 sessions, read-your-writes, and purge after publish', () => {
  let session = '';
  let apiToken = '';

  it('public reads use first-unconstrained; the admin uses the primary', async () => {
    await expire();
    expect((await raw(`${base}/incidents/none`)).headers['x-herald-d1-session']).toBe('first-unconstrained');
    const token = /\/admin\/setup\/([A-Za-z0-9_-]{43})/.exec(worker.output())?.[1];
    expect(token, tail(worker.output())).toBeDefined();
    const setupPage = await fetch(`${base}/admin/setup/${token}`);
    expect(setupPage.headers.get('x-herald-d1-session')).toBe('first-primary');
    const created = await fetch(`${base}/admin/setup/${token}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookieOf(setupPage.headers, 'herald_form'), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await setupPage.text()), name: 'Ada', email: 'ada@example.com', password: 'a long enough password' }),
    });
    expect(created.status).toBe(303);
    session = cookieOf(created.headers, 'herald_session');
    const tokensPage = await fetch(`${base}/admin/tokens`, { headers: { Cookie: session } });
    expect(tokensPage.headers.get('x-herald-d1-session')).toBe('first-primary');
    const made = await fetch(`${base}/admin/tokens`, {
      method: 'POST',
      headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await tokensPage.text()), name: 'edge test', scope: 'comms' }),
    });
    apiToken = /hrld_[A-Za-z0-9_-]{43}/.exec(await made.text())?.[0] ?? '';
    expect(apiToken).not.toBe('');
  }, 30_000);

  it('a publish answers at once with a bookmark; reads carrying it see the write; this colo and every colo (purge) are refreshed', async () => {
    // The page is edge-cached before the publish.
    await raw(`${base}/`, { 'Accept-Encoding': 'gzip' });
    expect((await raw(`${base}/`, { 'Accept-Encoding': 'gzip' })).headers['x-herald-cache']).toBe('HIT');
    cloudflare.calls.length = 0;

    const declared = await fetch(`${base}/api/v1/incidents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Purged from the edge', severity: 2, body: 'Checking the edge.' }),
    });
    expect(declared.status).toBe(201);
    expect(declared.headers.get('x-herald-d1-session')).toBe('first-primary');
    const bookmark = declared.headers.get('x-d1-bookmark');
    expect(bookmark, 'local D1 returns a bookmark for the write').toBeTruthy();
    expect(declared.headers.getSetCookie().some((c) => c.startsWith(`herald_d1_bookmark=${bookmark}`))).toBe(true);
    const { id } = (await declared.json()) as { id: string };

    // Read-your-writes: with the bookmark, the incident page reads at least that write, off the edge cache.
    const mine = await raw(`${base}/incidents/${id}`, { 'X-D1-Bookmark': bookmark! });
    expect(mine.status).toBe(200);
    expect(mine.headers['x-herald-d1-session']).toBe('bookmark');
    expect(mine.headers['x-herald-cache']).toBeUndefined();
    expect(mine.text).toContain('Purged from the edge');
    const withCookie = await raw(`${base}/`, { Cookie: `herald_d1_bookmark=${bookmark}` });
    expect(withCookie.headers['x-herald-d1-session']).toBe('bookmark');
    expect(withCookie.text).toContain('Purged from the edge');

    // This colo's copies were dropped after the publish: anonymous readers see it too, well within the edge lifetime.
    let home = await raw(`${base}/`, { 'Accept-Encoding': 'gzip' });
    for (let i = 0; i < 20 && !home.text.includes('Purged from the edge'); i++) {
      await sleep(100);
      home = await raw(`${base}/`, { 'Accept-Encoding': 'gzip' });
    }
    expect(home.text).toContain('Purged from the edge');

    // Every colo: the purge-by-URL call, with the purge token, naming the page and the incident.
    await cloudflare.waitFor((calls) => calls.some((c) => c.status === 200), 10_000);
    const call = cloudflare.calls.find((c) => c.status === 200)!;
    expect(call.path).toBe(`/client/v4/zones/${ZONE}/purge_cache`);
    expect(call.authorization).toBe(`Bearer ${PURGE_TOKEN}`);
    expect(call.files).toEqual(expect.arrayContaining([`${base}/`, `${base}/api/v2/summary.json`, `${base}/incidents/${id}`]));
    expect((call.files as string[]).length).toBeLessThanOrEqual(30);
  }, 30_000);

  it("a publish touching a component also purges that component's feeds and badges", async () => {
    const listed = await fetch(`${base}/api/v1/components`, { headers: { Authorization: `Bearer ${apiToken}` } });
    const components = ((await listed.json()) as { data: { id: string }[] }).data;
    expect(components.length, 'the dev page has components').toBeGreaterThan(0);
    const component = components[0]!.id;
    cloudflare.calls.length = 0;
    const declared = await fetch(`${base}/api/v1/incidents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Component purge', severity: 3, body: 'One component degraded.', components: [{ component_id: component, status: 'degraded_performance' }] }),
    });
    expect(declared.status).toBe(201);
    await cloudflare.waitFor((calls) => calls.some((c) => c.status === 200), 10_000);
    const files = cloudflare.calls.filter((c) => c.status === 200).flatMap((c) => c.files as string[]);
    expect(files).toEqual(
      expect.arrayContaining([
        `${base}/components/${component}/history.atom`,
        `${base}/components/${component}/history.rss`,
        `${base}/badge/${component}.svg`,
        `${base}/badge/${component}.json`,
      ]),
    );
  }, 30_000);

  it('a failed purge call is retried from the outbox until Cloudflare accepts it', async () => {
    cloudflare.calls.length = 0;
    cloudflare.script(500);
    const declared = await fetch(`${base}/api/v1/incidents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Purge retried', severity: 3, body: 'The first purge call fails.' }),
    });
    // The publish is not held up by the purge, whatever Cloudflare answers.
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as { id: string };
    await cloudflare.waitFor((calls) => calls.some((c) => c.status === 500) && calls.some((c) => c.status === 200), 15_000);
    const failed = cloudflare.calls.find((c) => c.status === 500)!;
    const retried = cloudflare.calls.find((c) => c.status === 200)!;
    expect(retried.files).toEqual(failed.files);
    expect(retried.files).toEqual(expect.arrayContaining([`${base}/incidents/${id}`]));

    // The outbox row records it: done, after two attempts.
    const db = new BetterSqlite3(worker.d1File(), { readonly: true });
    try {
      let row: { status: string; attempts: number } | undefined;
      for (let i = 0; i < 50; i++) {
        row = db.prepare("SELECT status, attempts FROM edge_purges WHERE urls LIKE ? ORDER BY created_at DESC").get(`%/incidents/${id}%`) as typeof row;
        if (row?.status === 'done') break;
        await sleep(100);
      }
      expect(row).toEqual({ status: 'done', attempts: 2 });
    } finally {
      db.close();
    }
  }, 30_000);

  it('a purge the request could not deliver stays queued and is sent by the cron trigger', async () => {
    cloudflare.calls.length = 0;
    // The request's attempt and its retry 1 s later fail; the next retry (2 s later) is the cron's.
    cloudflare.script(500, 500);
    const declared = await fetch(`${base}/api/v1/incidents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Purge from the cron', severity: 3, body: 'Two purge calls fail.' }),
    });
    expect(declared.status).toBe(201);
    const { id } = (await declared.json()) as { id: string };
    await cloudflare.waitFor((calls) => calls.filter((c) => c.status === 500).length === 2, 15_000);
    // Past the request's drain and the next retry's due time, with nothing sent.
    await sleep(3_000);
    expect(cloudflare.calls.map((c) => c.status)).toEqual([500, 500]);
    const db = new BetterSqlite3(worker.d1File(), { readonly: true });
    const row = (): { status: string; attempts: number; last_error: string } =>
      db.prepare('SELECT status, attempts, last_error FROM edge_purges WHERE urls LIKE ?').get(`%/incidents/${id}%`) as never;
    try {
      expect(row()).toMatchObject({ status: 'queued', attempts: 2 });
      expect(row().last_error).toMatch(/Cloudflare answered 500/);
      const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
      expect(cron.status).toBe(200);
      await cron.arrayBuffer();
      expect(cloudflare.calls.map((c) => c.status)).toEqual([500, 500, 200]);
      expect(cloudflare.calls[2]!.files).toEqual(cloudflare.calls[0]!.files);
      expect(row()).toMatchObject({ status: 'done', attempts: 3 });
    } finally {
      db.close();
    }
  }, 30_000);
});
