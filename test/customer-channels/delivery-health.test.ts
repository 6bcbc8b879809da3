// Channel subscribers' health (services/customer-channels/health.ts): success and failure fields
// written with each attempt, disabling after settings.channel_disable_after_hours of failing (a fake
// clock), exactly one email to the contact through a fake Resend, re-enabling, and pruning.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../../src/domain/calendar.js';
import { nodeOutbound } from '../../src/entry/pinned-fetch.js';
import { resendTransport } from '../../src/mail/resend-transport.js';
import { createCustomerDrainer } from '../../src/services/customer-channels/deliveries.js';
import { expandNotices } from '../../src/services/customer-channels/expand.js';
import { eq } from 'drizzle-orm';
import { customerDeliveries, settings } from '../../src/db/schema.js';
import { CUSTOMER_DELIVERY_RETENTION_MS, customerChannelsTick } from '../../src/services/customer-channels/health.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { FAKE_RESEND_API_KEY, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { makeIncident } from '../support/factories.js';
import { makeChannelSubscriber, notice, noticeOfIncident, startPlainReceiver } from './delivery-support.js';

let deps: TestDeps;
let resend: FakeResend;
let status = 404;
let receiver: Awaited<ReturnType<typeof startPlainReceiver>>;

beforeEach(async () => {
  deps = await createTestDeps();
  deps.outbound = nodeOutbound;
  resend = await startFakeResend();
  deps.mail = resendTransport({ apiKey: FAKE_RESEND_API_KEY, baseUrl: resend.url, from: 'Test Cloud Status <status@status.test>' });
  status = 404;
  receiver = await startPlainReceiver(() => status);
});
afterEach(async () => {
  await Promise.all([resend.close(), receiver.close()]);
  deps.db.close();
});

const drain = (maxAttempts?: number) => createCustomerDrainer(deps, { random: () => 0, maxAttempts }).drain(30_000);
const publish = async () => noticeOfIncident(deps, await makeIncident(deps));
const subscriber = async (id: string) => (await deps.repos.channelSubscribers.findById(id))!;
const failingEndpoint = () => makeChannelSubscriber(deps, { url: receiver.url, contactEmail: 'oncall@customer.test' });
/** Another update `ms` later, which the endpoint fails too. */
const failAgainAfter = async (ms: number) => {
  deps.clock.advance(ms);
  await publish();
  await drain();
};

