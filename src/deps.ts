import type { AppConfig } from './config.js';
import type { Database } from './db/database.js';
import type { Repos } from './db/repos/index.js';
import type { PinnedSend } from './lib/outbound.js';
import type { Compress, RenderCache } from './lib/render-cache.js';
import type { Views } from './lib/views.js';
import type { WorkGate } from './lib/work-gate.js';
import type { MailTransport } from './mail/transport.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Runs work after the response (waitUntil on Workers, a tracked promise on Node). */
export type Defer = (work: Promise<unknown>) => void;

/** How requests to destinations reach the network (src/lib/outbound.ts). */
export interface OutboundTransport {
  /** Host name to addresses, for the SSRF check; null where names cannot be resolved (Workers). */
  resolve: ((host: string) => Promise<string[]>) | null;
  /** Connects only to the addresses the check approved (Node); absent: fetch (Workers). */
  send?: PinnedSend;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Everything the core needs from the outside, built once per entry. */
export interface Deps {
  config: AppConfig;
  db: Database;
  repos: Repos;
  views: Views;
  clock: Clock;
  defer: Defer;
  log: Logger;
  renderCache: RenderCache;
  /**
   * Compresses a rendered body into a content coding, once per render (the
   * render cache keeps the result). Node: node:zlib, gzip and brotli. Workers:
   * CompressionStream gzip; null for br, which Cloudflare's edge adds itself.
   */
  compress: Compress;
  /**
   * Where subscriber emails go: Resend, or (Node without a key) .eml files;
   * null where email is not available (Workers without RESEND_API_KEY).
   */
  mail: MailTransport | null;
  /**
   * Asks the drainers to look now, after a write that queued something: the
   * email outbox and the destinations' deliveries.
   */
  wakeOutbox(): void;
  /** Requests to the company's own channels (destinations). */
  outbound: OutboundTransport;
  /**
   * Password checks in flight in this process (or isolate), bounded: a sign-in
   * beyond the bound is answered 429 before any hashing (services/auth/sessions.ts).
   */
  passwordChecks: WorkGate;
  /** The client's address, as the runtime knows it (for login throttling). */
  clientAddress(request: Request, env: unknown): string;
  /**
   * Node only: notes that the request in `env` was answered from render-cache
   * entry `key`, so that the same request again can be answered before it
   * reaches Hono (entry/node-fast-path.ts).
   */
  rememberCached?(env: unknown, key: string, options: { cacheControl?: string; headers?: Record<string, string> }): void;
}

export const systemClock: Clock = { now: () => Date.now() };

export const consoleLogger: Logger = {
  info(message, fields) {
    console.log(JSON.stringify({ level: 'info', message, ...fields }));
  },
  error(message, fields) {
    console.error(JSON.stringify({ level: 'error', message, ...fields }));
  },
};
