// The edge cache in front of the app: public GETs answered from the Cloudflare
// Cache API (caches.default, per colo) without touching the app or D1.
//
// - Only the public, anonymous surface is looked up or stored (`cacheKey`):
//   a GET of a public path, no Cookie, no Authorization, and a query made only
//   of the parameters that path reads (anything else goes to the app).
// - One entry per public URL: its key is the URL itself, so Cloudflare's
//   purge-by-URL reaches it (src/edge/purge.ts). It holds the app's answer to
//   a client that accepts gzip (gzip bytes for bodies large enough to compress),
//   stored opaquely: the coding moves to X-Herald-Encoding so that no layer
//   decodes or re-encodes it. A client without gzip gets it decompressed here.
// - An entry is served for `cacheMs` after it was stored (X-Herald-Stored-At),
//   but kept by the cache for `keepSeconds`: that last good copy is what a miss
//   serves (X-Herald-Cache: STALE) when the app fails or is slower than
//   `originTimeoutMs` (D1 down, saturated, out of quota).
// - Per isolate, concurrent misses of one key share one call to the app, so a
//   stampede costs the app (and D1) one request per key per edge lifetime per
//   isolate, not one per reader.
// - ETag / If-None-Match is answered here (304) from the stored ETag.
import type { Cache } from '@cloudflare/workers-types';
import { chooseCoding, etagMatches } from '../routes/cached.js';

/** Public paths the edge may cache, and the query parameters each one reads. */
const PUBLIC_PATHS: { pattern: RegExp; params: readonly string[] }[] = [
  { pattern: /^\/$/, params: [] },
  { pattern: /^\/history$/, params: ['page'] },
  { pattern: /^\/incidents\/[A-Za-z0-9]{1,40}$/, params: [] },
  { pattern: /^\/history\.(atom|rss)$/, params: [] },
  { pattern: /^\/components\/[A-Za-z0-9]{1,40}\/history\.(atom|rss)$/, params: [] },
  { pattern: /^\/maintenance\.ics$/, params: [] },
  {
    pattern:
      /^\/api\/v2\/(summary|status|components|incidents|incidents\/unresolved|scheduled-maintenances|scheduled-maintenances\/upcoming|scheduled-maintenances\/active)\.json$/,
    params: [],
  },
  { pattern: /^\/badge\.(svg|json)$/, params: ['label', 'metric', 'style', 'window'] },
  { pattern: /^\/badge\/[^/]{1,200}\.(svg|json)$/, params: ['label', 'metric', 'style', 'window'] },
  { pattern: /^\/embed$/, params: ['theme'] },
  { pattern: /^\/embed\.js$/, params: [] },
  { pattern: /^\/favicon\.(svg|ico)$/, params: [] },
];

/** The fixed public URLs (no id, no query) a publish can change: what a purge always names. */
export const PURGED_PATHS: readonly string[] = [
  '/',
  '/history',
  '/history.atom',
  '/history.rss',
  '/maintenance.ics',
  '/api/v2/summary.json',
  '/api/v2/status.json',
  '/api/v2/components.json',
  '/api/v2/incidents.json',
  '/api/v2/incidents/unresolved.json',
  '/api/v2/scheduled-maintenances.json',
  '/api/v2/scheduled-maintenances/upcoming.json',
  '/api/v2/scheduled-maintenances/active.json',
  '/badge.svg',
  '/badge.json',
  '/embed',
  '/embed.js',
  '/favicon.svg',
  '/favicon.ico',
];

/**
 * The cache key (the normalized public URL) for a request the edge may answer,
 * or null when it must go to the app: not a GET, a cookie or credentials, a
 * path outside the public surface, or a query the key would not cover.
 */
