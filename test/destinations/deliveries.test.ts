// The destinations' delivery pipeline against real local receivers (test/support/fake-receivers.ts):
// each type's payload validated the way its service does, routing end to end from declaring an
// incident, retries and Retry-After (by an injected clock and jitter: nothing sleeps), permanent
// failures, redirects, a hanging receiver, per-destination order, and the SSRF rules.
// Outcomes and order are asserted, never elapsed time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationType } from '../../src/domain/constants.js';
import { nodeOutbound } from '../../src/entry/pinned-fetch.js';
import { newId } from '../../src/lib/ids.js';
import { createDeliveryDrainer, DELIVERY_RETENTION_MS, pruneDeliveries, retryDelayMs, type DeliveryDrainerOptions } from '../../src/services/destinations/deliveries.js';
import { buildNotification, queueDelivery } from '../../src/services/destinations/notify.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { startReceiver, type FakeReceiver, type ReceiverKind } from '../support/fake-receivers.js';

let deps: TestDeps;
const receivers: FakeReceiver[] = [];

beforeEach(async () => {
  // Near real time: standardwebhooks refuses timestamps more than 5 minutes off.
  deps = await createTestDeps({ now: Date.now() });
  deps.outbound = nodeOutbound;
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  deps.db.close();
});

async function receiver(kind: ReceiverKind): Promise<FakeReceiver> {
  const r = await startReceiver(kind);
  receivers.push(r);
  return r;
}

