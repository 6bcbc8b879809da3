import type { Context } from 'hono';
import type { Deps } from '../deps.js';
import { CONTENT_CODINGS, type Compress, type ContentCoding, type Rendered, type RenderResult } from '../lib/render-cache.js';
import { isHttpsRequest, markComplete, securityHeaders } from './security-headers.js';

/**
 * Browsers revalidate every time (max-age=0: the ETag makes that a cheap 304),
 * so the Comms Lead sees an update the moment it is published; shared caches
 * (a CDN) keep the answer for 10 s and may serve it stale for 30 s more while
 * they fetch the next one. During an outage a stale page is worse than a request.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=0, s-maxage=10, stale-while-revalidate=30';

/**
 * Answers a public GET from the render cache: renders (and compresses) only
 * when the content revision or the clock says the response changed, sends the
 * stored variant the client accepts (br, gzip or identity), and answers a
 * matching If-None-Match with 304 and no body.
 *
 * A stampede of reloads is this function's job, so a hit does no more than it
 * must: the response's headers (its own, the route's and the security
 * headers) are built once per render and variant and handed over whole, as a
 * plain object (see `headersFor`). A route's `options` must therefore be the
 * same on every request for one `key` (they are constants everywhere).
 */
export async function sendCached(
  c: Context,
  deps: Pick<Deps, 'clock' | 'repos' | 'renderCache' | 'compress' | 'log' | 'config' | 'rememberCached'>,
  key: string,
  render: (now: number) => Promise<RenderResult>,
  options: CachedOptions = {},
): Promise<Response> {
  const now = deps.clock.now();
  const revision = await deps.repos.settings.revision();
  const rendered = await deps.renderCache.get(key, revision, now, () => render(now), compressOrSkip(deps));
  const answer = cachedAnswer(
    rendered,
    { acceptEncoding: c.req.header('Accept-Encoding'), ifNoneMatch: c.req.header('If-None-Match'), ifModifiedSince: c.req.header('If-Modified-Since') },
    isHttpsRequest(deps, c),
    options,
  );
  deps.rememberCached?.(c.env, key, options);
  // The bytes are compressed already. Workers would otherwise compress them again
  // to match Content-Encoding (their default `encodeBody: 'automatic'`); other
  // runtimes ignore the option.
  const init: ResponseInit & { encodeBody: 'manual' } = { status: answer.status, headers: answer.headers, encodeBody: 'manual' };
  return markComplete(new Response(answer.body, init));
}

/**
 * Resolves after the event loop has served whatever is waiting (on Node, the
 * requests that arrived meanwhile: with stale while rendering they are
 * answered from the previous render). A big render awaits it between loading
 * its data and turning it into a page, so that it holds the loop for two
 * shorter stretches instead of one long one; the data is loaded by then, so
 * the page stays consistent.
 */
