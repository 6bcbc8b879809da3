import type { DisabledSubscriber } from '../../db/repos/customer-deliveries-repo.js';
import { DAY, HOUR } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { urlHost } from '../../lib/mask.js';
import { composeChannelDisabledEmail } from '../../mail/channel-disabled-mail.js';
import { sendTeamEmail } from '../auth/password-mail.js';
import { heraldBaseUrl } from '../destinations/notify.js';
import { loadEmailPage, loadSettings } from '../settings/reads.js';

/*
 * Channel subscribers' health. Every attempt updates its subscriber in the
 * same write as the delivery (customer-deliveries-repo.ts): a success sets
 * last_success_at and clears failing_since; a failure sets last_failure_*
 * and failing_since (kept from the first failure since the last success).
 *
 * An endpoint failing for longer than settings.channel_disable_after_hours
 * (default 72), whose failures include a delivery that failed for good since
 * then (it keeps failing, not merely retrying), is disabled: a claim, so it
 * happens once; its queued deliveries fail ("subscriber disabled"). Then its
 * contact gets one email (claimed by disabled_notice_at, given back when the
 * provider did not take it, sent with an idempotency key) naming the endpoint
 * by type and host, with the link to re-enable it. The check runs after each
 * final failure (the drainer) and in the customer channels' tick.
 */

export type HealthDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'log' | 'views' | 'mail'> & Partial<Pick<Deps, 'config'>>;

/** Finished deliveries and done notices are kept this long (the delivery log, the admin's counts). */
export const CUSTOMER_DELIVERY_RETENTION_MS = 30 * DAY;
const DISABLE_PER_TICK = 100;
const PRUNE_CHUNK = 1_000;
const PRUNE_WRITES_PER_TICK = 20;

/** The manage page of a channel subscriber (scope, unsubscribe, re-enable). */
export function channelManageUrl(base: string, subscriber: { id: string; secret: string }): string {
  return `${base}/subscribe/channels/manage/${encodeURIComponent(`${subscriber.id}.${subscriber.secret}`)}`;
}

/** The unsubscribe link of a channel subscriber. */
export function channelUnsubscribeUrl(base: string, subscriber: { id: string; secret: string }): string {
  return `${base}/subscribe/channels/unsubscribe/${encodeURIComponent(`${subscriber.id}.${subscriber.secret}`)}`;
}

/**
 * Disables the subscribers failing for too long (one, or up to a tick's
 * worth), fails their queued deliveries and emails their contacts; how many
 * this call disabled.
 */
export async function disableFailingSubscribers(deps: HealthDeps, options: { subscriberId?: string } = {}): Promise<number> {
  const settings = await loadSettings(deps);
  const now = deps.clock.now();
  const period = settings.channelDisableAfterHours * HOUR;
  const { customerDeliveries } = deps.repos;
  const candidates = await customerDeliveries.toDisable(period, DISABLE_PER_TICK, options.subscriberId);
  let disabled = 0;
  for (const id of candidates) {
    if ((await deps.db.claim(customerDeliveries.disable(id, period, now))) === 0) continue;
    disabled++;
    deps.log.info('customer channels: subscriber disabled after failing too long', { subscriber: id, afterHours: settings.channelDisableAfterHours });
    await deps.db.claim(customerDeliveries.failDisabledQueue(now, id));
  }
  if (options.subscriberId === undefined) {
    // The tick: also what a crash between a disabling and the steps after it left behind.
    await deps.db.claim(customerDeliveries.failDisabledQueue(now));
  }
  if (disabled > 0 || options.subscriberId === undefined) await tellDisabledContacts(deps);
  return disabled;
}

/** Emails the contact of each disabled subscriber not told yet, once each (the claim comes first: at most one email). */
export async function tellDisabledContacts(deps: HealthDeps): Promise<number> {
  const untold = await deps.repos.customerDeliveries.disabledUntold(DISABLE_PER_TICK);
  let told = 0;
  for (const subscriber of untold) {
    const claimedAt = deps.clock.now();
    if ((await deps.db.claim(deps.repos.customerDeliveries.claimDisabledNotice(subscriber.id, claimedAt))) === 0) continue;
    if (await emailDisabled(deps, subscriber)) told++;
    // Not taken: the next tick tries again; the idempotency key keeps a late acceptance from making it two.
    else if (deps.mail) await deps.db.claim(deps.repos.customerDeliveries.releaseDisabledNotice(subscriber.id, claimedAt));
  }
  return told;
}

/** Whether the provider took the email (false also without a transport: then it is logged). */
async function emailDisabled(deps: HealthDeps, subscriber: DisabledSubscriber): Promise<boolean> {
  const host = urlHost(subscriber.url);
  const fields = { subscriber: subscriber.id, type: subscriber.type, host };
  if (!deps.mail) {
    deps.log.error('customer channels: no email transport, the contact of a disabled subscriber was not told', fields);
    return false;
  }
  const base = await heraldBaseUrl(deps);
  const page = await loadEmailPage(deps, base);
  const email = composeChannelDisabledEmail(deps.views, page, subscriber.contactEmail, {
    type: subscriber.type,
    host,
    failingSince: subscriber.failingSince ?? subscriber.lastFailureAt ?? deps.clock.now(),
    lastFailureStatus: subscriber.lastFailureStatus,
    lastFailureError: subscriber.lastFailureError,
    manageUrl: channelManageUrl(base, subscriber),
  });
  return sendTeamEmail({ log: deps.log, mail: deps.mail }, email, {
    // Once per disabling: a repeat of this send is the same email, a later disabling a new one.
    key: `herald-channel-disabled/${subscriber.id}/${subscriber.disabledAt ?? 0}`,
    log: fields,
    what: 'channel disabled email',
  });
}

/**
 * The customer channels' share of the background tick (Node's delivery loop
 * and the Worker's cron run it): the disable check, then pruning finished
 * deliveries and done notices older than CUSTOMER_DELIVERY_RETENTION_MS.
 * Each part is guarded on its own.
 */
export async function customerChannelsTick(deps: HealthDeps): Promise<{ disabled: number | null; pruned: number | null }> {
  const guarded = async <T>(task: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (error) {
      deps.log.error(`customer channels: ${task} failed`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      return null;
    }
  };
  const disabled = await guarded('disable check', () => disableFailingSubscribers(deps));
  const pruned = await guarded('pruning', () => pruneCustomerDeliveries(deps, deps.clock.now()));
  return { disabled, pruned };
}

/** Deletes finished deliveries, then done notices, older than the retention, in chunks; how many rows. */
export async function pruneCustomerDeliveries(deps: Pick<Deps, 'repos' | 'db'>, now: number): Promise<number> {
  const before = now - CUSTOMER_DELIVERY_RETENTION_MS;
  let total = 0;
  for (const prune of [
    () => deps.repos.customerDeliveries.prune(before, PRUNE_CHUNK),
    () => deps.repos.customerDeliveries.pruneNotices(before, PRUNE_CHUNK),
  ]) {
    for (let i = 0; i < PRUNE_WRITES_PER_TICK; i++) {
      const deleted = await deps.db.claim(prune());
      total += deleted;
      if (deleted < PRUNE_CHUNK) break;
    }
  }
  return total;
}
