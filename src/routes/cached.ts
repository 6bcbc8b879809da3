import type { Context } from 'hono';
import type { Deps } from '../deps.js';
import type { Rendered, RenderResult } from '../lib/render-cache.js';

/** Short browser/CDN lifetime: during an outage a stale page is worse than a request. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=10, stale-while-revalidate=30';

/**
 * Answers a public GET from the render cache: renders only when the content
 * revision or the clock says the response changed, and answers a matching
 * If-None-Match with 304 and no body.
 */
export async function sendCached(
  c: Context,
  deps: Pick<Deps, 'clock' | 'repos' | 'renderCache'>,
  key: string,
  render: (now: number) => Promise<RenderResult>,
  options: { cacheControl?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const now = deps.clock.now();
  const revision = await deps.repos.settings.revision();
  const rendered = await deps.renderCache.get(key, revision, now, () => render(now));
  const headers: Record<string, string> = {
    'Content-Type': rendered.contentType,
    ETag: rendered.etag,
    'Cache-Control': options.cacheControl ?? PUBLIC_CACHE_CONTROL,
    'Last-Modified': new Date(rendered.lastModified).toUTCString(),
    Vary: 'Accept-Encoding',
    ...options.headers,
  };
  if (notModified(c.req.header('If-None-Match'), c.req.header('If-Modified-Since'), rendered)) {
    return c.body(null, 304, headers);
  }
  return c.body(rendered.body, 200, headers);
}

/** RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only counts without it. */
function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, rendered: Rendered): boolean {
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, rendered.etag);
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  // HTTP dates have whole seconds.
  return !Number.isNaN(since) && Math.floor(rendered.lastModified / 1000) * 1000 <= since;
}

/** RFC 9110 weak comparison of an If-None-Match list against our ETag. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

export const HTML = 'text/html; charset=utf-8';
