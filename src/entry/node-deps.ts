// Node-only: builds the core's dependencies on better-sqlite3 and views from disk.
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { AppConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { createRepos, type Repos } from '../db/repos/index.js';
import { openSqlite } from '../db/sqlite.js';
import { consoleLogger, systemClock, type Clock, type Deps, type Logger } from '../deps.js';
import { RenderCache, type Compress } from '../lib/render-cache.js';
import { passwordCheckGate } from '../services/auth/sessions.js';
import { createViews } from '../lib/views.js';
import { Wakeup } from '../lib/wakeup.js';
import { fileTransport } from './file-transport.js';
import { resendTransport } from '../mail/resend-transport.js';
import type { MailTransport } from '../mail/transport.js';
import { CachedFastPath } from './node-fast-path.js';
import { nodeOutbound } from './pinned-fetch.js';
import { loadViewSources } from './view-sources.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle', import.meta.url));

const brotliAsync = promisify(brotliCompress);
const BROTLI_QUALITY = 5;
const gzipAsync = promisify(gzip);

/**
 * Compression for Node, on libuv's thread pool (the event loop keeps serving
 * meanwhile). It runs once per render, but the first readers after a change
 * wait for it, so brotli runs at quality 5: about 1 ms for `/` instead of
 * 120-250 ms at quality 11, for some 13% more bytes (5.9 KB instead of
 * 5.3 KB; bench/README.md). gzip at level 9.
 */
export const compressWithZlib: Compress = async (body, coding) => {
  const compressed =
    coding === 'br'
      ? await brotliAsync(body, {
          params: {
            [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
            [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
            [zlib.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
          },
        })
      : await gzipAsync(body, { level: zlib.Z_BEST_COMPRESSION });
  // A copy the cache owns outright (zlib may hand back a view into a shared pool).
  return new Uint8Array(compressed);
};

export interface NodeDepsOptions {
  config: AppConfig;
  /** File path or ':memory:'. */
  databasePath: string;
  clock?: Clock;
  log?: Logger;
  /** Where the local mail transport writes when there is no Resend key (default ./data/mail). */
  mailDir?: string;
}

export interface NodeDeps extends Deps {
  /** Waits for work handed to `defer` (used at shutdown and in tests). */
  settle(): Promise<void>;
  /** Woken by `wakeOutbox`; the outbox loop (src/entry/node.ts) sleeps on it. */
  outboxWakeup: Wakeup;
  /** Woken by `wakeOutbox` too; the destinations' delivery loop sleeps on it. */
  destinationsWakeup: Wakeup;
  /** Woken by `wakeOutbox` too; the customer channels' delivery loop sleeps on it. */
  channelsWakeup: Wakeup;
  /** Answers repeated public GETs from the render cache before Hono (see node-fast-path.ts). */
  fastPath: CachedFastPath;
}

/**
 * How long a process trusts the content revision it read last, unless it wrote
 * since: every public request checks the revision (is the cached render still
 * current?), and during a stampede one read serves the requests of this
 * window. Writes of this process are seen at once (each atomic write forgets
 * the memo); those of other processes (the other HERALD_WORKERS, the command
 * line) within this time, well inside the one-second freshness budget.
 */
export const REVISION_MEMO_MS = 50;

/**
 * The database and repos of this process, the content revision memoized as
 * above: wrappers around the driver's, which stay untouched. Every atomic
 * write or claim through the wrapper forgets the memo.
 */
function withRevisionMemo(db: Database, repos: Repos): { db: Database; repos: Repos } {
  let writes = 0;
  let memo: { value: Promise<string>; readAt: number; writes: number } | undefined;
  const counted = async <T>(write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      writes++;
    }
  };
  const memoDb: Database = {
    orm: db.orm,
    atomic: (statements) => counted(db.atomic(statements)),
    claim: (statement) => counted(db.claim(statement)),
    close: () => db.close(),
  };
  // Not async: a hit hands back the same settled promise, no new one per request.
  const revision = (): Promise<string> => {
    const now = performance.now();
    if (memo && memo.writes === writes && now - memo.readAt < REVISION_MEMO_MS) return memo.value;
    const value = repos.settings.revision();
    memo = { value, readAt: now, writes };
    // A failed read is not kept.
    value.catch(() => (memo = undefined));
    return value;
  };
  return { db: memoDb, repos: { ...repos, settings: { ...repos.settings, revision } } };
}

/** Resend when there is a key, else .eml files under `dir`. */
export function nodeMailTransport(config: AppConfig, dir: string, log: Logger): MailTransport {
  const { mail } = config;
  return mail.resendApiKey
    ? resendTransport({ apiKey: mail.resendApiKey, baseUrl: mail.resendBaseUrl, from: mail.from })
    : fileTransport({ dir, from: mail.from, log });
}

export function createNodeDeps(options: NodeDepsOptions): NodeDeps {
  const sqlite = openSqlite({ path: options.databasePath, migrationsFolder: MIGRATIONS_DIR });
  const { db, repos } = withRevisionMemo(sqlite, createRepos(sqlite.orm));
  const log = options.log ?? consoleLogger;
  const pending = new Set<Promise<unknown>>();
  const outboxWakeup = new Wakeup();
  const destinationsWakeup = new Wakeup();
  const channelsWakeup = new Wakeup();
  const clock = options.clock ?? systemClock;
  const renderCache = new RenderCache();
  const fastPath = new CachedFastPath({ repos, renderCache, clock }, options.config.publicUrl?.startsWith('https:') === true);
  return {
    config: options.config,
    db,
    repos,
    views: createViews(loadViewSources()),
    clock,
    log,
    renderCache,
    fastPath,
    rememberCached: (env, key, cachedOptions) => fastPath.remember(env, key, cachedOptions),
    compress: compressWithZlib,
    mail: nodeMailTransport(options.config, options.mailDir ?? './data/mail', log),
    outboxWakeup,
    destinationsWakeup,
    channelsWakeup,
    wakeOutbox: () => {
      outboxWakeup.wake();
      destinationsWakeup.wake();
      channelsWakeup.wake();
    },
    outbound: nodeOutbound,
    passwordChecks: passwordCheckGate(),
    clientAddress: (_request, env) =>
      (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? 'unknown',
    defer(work) {
      const tracked = work
        .catch((error: unknown) => log.error('deferred work failed', { error: String(error) }))
        .finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async settle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
