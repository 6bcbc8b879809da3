/**
 * Precompressed responses: every render is compressed once (brotli and gzip on
 * Node), `sendCached` picks the variant by Accept-Encoding, and the busy status
 * page of bench/seed.ts (20 components, 90-day bars, 300 past incidents) fits
 * the first round trip (TCP's initial window of 10 segments, about 14 KB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedBenchPage } from '../../bench/seed.js';
import type { Deps } from '../../src/deps.js';
import { DAY, MINUTE } from '../../src/domain/calendar.js';
import { compressWithZlib, createNodeDeps, type NodeDeps } from '../../src/entry/node-deps.js';
import { RenderCache, type Compress } from '../../src/lib/render-cache.js';
import { chooseCoding } from '../../src/routes/cached.js';
import { createTestDeps, FakeClock, MemoryLogger, testConfig } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { countCompressions, rawRequest as request, type RawResponse as Raw } from '../support/compression.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
/** 10 segments of 1,434 bytes: what fits in the first round trip of a new connection. */
const FIRST_ROUND_TRIP = 14 * 1024;
const BROWSER = 'gzip, deflate, br, zstd';

describe('GET / on a busy page (bench/seed.ts), compressed', () => {
  let dir: string;
  let deps: NodeDeps;
  let identity: Raw;
  let br: Raw;
  let gzip: Raw;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-compression-'));
    const databasePath = join(dir, 'herald.db');
    await seedBenchPage({ databasePath, now: NOON, historyDays: 365, pastIncidents: 300 });
    deps = createNodeDeps({ config: testConfig(), databasePath, clock: new FakeClock(NOON), log: new MemoryLogger() });
    identity = await request(deps, '/');
    br = await request(deps, '/', { 'Accept-Encoding': BROWSER });
    gzip = await request(deps, '/', { 'Accept-Encoding': 'gzip' });
  }, 120_000);

  afterAll(() => {
    deps?.db.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is the realistic page the budget is about', () => {
    const html = identity.body.toString('utf8');
    expect(identity.status).toBe(200);
    expect(html.match(/<li class="component">/g)).toHaveLength(20);
    const bars = [...html.matchAll(/<ol class="bar" aria-hidden="true">([\s\S]*?)<\/ol>/g)];
    expect(bars.flatMap((bar) => bar[1]!.match(/<li\b/g) ?? [])).toHaveLength(20 * 90);
    expect(html).toContain('Elevated API error rates');
    expect(html.match(/<article /g)!.length).toBeGreaterThanOrEqual(10);
  });

  it('sends identity without Accept-Encoding', () => {
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(identity.headers.get('vary')).toBe('Accept-Encoding');
    expect(identity.headers.get('etag')).toMatch(/^"[0-9a-f]{24}"$/);
    expect(identity.body.toString('utf8')).toMatch(/^<!doctype html>/);
  });

  it('sends brotli to a browser, and it decodes to exactly the identity body', () => {
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('Accept-Encoding');
    expect(br.headers.get('content-type')).toBe(identity.headers.get('content-type'));
    expect(br.headers.get('etag')).toBe(identity.headers.get('etag')!.replace(/"$/, '-br"'));
    expect(brotliDecompressSync(br.body).equals(identity.body)).toBe(true);
  });

  it('sends gzip when that is all the client takes, and it decodes to exactly the identity body', () => {
    expect(gzip.status).toBe(200);
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(gzip.headers.get('vary')).toBe('Accept-Encoding');
    expect(gzip.headers.get('etag')).toBe(identity.headers.get('etag')!.replace(/"$/, '-gz"'));
    expect(gunzipSync(gzip.body).equals(identity.body)).toBe(true);
  });

  it('fits the first round trip: brotli (and gzip, what the Worker sends) within 14 KB', () => {
    expect(br.body.byteLength).toBeLessThanOrEqual(FIRST_ROUND_TRIP);
    expect(gzip.body.byteLength).toBeLessThanOrEqual(FIRST_ROUND_TRIP);
    // Brotli earns its place: smaller than gzip, which is far smaller than the page.
    expect(br.body.byteLength).toBeLessThan(gzip.body.byteLength);
    expect(gzip.body.byteLength * 4).toBeLessThan(identity.body.byteLength);
  });

  it('answers If-None-Match with 304 per encoding, with that encoding’s ETag', async () => {
    const variants = [
      { acceptEncoding: undefined, etag: identity.headers.get('etag')! },
      { acceptEncoding: BROWSER, etag: br.headers.get('etag')! },
      { acceptEncoding: 'gzip', etag: gzip.headers.get('etag')! },
    ];
    expect(new Set(variants.map((v) => v.etag)).size).toBe(3);
    for (const { acceptEncoding, etag } of variants) {
      const accept: Record<string, string> = acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {};
      const fresh = await request(deps, '/', { ...accept, 'If-None-Match': `"other", ${etag}` });
      expect(fresh.status, `${acceptEncoding} with ${etag}`).toBe(304);
      expect(fresh.body.byteLength).toBe(0);
      expect(fresh.headers.get('etag')).toBe(etag);
      expect(fresh.headers.get('vary')).toBe('Accept-Encoding');
      expect(fresh.headers.get('content-encoding')).toBeNull();
      // Another encoding's ETag names other bytes: the full response in the encoding asked for.
      for (const other of variants.filter((v) => v.etag !== etag)) {
        const full = await request(deps, '/', { ...accept, 'If-None-Match': other.etag });
        expect(full.status, `${acceptEncoding} with ${other.etag}`).toBe(200);
        expect(full.headers.get('etag')).toBe(etag);
      }
    }
  });

  it('sends identity when the client refuses both codings with q=0', async () => {
    for (const header of ['gzip;q=0, br;q=0', 'br;q=0, gzip;q=0, identity', '*;q=0', '']) {
      const res = await request(deps, '/', { 'Accept-Encoding': header });
      expect(res.headers.get('content-encoding'), header).toBeNull();
      expect(res.headers.get('etag')).toBe(identity.headers.get('etag'));
      expect(res.body.equals(identity.body)).toBe(true);
    }
    const onlyGzip = await request(deps, '/', { 'Accept-Encoding': 'br;q=0, gzip' });
    expect(onlyGzip.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(onlyGzip.body).equals(identity.body)).toBe(true);
  });
});

describe('choosing the coding (RFC 9110 Accept-Encoding)', () => {
  const both = { br: true, gzip: true };

  it('prefers br, then gzip, then identity when the client rates them alike', () => {
    expect(chooseCoding('gzip, deflate, br, zstd', both)).toBe('br');
    expect(chooseCoding('*', both)).toBe('br');
    expect(chooseCoding('gzip, deflate', both)).toBe('gzip');
    expect(chooseCoding('X-GZIP', both)).toBe('gzip');
    expect(chooseCoding('deflate, zstd', both)).toBe('identity');
    expect(chooseCoding(undefined, both)).toBe('identity');
    expect(chooseCoding('', both)).toBe('identity');
  });

  it('follows the client’s q-values and honours q=0', () => {
    expect(chooseCoding('gzip;q=1, br;q=0.5', both)).toBe('gzip');
    expect(chooseCoding('gzip;q=0.2, br;q=0.8', both)).toBe('br');
    expect(chooseCoding('br;q=0, gzip', both)).toBe('gzip');
    expect(chooseCoding('gzip;q=0, br;q=0', both)).toBe('identity');
    expect(chooseCoding('*;q=0, gzip;q=0.5', both)).toBe('gzip');
    expect(chooseCoding('identity;q=1, gzip;q=0.5', both)).toBe('identity');
    expect(chooseCoding('identity, gzip', both)).toBe('gzip');
    expect(chooseCoding('BR ; Q=0.9 , gzip;q=0.8', both)).toBe('br');
  });

  it('only offers what was stored (no br from the Worker, nothing for small bodies)', () => {
    expect(chooseCoding('br, gzip', { gzip: true })).toBe('gzip');
    expect(chooseCoding('br', { gzip: true })).toBe('identity');
    expect(chooseCoding('br, gzip', {})).toBe('identity');
  });
});

describe('compression happens once per render', () => {
  it('compresses each coding once for many requests, and again only when the page changes', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'API', startedAt: NOON - 30 * DAY });
    const counts = countCompressions(deps);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(deps, '/', { 'Accept-Encoding': i % 2 ? 'gzip' : 'br, gzip' })),
    );
    expect(responses.map((r) => r.headers.get('content-encoding'))).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? 'gzip' : 'br')),
    );
    expect(counts).toEqual({ br: 1, gzip: 1 });

    // The once-a-minute re-render produced the same bytes: the variants are reused.
    deps.clock.advance(MINUTE + 1);
    const again = await request(deps, '/', { 'Accept-Encoding': 'br' });
    expect(again.headers.get('etag')).toBe(responses[0]!.headers.get('etag'));
    expect(counts).toEqual({ br: 1, gzip: 1 });

    // New content: compressed anew, and the new bytes are what is served.
    await makeIncident(deps, { title: 'Webhooks delayed', components: [{ componentId: api, status: 'degraded_performance' }] });
    const changed = await request(deps, '/', { 'Accept-Encoding': 'br' });
    expect(counts).toEqual({ br: 2, gzip: 2 });
    expect(changed.headers.get('etag')).not.toBe(again.headers.get('etag'));
    expect(brotliDecompressSync(changed.body).toString('utf8')).toContain('Webhooks delayed');
  });

  it('leaves small bodies uncompressed, still varying on Accept-Encoding', async () => {
    const deps = await createTestDeps({ now: NOON });
    const counts = countCompressions(deps);
    const res = await request(deps, '/api/v2/status.json', { 'Accept-Encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBeLessThan(1024);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toContain('Accept-Encoding');
    expect(JSON.parse(res.body.toString('utf8'))).toHaveProperty('status');
    expect(counts).toEqual({ br: 0, gzip: 0 });
  });

  it('serves identity when the runtime has no such coding or compression fails, and logs the failure', async () => {
    const deps = await createTestDeps({ now: NOON });
    const failing: Compress = async (body, coding) => {
      if (coding === 'br') return null; // as on Workers
      throw new Error('zlib exploded');
    };
    deps.compress = failing;
    const res = await request(deps, '/', { 'Accept-Encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.body.toString('utf8')).toMatch(/^<!doctype html>/);
    expect(deps.log.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('compression failed') }));
  });

  it('keeps no entry whose compression threw: the next request renders again', async () => {
    const cache = new RenderCache();
    let renders = 0;
    const render = async () => ({ body: 'x'.repeat(4096), contentType: 'text/plain', validUntil: Infinity, lastModified: NOON });
    const counted = () => (renders++, render());
    const throwing: Compress = async () => {
      throw new Error('zlib exploded');
    };
    await expect(cache.get('k', '1', NOON, counted, throwing)).rejects.toThrow('zlib exploded');
    const rendered = await cache.get('k', '1', NOON, counted, compressWithZlib);
    expect(renders).toBe(2);
    expect(gunzipSync(rendered.encoded.gzip!.body).toString('utf8')).toBe('x'.repeat(4096));
    expect(rendered.encoded.br!.etag).toBe(rendered.etag.replace(/"$/, '-br"'));
  });
});
