// Cloudflare Workers entry (wrangler.toml `main`). Builds the core's
// dependencies once per isolate from the env bindings, initializes the page
// once, and hands every request to the same Hono app as the Node entry.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { D1Database, ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import { createApp } from '../app.js';
import { ConfigError, parseAppConfig } from '../config.js';
import { openD1 } from '../db/d1.js';
import { createRepos } from '../db/repos/index.js';
import { edgePurgesRepo } from '../db/repos/edge-purges-repo.js';
import { EdgeCache, PURGED_PATHS, cacheKey, type EdgeCacheOptions } from '../edge/cache.js';
import { parseEdgeConfig, type EdgeConfig } from '../edge/config.js';
import { D1Sessions, isBookmark, type RequestSession, type SessionMode } from '../edge/d1-sessions.js';
import { clientAcceptEncoding, withClientAcceptEncoding } from '../edge/encoding.js';
import { createPurger, type Purger } from '../edge/purge.js';
import { consoleLogger, systemClock, type Deps } from '../deps.js';
import { templates } from '../generated/views.js';
import { RenderCache } from '../lib/render-cache.js';
import { passwordCheckGate } from '../services/auth/sessions.js';
import { createViews } from '../lib/views.js';
import { createSetupLink } from '../services/auth/accounts.js';
import { resendTransport } from '../mail/resend-transport.js';
import { runBackgroundTick } from '../services/background.js';
import { createDrainer, type Drainer } from '../services/notifications/outbox.js';
import { createDeliveryDrainer, type DeliveryDrainer } from '../services/destinations/deliveries.js';
import { createCustomerDrainer, type CustomerDrainer } from '../services/customer-channels/deliveries.js';
import { customerChannelsTick } from '../services/customer-channels/health.js';
import { initializePage } from '../services/settings/initialize.js';

/** The bindings declared in wrangler.toml ([vars] and [[d1_databases]]). */
export interface Env {
  DB: D1Database;
  HERALD_ENV?: string;
  HERALD_DEMO?: string;
  PUBLIC_URL?: string;
  HERALD_PAGE_NAME?: string;
  HERALD_TIME_ZONE?: string;
  /** Secrets (`wrangler secret put`), or .dev.vars locally. */
  RESEND_API_KEY?: string;
  RESEND_WEBHOOK_SECRET?: string;
  MAIL_FROM?: string;
  MAIL_RATE_LIMIT?: string;
  RESEND_BASE_URL?: string;
  /** "1": destinations may be plain http on loopback (local development and tests only). */
  OUTBOUND_ALLOW_LOOPBACK?: string;
  /** The edge cache and purge (src/edge/config.ts, docs/workers.md). */
  EDGE_CACHE_SECONDS?: string;
  EDGE_KEEP_SECONDS?: string;
  EDGE_ORIGIN_TIMEOUT_MS?: string;
  CLOUDFLARE_ZONE_ID?: string;
  /** Secret (`wrangler secret put CLOUDFLARE_PURGE_TOKEN`): a token with only Zone > Cache Purge. */
  CLOUDFLARE_PURGE_TOKEN?: string;
  CLOUDFLARE_API_BASE_URL?: string;
  HERALD_EDGE_DEBUG?: string;
}

/** Wall time one drain may take: after a publishing request (waitUntil), and per cron run. */
const DRAIN_AFTER_REQUEST_MS = 20_000;
const DRAIN_PER_CRON_MS = 45_000;
/** Customer channel sends per drain, under Workers' subrequests per invocation (1,000 on the paid plan; the email and destination drains share it). */
const CHANNEL_SENDS_PER_DRAIN = 500;
/** After a write, this cookie (and the X-D1-Bookmark header) carries the D1 bookmark: read-your-writes. */
const BOOKMARK_COOKIE = 'herald_d1_bookmark';
const BOOKMARK_HEADER = 'X-D1-Bookmark';
/** Long enough for any replica to catch up; the cookie also keeps the editor off the edge cache meanwhile. */
const BOOKMARK_MAX_AGE_S = 300;

type Handler = (request: Request) => Promise<Response>;

/**
 * The current request's ExecutionContext, so `deps.defer` (built once per
 * isolate) hands work to the waitUntil of the request that deferred it.
 * Shared code never sees this: it only calls `deps.defer`.
 */
const requestContext = new AsyncLocalStorage<ExecutionContext>();

/** The current request's D1 session (src/edge/d1-sessions.ts). */
const sessionContext = new AsyncLocalStorage<RequestSession>();

const log = consoleLogger;

interface Built {
  deps: Deps;
  drainer: Drainer | null;
  deliveries: DeliveryDrainer;
  channels: CustomerDrainer;
  edge: EdgeConfig;
  sessions: D1Sessions;
  purger: Purger | null;
}

