// Purge after publish: the public URLs a write changed are purged from
// Cloudflare's cache in every colo through the purge-by-URL API
// (POST /zones/{zone_id}/purge_cache {"files": [...]}, at most 30 URLs a call
// on the Free, Pro and Business plans), with a token that may only purge.
//
// The URLs go to a durable outbox (the edge_purges table) first, written after
// the publishing write; the request's waitUntil then sends them, after its
// response, and retries failures with backoff for as long as its budget lasts;
// the cron trigger sends whatever is still due. A purge never blocks or fails
// the publish, and is never lost while it is queued.
import type { Database } from '../db/database.js';
import type { EdgePurgesRepo } from '../db/repos/edge-purges-repo.js';
import type { Clock, Logger } from '../deps.js';
import { newId } from '../lib/ids.js';
import type { PurgeConfig } from './config.js';

/** Cloudflare's limit of URLs per purge call on the Free, Pro and Business plans. */
export const URLS_PER_PURGE = 30;
/** Attempts before a purge is given up (logged); with the backoff below, about 6 hours. */
export const MAX_PURGE_ATTEMPTS = 40;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10 * 60_000;
const LEASE_MS = 30_000;
const CALL_TIMEOUT_MS = 10_000;

export interface PurgeResult {
  sent: number;
  retried: number;
  failed: number;
}

export interface Purger {
  /** The absolute public URLs for these paths. */
  urlsFor(paths: readonly string[]): string[];
  /** Queues the URLs (in calls of at most 30): durable once this resolves. */
  queue(urls: readonly string[]): Promise<void>;
  /** Sends what is due, retrying within `budgetMs`; never throws. */
  drain(budgetMs: number): Promise<PurgeResult>;
}

export interface PurgerDeps {
  config: PurgeConfig;
  db: Database;
  repo: EdgePurgesRepo;
  clock: Clock;
  log: Logger;
  fetch: typeof fetch;
}

export function retryDelay(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export function createPurger(deps: PurgerDeps): Purger {
  const { config, db, repo, clock, log } = deps;
  const endpoint = `${config.apiBaseUrl}/zones/${config.zoneId}/purge_cache`;

  /** One purge call: null when Cloudflare accepted it, else the reason and when to try again at the earliest. */
  async function call(urls: string[]): Promise<{ error: string; retryAfterMs?: number } | null> {
    let response: Response;
    try {
      response = await deps.fetch(endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${config.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ files: urls }),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (error) {
      return { error: `purge call failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    const text = await response.text().catch(() => '');
    let body: { success?: unknown; errors?: { code?: unknown; message?: unknown }[] } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: reported below with the status
    }
    if (response.ok && body.success === true) return null;
    const errors = (body.errors ?? []).map((e) => `${String(e.code ?? '')} ${String(e.message ?? '')}`.trim()).join('; ');
    const retryAfter = Number(response.headers.get('Retry-After'));
    return {
      error: `Cloudflare answered ${response.status}${errors ? `: ${errors}` : ''}`.slice(0, 500),
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    };
  }

  return {
    urlsFor(paths) {
      return paths.map((path) => `${config.publicUrl}${path}`);
    },

    async queue(urls) {
      const unique = [...new Set(urls)];
      if (unique.length === 0) return;
      const now = clock.now();
      const rows = [];
      for (let i = 0; i < unique.length; i += URLS_PER_PURGE) {
        rows.push(repo.insert({ id: newId(), urls: unique.slice(i, i + URLS_PER_PURGE), now }));
      }
      await db.atomic(rows);
    },

    async drain(budgetMs) {
      const result: PurgeResult = { sent: 0, retried: 0, failed: 0 };
      const until = clock.now() + budgetMs;
      // Whether this round scheduled a first retry (due in FIRST_RETRY_MS): that one is waited for here; later ones are the cron's.
      let retrySoon = false;
      try {
        while (clock.now() < until) {
          const now = clock.now();
          const due = await repo.due(now, 10);
          if (due.length === 0) {
            if (!retrySoon || now + FIRST_RETRY_MS >= until) break;
            retrySoon = false;
            await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS));
            continue;
          }
          for (const row of due) {
            if ((await db.claim(repo.lease(row.id, now, LEASE_MS))) !== 1) continue;
            const attempts = row.attempts + 1;
            const problem = await call(row.urls);
            const after = clock.now();
            if (!problem) {
              await db.atomic([repo.done(row.id, after)]);
              result.sent++;
            } else if (attempts >= MAX_PURGE_ATTEMPTS) {
              await db.atomic([repo.failed(row.id, after, problem.error)]);
              result.failed++;
              log.error('purge given up', { id: row.id, attempts, error: problem.error });
            } else {
              const delay = Math.max(retryDelay(attempts), problem.retryAfterMs ?? 0);
              await db.atomic([repo.retry(row.id, after + delay, problem.error)]);
              result.retried++;
              if (delay <= FIRST_RETRY_MS) retrySoon = true;
              log.error('purge failed; will retry', { id: row.id, attempts, error: problem.error });
            }
          }
        }
      } catch (error) {
        log.error('purge drain failed', { error: error instanceof Error ? error.message : String(error) });
      }
      return result;
    },
  };
}
