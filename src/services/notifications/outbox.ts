import type { MailOutboxRow, SubscriberRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { FINISHED_STATUSES, OUTBOX_RETENTION_MS, type BatchResult } from '../../db/repos/outbox-repo.js';
import { equalJitterBackoff } from '../../lib/backoff.js';
import { newId } from '../../lib/ids.js';
import {
  composeAlreadySubscribedEmail,
  composeComponentEmail,
  composeConfirmEmail,
  composePostmortemEmail,
  composeUpdateEmail,
  type ComponentChange,
  type EmailPage,
} from '../../mail/compose.js';
import type { BatchOutcome, MailTransport, OutgoingEmail } from '../../mail/transport.js';
import { expandComponentEmailChunk } from '../customer-channels/component-notices.js';
import { scopeNames, subscriberToken } from '../subscribers/subscriptions.js';
import { loadEmailPage } from '../settings/reads.js';

/**
 * The outbox drainer. Publishing an update writes one mail_fanouts row in the
 * same atomic write (notifyOfUpdate, services/notifications/publish.ts). A drainer:
 *
 * 0. expands pending fan-outs into mail_outbox, FANOUT_CHUNK subscribers per
 *    write, each chunk with the fan-out's new cursor (so a crash resumes at
 *    the next chunk and never queues one twice), yielding between chunks so
 *    a page request waits at most one chunk; then, the same way, the email
 *    side of ready component notices (expandComponentEmailChunk,
 *    services/customer-channels/component-notices.ts);
 * 1. takes a batch whose holder's time is up (a failed attempt due for retry,
 *    or a batch a crashed process was sending), or else claims up to 100 of
 *    the oldest queued emails into a new batch. Claiming fixes the batch's
 *    members and its id, which is the idempotency key sent to Resend; a
 *    retry or a resumed batch is the same request again, so Resend delivers
 *    each email once whatever happened in between;
 * 2. waits for its turn under the requests-per-second limit;
 * 3. sends, and records each email as sent (with the provider's id) or failed
 *    (with the reason); a transient failure gives the batch back with an
 *    exponential backoff with jitter (or Retry-After), until MAX_ATTEMPTS.
 *
 * A process killed at any point leaves its batch "sending" with a deadline;
 * after it the next drainer resumes it (Node resumes at once on start). On
 * Node the primary process runs one drainer; on Workers the cron trigger and
 * the request that published an update do, and the leases keep them apart.
 */

/** How long a drainer owns a batch it is sending (longer than a request's timeout). */
export const LEASE_MS = 60_000;
/** Attempts per batch before its emails are marked failed (about an hour and a half of backoff). */
export const MAX_ATTEMPTS = 10;
const BACKOFF_BASE_MS = 2_000;
/** Emails rendered between two yields to the event loop (a page request waits at most that long). */
const YIELD_EVERY = 10;
const BACKOFF_CAP_MS = 15 * 60_000;
/** Subscribers per fan-out write: a few milliseconds of a Node process each (see bench/fanout.md). */
export const FANOUT_CHUNK = 2_000;
/** Finished emails pruned per write, and writes per background tick. */
const PRUNE_CHUNK = 5_000;
const PRUNE_WRITES_PER_TICK = 20;

const yieldToLoop = () => new Promise((resolve) => setTimeout(resolve, 0));

export type DrainDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'log' | 'views' | 'config'> & { mail: MailTransport };

export interface DrainReport {
  /** Fan-out chunks written into the outbox. */
  chunks: number;
  batches: number;
  sent: number;
  failed: number;
  /** Batches given back for a later retry. */
  retried: number;
}

/** Backoff before attempt `attempts + 1`: exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  return equalJitterBackoff(attempts, BACKOFF_BASE_MS, BACKOFF_CAP_MS, random);
}

export interface Drainer {
  /** Sends until nothing is due or `budgetMs` of wall time is spent (a batch in flight is finished). */
  drain(budgetMs: number): Promise<DrainReport>;
}

export interface DrainerOptions {
  /** Jitter of the retry backoff. */
  random?: () => number;
  /**
   * Milliseconds of elapsed real time, for pacing requests and the drain budget
   * (deps.clock dates the rows: a test's fake clock stands still, time does not).
   */
  elapsed?: () => number;
}

