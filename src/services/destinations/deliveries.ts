import type { InternalNotification } from '../../channels/message.js';
import { equalJitterBackoff } from '../../lib/backoff.js';
import { renderForDestination } from '../../channels/render.js';
import type { DueDelivery } from '../../db/repos/deliveries-repo.js';
import { DAY, MINUTE } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { newId } from '../../lib/ids.js';
import { postOutbound, type OutboundResult } from '../../lib/outbound.js';
import { urlHost } from '../../lib/mask.js';
import { createSendPool } from '../../lib/send-pool.js';

/*
 * The destinations' drainer: sends what notify.ts queued in the publishing
 * write (destination_deliveries), on Node (a loop in the primary process,
 * src/entry/node.ts) and on the Worker (after a publishing request through
 * waitUntil, and from the cron trigger).
 *
 * - Never lost: a row is claimed under a lease before its attempt and
 *   finished only after the answer; a process killed mid-send leaves it
 *   `sending`, and it is due again when the lease runs out (Node: at once on
 *   the next start). The receiver can tell a repeat: the body is the same and
 *   the Standard Webhooks `webhook-id` (the row's message id) too.
 * - In order per destination: a destination's next message waits until the
 *   one before it is finished (sent or failed for good).
 * - Never blocking: sends run in a pool (lib/send-pool.ts; GLOBAL_CONCURRENCY at a time, at most
 *   PER_HOST_CONCURRENCY per host, one per destination); a slot that frees up
 *   is refilled at once, so a hanging destination holds one slot for at most
 *   the 10 s timeout and delays nobody else. Messages not tried yet go before
 *   retries, so when there are more destinations with work than slots, the
 *   failing ones wait, not the healthy ones (bench/README.md, "Destinations":
 *   with 8 slots, 8 slow or dead destinations once held healthy ones up 10 s).
 * - Outcomes: 2xx sent; 408, 429, 5xx, network errors and timeouts retried
 *   after an exponential backoff with jitter or the receiver's Retry-After,
 *   whichever is longer, up to MAX_ATTEMPTS; any other answer (4xx, a
 *   redirect, which is never followed) and an address the SSRF rules refuse
 *   fail at once. Each attempt records its status, latency and error; none
 *   of them holds the URL's path (its secret).
 */

/** Sends in flight at once: each destination has at most one, so this is how many destinations are served at once. */
export const GLOBAL_CONCURRENCY = 32;
/** Politeness to one host (many Slack channels share hooks.slack.com). */
export const PER_HOST_CONCURRENCY = 8;
/** Attempts before a retryable failure becomes final (about 40 minutes of retries with the backoff below). */
export const MAX_ATTEMPTS = 8;
/** Backoff before attempt n + 1: 10 s doubling, at most 15 minutes, with "equal jitter". */
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_CAP_MS = 15 * MINUTE;
/** A Retry-After beyond this is read as this. */
const RETRY_AFTER_CAP_MS = 60 * MINUTE;
/** How long a claim holds a row: well beyond the 10 s request timeout. */
export const DELIVERY_LEASE_MS = 2 * MINUTE;
/** Finished deliveries (the delivery log) are kept this long. */
export const DELIVERY_RETENTION_MS = 30 * DAY;
const PRUNE_CHUNK = 1_000;
const PRUNE_WRITES_PER_TICK = 20;

/** Backoff before attempt `attempts + 1`: exponential, capped, half fixed and half random. */
export function deliveryBackoffMs(attempts: number, random: () => number = Math.random): number {
  return equalJitterBackoff(attempts, BACKOFF_BASE_MS, BACKOFF_CAP_MS, random);
}

/** When to try again after a retryable answer: the longer of the backoff and the receiver's Retry-After. */
export function retryDelayMs(attempts: number, retryAfterSeconds: number | null, random: () => number = Math.random): number {
  const asked = retryAfterSeconds === null ? 0 : Math.min(RETRY_AFTER_CAP_MS, retryAfterSeconds * 1000);
  return Math.max(deliveryBackoffMs(attempts, random), asked);
}

export type DeliveryDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'log' | 'config' | 'outbound'>;

export interface DeliveryDrainerOptions {
  globalConcurrency?: number;
  perHostConcurrency?: number;
  maxAttempts?: number;
  /** Jitter of the backoff. */
  random?: () => number;
  /** Milliseconds of real time, for the drain budget (deps.clock dates the rows; a test's fake clock stands still). */
  elapsed?: () => number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
}

export interface DeliveryReport {
  attempts: number;
  sent: number;
  retried: number;
  failed: number;
}

export interface DeliveryDrainer {
  /**
   * Sends until nothing is due or `budgetMs` of real time is spent (sends in
   * flight are finished, each within its timeout). Never throws for a
   * destination's failure; a database failure rejects.
   */
  drain(budgetMs: number): Promise<DeliveryReport>;
}

