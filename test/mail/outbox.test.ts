// The outbox end to end: fan-out in the publishing write, then the real Resend
// SDK (through src/mail/resend-transport.ts) against the local fake Resend.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resendTransport } from '../../src/mail/resend-transport.js';
import type { MailTransport } from '../../src/mail/transport.js';
import { createComponent } from '../../src/services/components/components.js';
import { createGroup } from '../../src/services/components/groups.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { createDrainer, LEASE_MS, MAX_ATTEMPTS, type DrainDeps } from '../../src/services/notifications/outbox.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { scheduleMaintenance } from '../../src/services/maintenance/schedule.js';
import { unsubscribe, subscriberToken } from '../../src/services/subscribers/subscriptions.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { FAKE_RESEND_API_KEY, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { addSubscribers, outboxRows, statusCounts, subscriberRows } from './support.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.setLatency(0);
});

const FROM = 'Test Cloud Status <status@status.test>';

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function transport(timeoutMs?: number): MailTransport {
  return resendTransport({ apiKey: FAKE_RESEND_API_KEY, baseUrl: fake.url, from: FROM, timeoutMs });
}

async function setup(options: { timeoutMs?: number } = {}) {
  const deps = await createTestDeps(); // mail.rateLimit 0: no pacing unless a test asks
  const core = await createGroup(deps, { name: 'Core' }, FIXTURE_ACTOR);
  const edge = await createGroup(deps, { name: 'Edge' }, FIXTURE_ACTOR);
  const api = await createComponent(deps, { name: 'API', groupId: core }, FIXTURE_ACTOR);
  const db = await createComponent(deps, { name: 'Database', groupId: core }, FIXTURE_ACTOR);
  const cdn = await createComponent(deps, { name: 'CDN', groupId: edge }, FIXTURE_ACTOR);
  const drainDeps: DrainDeps = { ...deps, mail: transport(options.timeoutMs) };
  // Backoff without randomness: the test moves the clock past it exactly.
  const drainer = createDrainer(drainDeps, { random: () => 1 });
  return { deps, drainer, ids: { core, edge, api, db, cdn } };
}

async function sev1(deps: TestDeps, components: { componentId: string; status: 'major_outage' | 'partial_outage' }[], notify = true) {
  return declareIncident(deps, { title: 'Elevated API errors', severity: 1, body: 'We are investigating.', components, notify }, FIXTURE_ACTOR);
}

describe('fan-out: the publishing write queues one email per concerned confirmed subscriber', () => {
  it('follows each subscriber’s choice of components and groups', async () => {
    const { deps, ids } = await setup();
    const [all] = await addSubscribers(deps, ['all@example.com']);
    const [onlyApi] = await addSubscribers(deps, ['api@example.com'], { componentIds: [ids.api] });
    const [edgeGroup] = await addSubscribers(deps, ['edge@example.com'], { groupIds: [ids.edge] });
    await addSubscribers(deps, ['pending@example.com'], { status: 'pending' });
    await addSubscribers(deps, ['gone@example.com'], { status: 'unsubscribed' });
    await addSubscribers(deps, ['bounced@example.com'], { status: 'suppressed' });

    const incidentId = await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    let rows = await outboxRows(deps);
    expect(rows.map((r) => r.subscriberId).sort()).toEqual([all, onlyApi].sort());
    expect(rows.every((r) => r.kind === 'update' && r.status === 'queued')).toBe(true);

    // The CDN joins the incident: the Edge group subscriber now hears too, and so do the others again.
    await postUpdate(deps, { incidentId, status: 'identified', body: 'Found it.', components: [{ componentId: ids.cdn, status: 'partial_outage' }] }, FIXTURE_ACTOR);
    rows = await outboxRows(deps);
    const second = rows.filter((r) => r.updateId !== rows[0]!.updateId);
    expect(second.map((r) => r.subscriberId).sort()).toEqual([all, onlyApi, edgeGroup].sort());
  });

  it('sends an incident that names no component to everyone confirmed', async () => {
    const { deps, ids } = await setup();
    await addSubscribers(deps, ['all@example.com']);
    await addSubscribers(deps, ['api@example.com'], { componentIds: [ids.api] });
    await sev1(deps, []);
    expect(await outboxRows(deps)).toHaveLength(2);
  });

  it('queues nothing when notify is off, or for a backfilled update', async () => {
    const { deps, ids } = await setup();
    await addSubscribers(deps, ['all@example.com']);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }], false);
    const hour = 60 * 60_000;
    await declareIncident(deps, {
      title: 'Last week',
      severity: 1,
      body: 'Backfilled.',
      notify: true,
      startedAt: deps.clock.now() - 7 * 24 * hour,
      status: 'resolved',
    }, FIXTURE_ACTOR);
    expect(await outboxRows(deps)).toHaveLength(0);
  });

  it('covers maintenance notices too', async () => {
    const { deps, ids } = await setup();
    await addSubscribers(deps, ['all@example.com']);
    const hour = 60 * 60_000;
    await scheduleMaintenance(deps, {
      title: 'Database upgrade',
      body: 'We will upgrade the database.',
      scheduledFor: deps.clock.now() + 24 * hour,
      scheduledUntil: deps.clock.now() + 26 * hour,
      componentIds: [ids.db],
      notify: true,
    }, FIXTURE_ACTOR);
    expect(await outboxRows(deps)).toHaveLength(1);
  });
});