async function destination(
  type: DestinationType,
  url: string,
  options: { secret?: string; severities?: number[]; allowPrivate?: boolean } = {},
): Promise<string> {
  const id = newId();
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.destinations.insert({
      id,
      name: `${type} ${id}`,
      type,
      url,
      signingSecret: type === 'webhook' ? (options.secret ?? null) : null,
      severities: options.severities ?? null,
      allowPrivate: options.allowPrivate ?? false,
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  return id;
}

async function to(r: FakeReceiver, options: { severities?: number[] } = {}): Promise<string> {
  return destination(r.kind, r.url, { secret: r.secret, ...options });
}

/** Queues a test message to a destination; its message id. */
async function queueTest(destinationId: string, text = 'Hello from the test'): Promise<string> {
  const message = await buildNotification(
    deps,
    {
      id: 'inc_test',
      kind: 'incident',
      example: false,
      title: 'Test message',
      severity: 2,
      status: 'investigating',
      impact: 'minor',
      startedAt: deps.clock.now(),
      nextUpdateAt: null,
      componentIds: [],
      warRoomUrl: null,
      runbookUrl: null,
      dashboardUrl: null,
    },
    {},
    { kind: 'test', text, postedOnStatusPage: false },
  );
  const statement = queueDelivery(deps, destinationId, message, deps.clock.now());
  await deps.db.atomic([statement]);
  const rows = await deps.repos.destinations.deliveriesOf(destinationId, 1);
  return rows[0]!.messageId;
}

/** Polls until `check` holds (generous limit: a loaded machine is slow, never wrong). */
async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const row = async (messageId: string) => (await deps.repos.deliveries.findByMessageId(messageId))!;
const drainer = (options: DeliveryDrainerOptions = {}) => createDeliveryDrainer(deps, { random: () => 0, ...options });

describe('delivering to each type of destination', () => {
  it('delivers a declared SEV-1 to Slack, Teams, Discord, Google Chat and a signed webhook, each payload valid for its receiver', async () => {
    const all = await Promise.all((['slack', 'teams', 'discord', 'google_chat', 'webhook'] as const).map((kind) => receiver(kind)));
    for (const r of all) await to(r);
    const incidentId = await declareIncident(
      deps,
      { title: 'Checkout failing', severity: 1, body: 'We see **errors** on checkout.', warRoomUrl: 'https://meet.example.com/room' },
      FIXTURE_ACTOR,
    );
    const report = await drainer().drain(30_000);
    expect(report).toMatchObject({ attempts: 5, sent: 5, failed: 0, retried: 0 });
    for (const r of all) {
      const [got] = await r.waitFor(1);
      expect(r.received).toHaveLength(1);
      expect(got!.path).toBe('/hooks/' + r.kind + '/SECRET-TOKEN');
      expect(got!.body).toContain('Checkout failing');
    }
    const webhook = all[4]!.valid[0]!;
    expect(webhook.json).toMatchObject({ type: 'incident.declared', data: { incident: { id: incidentId, severity: 1 } } });
    const log = await deps.repos.destinations.deliveriesOf((await deps.repos.destinations.list()).find((d) => d.type === 'slack')!.id, 5);
    expect(log[0]).toMatchObject({ status: 'sent', attempts: 1, responseStatus: 200, error: null, kind: 'declaration' });
    expect(log[0]!.finishedAt).not.toBeNull();
  });

  it('routes by severity end to end: the SEV-1 destination gets the SEV-1, the SEV-3 one does not', async () => {
    const exec = await receiver('slack');
    const minor = await receiver('discord');
    await to(exec, { severities: [1] });
    await to(minor, { severities: [3] });
    await declareIncident(deps, { title: 'Everything down', severity: 1, body: 'Investigating.' }, FIXTURE_ACTOR);
    await drainer().drain(30_000);
    await exec.waitFor(1);
    expect(minor.received).toHaveLength(0);
  });

  it('has receivers that refuse invalid payloads (the checks above can fail)', async () => {
    const slack = await receiver('slack');
    const response = await fetch(slack.url, { method: 'POST', body: JSON.stringify({ blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }] }) });
    expect(response.status).toBe(400);
    expect(slack.received[0]!.problems).toEqual(['no_text', 'header 0: text length 151 (1-150)']);
    const hook = await receiver('webhook');
    const unsigned = await fetch(hook.url, { method: 'POST', body: '{}', headers: { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' } });
    expect(unsigned.status).toBe(400);
  });
});

describe('retries and failures', () => {
  it('honours Retry-After over a shorter backoff, and keeps the webhook-id and body across the retry', async () => {
    const hook = await receiver('webhook');
    const messageId = await queueTest(await to(hook));
    hook.reply({ status: 429, retryAfter: '120' });
    const start = deps.clock.now();
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 1, retried: 1 });
    expect(await row(messageId)).toMatchObject({ status: 'queued', attempts: 1, responseStatus: 429, error: 'HTTP 429', dueAt: start + 120_000 });
    // Not before its time.
    deps.clock.advance(119_000);
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 0 });
    deps.clock.advance(1_000);
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 1, sent: 1 });
    expect(await row(messageId)).toMatchObject({ status: 'sent', attempts: 2, responseStatus: 200, error: null });
    const [first, second] = hook.received;
    expect(first!.headers['webhook-id']).toBe(messageId);
    expect(second!.headers['webhook-id']).toBe(messageId);
    expect(second!.body).toBe(first!.body);
    // Each attempt is signed at its own time.
    expect(Number(second!.headers['webhook-timestamp']) - Number(first!.headers['webhook-timestamp'])).toBe(120);
  });

  it('backs off exponentially with jitter when there is no Retry-After', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, null, () => 0))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, null, () => 1))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(20, null, () => 1)).toBe(15 * 60_000);
    expect(retryDelayMs(1, 30, () => 0)).toBe(30_000);
    expect(retryDelayMs(1, 10 ** 9, () => 0)).toBe(60 * 60_000);
  });

  it('records a permanent 4xx at once with its status, and never the URL path', async () => {
    const slack = await receiver('slack');
    slack.reply({ status: 404, body: 'no_service' });
    const messageId = await queueTest(await to(slack));
    expect(await drainer().drain(30_000)).toMatchObject({ attempts: 1, failed: 1 });
    const failed = await row(messageId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 404, error: 'HTTP 404' });
    expect(failed.finishedAt).not.toBeNull();
    expect(JSON.stringify(deps.log.lines)).not.toContain('SECRET-TOKEN');
    expect(JSON.stringify(failed)).not.toMatch(/SECRET-TOKEN.*error|"error":"[^"]*SECRET/);
  });

  it('fails a 3xx without following the redirect', async () => {
    const slack = await receiver('slack');
    const elsewhere = await receiver('slack');
    slack.reply({ status: 302, headers: { location: elsewhere.url } });
    const messageId = await queueTest(await to(slack));
    await drainer().drain(30_000);
    expect(await row(messageId)).toMatchObject({ status: 'failed', responseStatus: 302, error: 'redirect (HTTP 302) not followed' });
    expect(elsewhere.received).toHaveLength(0);
  });

  it('gives up after the retry cap', async () => {
    const chat = await receiver('google_chat');
    chat.reply({ status: 500 }, { status: 503 }, { status: 502 });
    const messageId = await queueTest(await to(chat));
    for (let i = 0; i < 3; i++) {
      await drainer({ maxAttempts: 3 }).drain(30_000);
      deps.clock.advance(60 * 60_000);
    }
    expect(await row(messageId)).toMatchObject({ status: 'failed', attempts: 3, responseStatus: 502, error: 'gave up after 3 attempts: HTTP 502' });
    expect(chat.received).toHaveLength(3);
  });
});