function buildDeps(env: Env): Built {
  const config = parseAppConfig(env as unknown as Record<string, unknown>);
  const edge = parseEdgeConfig(env as unknown as Record<string, unknown>, config.publicUrl);
  if (!env.DB) throw new ConfigError('the D1 binding "DB" is missing: declare it under [[d1_databases]] in wrangler.toml');
  // Every statement runs on the current request's D1 session (read replicas for public reads).
  const sessions = new D1Sessions(env.DB, sessionContext);
  const db = openD1(sessions.binding);
  // Email needs Resend here (no file system); without a key, subscribing is off.
  const mail = config.mail.resendApiKey
    ? resendTransport({ apiKey: config.mail.resendApiKey, baseUrl: config.mail.resendBaseUrl, from: config.mail.from })
    : null;
  const deps: Deps = {
    config,
    db,
    repos: createRepos(db.orm),
    mail,
    // Send what a write just queued without waiting for the next cron minute.
    wakeOutbox: () => {
      if (drainer) deps.defer(drainer.drain(DRAIN_AFTER_REQUEST_MS));
      deps.defer(deliveries.drain(DRAIN_AFTER_REQUEST_MS));
      deps.defer(channels.drain(DRAIN_AFTER_REQUEST_MS));
    },
    // No resolver: a Worker cannot resolve names itself. Cloudflare's egress
    // does not reach private networks, and IP literals are still checked.
    outbound: { resolve: null },
    // Precompiled by `npm run build:views`: Workers forbid `new Function`.
    views: createViews(templates),
    clock: systemClock,
    log,
    renderCache: new RenderCache(),
    passwordChecks: passwordCheckGate(),
    // gzip, once per render. No brotli here (Workers have no brotli
    // CompressionStream): Cloudflare's edge compresses for clients that want it.
    async compress(body, coding) {
      if (coding !== 'gzip') return null;
      const stream = new Response(body).body!.pipeThrough(new CompressionStream('gzip'));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    },
    // Cloudflare puts the client's address in CF-Connecting-IP (wrangler dev does too).
    clientAddress: (request) => request.headers.get('CF-Connecting-IP') ?? 'unknown',
    defer(work) {
      const guarded = work.catch((error: unknown) => log.error('deferred work failed', { error: describe(error) }));
      const ctx = requestContext.getStore();
      if (ctx) ctx.waitUntil(guarded);
      else log.error('defer called outside a request; the runtime may cut this work short');
    },
  };
  // One per isolate, so the requests-per-second limit holds across its drains.
  const drainer = mail ? createDrainer({ ...deps, mail }) : null;
  // One per isolate, so its per-destination and per-host limits hold across requests.
  const deliveries = createDeliveryDrainer(deps);
  // The customer channels' (expansion, then sends), one per isolate for the same reason. Each
  // send is a subrequest, and an invocation may make a limited number (1,000 on the paid plan):
  // a drain stops starting sends below it, and the next request or cron minute goes on.
  const channels = createCustomerDrainer(deps, { sendsPerDrain: CHANNEL_SENDS_PER_DRAIN });
  const purger = edge.purge
    ? createPurger({ config: edge.purge, db, repo: edgePurgesRepo(db.orm), clock: systemClock, log, fetch: (input, init) => fetch(input, init) })
    : null;
  return { deps, drainer, deliveries, channels, edge, sessions, purger };
}

interface State {
  serve(request: Request, ctx: ExecutionContext): Promise<Response>;
  tick(): Promise<void>;
}

/** Per isolate: the app, or the configuration problem every request answers with. */
let built: State | { configError: string } | undefined;
/** Per isolate: page initialization, shared by the requests that arrive while it runs. */
let initialized: Promise<void> | undefined;
/** Per isolate: the first-owner setup link, created and logged once an address for it is known. */
let setupLogged: Promise<void> | undefined;

