// Cloudflare Workers entry (wrangler.toml `main`). Builds the core's
// dependencies once per isolate from the env bindings, initializes the page
// once, and hands every request to the same Hono app as the Node entry.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { D1Database, ExecutionContext, ScheduledController } from '@cloudflare/workers-types';
import { createApp } from '../app.js';
import { ConfigError, parseAppConfig } from '../config.js';
import { openD1 } from '../db/d1.js';
import { createRepos } from '../db/repos/index.js';
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
}

/** Wall time one drain may take: after a publishing request (waitUntil), and per cron run. */
const DRAIN_AFTER_REQUEST_MS = 20_000;
const DRAIN_PER_CRON_MS = 45_000;

type Handler = (request: Request) => Promise<Response>;

/**
 * The current request's ExecutionContext, so `deps.defer` (built once per
 * isolate) hands work to the waitUntil of the request that deferred it.
 * Shared code never sees this: it only calls `deps.defer`.
 */
const requestContext = new AsyncLocalStorage<ExecutionContext>();

const log = consoleLogger;

function buildDeps(env: Env): { deps: Deps; drainer: Drainer | null; deliveries: DeliveryDrainer } {
  const config = parseAppConfig(env as unknown as Record<string, unknown>);
  if (!env.DB) throw new ConfigError('the D1 binding "DB" is missing: declare it under [[d1_databases]] in wrangler.toml');
  const db = openD1(env.DB);
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
  return { deps, drainer, deliveries };
}

/** Per isolate: the app, or the configuration problem every request answers with. */
let built: { handler: Handler; tick(): Promise<void> } | { configError: string } | undefined;
/** Per isolate: page initialization, shared by the requests that arrive while it runs. */
let initialized: Promise<void> | undefined;
/** Per isolate: the first-owner setup link, created and logged once an address for it is known. */
let setupLogged: Promise<void> | undefined;

function build(env: Env): { handler: Handler; tick(): Promise<void> } | { configError: string } {
  if (built) return built;
  let deps: Deps;
  let drainer: Drainer | null;
  let deliveries: DeliveryDrainer;
  try {
    ({ deps, drainer, deliveries } = buildDeps(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return (built = { configError: error.message.replace(/\s+/g, ' ') });
  }
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
  return (built = {
    async handler(request) {
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
    },
    /** One round of background work (the maintenance clock, pruning) and a drain of both outboxes, from the cron trigger. */
    async tick() {
      await initialize();
      await logSetupLink(null);
      await runBackgroundTick(deps);
      await Promise.all([drainer?.drain(DRAIN_PER_CRON_MS), deliveries.drain(DRAIN_PER_CRON_MS)]);
    },
  });
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
    const response = requestContext.run(ctx, () => state.handler(request));
    // Work this request starts may be shared with other requests (the page
    // initialization, a render-cache miss). Keep this request's context alive
    // until it is done even if the client goes away, so those waiters are never
    // left with work the runtime cancelled.
    ctx.waitUntil(response.catch(() => undefined));
    return response;
  },
};