export function createDrainer(deps: DrainDeps, options: DrainerOptions = {}): Drainer {
  const random = options.random ?? Math.random;
  const elapsed = options.elapsed ?? (() => performance.now());
  const interval = deps.config.mail.rateLimit > 0 ? 1000 / deps.config.mail.rateLimit : 0;
  let lastRequestAt = -Infinity;

  /** Waits until the next request is allowed (real time: this paces real requests). */
  async function pace(): Promise<void> {
    // A timer may fire up to a millisecond early by this clock: wait again until the interval has passed.
    for (let wait = lastRequestAt + interval - elapsed(); wait > 0; wait = lastRequestAt + interval - elapsed()) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
    lastRequestAt = elapsed();
  }

  async function nextBatch(lease: string): Promise<{ batchId: string; rows: MailOutboxRow[] } | null> {
    const now = deps.clock.now();
    const due = await deps.repos.outbox.findDueBatch(now);
    if (due) {
      await deps.db.atomic([deps.repos.outbox.takeBatch(due, lease, now, now + LEASE_MS)]);
      const rows = await deps.repos.outbox.batchRows(due, lease);
      // Empty: another drainer took it first. Try again from the top.
      return { batchId: due, rows };
    }
    const batchId = newId(16);
    await deps.db.atomic([deps.repos.outbox.claimQueued(batchId, lease, now, now + LEASE_MS, deps.mail.maxBatch)]);
    const rows = await deps.repos.outbox.batchRows(batchId, lease);
    return rows.length ? { batchId, rows } : null;
  }

  return {
    async drain(budgetMs) {
      const report: DrainReport = { chunks: 0, batches: 0, sent: 0, failed: 0, retried: 0 };
      const deadline = elapsed() + budgetMs;
      while (elapsed() < deadline && ((await expandFanoutChunk(deps)) || (await expandComponentEmailChunk(deps)))) {
        report.chunks++;
        await yieldToLoop();
      }
      const composer = new BatchComposer(deps);
      while (elapsed() < deadline) {
        const lease = newId(16);
        const batch = await nextBatch(lease);
        if (!batch) break;
        if (batch.rows.length === 0) continue;
        const emails = await composer.compose(batch.rows);
        await pace();
        const outcome = await deps.mail.sendBatch(emails, `herald/${batch.batchId}`);
        await record(deps, batch.batchId, lease, batch.rows, outcome, report, random);
        report.batches++;
      }
      return report;
    },
  };
}

/** Writes the next chunk of the oldest pending fan-out; false when none is pending. */
export async function expandFanoutChunk(deps: Pick<Deps, 'repos' | 'db'>): Promise<boolean> {
  const fanout = await deps.repos.outbox.nextFanout();
  if (!fanout) return false;
  const end = await deps.repos.outbox.fanoutChunkEnd(fanout.cursor, FANOUT_CHUNK);
  await deps.db.atomic(deps.repos.outbox.expandFanout(fanout, end));
  return true;
}

/**
 * Deletes finished emails last attempted more than OUTBOX_RETENTION_MS ago,
 * a chunk per write (their counts move to the update's totals), at most
 * PRUNE_WRITES_PER_TICK writes a call. Part of the background tick.
 */
export async function pruneOutbox(deps: Pick<Deps, 'repos' | 'db'>, now: number): Promise<number> {
  const before = now - OUTBOX_RETENTION_MS;
  let writes = 0;
  for (const status of FINISHED_STATUSES) {
    while (writes < PRUNE_WRITES_PER_TICK) {
      const end = await deps.repos.outbox.pruneEnd(status, before, PRUNE_CHUNK);
      if (!end) break;
      await deps.db.atomic(deps.repos.outbox.prune(status, end));
      writes++;
      await yieldToLoop();
    }
  }
  return writes;
}

async function record(
  deps: DrainDeps,
  batchId: string,
  lease: string,
  rows: MailOutboxRow[],
  outcome: BatchOutcome,
  report: DrainReport,
  random: () => number,
): Promise<void> {
  const now = deps.clock.now();
  const outbox = deps.repos.outbox;
  if (outcome.kind === 'accepted') {
    const results = rows.map((row, index): BatchResult => {
      const result = outcome.results[index];
      if (result && 'error' in result) return { id: row.id, error: result.error };
      // No result: the provider recognised the batch as already sent (see classifyError).
      return { id: row.id, providerId: result?.id ?? 'sent earlier (idempotent replay)' };
    });
    const failed = results.filter((r) => 'error' in r).length;
    report.failed += failed;
    report.sent += results.length - failed;
    await deps.db.atomic(outbox.recordBatch(results, now));
    return;
  }
  const attempts = rows[0]?.attempts ?? MAX_ATTEMPTS;
  if (outcome.kind === 'rejected' || attempts >= MAX_ATTEMPTS) {
    const reason = outcome.kind === 'rejected' ? outcome.error : `gave up after ${attempts} attempts: ${outcome.error}`;
    deps.log.error('mail: batch failed for good', { batchId, emails: rows.length, reason });
    report.failed += rows.length;
    await deps.db.atomic(outbox.recordBatch(rows.map((row) => ({ id: row.id, error: reason })), now));
    return;
  }
  const delay = Math.max(backoffMs(attempts, random), outcome.retryAfterMs ?? 0);
  deps.log.error('mail: batch will be retried', { batchId, emails: rows.length, attempt: attempts, retryInMs: delay, error: outcome.error });
  report.retried++;
  await deps.db.atomic([outbox.postponeBatch(batchId, lease, now + delay, outcome.error)]);
}

/**
 * Turns outbox rows into emails. Within one drain it loads the page settings
 * once and each incident once, however many batches announce its update.
 */