describe('draining through the Resend SDK', () => {
  it('sends each email once, in batches of 100, with the subscriber’s headers, and records the provider ids', async () => {
    const { deps, drainer, ids } = await setup();
    const emails = Array.from({ length: 250 }, (_, i) => `user${i}@example.com`);
    await addSubscribers(deps, emails);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);

    const report = await drainer.drain(30_000);
    expect(report).toMatchObject({ batches: 3, sent: 250, failed: 0, retried: 0 });
    const sends = fake.requests.filter((r) => r.path === '/emails/batch');
    expect(sends.map((r) => (r.body as unknown[]).length)).toEqual([100, 100, 50]);
    expect(new Set(sends.map((r) => r.idempotencyKey)).size).toBe(3);
    expect(fake.deliveries.map((d) => d.to[0]).sort()).toEqual([...emails].sort());

    const subscriber = (await subscriberRows(deps)).find((s) => s.email === 'user7@example.com')!;
    const mail = fake.deliveries.find((d) => d.to[0] === 'user7@example.com')!;
    expect(mail.from).toBe(FROM);
    expect(mail.subject).toBe('[Investigating] Elevated API errors');
    const token = encodeURIComponent(subscriberToken(subscriber));
    expect(mail.headers['List-Unsubscribe']).toBe(`<http://status.test/unsubscribe/${token}>`);
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(mail.headers['List-Id']).toMatch(/<.+>$/);
    expect(mail.text).toContain('We are investigating.');

    const rows = await outboxRows(deps);
    expect(rows.every((r) => r.status === 'sent' && r.providerId && r.sentAt === deps.clock.now())).toBe(true);
    expect(new Set(rows.map((r) => r.providerId)).size).toBe(250);
    // Nothing left: another drain does nothing.
    expect((await drainer.drain(1_000)).batches).toBe(0);
  });

  it('retries 429 and 5xx with backoff, with the same idempotency key, and delivers once', async () => {
    const { deps, drainer, ids } = await setup();
    await addSubscribers(deps, ['a@example.com', 'b@example.com']);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    fake.script({ status: 429, retryAfterSeconds: 30 }, { status: 503 });

    expect(await drainer.drain(5_000)).toMatchObject({ sent: 0, retried: 1 });
    let rows = await outboxRows(deps);
    expect(rows.every((r) => r.status === 'sending' && r.error?.startsWith('429'))).toBe(true);
    // Retry-After (30 s) outweighs the first backoff (2 s): nothing is due before it.
    expect(rows[0]!.dueAt).toBe(deps.clock.now() + 30_000);
    deps.clock.advance(29_000);
    expect((await drainer.drain(1_000)).batches).toBe(0);

    deps.clock.advance(1_000);
    expect(await drainer.drain(5_000)).toMatchObject({ sent: 0, retried: 1 });
    rows = await outboxRows(deps);
    expect(rows[0]!.error).toMatch(/^503/);
    expect(rows[0]!.attempts).toBe(2);

    deps.clock.advance(4_000); // second backoff: 4 s with random() = 1
    expect(await drainer.drain(5_000)).toMatchObject({ sent: 2 });
    const keys = fake.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(fake.deliveries).toHaveLength(2);
    expect(await statusCounts(deps)).toEqual({ sent: 2 });
  });

  it('does not deliver twice when Resend accepted a batch but the answer was lost', async () => {
    const { deps, drainer, ids } = await setup();
    await addSubscribers(deps, ['a@example.com', 'b@example.com', 'c@example.com']);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    fake.script({ acceptThenFail: 'reset' });

    expect(await drainer.drain(5_000)).toMatchObject({ retried: 1 });
    expect(fake.deliveries).toHaveLength(3); // they went out, but Herald could not know
    deps.clock.advance(2_000);
    expect(await drainer.drain(5_000)).toMatchObject({ sent: 3 });
    expect(fake.requests.at(-1)!.replay).toBe(true);
    expect(fake.deliveries).toHaveLength(3);
    const rows = await outboxRows(deps);
    expect(rows.map((r) => r.providerId).sort()).toEqual(fake.deliveries.map((d) => d.id).sort());
  });

  it('abandons a request that hangs past the timeout and retries it', async () => {
    const { deps, drainer, ids } = await setup({ timeoutMs: 300 });
    await addSubscribers(deps, ['a@example.com']);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    fake.script({ hangMs: Infinity });
    expect(await drainer.drain(5_000)).toMatchObject({ retried: 1 });
    expect((await outboxRows(deps))[0]!.error).toMatch(/^network/);
    // The fake drops the abandoned request (and frees its key) once it sees the disconnect.
    await until(() => fake.requests[0]!.outcome === 'dropped');
    deps.clock.advance(2_000);
    expect(await drainer.drain(5_000)).toMatchObject({ sent: 1 });
    expect(fake.deliveries).toHaveLength(1);
  });

  it('records a refused address as failed with the reason, and sends the rest of its batch', async () => {
    const { deps, drainer, ids } = await setup();
    await addSubscribers(deps, ['good@example.com', 'refused@example.com', 'fine@example.com']);
    fake.rejectAddress('refused@example.com');
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    expect(await drainer.drain(5_000)).toMatchObject({ sent: 2, failed: 1 });
    const rows = await outboxRows(deps);
    const subscribers = new Map((await subscriberRows(deps)).map((s) => [s.id, s.email]));
    const failed = rows.filter((r) => r.status === 'failed');
    expect(failed.map((r) => subscribers.get(r.subscriberId))).toEqual(['refused@example.com']);
    expect(failed[0]!.error).toMatch(/refused by Resend/);
    expect(fake.deliveries.map((d) => d.to[0]).sort()).toEqual(['fine@example.com', 'good@example.com']);
  });

  it('gives up after MAX_ATTEMPTS and keeps the last error', async () => {
    const { deps, drainer, ids } = await setup();
    await addSubscribers(deps, ['a@example.com']);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    fake.script(...Array.from({ length: MAX_ATTEMPTS }, () => ({ status: 500 as const })));
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await drainer.drain(5_000);
      deps.clock.advance(60 * 60_000);
    }
    const [row] = await outboxRows(deps);
    expect(row).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(row!.error).toMatch(new RegExp(`^gave up after ${MAX_ATTEMPTS} attempts: 500`));
    expect(fake.deliveries).toHaveLength(0);
  });

  it('waits between requests under the requests-per-second limit', async () => {
    const { deps, ids } = await setup();
    deps.config.mail = { ...deps.config.mail, rateLimit: 5 };
    const inner = transport();
    const startedAt: number[] = [];
    // Timed by the drainer's own elapsed-time source (the wall clock may be slewed meanwhile).
    const timed: MailTransport = { ...inner, sendBatch: (emails, key) => (startedAt.push(performance.now()), inner.sendBatch(emails, key)) };
    await addSubscribers(deps, Array.from({ length: 300 }, (_, i) => `u${i}@example.com`));
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    await createDrainer({ ...deps, mail: timed }).drain(30_000);
    expect(startedAt).toHaveLength(3);
    // 5 per second: requests start at least 200 ms apart.
    expect(startedAt[1]! - startedAt[0]!).toBeGreaterThanOrEqual(199);
    expect(startedAt[2]! - startedAt[1]!).toBeGreaterThanOrEqual(199);
  });

  it('stops when its budget of real time is spent, finishing the batch in flight, and the next drain goes on', async () => {
    const { deps, ids } = await setup();
    const inner = transport();
    // Real time as the drainer sees it: each request to Resend takes a second.
    let now = 0;
    const slow: MailTransport = { ...inner, sendBatch: async (emails, key) => ((now += 1_000), inner.sendBatch(emails, key)) };
    await addSubscribers(deps, Array.from({ length: 300 }, (_, i) => `u${i}@example.com`));
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    const drainer = createDrainer({ ...deps, mail: slow }, { random: () => 1, elapsed: () => now });
    expect(await drainer.drain(1_500)).toMatchObject({ chunks: 1, batches: 2, sent: 200 });
    expect(await statusCounts(deps)).toEqual({ sent: 200, queued: 100 });
    expect(await drainer.drain(1_500)).toMatchObject({ batches: 1, sent: 100 });
    expect(await statusCounts(deps)).toEqual({ sent: 300 });
  });

  it('skips what is queued for someone who unsubscribes before their turn', async () => {
    const { deps, drainer, ids } = await setup();
    await addSubscribers(deps, ['stay@example.com', 'leave@example.com']);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    expect(await outboxRows(deps)).toHaveLength(2);
    const leaving = (await subscriberRows(deps)).find((s) => s.email === 'leave@example.com')!;
    await unsubscribe(deps, subscriberToken(leaving));
    await drainer.drain(5_000);
    expect(fake.deliveries.map((d) => d.to[0])).toEqual(['stay@example.com']);
    expect(await statusCounts(deps)).toEqual({ sent: 1, skipped: 1 });
  });

  it('resumes a batch a crashed drainer held, with the same idempotency key, once its lease is over', async () => {
    const { deps, drainer, ids } = await setup();
    await addSubscribers(deps, ['a@example.com', 'b@example.com']);
    await sev1(deps, [{ componentId: ids.api, status: 'major_outage' }]);
    // A drainer wrote the fan-out, claimed the batch, sent it (Resend accepted), and died before recording anything.
    expect(await outboxRows(deps)).toHaveLength(2);
    const now = deps.clock.now();
    await deps.db.atomic([deps.repos.outbox.claimQueued('crashedbatch0001', 'deadlease', now, now + LEASE_MS, 100)]);
    await transport().sendBatch(
      (await outboxRows(deps)).map(() => ({ to: 'x@example.com', subject: 's', html: 'h', text: 't', headers: {} })),
      'herald/crashedbatch0001',
    );
    // Within the lease nobody touches it.
    expect((await drainer.drain(1_000)).batches).toBe(0);
    deps.clock.advance(LEASE_MS);
    await drainer.drain(5_000);
    const resumed = fake.requests.at(-1)!;
    expect(resumed.idempotencyKey).toBe('herald/crashedbatch0001');
    // A different body under the same key: Resend answers 409 invalid_idempotent_request, which
    // means an earlier request with this key was accepted. Herald records the emails as sent.
    expect(resumed.status).toBe(409);
    expect(await statusCounts(deps)).toEqual({ sent: 2 });
    expect(fake.deliveries).toHaveLength(2);
  });
});