export function createDeliveryDrainer(deps: DeliveryDeps, options: DeliveryDrainerOptions = {}): DeliveryDrainer {
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const random = options.random ?? Math.random;
  // One pool per drainer, across overlapping drain() calls (the Worker may start several).
  const pool = createSendPool({
    globalLimit: options.globalConcurrency ?? GLOBAL_CONCURRENCY,
    hostLimit: options.perHostConcurrency ?? PER_HOST_CONCURRENCY,
    elapsed: options.elapsed ?? (() => performance.now()),
  });

  async function attempt(row: DueDelivery, lease: string, report: DeliveryReport): Promise<void> {
    const attemptAt = deps.clock.now();
    const attempts = row.attempts + 1;
    let result: OutboundResult;
    try {
      const request = await renderForDestination(
        { type: row.type, signingSecret: row.signingSecret },
        row.message as unknown as InternalNotification,
        { messageId: row.messageId, createdAt: row.createdAt },
        attemptAt,
      );
      result = await postRendered(deps, row.url, request, { allowPrivate: row.allowPrivate, timeoutMs: options.timeoutMs });
    } catch (error) {
      // A message that cannot be built (no signing secret, a corrupt row) never will be.
      result = unbuildable(error);
    }
    report.attempts++;
    const now = deps.clock.now();
    const verdict = judgeAttempt(result, attempts, maxAttempts, random);
    const where = { delivery: row.messageId, destination: row.destinationId, target: result.target, attempt: attempts, status: result.status };
    const { deliveries } = deps.repos;
    if (verdict.kind === 'sent') {
      report.sent++;
      await deps.db.claim(deliveries.markSent(row.id, lease, now, verdict.fields));
    } else if (verdict.kind === 'retry') {
      report.retried++;
      deps.log.info('destinations: delivery will be retried', { ...where, retryInMs: verdict.delayMs, error: result.error });
      await deps.db.claim(deliveries.postpone(row.id, lease, now, now + verdict.delayMs, verdict.fields));
    } else {
      report.failed++;
      deps.log.error('destinations: delivery failed', { ...where, error: verdict.fields.error });
      await deps.db.claim(deliveries.markFailed(row.id, lease, now, verdict.fields));
    }
  }

  return {
    async drain(budgetMs) {
      const report: DeliveryReport = { attempts: 0, sent: 0, retried: 0, failed: 0 };
      await pool.drain<DueDelivery>(
        {
          due: (limit) => deps.repos.deliveries.due(deps.clock.now(), limit),
          queueOf: (row) => row.destinationId,
          hostOf: (row) => urlHost(row.url),
          isRetry: (row) => row.attempts > 0,
          async claim(row) {
            const now = deps.clock.now();
            const lease = newId(16);
            const won = await deps.db.claim(deps.repos.deliveries.claim(row.id, lease, now, now + DELIVERY_LEASE_MS));
            return won ? lease : null; // 0: another drainer has it
          },
          send: (row, lease) => attempt(row, lease, report),
          failed: (row, error) =>
            deps.log.error('destinations: recording a delivery failed', {
              delivery: row.messageId,
              error: error instanceof Error ? (error.stack ?? error.message) : String(error),
            }),
        },
        budgetMs,
      );
      return report;
    },
  };
}

/** The result of a message that cannot be built (no signing secret, a corrupt row): it never will be, so it fails for good. */
export function unbuildable(error: unknown): OutboundResult {
  return {
    outcome: 'permanent',
    status: null,
    latencyMs: 0,
    body: '',
    bodyTruncated: false,
    retryAfterSeconds: null,
    error: `cannot build the message: ${error instanceof Error ? error.message : String(error)}`,
    target: '',
  };
}

/** What one attempt's answer means for its row: sent, retried after `delayMs`, or failed for good with `error`. */
export type AttemptVerdict =
  | { kind: 'sent'; fields: AttemptFields }
  | { kind: 'retry'; fields: AttemptFields; delayMs: number }
  | { kind: 'failed'; fields: AttemptFields };

/** What a delivery row records of its last attempt. */
export interface AttemptFields {
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
}

/** The verdict on attempt number `attempts` (1-based), for both outbound drainers (destinations, customers' channels). */
export function judgeAttempt(result: OutboundResult, attempts: number, maxAttempts: number, random: () => number): AttemptVerdict {
  const fields = { responseStatus: result.status, latencyMs: Math.round(result.latencyMs), error: result.error };
  if (result.outcome === 'ok') return { kind: 'sent', fields };
  if (result.outcome === 'retry' && attempts < maxAttempts) return { kind: 'retry', fields, delayMs: retryDelayMs(attempts, result.retryAfterSeconds, random) };
  const error = result.outcome === 'retry' ? `gave up after ${attempts} attempts: ${result.error}` : result.error;
  return { kind: 'failed', fields: { ...fields, error } };
}

/** POSTs a rendered request under the SSRF rules, with the runtime's resolver and pinned transport. Never throws. */
export function postRendered(
  deps: Pick<Deps, 'config' | 'outbound' | 'clock'>,
  url: string,
  request: { body: string; headers: Record<string, string> },
  options: { allowPrivate: boolean; timeoutMs?: number },
): Promise<OutboundResult> {
  return postOutbound(url, {
    body: request.body,
    headers: request.headers,
    resolve: deps.outbound.resolve,
    send: deps.outbound.send,
    allowLoopback: deps.config.outbound.allowLoopback,
    allowPrivate: options.allowPrivate,
    timeoutMs: options.timeoutMs,
    now: () => deps.clock.now(),
  });
}

/** Deletes finished deliveries older than DELIVERY_RETENTION_MS, in chunks; how many. For the background tick. */
export async function pruneDeliveries(deps: Pick<Deps, 'repos' | 'db'>, now: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < PRUNE_WRITES_PER_TICK; i++) {
    const deleted = await deps.db.claim(deps.repos.deliveries.prune(now - DELIVERY_RETENTION_MS, PRUNE_CHUNK));
    total += deleted;
    if (deleted < PRUNE_CHUNK) break;
  }
  return total;
}