describe('disabling an endpoint that keeps failing', () => {
  it('disables it after the period, fails its queue, and emails its contact once, naming only the host', async () => {
    const id = await failingEndpoint();
    const start = deps.clock.now();
    await publish();
    await drain();
    expect(await subscriber(id)).toMatchObject({ status: 'confirmed', failingSince: start, lastFailureAt: start, lastFailureStatus: 404, lastFailureError: 'HTTP 404' });

    // Still failing a day later: not yet.
    deps.clock.advance(24 * HOUR);
    await publish();
    await drain();
    expect(await subscriber(id)).toMatchObject({ status: 'confirmed', failingSince: start, lastFailureAt: deps.clock.now() });
    await customerChannelsTick(deps);
    expect((await subscriber(id)).status).toBe('confirmed');
    expect(resend.deliveries).toHaveLength(0);

    // The period (72 h by default) runs out with nothing more sent: a quiet page disables nobody.
    deps.clock.set(start + 72 * HOUR);
    expect((await customerChannelsTick(deps)).disabled).toBe(0);
    expect((await subscriber(id)).status).toBe('confirmed');
    // Two updates: the first fails for good, the period after the first failure: disabled at once; the second is never sent.
    const failing = await publish();
    const queued = await publish();
    await drain();
    const row = await subscriber(id);
    expect(row).toMatchObject({ status: 'disabled', disabledAt: deps.clock.now(), disabledNoticeAt: deps.clock.now() });
    // (Two notices published in the same millisecond go out in either order.)
    const outcomes = [await deps.repos.customerDeliveries.find(failing, id), await deps.repos.customerDeliveries.find(queued, id)];
    expect(outcomes.map((d) => `${d!.status}: ${d!.error}`).sort()).toEqual(['failed: HTTP 404', 'failed: subscriber disabled']);

    await customerChannelsTick(deps);
    await customerChannelsTick(deps);
    const emails = resend.deliveries.filter((d) => d.to.includes('oncall@customer.test'));
    expect(emails).toHaveLength(1);
    const email = emails[0]!;
    expect(email.subject).toBe('Webhook notifications from Test Cloud were disabled');
    const manage = `http://status.test/subscribe/channels/manage/${id}.${row.secret}`;
    for (const part of [email.text!, email.html!]) {
      expect(part).toContain(new URL(receiver.url).host);
      expect(part).toContain(manage);
      expect(part).toContain('HTTP 404');
      expect(part).not.toContain('SECRET-PATH');
    }
    expect(email.text).toContain('23 Nov 2026');
    // Nothing is sent to it any more.
    const before = receiver.received.length;
    const later = await publish();
    await drain();
    expect(receiver.received).toHaveLength(before);
    expect(await deps.repos.customerDeliveries.find(later, id)).toBeUndefined();
  });

  it('does not disable an endpoint that is only being retried, but does at its final failure past the period', async () => {
    status = 503;
    const id = await failingEndpoint();
    const start = deps.clock.now();
    await publish();
    await drain(2);
    expect(await subscriber(id)).toMatchObject({ failingSince: start, lastFailureStatus: 503 });
    deps.clock.set(start + 73 * HOUR);
    await customerChannelsTick(deps);
    expect((await subscriber(id)).status).toBe('confirmed');
    // The last attempt fails for good: the drainer disables it at once, and tells the contact.
    await drain(2);
    expect(await subscriber(id)).toMatchObject({ status: 'disabled', disabledAt: deps.clock.now() });
    expect(resend.deliveries.filter((d) => d.to.includes('oncall@customer.test'))).toHaveLength(1);
  });

  it('a success in between starts the period again', async () => {
    const id = await failingEndpoint();
    const start = deps.clock.now();
    await publish();
    await drain();
    deps.clock.set(start + 48 * HOUR);
    status = 200;
    await publish();
    await drain();
    expect(await subscriber(id)).toMatchObject({ failingSince: null, lastSuccessAt: deps.clock.now(), lastFailureAt: start });
    status = 404;
    deps.clock.set(start + 60 * HOUR);
    await publish();
    await drain();
    await failAgainAfter(40 * HOUR);
    expect((await subscriber(id)).status).toBe('confirmed');
    await failAgainAfter(32 * HOUR); // 72 h after the failure that followed the success
    expect((await subscriber(id)).status).toBe('disabled');
  });

  it('follows the page setting', async () => {
    await deps.db.atomic([deps.db.orm.update(settings).set({ channelDisableAfterHours: 1 })]);
    const id = await failingEndpoint();
    await publish();
    await drain();
    await failAgainAfter(HOUR);
    expect((await subscriber(id)).status).toBe('disabled');
  });

  it('without an email transport, disables and logs', async () => {
    deps.mail = null;
    const id = await failingEndpoint();
    await publish();
    await drain();
    await failAgainAfter(72 * HOUR);
    expect(await subscriber(id)).toMatchObject({ status: 'disabled' });
    expect(deps.log.lines.some((l) => l.message.includes('was not told'))).toBe(true);
  });
});

