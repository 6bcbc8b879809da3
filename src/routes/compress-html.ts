import type { MiddlewareHandler } from 'hono';
import type { Deps } from '../deps.js';
import { CONTENT_CODINGS, MIN_COMPRESSED_BYTES, type ContentCoding } from '../lib/render-cache.js';
import { chooseCoding } from './cached.js';

/**
 * Compresses the HTML a route answers with, per request, in the coding the
 * client accepts (br, else gzip), with the same `deps.compress` the render
 * cache uses. For pages that differ per person (the admin): nothing is kept,
 * so no page reaches anyone but the person it was rendered for.
 */
export function compressHtml(deps: Pick<Deps, 'compress' | 'log'>): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (c.req.method === 'HEAD' || !(res.headers.get('Content-Type') ?? '').startsWith('text/html')) return;
    if (res.headers.has('Content-Encoding') || !res.body) return;
    res.headers.append('Vary', 'Accept-Encoding');
    const accepted = acceptedCodings(c.req.header('Accept-Encoding'));
    if (accepted.length === 0) return;
    const body = new Uint8Array(await res.clone().arrayBuffer());
    if (body.byteLength < MIN_COMPRESSED_BYTES) return;
    for (const coding of accepted) {
      let compressed: Uint8Array<ArrayBuffer> | null;
      try {
        compressed = await deps.compress(body, coding);
      } catch (error) {
        deps.log.error('compression failed; serving that response uncompressed', { coding, error: String(error) });
        return;
      }
      // Null: this runtime cannot produce that coding (br on Workers); try the next.
      if (!compressed || compressed.byteLength >= body.byteLength) continue;
      const headers = new Headers(res.headers);
      headers.set('Content-Encoding', coding);
      headers.delete('Content-Length');
      // The bytes are compressed already: Workers must not compress them again (see sendCached).
      const init: ResponseInit & { encodeBody: 'manual' } = { status: res.status, statusText: res.statusText, headers, encodeBody: 'manual' };
      c.res = undefined;
      c.res = new Response(compressed, init);
      return;
    }
  };
}

/** The codings to try, best first, that the client accepts. */
function acceptedCodings(header: string | undefined): ContentCoding[] {
  const codings: ContentCoding[] = [];
  let available: Partial<Record<ContentCoding, true>> = Object.fromEntries(CONTENT_CODINGS.map((coding) => [coding, true]));
  for (;;) {
    const coding = chooseCoding(header, available);
    if (coding === 'identity') return codings;
    codings.push(coding);
    available = { ...available, [coding]: undefined };
  }
}
