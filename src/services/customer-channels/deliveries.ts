import { renderForSubscriber, type CustomerNotification } from '../../channels/customer.js';
import type { DueCustomerDelivery } from '../../db/repos/customer-deliveries-repo.js';
import { MINUTE } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { newId } from '../../lib/ids.js';
import type { OutboundResult } from '../../lib/outbound.js';
import { urlHost } from '../../lib/mask.js';
import { createSendPool } from '../../lib/send-pool.js';
import { judgeAttempt, MAX_ATTEMPTS, postRendered, unbuildable, type DeliveryDrainerOptions, type DeliveryReport } from '../destinations/deliveries.js';
import { expandNotices } from './expand.js';
import { channelManageUrl, channelUnsubscribeUrl, disableFailingSubscribers } from './health.js';

/*
 * The customer channels' drainer: expands ready notices into
 * customer_deliveries (expand.ts), then sends them, with the destinations'
 * guarantees (services/destinations/deliveries.ts) and the same send pool
 * (lib/send-pool.ts):
 * - Never lost, never twice for a healthy receiver: a row is claimed under a
 *   lease before its attempt and finished only after the answer; a process
 *   killed mid-send leaves it `sending`, due again when the lease runs out
 *   (Node: at once on the next start). A repeat carries the same body and the
 *   same Standard Webhooks `webhook-id` (the row's message id), so the
 *   receiver can drop it.
 * - In order per subscriber; a slow or dead endpoint holds one slot for at
 *   most the 10 s timeout; first tries before retries.
 * - 2xx sent; 408, 429, 5xx, network errors and timeouts retried after a
 *   backoff with jitter or Retry-After (the longer), up to MAX_ATTEMPTS; any
 *   other answer (4xx, a redirect, never followed) and an address the SSRF
 *   rules refuse fail at once. Customers' endpoints are never private.
 * - Each attempt updates the subscriber's health in the same write
 *   (health.ts); a final failure runs the disable check.
 * Nothing logged or stored holds the URL's path (a chat webhook's secret).
 */

/** Sends in flight at once (each subscriber has at most one). */
export const CUSTOMER_GLOBAL_CONCURRENCY = 32;
/** Politeness to one host (many Slack channels share hooks.slack.com). */
export const CUSTOMER_PER_HOST_CONCURRENCY = 8;
/** How long a claim holds a row: well beyond the 10 s request timeout. */
export const CUSTOMER_LEASE_MS = 2 * MINUTE;

export type CustomerDrainDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'log' | 'config' | 'outbound' | 'views' | 'mail'>;

/** The destinations drainer's options, plus the expansion's chunk size and a cap on sends per drain. */
export interface CustomerDrainerOptions extends DeliveryDrainerOptions {
  /** Subscribers per expansion write (default CUSTOMER_FANOUT_CHUNK). */
  chunkSize?: number;
  /** Sends started per drain() at most (the Worker: its subrequests per invocation are limited). */
  sendsPerDrain?: number;
}

export interface CustomerDrainReport extends DeliveryReport {
  /** Expansion writes. */
  chunks: number;
}

export interface CustomerDrainer {
  /** Expands, then sends until nothing is due or `budgetMs` of real time is spent. A database failure rejects. */
  drain(budgetMs: number): Promise<CustomerDrainReport>;
}