function build(env: Env): State | { configError: string } {
  if (built) return built;
  let parts: Built;
  try {
    parts = buildDeps(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return (built = { configError: error.message.replace(/\s+/g, ' ') });
  }
  const { deps, drainer, deliveries, channels, edge, sessions, purger } = parts;
  const app = createApp(deps);
  const initialize = (): Promise<void> =>
    (initialized ??= initializePage(deps).then(
      ({ created }) => {
        if (created) log.info(deps.config.demo ? 'created the page with example content' : 'created an empty page');
      },
      (error: unknown) => {
        initialized = undefined; // the next request tries again
        throw error;
      },
    ));
  /**
   * Nobody can sign in yet: log a one-time link to create the owner (see
   * `wrangler tail`), at PUBLIC_URL or else at the origin of the first request
   * (a Worker knows its own address only from a request). A cron run without
   * PUBLIC_URL leaves it to the first request.
   */
  const logSetupLink = (origin: string | null): Promise<void> => {
    const base = deps.config.publicUrl ?? origin;
    if (base === null) return Promise.resolve();
    return (setupLogged ??= createSetupLink(deps).then(
      (setup) => {
        if (setup) log.info('create the owner account (link valid for 1 hour)', { link: `${base}/admin/setup/${setup}` });
      },
      (error: unknown) => {
        setupLogged = undefined; // the next request tries again
        throw error;
      },
    ));
  };
  const handler: Handler = async (request) => {
    try {
      await initialize();
      await logSetupLink(new URL(request.url).origin);
    } catch (error) {
      log.error('page initialization failed (were the D1 migrations applied?)', { error: describe(error) });
      return plainText(503, 'herald: the page could not be initialized; see the Worker logs. Retry shortly.');
    }
    // No env and no ExecutionContext for the app: shared code gets everything
    // from deps, so it behaves the same here as on Node (where c.executionCtx throws).
    return app.fetch(request);
  };

  // One per isolate: caches.default is per colo, the fill coalescing per isolate.
  // (No Cache API outside workerd, as when a test imports this entry into Node: no edge cache.)
  const localCache = (globalThis as unknown as { caches?: { default?: EdgeCacheOptions['cache'] } }).caches?.default;
  const edgeCache =
    edge.cacheMs > 0 && localCache
      ? new EdgeCache({
          cache: localCache,
          cacheMs: edge.cacheMs,
          keepSeconds: edge.keepSeconds,
          originTimeoutMs: edge.originTimeoutMs,
          now: () => Date.now(),
          waitUntil: (work) => requestContext.getStore()?.waitUntil(work),
          log,
        })
      : null;

  /**
   * After a write that changed public content (the content revision moved):
   * this colo's edge copies are dropped at once, and, with purge configured,
   * every colo's through the outbox, after the response.
   */
  const componentPaths = (id: string) => [
    `/components/${id}/history.atom`,
    `/components/${id}/history.rss`,
    `/badge/${id}.svg`,
    `/badge/${id}.json`,
  ];
  const afterPublish = async (request: Request, response: Response, startedAt: number): Promise<void> => {
    const origin = new URL(request.url).origin;
    if (edgeCache && localCache) {
      edgeCache.forget();
      await Promise.all(PURGED_PATHS.map((path) => localCache.delete(`${origin}${path}`).catch(() => false)));
    }
    if (!purger) return;
    const changed = new Set(await edgePurgesRepo(deps.db.orm).incidentsChangedSince(startedAt - 1_000));
    const location = response.headers.get('Location') ?? '';
    const incidentIn = (path: string) => path.match(/\/incidents\/([a-z0-9]{6,40})(?:\/|$)/)?.[1];
    const fromPath = incidentIn(new URL(request.url).pathname);
    const fromLocation = incidentIn(location);
    for (const id of [fromPath, fromLocation]) if (id) changed.add(id);
    // A component's own feeds and badges change with its status and with the incidents that affect it.
    const componentIds = await edgePurgesRepo(deps.db.orm).componentsChangedSince(startedAt - 1_000, [...changed]);
    const paths = [...PURGED_PATHS, ...[...changed].map((id) => `/incidents/${id}`), ...componentIds.flatMap(componentPaths)];
    await purger.queue(purger.urlsFor(paths));
    await purger.drain(DRAIN_AFTER_REQUEST_MS);
  };

  /** Runs `work` in a D1 session of its own; adds the debug headers. */
  const inSession = async (mode: SessionMode, bookmark: string | null, work: () => Promise<Response>): Promise<{ response: Response; session: RequestSession }> => {
    const { session, result } = sessions.run(mode, bookmark, work);
    return { response: await result, session };
  };

  const debugHeaders = (response: Response, session: RequestSession | null): Response =>
    edge.debug
      ? withHeaders(response, [
          ['X-Herald-D1-Queries', String(session?.queries ?? 0)],
          ['X-Herald-D1-Session', session?.mode ?? 'none'],
        ])
      : response;

  return (built = {
    async serve(incoming, ctx) {
      const acceptEncoding = clientAcceptEncoding(incoming);
      const request = withClientAcceptEncoding(incoming);
      const url = new URL(request.url);
      if (edge.debug && url.pathname === '/__herald/edge-stats') {
        return Response.json({ d1Queries: sessions.stats.queries, edge: edgeCache?.stats ?? null });
      }

      // Public, anonymous GETs: the edge cache, and any replica for what it must read.
      const key = edgeCache ? cacheKey(request) : null;
      if (key && edgeCache) {
        const { response, session } = await inSession('first-unconstrained', null, () => edgeCache.serve(request, key, acceptEncoding, handler));
        return debugHeaders(response, session);
      }
      const write = request.method !== 'GET' && request.method !== 'HEAD';
      const bookmark = request.headers.get(BOOKMARK_HEADER) ?? cookie(request, BOOKMARK_COOKIE);
      const privileged = /^\/(admin|api\/v1|webhooks)(\/|$)/.test(url.pathname);
      const mode: SessionMode = write ? 'first-primary' : isBookmark(bookmark) ? 'bookmark' : privileged ? 'first-primary' : 'first-unconstrained';
      const startedAt = Date.now();
      const { response, session } = await inSession(mode, isBookmark(bookmark) ? bookmark : null, async () => {
        const before = write ? await deps.repos.settings.revision().catch(() => null) : null;
        const answered = await handler(request);
        if (write && answered.status < 400) {
          const after = await deps.repos.settings.revision().catch(() => null);
          if (before !== null && after !== null && before !== after) {
            deps.defer(afterPublish(request, answered, startedAt));
          }
        }
        return answered;
      });
      let answered = response;
      if (write && response.status < 400) {
        // Read-your-writes: the next requests of this editor (or API client) read at least this write.
        const mark = session.session.getBookmark();
        if (isBookmark(mark)) {
          const secure = url.protocol === 'https:' ? '; Secure' : '';
          answered = withHeaders(answered, [
            [BOOKMARK_HEADER, mark],
            ['Set-Cookie', `${BOOKMARK_COOKIE}=${mark}; Path=/; Max-Age=${BOOKMARK_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure}`],
          ]);
        }
      }
      return debugHeaders(answered, session);
    },
    /** One round of background work (the maintenance clock, pruning), a drain of both outboxes and of the purges, from the cron trigger. */
    async tick() {
      const { result } = sessions.run('first-primary', null, async () => {
        await initialize();
        await logSetupLink(null);
        const before = await deps.repos.settings.revision().catch(() => null);
        const startedAt = Date.now();
        await runBackgroundTick(deps);
        await customerChannelsTick(deps);
        const after = await deps.repos.settings.revision().catch(() => null);
        // The maintenance clock publishes too.
        if (purger && deps.config.publicUrl && before !== null && after !== null && before !== after) {
          await afterPublish(new Request(`${deps.config.publicUrl}/`), new Response(null), startedAt).catch((error: unknown) =>
            log.error('purge after the tick failed', { error: describe(error) }),
          );
        }
        await Promise.all([
          drainer?.drain(DRAIN_PER_CRON_MS),
          deliveries.drain(DRAIN_PER_CRON_MS),
          channels.drain(DRAIN_PER_CRON_MS),
          purger?.drain(DRAIN_PER_CRON_MS),
        ]);
      });
      await result;
    },
  });
}

/** A cookie's value from the request, or null. */
function cookie(request: Request, name: string): string | null {
  const header = request.headers.get('Cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

/**
 * The response with these headers added. A response whose headers are
 * immutable is copied; its bytes stay as they are (`encodeBody: 'manual'` when
 * they are compressed already, so the runtime does not compress them again).
 */
function withHeaders(response: Response, headers: [string, string][]): Response {
  try {
    for (const [name, value] of headers) response.headers.append(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
      encodeBody: response.headers.has('Content-Encoding') ? 'manual' : 'automatic',
    } as ResponseInit);
    for (const [name, value] of headers) copy.headers.append(name, value);
    return copy;
  }
}

/** The stack plus its causes: drizzle wraps D1's own message ("no such table") in `cause`. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join('\ncaused by: ');
}

function plainText(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

export default {
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const state = build(env);
    if ('configError' in state) {
      log.error('invalid configuration', { error: state.configError });
      return;
    }
    const work = requestContext
      .run(ctx, () => state.tick())
      .catch((error: unknown) => log.error('background tick failed', { error: describe(error) }));
    ctx.waitUntil(work);
    await work;
  },

  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const state = build(env);
    if ('configError' in state) {
      log.error('invalid configuration', { error: state.configError });
      return plainText(500, `herald: ${state.configError}`);
    }
    const response = requestContext.run(ctx, () => state.serve(request, ctx));
    // Work this request starts may be shared with other requests (the page
    // initialization, a render-cache miss, an edge-cache fill). Keep this
    // request's context alive until it is done even if the client goes away, so
    // those waiters are never left with work the runtime cancelled.
    ctx.waitUntil(response.catch(() => undefined));
    return response;
  },
};