describe('exactly one email', () => {
  it('racing checks disable once and email once', async () => {
    const id = await failingEndpoint();
    await publish();
    await drain();
    // A delivery failed for good 72 h later, recorded by a process that died before its own disable check.
    deps.clock.advance(72 * HOUR);
    const late = await publish();
    await expandNotices(deps, () => false);
    const lateRow = (await deps.repos.customerDeliveries.find(late, id))!;
    const now = deps.clock.now();
    await deps.db.atomic([deps.db.orm.update(customerDeliveries).set({ status: 'failed', error: 'HTTP 404', finishedAt: now }).where(eq(customerDeliveries.id, lateRow.id))]);
    const results = await Promise.all([customerChannelsTick(deps), customerChannelsTick(deps), customerChannelsTick(deps)]);
    expect(results.map((r) => r.disabled).reduce((a, b) => a! + b!, 0)).toBe(1);
    expect((await subscriber(id)).status).toBe('disabled');
    expect(resend.deliveries.filter((d) => d.to.includes('oncall@customer.test'))).toHaveLength(1);
  });

  it('the tick tells the contact of an endpoint disabled by a process that died before emailing', async () => {
    const id = await failingEndpoint();
    const queued = await publish();
    await expandNotices(deps, () => false);
    await deps.db.atomic([deps.repos.channelSubscribers.update(id, { status: 'disabled', disabledAt: deps.clock.now(), updatedAt: deps.clock.now() })]);
    await customerChannelsTick(deps);
    expect(resend.deliveries.filter((d) => d.to.includes('oncall@customer.test'))).toHaveLength(1);
    expect(await deps.repos.customerDeliveries.find(queued, id)).toMatchObject({ status: 'failed', error: 'subscriber disabled' });
    expect((await subscriber(id)).disabledNoticeAt).toBe(deps.clock.now());
  });

  it('tries again at the next tick when the provider did not take the email, and sends it once', async () => {
    const id = await failingEndpoint();
    await publish();
    await drain();
    resend.script({ status: 503 }, { status: 503 });
    await failAgainAfter(72 * HOUR);
    expect(await subscriber(id)).toMatchObject({ status: 'disabled', disabledNoticeAt: null });
    expect(resend.deliveries).toHaveLength(0);
    deps.clock.advance(30_000);
    await customerChannelsTick(deps);
    await customerChannelsTick(deps);
    expect(resend.deliveries.filter((d) => d.to.includes('oncall@customer.test'))).toHaveLength(1);
    expect((await subscriber(id)).disabledNoticeAt).toBe(deps.clock.now());
  });
});

describe('re-enabling', () => {
  it('sends again once the subscriber is confirmed again, with healthy fields', async () => {
    const id = await failingEndpoint();
    await publish();
    await drain();
    await failAgainAfter(72 * HOUR);
    expect((await subscriber(id)).status).toBe('disabled');
    // What the manage page's re-enable action writes.
    await deps.db.atomic([
      deps.repos.channelSubscribers.update(id, { status: 'confirmed', failingSince: null, disabledAt: null, disabledNoticeAt: null, updatedAt: deps.clock.now() }),
    ]);
    status = 200;
    const next = await publish();
    await drain();
    expect(await deps.repos.customerDeliveries.find(next, id)).toMatchObject({ status: 'sent' });
    expect(await subscriber(id)).toMatchObject({ status: 'confirmed', lastSuccessAt: deps.clock.now(), failingSince: null });
    // Disabled again later: a second email, for the second time.
    status = 404;
    await publish();
    await drain();
    await failAgainAfter(72 * HOUR);
    expect(resend.deliveries.filter((d) => d.to.includes('oncall@customer.test'))).toHaveLength(2);
  });
});

describe('pruning', () => {
  it('deletes finished deliveries and done notices after the retention, keeping the rest', async () => {
    status = 200;
    const id = await failingEndpoint();
    const old = await publish();
    await drain();
    deps.clock.advance(CUSTOMER_DELIVERY_RETENTION_MS - HOUR);
    const recent = await publish();
    await drain();
    deps.clock.advance(2 * HOUR);
    const result = await customerChannelsTick(deps);
    expect(result.pruned).toBe(2); // the old delivery, then its notice
    expect(await deps.repos.customerDeliveries.find(old, id)).toBeUndefined();
    expect(await deps.repos.customerNotices.findById(old)).toBeUndefined();
    expect(await deps.repos.customerDeliveries.find(recent, id)).toMatchObject({ status: 'sent' });
    expect((await notice(deps, recent)).state).toBe('done');
  });
});
