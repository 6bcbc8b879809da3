// The Node entry's answer to a stampede: a GET that Herald already answered
// from the render cache is answered again straight from it, before the request
// becomes a Hono request at all.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Deps } from '../deps.js';
import { cachedAnswer, type CachedOptions } from '../routes/cached.js';

/** Distinct requests remembered (query strings are free text: the map is emptied when full). */
const MAX_REMEMBERED = 1_000;

interface Remembered {
  key: string;
  options: CachedOptions;
}

/**
 * sendCached (routes/cached.ts) reports, through `deps.rememberCached`, which
 * render-cache entry answered a request, by the request's Host header and
 * target (path and query) as the client sent them. The same Host and target
 * again, as GET or HEAD, is answered here with `cachedAnswer`, the function
 * sendCached itself uses (same coding choice, same 304 rules, the same
 * prebuilt headers, security headers included), while that entry is current
 * (same content revision, clock within its deadline). Anything else (a new
 * request, a stale or evicted entry, another method) goes to Hono as usual,
 * which renders and remembers again.
 *
 * Only requests that went through the whole app are remembered, so each one
 * already passed the Host check (a wrong Host never gets here: it got a 421)
 * and its route's validation. The entry's key, not this map, decides what is
 * sent, so a forgotten request only costs a trip through Hono.
 */
export class CachedFastPath {
  private readonly remembered = new Map<string, Remembered>();
  /** A variant's headers plus its Content-Length, built once (writeHead takes one object as is). */
  private readonly withLength = new WeakMap<Record<string, string>, Record<string, string>>();
  /** Requests answered here (for tests and the bench). */
  served = 0;

  constructor(
    private readonly deps: Pick<Deps, 'repos' | 'renderCache' | 'clock'>,
    /** PUBLIC_URL is https (Node itself only speaks http: HSTS follows the configuration). */
    private readonly https: boolean,
  ) {}

  remember(env: unknown, key: string, options: CachedOptions): void {
    const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const target = incoming && targetOf(incoming);
    if (!target) return;
    if (this.remembered.size >= MAX_REMEMBERED && !this.remembered.has(target)) this.remembered.clear();
    this.remembered.set(target, { key, options });
  }

  /** Answers the request from the render cache if it can; false hands it to Hono. */
  async answer(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const target = targetOf(request);
    const remembered = target === undefined ? undefined : this.remembered.get(target);
    if (!remembered) return false;
    const revision = await this.deps.repos.settings.revision();
    const rendered = this.deps.renderCache.peek(remembered.key, revision, this.deps.clock.now());
    if (!rendered) return false;
    const asked = request.headers;
    const answer = cachedAnswer(
      rendered,
      { acceptEncoding: asked['accept-encoding'], ifNoneMatch: asked['if-none-match'], ifModifiedSince: asked['if-modified-since'] },
      this.https,
      remembered.options,
    );
    this.served++;
    if (!answer.body) {
      response.writeHead(answer.status, answer.headers).end();
      return true;
    }
    let headers200 = this.withLength.get(answer.headers);
    if (!headers200) this.withLength.set(answer.headers, (headers200 = { ...answer.headers, 'Content-Length': String(answer.body.byteLength) }));
    response.writeHead(answer.status, headers200);
    response.end(request.method === 'HEAD' ? undefined : answer.body);
    return true;
  }
}

/** The request's host and path, or undefined for a request the fast path must leave to the app (no Host, or two). */
function targetOf(request: IncomingMessage): string | undefined {
  const host = request.headers.host;
  if (host === undefined || request.url === undefined) return undefined;
  // Node keeps the first of two Host headers; the app sees both and refuses the request.
  let hosts = 0;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  return hosts === 1 ? `${host} ${request.url}` : undefined;
}

/**
 * The HTTP handler of a Node process: the fast path first, then the app
 * through @hono/node-server. Used by src/entry/node.ts and bench/server.ts.
 */
export function nodeRequestListener(app: Hono, fastPath: CachedFastPath | null): RequestListener {
  const viaHono = getRequestListener(app.fetch);
  if (!fastPath) return viaHono;
  return (request, response) => {
    fastPath.answer(request, response).then(
      (answered) => {
        if (!answered) void viaHono(request, response);
      },
      () => void viaHono(request, response),
    );
  };
}

export function createNodeServer(app: Hono, fastPath: CachedFastPath | null): Server {
  return createServer(nodeRequestListener(app, fastPath));
}
