// Sending customer deliveries (services/customer-channels/deliveries.ts) against real local
// receivers (test/support/fake-receivers.ts, the webhook one verifying with the real
// `standardwebhooks`): the Statuspage body and signature, retries and Retry-After (an injected
// clock and jitter: nothing sleeps), redirects and other failures, order per subscriber, a
// hanging endpoint, and the SSRF rules. Outcomes and order are asserted, never elapsed time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CustomerDeliveryRow } from '../../src/db/schema.js';
import { nodeOutbound } from '../../src/entry/pinned-fetch.js';
import { retryDelayMs } from '../../src/services/destinations/deliveries.js';
import { createCustomerDrainer, type CustomerDrainerOptions } from '../../src/services/customer-channels/deliveries.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { startReceiver, type FakeReceiver } from '../support/fake-receivers.js';
import { makeIncident } from '../support/factories.js';
import { makeChannelSubscriber, noticeOfIncident, startPlainReceiver } from './delivery-support.js';

let deps: TestDeps;
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  // Near real time: standardwebhooks refuses timestamps more than 5 minutes off.
  deps = await createTestDeps({ now: Date.now() });
  deps.outbound = nodeOutbound;
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  deps.db.close();
});

async function webhook(): Promise<FakeReceiver> {
  const r = await startReceiver('webhook');
  closers.push(() => r.close());
  return r;
}

async function plain(status: () => number) {
  const r = await startPlainReceiver(status);
  closers.push(() => r.close());
  return r;
}

const subscriberOf = (r: FakeReceiver) => makeChannelSubscriber(deps, { url: r.url, signingSecret: r.secret });
const drainer = (options: CustomerDrainerOptions = {}) => createCustomerDrainer(deps, { random: () => 0, ...options });
const publish = async (title = 'Checkout errors') => noticeOfIncident(deps, await makeIncident(deps, { title }));
const delivery = async (noticeId: string, subscriberId: string): Promise<CustomerDeliveryRow> =>
  (await deps.repos.customerDeliveries.find(noticeId, subscriberId))!;
const subscriber = async (id: string) => (await deps.repos.channelSubscribers.findById(id))!;

