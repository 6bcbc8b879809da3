// `npx tsx bench/request-path.ts`: where a cached GET / spends its time in
// process, without sockets or a load generator in the way. Seeds the same page
// as bench/run.ts, builds Herald as the Node entry does, and times the pieces
// of the per-request path (src/routes/cached.ts, src/app.ts) one by one, then
// whole requests through app.fetch against a bare Hono route with the same body.
// Each figure is the median of several rounds, in microseconds per operation.
import { getRequestListener } from '@hono/node-server';
import BetterSqlite3 from 'better-sqlite3';
import { Hono } from 'hono';
import { etagMatches, PUBLIC_CACHE_CONTROL } from '../src/routes/cached.js';
import { Lifetime } from './lib/lifetime.js';
import { seededHerald } from './lib/seeded-herald.js';
import { median } from './lib/stats.js';

/** Milliseconds per round; each figure is the median of ROUNDS rounds. */
const ROUND_MS = Number(process.env.BENCH_ROUND_MS || 300);
const ROUNDS = 5;

async function time(label: string, op: () => unknown): Promise<number> {
  // Warm up (JIT) for ~100 ms, which also tells how many calls fill a round.
  let calls = 0;
  const warmStart = performance.now();
  while (performance.now() - warmStart < 100) {
    await op();
    calls++;
  }
  const perRound = Math.max(10, Math.round((calls * ROUND_MS) / (performance.now() - warmStart)));
  const samples: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < perRound; i++) await op();
    samples.push(((performance.now() - start) * 1000) / perRound);
  }
  const perCall = median(samples);
  console.log(`  ${label.padEnd(66)} ${perCall.toFixed(2).padStart(9)} µs`);
  return perCall;
}

const lifetime = new Lifetime('request-path');

async function main(): Promise<void> {
  const { databasePath, deps, app } = await seededHerald(lifetime.tempDir('herald-path-', { keep: false }));
  // What `serve` does first: swap in @hono/node-server's lightweight Request/Response.
  getRequestListener(app.fetch);

  const first = await app.fetch(new Request('http://localhost/'));
  const body = await first.text();
  const etag = first.headers.get('etag')!;
  const contentType = first.headers.get('content-type')!;
  const bare = new Hono();
  bare.get('/', (c) => c.body(body, 200, { 'Content-Type': contentType }));
  const raw = new BetterSqlite3(databasePath, { readonly: true });
  const prepared = raw.prepare("SELECT value FROM meta WHERE key = 'revision'");
  const revision = await deps.repos.settings.revision();
  const now = Date.now();
  const headers = {
    'Content-Type': contentType,
    ETag: etag,
    'Cache-Control': PUBLIC_CACHE_CONTROL,
    'Last-Modified': new Date(now).toUTCString(),
    Vary: 'Accept-Encoding',
  };

  console.log(`GET / body: ${Buffer.byteLength(body)} bytes; µs per call, median of ${ROUNDS} rounds of ${ROUND_MS} ms\n`);
  console.log('Pieces of the per-request path:');
  const revisionCost = await time('repos.settings.revision() (drizzle, prepares each call)', () => deps.repos.settings.revision());
  await time('same query, better-sqlite3 prepare() + get() each call', () =>
    raw.prepare("SELECT value FROM meta WHERE key = 'revision'").get(),
  );
  await time('same query, statement prepared once, get()', () => prepared.get());
  await time('renderCache.get() hit (async)', () => deps.renderCache.get('page:/', revision, now, () => Promise.reject(new Error('miss'))));
  await time('new Date(renderedAt).toUTCString()', () => new Date(now).toUTCString());
  await time('etagMatches(If-None-Match, etag)', () => etagMatches(etag, etag));
  await time('Buffer.byteLength(body) (node-server, for Content-Length)', () => Buffer.byteLength(body));
  // One non-ASCII character (the page has ▸▾·→) makes V8 keep the whole body as a
  // two-byte string; the same text as a flat one-byte string measures/encodes much faster.
  const nonAscii = [...new Set(body.match(/[^\x00-\x7f]/g) ?? [])].join('');
  const ascii = Buffer.from(body.replace(/[^\x00-\x7f]/g, '?'), 'latin1').toString('latin1');
  await time(`Buffer.byteLength(body as a one-byte string, without "${nonAscii}")`, () => Buffer.byteLength(ascii));
  await time('Buffer.from(body) (UTF-8 encode, as a socket write does)', () => Buffer.from(body));
  await time('Buffer.from(body as a one-byte string)', () => Buffer.from(ascii));
  await time('new TextEncoder().encode(body) (once per render if cached as bytes)', () => new TextEncoder().encode(body));
  await time('new Headers() + 5 set() (what c.body does for >1 header)', () => {
    const h = new Headers();
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    return h;
  });
  await time('+ 3 has()/set() (security-header middleware)', () => {
    const h = new Headers();
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    for (const k of ['X-Content-Type-Options', 'Referrer-Policy', 'Content-Security-Policy']) if (!h.has(k)) h.set(k, 'x');
    return h;
  });

  console.log('\nWhole requests through app.fetch (no socket):');
  const harness = await time('(harness) new Request(url)', () => new Request('http://localhost/'));
  const harnessInm = await time('(harness) new Request(url, { headers: If-None-Match })', () =>
    new Request('http://localhost/', { headers: { 'if-none-match': etag } }),
  );
  const heraldFull = await time('Herald GET /', () => app.fetch(new Request('http://localhost/')));
  const heraldNotModified = await time('Herald GET / with If-None-Match (304)', () =>
    app.fetch(new Request('http://localhost/', { headers: { 'if-none-match': etag } })),
  );
  const bareFull = await time('bare route GET / (same body, one header)', () => bare.fetch(new Request('http://localhost/')));
  const bareHeaders = new Hono();
  bareHeaders.get('/', (c) => c.body(body, 200, headers));
  const bareWithHeaders = await time('bare route GET /, Herald\'s 5 headers', () => bareHeaders.fetch(new Request('http://localhost/')));

  console.log(
    `\nHerald's JS path costs ${(heraldFull - bareFull).toFixed(1)} µs more than the bare route per request ` +
      `(${(heraldFull - harness).toFixed(1)} vs ${(bareFull - harness).toFixed(1)} µs without the harness); ` +
      `${revisionCost.toFixed(1)} µs of it is the revision query, ${(bareWithHeaders - bareFull).toFixed(1)} µs the extra response headers. ` +
      `The 304 path costs ${(heraldNotModified - harnessInm).toFixed(1)} µs without the harness.`,
  );
  raw.close();
  deps.db.close();
}

lifetime.run(main);