export function cacheKey(request: Request): string | null {
  // HEAD (uptime checkers) is answered from the same entry, without the body.
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  // A cookie, credentials or a D1 bookmark (read-your-writes after a write) make it someone's request.
  if (request.headers.has('Cookie') || request.headers.has('Authorization') || request.headers.has('X-D1-Bookmark')) return null;
  const url = new URL(request.url);
  const path = PUBLIC_PATHS.find((p) => p.pattern.test(url.pathname));
  if (!path) return null;
  const names = [...url.searchParams.keys()];
  if (names.some((name) => !path.params.includes(name))) return null;
  if (new Set(names).size !== names.length) return null;
  const query = names
    .sort()
    .map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(url.searchParams.get(name)!)}`)
    .join('&');
  return `${url.origin}${url.pathname}${query ? `?${query}` : ''}`;
}

/** What X-Herald-Cache says about an answer. */
export type CacheStatus = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

export interface EdgeCacheOptions {
  cache: Cache;
  /** How long an entry is served without asking the app. */
  cacheMs: number;
  /** How long the cache keeps an entry (the last good copy for degraded mode). */
  keepSeconds: number;
  /** How long a miss waits for the app when a kept copy could be served instead. */
  originTimeoutMs: number;
  now(): number;
  waitUntil(work: Promise<unknown>): void;
  log: { error(message: string, fields?: Record<string, unknown>): void };
}

/** A stored entry, read once from the cache (or just filled). */
interface Entry {
  body: ArrayBuffer;
  headers: Headers;
  storedAt: number;
}

/** The internal headers of a stored entry (never sent to clients). */
const STORED_AT = 'X-Herald-Stored-At';
const STORED_ENCODING = 'X-Herald-Encoding';
const STORED_CACHE_CONTROL = 'X-Herald-Cache-Control';

/** The app answered, but not with something to keep or serve in its place. */
class NotStorable {
  constructor(readonly response: Response) {}
}

/**
 * An isolate keeps the entries it read or filled this long (at most the edge
 * lifetime), so that a hot URL costs no Cache API read per request either. It
 * is short because a purge cannot reach it: it bounds how long a purged page
 * can still be served by an isolate that had it in hand.
 */
export const MEMORY_MS = 1_000;
/** Entries an isolate keeps in memory (the hottest public URLs). */
const MEMORY_ENTRIES = 64;

export class EdgeCache {
  /** Per isolate: the fill in flight for each key, shared by the misses that arrive meanwhile. */
  private readonly fills = new Map<string, Promise<Entry | NotStorable>>();
  /** Per isolate: entries read or filled in the last MEMORY_MS, by key. */
  private readonly memory = new Map<string, { entry: Entry; until: number }>();
  readonly stats = { hits: 0, misses: 0, stale: 0, fills: 0 };

  constructor(private readonly options: EdgeCacheOptions) {}

  /**
   * Answers `request` (whose key is `key`) from the cache, or through
   * `origin` on a miss, storing what it may. `acceptEncoding` is the client's own.
   */
  async serve(request: Request, key: string, acceptEncoding: string | null, origin: (request: Request) => Promise<Response>): Promise<Response> {
    const { options } = this;
    const now = options.now();
    const remembered = this.memory.get(key);
    if (remembered && now < remembered.until && now - remembered.entry.storedAt < options.cacheMs) {
      this.stats.hits++;
      return answer(remembered.entry, request, acceptEncoding, 'HIT', now);
    }
    const kept = await this.lookup(key);
    if (kept && now - kept.storedAt < options.cacheMs) this.remember(key, kept, now);
    if (kept && now - kept.storedAt < options.cacheMs) {
      this.stats.hits++;
      return answer(kept, request, acceptEncoding, 'HIT', now);
    }

    let fill = this.fills.get(key);
    const mine = !fill;
    if (!fill) {
      fill = this.fill(request, key, origin);
      this.fills.set(key, fill);
      const forget = (): void => {
        if (this.fills.get(key) === fill) this.fills.delete(key);
      };
      fill.then(forget, forget);
      // The fill finishes (and is stored) even if this request is answered stale meanwhile.
      options.waitUntil(fill.catch(() => undefined));
    }

    let outcome: Entry | NotStorable | Error;
    try {
      outcome = kept ? await withTimeout(fill, options.originTimeoutMs) : await fill;
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    }
    if (!(outcome instanceof Error) && !(outcome instanceof NotStorable)) {
      this.stats.misses++;
      this.remember(key, outcome, outcome.storedAt);
      return answer(outcome, request, acceptEncoding, 'MISS', now);
    }
    const failed = outcome instanceof Error || outcome.response.status >= 500;
    if (kept && failed) {
      // Degraded mode: the app (D1) failed or is too slow; the last good copy is better than an error.
      this.stats.stale++;
      if (outcome instanceof Error) options.log.error('edge cache: serving a stale copy', { key, error: outcome.message });
      return answer(kept, request, acceptEncoding, 'STALE', now);
    }
    if (outcome instanceof Error) throw outcome;
    // Not storable (a 404, a redirect, a 5xx with nothing kept): the one who asked gets it;
    // those who joined the fill ask the app themselves (a response body is read once).
    if (!mine) return origin(request);
    return forClient(outcome.response, request, acceptEncoding);
  }

  /** Drops this isolate's copies (after a publish in this isolate; the colo's go with cache.delete). */
  forget(): void {
    this.memory.clear();
  }

  private remember(key: string, entry: Entry, now: number): void {
    if (this.memory.size >= MEMORY_ENTRIES && !this.memory.has(key)) {
      const oldest = this.memory.keys().next().value;
      if (oldest !== undefined) this.memory.delete(oldest);
    }
    this.memory.set(key, { entry, until: now + Math.min(MEMORY_MS, this.options.cacheMs) });
  }

  private async lookup(key: string): Promise<Entry | undefined> {
    try {
      const stored = await this.options.cache.match(key);
      if (!stored) return undefined;
      const storedAt = Number(stored.headers.get(STORED_AT));
      if (!Number.isFinite(storedAt)) return undefined;
      return { body: await stored.arrayBuffer(), headers: new Headers(stored.headers as unknown as Headers), storedAt };
    } catch (error) {
      this.options.log.error('edge cache: lookup failed', { key, error: String(error) });
      return undefined;
    }
  }

  /** Asks the app as a gzip-accepting anonymous client would, and stores a storable answer. */
  private async fill(request: Request, key: string, origin: (request: Request) => Promise<Response>): Promise<Entry | NotStorable> {
    const { options } = this;
    this.stats.fills++;
    const headers = new Headers(request.headers);
    headers.set('Accept-Encoding', 'gzip');
    headers.delete('If-None-Match');
    headers.delete('If-Modified-Since');
    const response = await origin(new Request(key, { method: 'GET', headers }));
    if (!storable(response)) return new NotStorable(response);
    const body = await response.arrayBuffer();
    const stored = new Headers(response.headers);
    const encoding = stored.get('Content-Encoding');
    stored.delete('Content-Encoding');
    if (encoding) stored.set(STORED_ENCODING, encoding);
    stored.set(STORED_CACHE_CONTROL, stored.get('Cache-Control') ?? '');
    stored.set('Cache-Control', `public, max-age=${options.keepSeconds}`);
    stored.delete('Vary');
    const storedAt = options.now();
    stored.set(STORED_AT, String(storedAt));
    const entry: Entry = { body, headers: stored, storedAt };
    options.waitUntil(
      options.cache
        .put(key, new Response(body, { status: 200, headers: stored }) as never)
        .catch((error: unknown) => options.log.error('edge cache: store failed', { key, error: String(error) })),
    );
    return entry;
  }
}

/** A 200 the app meant for shared caches, for nobody in particular. */
function storable(response: Response): boolean {
  if (response.status !== 200 || response.headers.has('Set-Cookie')) return false;
  const cacheControl = (response.headers.get('Cache-Control') ?? '').toLowerCase();
  if (!/\bpublic\b/.test(cacheControl) || /\b(private|no-store|no-cache)\b/.test(cacheControl)) return false;
  const encoding = response.headers.get('Content-Encoding');
  return encoding === null || encoding === 'gzip';
}

/** The client's answer from an entry: the coding it accepts, or a 304. */
function answer(entry: Entry, request: Request, acceptEncoding: string | null, status: CacheStatus, now: number): Response {
  const headers = new Headers(entry.headers);
  const encoding = headers.get(STORED_ENCODING);
  headers.delete(STORED_ENCODING);
  headers.delete(STORED_AT);
  headers.set('Cache-Control', headers.get(STORED_CACHE_CONTROL) || 'public, max-age=0');
  headers.delete(STORED_CACHE_CONTROL);
  headers.set('Vary', 'Accept-Encoding');
  headers.set('Age', String(Math.max(0, Math.floor((now - entry.storedAt) / 1000))));
  headers.set('X-Herald-Cache', status);
  if (status === 'STALE') {
    headers.set('X-Herald-Stale', `the database did not answer; this copy is from ${new Date(entry.storedAt).toUTCString()}`);
  }
  const gzip = encoding === 'gzip';
  const sendGzip = gzip && chooseCoding(acceptEncoding ?? undefined, { gzip: true }) === 'gzip';
  // The stored ETag is the gzip variant's ("<hash>-gz"); the identity body's is "<hash>" (lib/render-cache.ts).
  const etag = headers.get('ETag');
  if (etag && gzip && !sendGzip) headers.set('ETag', etag.replace(/-gz"$/, '"'));
  if (etagMatches(request.headers.get('If-None-Match') ?? undefined, headers.get('ETag') ?? '')) {
    headers.delete('Content-Length');
    return new Response(null, { status: 304, headers });
  }
  if (request.method === 'HEAD') {
    if (sendGzip) headers.set('Content-Encoding', 'gzip');
    else headers.delete('Content-Length');
    return new Response(null, { status: 200, headers });
  }
  if (sendGzip) {
    headers.set('Content-Encoding', 'gzip');
    // The bytes are gzip already: the runtime must not compress them again.
    return new Response(entry.body, { status: 200, headers, encodeBody: 'manual' } as ResponseInit);
  }
  headers.delete('Content-Length');
  const body = gzip ? new Response(entry.body).body!.pipeThrough(new DecompressionStream('gzip')) : entry.body;
  return new Response(body, { status: 200, headers });
}

/** An app answer made for a gzip-accepting GET, as this client can read it (HEAD: no body; no gzip: decompressed). */
function forClient(response: Response, request: Request, acceptEncoding: string | null): Response {
  const gzip = response.headers.get('Content-Encoding') === 'gzip';
  const decode = gzip && chooseCoding(acceptEncoding ?? undefined, { gzip: true }) !== 'gzip';
  if (request.method !== 'HEAD' && !decode) return response;
  const headers = new Headers(response.headers);
  if (decode) {
    headers.delete('Content-Encoding');
    headers.delete('Content-Length');
    const etag = headers.get('ETag');
    if (etag) headers.set('ETag', etag.replace(/-gz"$/, '"'));
  }
  const init = { status: response.status, statusText: response.statusText, headers, encodeBody: decode ? 'automatic' : 'manual' } as ResponseInit;
  if (request.method === 'HEAD' || !response.body) return new Response(null, init);
  return new Response(response.body.pipeThrough(new DecompressionStream('gzip')), init);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