class BatchComposer {
  private page: EmailPage | undefined;
  private names: Map<string, string> | undefined;
  private readonly postmortems = new Map<string, string | null>();
  private readonly changes = new Map<string, ComponentChange | undefined>();
  private readonly incidents = new Map<string, Awaited<ReturnType<DrainDeps['repos']['incidents']['findByUpdateId']>>>();

  constructor(private readonly deps: DrainDeps) {}

  async compose(rows: MailOutboxRow[]): Promise<OutgoingEmail[]> {
    const page = await this.pageInfo();
    const subscribers = new Map<string, SubscriberRow>(
      (await this.deps.repos.subscribers.findByIds([...new Set(rows.map((r) => r.subscriberId))])).map((s) => [s.id, s]),
    );
    const emails: OutgoingEmail[] = [];
    for (const [index, row] of rows.entries()) {
      // Rendering is synchronous: let the event loop serve pages between every few emails.
      if (index > 0 && index % YIELD_EVERY === 0) await yieldToLoop();
      // Rows go with their subscriber and their update (foreign keys cascade), so both exist.
      const subscriber = subscribers.get(row.subscriberId);
      if (!subscriber) throw new Error(`outbox row ${row.id}: subscriber ${row.subscriberId} is gone`);
      const to = { email: subscriber.email, token: subscriberToken(subscriber) };
      if (row.kind === 'update') {
        const incident = row.updateId ? await this.incidentOf(row.updateId) : undefined;
        if (!incident || !row.updateId) throw new Error(`outbox row ${row.id}: update ${row.updateId} is gone`);
        // The footer names the choice for "all" subscribers; the others get the general line (no per-row queries).
        const scope = subscriber.allComponents ? { all: true, names: [] } : undefined;
        emails.push(composeUpdateEmail(this.deps.views, page, to, incident, row.updateId, await this.componentNames(), scope));
      } else if (row.kind === 'postmortem') {
        // Keyed by the incident's latest update (its subscribers are the incident's); the text is the public postmortem now.
        const incident = row.updateId ? await this.incidentOf(row.updateId) : undefined;
        if (!incident) throw new Error(`outbox row ${row.id}: update ${row.updateId} is gone`);
        const body = await this.postmortemOf(incident.id);
        if (body === null) throw new Error(`outbox row ${row.id}: the postmortem of incident ${incident.id} is no longer public`);
        const scope = subscriber.allComponents ? { all: true, names: [] } : undefined;
        emails.push(composePostmortemEmail(this.deps.views, page, to, incident, body, scope));
      } else if (row.kind === 'component') {
        // Rows go with their notice, and the notice with its component (foreign keys cascade).
        const change = row.noticeId ? await this.componentChangeOf(row.noticeId) : undefined;
        if (!change) throw new Error(`outbox row ${row.id}: notice ${row.noticeId} is gone`);
        const scope = subscriber.allComponents ? { all: true, names: [] } : undefined;
        emails.push(composeComponentEmail(this.deps.views, page, to, change, scope));
      } else if (row.kind === 'confirm') {
        emails.push(composeConfirmEmail(this.deps.views, page, to, await scopeNames(this.deps, subscriber)));
      } else {
        emails.push(composeAlreadySubscribedEmail(this.deps.views, page, to));
      }
    }
    return emails;
  }

  /** Visible components by id, in page order (hidden ones stay out of emails, as on the page). */
  private async componentNames(): Promise<ReadonlyMap<string, string>> {
    this.names ??= new Map((await this.deps.repos.components.list()).filter((c) => !c.hidden).map((c) => [c.id, c.name]));
    return this.names;
  }

  /** A component notice as its email tells it: the component's name (and group's) now, the statuses of the notice. */
  private async componentChangeOf(noticeId: string): Promise<ComponentChange | undefined> {
    if (!this.changes.has(noticeId)) {
      const notice = await this.deps.repos.customerNotices.findById(noticeId);
      const component = notice?.componentId ? await this.deps.repos.components.findById(notice.componentId) : undefined;
      const group = component?.groupId ? await this.deps.repos.components.findGroup(component.groupId) : undefined;
      const change =
        notice && component && notice.oldStatus && notice.newStatus
          ? { componentName: component.name, groupName: group?.name ?? null, oldStatus: notice.oldStatus, newStatus: notice.newStatus, at: notice.updatedAt }
          : undefined;
      this.changes.set(noticeId, change);
    }
    return this.changes.get(noticeId);
  }

  private async pageInfo(): Promise<EmailPage> {
    this.page ??= await loadEmailPage(this.deps, this.deps.config.publicUrl ?? undefined);
    return this.page;
  }

  private async postmortemOf(incidentId: string): Promise<string | null> {
    if (!this.postmortems.has(incidentId)) this.postmortems.set(incidentId, (await this.deps.repos.postmortems.find(incidentId))?.publicBody ?? null);
    return this.postmortems.get(incidentId) ?? null;
  }

  private async incidentOf(updateId: string) {
    if (!this.incidents.has(updateId)) this.incidents.set(updateId, await this.deps.repos.incidents.findByUpdateId(updateId));
    return this.incidents.get(updateId);
  }
}