export function letWaitingRequestsRun(): Promise<void> {
  // On Node, setImmediate runs after this turn's I/O, not after new I/O: the
  // second one runs after the next poll for requests.
  if (typeof setImmediate !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** What a cached response answers to one request: the variant it accepts, or 304. */
export interface CachedAnswer {
  status: 200 | 304;
  /** Shared by every such answer: never modify. */
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
}

/** The request headers a cached answer depends on (lower-case names: Node hands them over so). */
export interface CachedRequest {
  acceptEncoding: string | undefined;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
}

/**
 * The answer from a render to a request (sendCached here, and the Node entry's
 * fast path for repeated requests, entry/node-fast-path.ts): the coding the
 * client accepts, 304 when its validators match, headers built once.
 */
export function cachedAnswer(rendered: Rendered, request: CachedRequest, https: boolean, options: CachedOptions): CachedAnswer {
  const coding = codingFor(request.acceptEncoding, rendered.encoded);
  const variant = coding === 'identity' ? rendered : rendered.encoded[coding]!;
  if (notModified(request.ifNoneMatch, request.ifModifiedSince, variant.etag, rendered.lastModified)) {
    return { status: 304, headers: headersFor(rendered, coding, https, true, options), body: null };
  }
  return { status: 200, headers: headersFor(rendered, coding, https, false, options), body: variant.body };
}

export interface CachedOptions {
  cacheControl?: string;
  headers?: Record<string, string>;
}

/** Every header of each variant of a render, built on first use: [coding, https, 304] -> headers. */
const builtHeaders = new WeakMap<Rendered, Map<string, Record<string, string>>>();

/**
 * The whole header set of one variant of a render, shared by every response
 * that sends it (never modified once built: a HEAD answer or a middleware that
 * needs changes copies them into its own Headers).
 */
function headersFor(
  rendered: Rendered,
  coding: ContentCoding | 'identity',
  https: boolean,
  notModified: boolean,
  options: CachedOptions,
): Record<string, string> {
  let variants = builtHeaders.get(rendered);
  if (!variants) builtHeaders.set(rendered, (variants = new Map()));
  const id = `${coding}${https ? '+tls' : ''}${notModified ? '+304' : ''}`;
  let headers = variants.get(id);
  if (headers) return headers;
  headers = {
    'Content-Type': rendered.contentType,
    ETag: coding === 'identity' ? rendered.etag : rendered.encoded[coding]!.etag,
    'Cache-Control': options.cacheControl ?? PUBLIC_CACHE_CONTROL,
    'Last-Modified': new Date(rendered.lastModified).toUTCString(),
    Vary: 'Accept-Encoding',
    ...options.headers,
  };
  if (coding !== 'identity' && !notModified) headers['Content-Encoding'] = coding;
  for (const [name, value] of securityHeaders(headers['Content-Security-Policy'], https)) headers[name] ??= value;
  variants.set(id, headers);
  return headers;
}

/** A failed compression costs the compressed variants, never the page. */
function compressOrSkip(deps: Pick<Deps, 'compress' | 'log'>): Compress {
  return (body, coding) =>
    deps.compress(body, coding).catch((error: unknown) => {
      deps.log.error('compression failed; serving that response uncompressed', { coding, error: String(error) });
      return null;
    });
}

/** chooseCoding's answers by header and stored codings: browsers send a handful of distinct headers. */
const codings = new Map<string, ContentCoding | 'identity'>();

function codingFor(header: string | undefined, available: Rendered['encoded']): ContentCoding | 'identity' {
  if (!header) return 'identity';
  const key = `${available.br ? 'b' : '-'}${available.gzip ? 'g' : '-'}${header}`;
  let coding = codings.get(key);
  if (coding === undefined) {
    if (codings.size >= 256) codings.clear();
    codings.set(key, (coding = chooseCoding(header, available)));
  }
  return coding;
}

/**
 * RFC 9110 12.5.3: the coding to send among those stored. The client's highest
 * q-value wins; on a tie br beats gzip, and both beat identity. q=0 refuses a
 * coding (also through `*;q=0`). No Accept-Encoding, or nothing acceptable
 * among what is stored, means identity.
 */
export function chooseCoding(
  header: string | undefined,
  available: Partial<Record<ContentCoding, unknown>>,
): ContentCoding | 'identity' {
  if (!header) return 'identity';
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';');
    let coding = name.trim().toLowerCase();
    if (!coding) continue;
    if (coding === 'x-gzip') coding = 'gzip';
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (match) q = Number(match[1]);
    }
    if (Number.isNaN(q) || weights.has(coding)) continue;
    weights.set(coding, q);
  }
  const weightOf = (coding: string): number => weights.get(coding) ?? weights.get('*') ?? 0;
  let best: ContentCoding | 'identity' = 'identity';
  // Identity, when the client rates it explicitly, competes on its q-value; otherwise it is the fallback.
  let bestWeight = weights.has('identity') ? weightOf('identity') : 0;
  for (const coding of CONTENT_CODINGS) {
    const weight = weightOf(coding);
    if (available[coding] && weight > 0 && weight >= bestWeight && (best === 'identity' || weight > bestWeight)) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

/** RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only counts without it. */
function notModified(
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  etag: string,
  lastModified: number,
): boolean {
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, etag);
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  // HTTP dates have whole seconds.
  return !Number.isNaN(since) && Math.floor(lastModified / 1000) * 1000 <= since;
}

/** RFC 9110 weak comparison of an If-None-Match list against our ETag. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

export const HTML = 'text/html; charset=utf-8';