describe('never blocking, always in order', () => {
  it('a hanging destination does not hold up another destination', async () => {
    const hanging = await receiver('slack');
    const healthy = await receiver('discord');
    hanging.reply({ hang: true });
    const stuck = await queueTest(await to(hanging));
    const fine = await queueTest(await to(healthy));
    const drain = drainer({ timeoutMs: 120_000 }).drain(60_000);
    await healthy.waitFor(1);
    // The healthy one was delivered while the other is still waiting for its answer.
    await until(async () => (await row(fine)).status === 'sent');
    expect(await row(stuck)).toMatchObject({ status: 'sending' });
    expect(hanging.received).toHaveLength(1);
    // The hung connection drops: a network error, retried later.
    await hanging.close();
    receivers.splice(receivers.indexOf(hanging), 1);
    await drain;
    expect(await row(stuck)).toMatchObject({ status: 'queued', attempts: 1, responseStatus: null });
    expect((await row(stuck)).error).toMatch(/^network error/);
  });

  it('when there are more destinations with work than slots, first tries go before retries: failing destinations wait, healthy ones do not', async () => {
    const dead = await receiver('slack');
    dead.reply({ status: 503 });
    const deadId = await to(dead);
    const retrying = await queueTest(deadId);
    // One attempt: it failed; an hour later (the test's clock) its retry is due.
    await drainer().drain(30_000);
    expect(await row(retrying)).toMatchObject({ status: 'queued', attempts: 1 });
    deps.clock.advance(60 * 60_000);

    const healthy = await receiver('discord');
    const fresh = await queueTest(await to(healthy));
    dead.reply({ hang: true });
    // One slot: the fresh message to the healthy destination takes it, though the retry was queued first.
    const drain = drainer({ globalConcurrency: 1, timeoutMs: 2_000 }).drain(30_000);
    // When the retry reaches the dead receiver, the fresh message is already delivered.
    await until(async () => dead.received.length === 2);
    expect(await row(fresh)).toMatchObject({ status: 'sent', attempts: 1 });
    await drain;
    expect(await row(retrying)).toMatchObject({ status: 'queued', attempts: 2 });
  });

  it('a timeout is a retry', async () => {
    const slack = await receiver('slack');
    slack.reply({ hang: true });
    const messageId = await queueTest(await to(slack));
    await drainer({ timeoutMs: 200 }).drain(30_000);
    expect(await row(messageId)).toMatchObject({ status: 'queued', attempts: 1, error: 'timed out after 200 ms' });
  });

  it('keeps each destination in order, even when its first message needs a retry', async () => {
    const teams = await receiver('teams');
    const id = await to(teams);
    teams.reply({ status: 503 });
    const ids = [await queueTest(id, 'first'), await queueTest(id, 'second'), await queueTest(id, 'third')];
    await drainer().drain(30_000);
    expect(teams.received).toHaveLength(1);
    expect((await row(ids[1]!)).status).toBe('queued');
    deps.clock.advance(60_000);
    await drainer().drain(30_000);
    const texts = teams.received.map((r) => (/"(first|second|third)"/.exec(r.body) ?? [])[1]);
    expect(texts).toEqual(['first', 'first', 'second', 'third']);
    for (const m of ids) expect((await row(m)).status).toBe('sent');
    expect(teams.maxConcurrent).toBe(1);
  });

  it('sends the same host at most perHostConcurrency at a time and still delivers everything', async () => {
    const slack = await receiver('slack');
    const destinations = await Promise.all([1, 2, 3, 4, 5].map(() => to(slack)));
    slack.reply(...destinations.map(() => ({ delayMs: 50 })));
    for (const d of destinations) await queueTest(d);
    const report = await drainer({ perHostConcurrency: 2 }).drain(30_000);
    expect(report).toMatchObject({ attempts: 5, sent: 5 });
    expect(slack.valid).toHaveLength(5);
    expect(slack.maxConcurrent).toBeLessThanOrEqual(2);
  });
});