describe('a webhook subscriber', () => {
  it('gets the Statuspage body, signed, with a stable webhook-id and its own links; health says it works', async () => {
    const r = await webhook();
    const id = await subscriberOf(r);
    const noticeId = await publish('Checkout errors');
    const report = await drainer().drain(30_000);
    expect(report).toMatchObject({ attempts: 1, sent: 1, failed: 0 });
    const [got] = await r.waitFor(1);
    expect(got!.headers['webhook-id']).toBe(`msg_${noticeId}_${id}`);
    const body = got!.json as { meta: Record<string, string>; page: Record<string, string>; incident: { name: string; incident_updates: unknown[] } };
    expect(Object.keys(body)).toEqual(['meta', 'page', 'incident']);
    expect(body.incident.name).toBe('Checkout errors');
    const row = await subscriber(id);
    expect(body.meta.unsubscribe).toBe(`http://status.test/subscribe/channels/unsubscribe/${id}.${row.secret}`);
    expect(body.meta.documentation).toBe('http://status.test/subscribe/webhooks');
    expect(await delivery(noticeId, id)).toMatchObject({ status: 'sent', attempts: 1, responseStatus: 200, error: null });
    expect(row).toMatchObject({ lastSuccessAt: deps.clock.now(), failingSince: null, status: 'confirmed' });
  });

  it('gets its messages in order: the second waits while the first is retried', async () => {
    const r = await webhook();
    const id = await subscriberOf(r);
    const first = await publish('First');
    deps.clock.advance(1_000);
    const second = await publish('Second');
    r.reply({ status: 500 });
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 1, retried: 1 });
    expect(await delivery(second, id)).toMatchObject({ status: 'queued', attempts: 0 });
    const row = await subscriber(id);
    expect(row).toMatchObject({ lastFailureStatus: 500, lastFailureError: 'HTTP 500', failingSince: deps.clock.now() });
    const failingSince = row.failingSince;

    deps.clock.advance(retryDelayMs(1, null, () => 0));
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 2, sent: 2 });
    const names = r.received.map((req) => (req.json as { incident: { name: string } }).incident.name);
    expect(names).toEqual(['First', 'First', 'Second']);
    // The retry is the same message: same id, same body.
    expect(r.received[0]!.headers['webhook-id']).toBe(r.received[1]!.headers['webhook-id']);
    expect(r.received[0]!.body).toBe(r.received[1]!.body);
    expect(await delivery(first, id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await subscriber(id)).toMatchObject({ failingSince: null, lastSuccessAt: deps.clock.now(), lastFailureAt: failingSince });
  });

  it('waits the longer of the backoff and Retry-After after a 429', async () => {
    const r = await webhook();
    const id = await subscriberOf(r);
    const noticeId = await publish();
    // (Under 5 minutes: the receiver refuses signatures older than that.)
    r.reply({ status: 429, retryAfter: '200' });
    await drainer().drain(30_000);
    const row = await delivery(noticeId, id);
    expect(row).toMatchObject({ status: 'queued', attempts: 1, responseStatus: 429 });
    expect(row.dueAt - deps.clock.now()).toBe(200_000);
    expect(200_000).toBeGreaterThan(retryDelayMs(1, null, () => 0));
    deps.clock.advance(199_000);
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 0 });
    deps.clock.advance(1_000);
    expect(await drainer().drain(30_000)).toMatchObject({ sent: 1 });
  });

  it('gives up after the last attempt', async () => {
    const r = await webhook();
    const id = await subscriberOf(r);
    const noticeId = await publish();
    r.reply({ status: 503 }, { status: 503 });
    await drainer({ maxAttempts: 2 }).drain(30_000);
    deps.clock.advance(retryDelayMs(1, null, () => 0));
    await drainer({ maxAttempts: 2 }).drain(30_000);
    expect(await delivery(noticeId, id)).toMatchObject({ status: 'failed', attempts: 2, error: 'gave up after 2 attempts: HTTP 503' });
  });
});

describe('failures that are final at once', () => {
  it('a 4xx is permanent', async () => {
    const r = await webhook();
    const id = await subscriberOf(r);
    const noticeId = await publish();
    r.reply({ status: 404 });
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 1, failed: 1, retried: 0 });
    expect(await delivery(noticeId, id)).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 404, error: 'HTTP 404' });
    expect(await subscriber(id)).toMatchObject({ lastFailureStatus: 404, failingSince: deps.clock.now(), status: 'confirmed' });
  });

  it('a 3xx is a failure and its redirect, to a private address, is never followed', async () => {
    const r = await webhook();
    const elsewhere = await plain(() => 200);
    const id = await subscriberOf(r);
    const r2 = await webhook();
    const other = await subscriberOf(r2);
    const noticeId = await publish();
    r.reply({ status: 302, headers: { location: 'https://10.0.0.1/steal' } });
    r2.reply({ status: 307, headers: { location: elsewhere.url } });
    await drainer().drain(30_000);
    expect(await delivery(noticeId, id)).toMatchObject({ status: 'failed', responseStatus: 302, error: 'redirect (HTTP 302) not followed' });
    expect(await delivery(noticeId, other)).toMatchObject({ status: 'failed', responseStatus: 307, error: 'redirect (HTTP 307) not followed' });
    expect(elsewhere.received).toHaveLength(0);
  });
});