export function createCustomerDrainer(deps: CustomerDrainDeps, options: CustomerDrainerOptions = {}): CustomerDrainer {
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const random = options.random ?? Math.random;
  const elapsed = options.elapsed ?? (() => performance.now());
  const pool = createSendPool({
    globalLimit: options.globalConcurrency ?? CUSTOMER_GLOBAL_CONCURRENCY,
    hostLimit: options.perHostConcurrency ?? CUSTOMER_PER_HOST_CONCURRENCY,
    elapsed,
  });
  /** Notices' notifications, parsed once per drainer (they never change once stored). */
  const payloads = new Map<string, CustomerNotification>();

  async function notification(noticeId: string): Promise<CustomerNotification> {
    let found = payloads.get(noticeId);
    if (!found) {
      const stored = await deps.repos.customerDeliveries.payload(noticeId);
      if (!stored) throw new Error(`notice ${noticeId} has no notification`);
      found = stored as unknown as CustomerNotification;
      if (payloads.size >= 100) payloads.clear();
      payloads.set(noticeId, found);
    }
    return found;
  }

  async function attempt(row: DueCustomerDelivery, lease: string, report: CustomerDrainReport): Promise<void> {
    const attemptAt = deps.clock.now();
    const attempts = row.attempts + 1;
    let result: OutboundResult;
    let built = false;
    try {
      const n = await notification(row.noticeId);
      // Links from the address stored with the notification: every attempt sends the same body.
      const base = n.baseUrl;
      const request = await renderForSubscriber({ type: row.type, signingSecret: row.signingSecret }, n, {
        messageId: row.messageId,
        manageUrl: channelManageUrl(base, { id: row.subscriberId, secret: row.secret }),
        unsubscribeUrl: channelUnsubscribeUrl(base, { id: row.subscriberId, secret: row.secret }),
      }, attemptAt);
      built = true;
      // Customers never reach private networks.
      result = await postRendered(deps, row.url, request, { allowPrivate: false, timeoutMs: options.timeoutMs });
    } catch (error) {
      result = unbuildable(error);
    }
    report.attempts++;
    const now = deps.clock.now();
    const verdict = judgeAttempt(result, attempts, maxAttempts, random);
    const where = { delivery: row.messageId, subscriber: row.subscriberId, target: result.target, attempt: attempts, status: result.status };
    const repo = deps.repos.customerDeliveries;
    if (verdict.kind === 'sent') {
      report.sent++;
      await deps.db.atomic(repo.markSent(row, lease, now, verdict.fields));
    } else if (verdict.kind === 'retry') {
      report.retried++;
      deps.log.info('customer channels: delivery will be retried', { ...where, retryInMs: verdict.delayMs, error: result.error });
      await deps.db.atomic(repo.postpone(row, lease, now, now + verdict.delayMs, verdict.fields));
    } else {
      report.failed++;
      deps.log.error('customer channels: delivery failed', { ...where, error: verdict.fields.error });
      // A message that cannot be built says nothing about the endpoint: its health stays as it is.
      await deps.db.atomic(repo.markFailed(row, lease, now, verdict.fields, { endpoint: built }));
      if (built) await disableFailingSubscribers(deps, { subscriberId: row.subscriberId });
    }
  }

  return {
    async drain(budgetMs) {
      const report: CustomerDrainReport = { chunks: 0, attempts: 0, sent: 0, retried: 0, failed: 0 };
      const deadline = elapsed() + budgetMs;
      report.chunks = await expandNotices(deps, () => elapsed() >= deadline, options.chunkSize);
      await pool.drain<DueCustomerDelivery>(
        {
          due: (limit) => deps.repos.customerDeliveries.due(deps.clock.now(), limit),
          queueOf: (row) => row.subscriberId,
          hostOf: (row) => urlHost(row.url),
          isRetry: (row) => row.attempts > 0,
          async claim(row) {
            const now = deps.clock.now();
            const lease = newId(16);
            const won = await deps.db.claim(deps.repos.customerDeliveries.claim(row.id, lease, now, now + CUSTOMER_LEASE_MS));
            return won ? lease : null;
          },
          send: (row, lease) => attempt(row, lease, report),
          failed: (row, error) =>
            deps.log.error('customer channels: recording a delivery failed', {
              delivery: row.messageId,
              error: error instanceof Error ? (error.stack ?? error.message) : String(error),
            }),
        },
        Math.max(0, deadline - elapsed()),
        options.sendsPerDrain,
      );
      return report;
    },
  };
}