describe('server-side request forgery', () => {
  it('refuses plain http to a non-loopback address', async () => {
    const messageId = await queueTest(await destination('slack', 'http://192.0.2.10/hooks/SECRET-TOKEN'));
    await drainer().drain(30_000);
    expect(await row(messageId)).toMatchObject({ status: 'failed', responseStatus: null, error: 'refused: plain http only to loopback' });
  });

  it('refuses loopback unless OUTBOUND_ALLOW_LOOPBACK allows it', async () => {
    const slack = await receiver('slack');
    deps.config = { ...deps.config, outbound: { allowLoopback: false } };
    const messageId = await queueTest(await to(slack));
    await drainer().drain(30_000);
    expect(await row(messageId)).toMatchObject({ status: 'failed', error: 'refused: plain http is not allowed' });
    expect(slack.received).toHaveLength(0);
  });

  it('refuses a private address unless the destination allows private targets, and then connects to the checked address', async () => {
    const sent: string[][] = [];
    deps.outbound = {
      resolve: async () => ['10.1.2.3'],
      send: async (_url, _init, addresses) => (sent.push([...addresses]), new Response('ok')),
    };
    const refused = await queueTest(await destination('slack', 'https://chat.internal.example/hooks/SECRET-TOKEN'));
    const allowed = await queueTest(await destination('slack', 'https://chat2.internal.example/hooks/SECRET-TOKEN', { allowPrivate: true }));
    await drainer().drain(30_000);
    expect(await row(refused)).toMatchObject({ status: 'failed', error: 'refused: private address' });
    expect(await row(allowed)).toMatchObject({ status: 'sent' });
    expect(sent).toEqual([['10.1.2.3']]);
  });

  it('pins the connection to the address the check resolved (the name is never resolved again)', async () => {
    const slack = await receiver('slack');
    const port = new URL(slack.url).port;
    const looked: string[] = [];
    deps.outbound = { ...nodeOutbound, resolve: async (host) => (looked.push(host), ['127.0.0.1']) };
    // A name no DNS server knows: only the pinned address can reach the receiver.
    const messageId = await queueTest(await destination('slack', `http://hooks.herald-pinned.invalid:${port}/hooks/slack/SECRET-TOKEN`));
    await drainer().drain(30_000);
    expect(await row(messageId)).toMatchObject({ status: 'sent' });
    expect(looked).toEqual(['hooks.herald-pinned.invalid']);
    expect(slack.valid[0]!.headers.host).toBe(`hooks.herald-pinned.invalid:${port}`);
  });
});

describe('pruning', () => {
  it('deletes finished deliveries after 30 days and keeps unfinished ones', async () => {
    const slack = await receiver('slack');
    const id = await to(slack);
    const done = await queueTest(id);
    await drainer().drain(30_000);
    const waiting = await queueTest(await destination('slack', 'https://paused.example/x'));
    await deps.db.atomic([deps.repos.destinations.update((await row(waiting)).destinationId, { pausedAt: deps.clock.now(), updatedAt: deps.clock.now() })]);
    expect(await pruneDeliveries(deps, deps.clock.now() + DELIVERY_RETENTION_MS)).toBe(0);
    expect(await pruneDeliveries(deps, deps.clock.now() + DELIVERY_RETENTION_MS + 1)).toBe(1);
    expect(await deps.repos.deliveries.findByMessageId(done)).toBeUndefined();
    expect(await row(waiting)).toMatchObject({ status: 'queued' });
  });
});