describe('the SSRF rules', () => {
  async function refused(url: string): Promise<string> {
    const id = await makeChannelSubscriber(deps, { url });
    const noticeId = await publish();
    await drainer().drain(30_000);
    const row = await delivery(noticeId, id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, responseStatus: null });
    return row.error!;
  }

  it('refuses plain http to loopback unless loopback is allowed', async () => {
    const r = await plain(() => 200);
    deps.config = { ...deps.config, outbound: { allowLoopback: false } };
    expect(await refused(r.url)).toBe('refused: plain http is not allowed');
    expect(r.received).toHaveLength(0);
  });

  it('refuses private, loopback and link-local addresses, literal or resolved', async () => {
    deps.config = { ...deps.config, outbound: { allowLoopback: false } };
    expect(await refused('https://10.0.0.1/hook')).toBe('refused: private address');
    expect(await refused('https://[::1]/hook')).toBe('refused: loopback address');
    expect(await refused('https://169.254.169.254/latest')).toBe('refused: link-local address');
    deps.outbound = { ...nodeOutbound, resolve: async () => ['192.168.1.20'] };
    expect(await refused('https://hooks.customer.test/SECRET-PATH')).toBe('refused: private address');
    // Logs name the host, never the path.
    expect(JSON.stringify(deps.log.lines)).not.toContain('SECRET-PATH');
  });
});

describe('sharing the pool', () => {
  it('a hanging endpoint does not delay the others', async () => {
    const hanging = await webhook();
    const healthy = await Promise.all([webhook(), webhook(), webhook()]);
    hanging.reply({ hang: true });
    const stuck = await subscriberOf(hanging);
    for (const r of healthy) await subscriberOf(r);
    const noticeId = await publish();
    const drained = drainer({ timeoutMs: 3_000 }).drain(30_000);
    // Every healthy receiver is answered while the hanging one still holds its request.
    for (const r of healthy) await r.waitFor(1);
    expect(hanging.received).toHaveLength(1);
    expect(hanging.received[0]!.status).toBeNull();
    const report = await drained;
    expect(report).toMatchObject({ attempts: 4, sent: 3, retried: 1 });
    expect(await delivery(noticeId, stuck)).toMatchObject({ status: 'queued', error: 'timed out after 3000 ms' });
  });

  it('keeps at most the per-host limit open to one host', async () => {
    const r = await webhook();
    for (let i = 0; i < 12; i++) await subscriberOf(r);
    for (let i = 0; i < 12; i++) r.reply({ delayMs: 100 });
    await publish();
    expect(await drainer({ perHostConcurrency: 4 }).drain(30_000)).toMatchObject({ sent: 12 });
    expect(r.maxConcurrent).toBeLessThanOrEqual(4);
    expect(r.maxConcurrent).toBeGreaterThan(1);
  });
});

describe('a cap on sends per drain (the Worker)', () => {
  it('starts at most sendsPerDrain sends, and the next drain goes on', async () => {
    const r = await webhook();
    for (let i = 0; i < 5; i++) await subscriberOf(r);
    await publish();
    expect(await drainer({ sendsPerDrain: 2 }).drain(30_000)).toMatchObject({ attempts: 2, sent: 2 });
    expect(await drainer({ sendsPerDrain: 2 }).drain(30_000)).toMatchObject({ attempts: 2, sent: 2 });
    expect(await drainer({ sendsPerDrain: 2 }).drain(30_000)).toMatchObject({ attempts: 1, sent: 1 });
    expect(r.received).toHaveLength(5);
  });
});

describe('a message that cannot be built', () => {
  it('fails its delivery at once and leaves the health of the endpoint alone', async () => {
    const r = await webhook();
    const id = await makeChannelSubscriber(deps, { url: r.url, signingSecret: null });
    const noticeId = await publish();
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 1, failed: 1 });
    expect(await delivery(noticeId, id)).toMatchObject({ status: 'failed', responseStatus: null });
    expect((await delivery(noticeId, id)).error).toMatch(/^cannot build the message: /);
    expect(r.received).toHaveLength(0);
    expect(await subscriber(id)).toMatchObject({ failingSince: null, lastFailureAt: null, status: 'confirmed' });
  });
});
