// POST /webhooks/resend: Svix-signed Resend events suppress bounced and complaining addresses.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { signSvixPayload } from '../../src/lib/svix.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { addSubscribers, statusCounts, subscriberRows } from './support.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

async function setup(secret: string | null = SECRET): Promise<TestDeps> {
  const deps = await createTestDeps();
  deps.config.mail = { ...deps.config.mail, webhookSecret: secret };
  await addSubscribers(deps, ['bounce@example.com', 'soft@example.com', 'spam@example.com', 'fine@example.com']);
  return deps;
}

let messages = 0;

/** Signs and posts an event as Resend would: a new message id each time unless `id` is given. */
async function deliver(deps: TestDeps, event: unknown, options: { secret?: string; ageSeconds?: number; tamper?: boolean; id?: string } = {}) {
  const body = JSON.stringify(event);
  const id = options.id ?? `msg_${++messages}`;
  const timestamp = Math.floor(deps.clock.now() / 1000) - (options.ageSeconds ?? 0);
  const signature = await signSvixPayload(options.secret ?? SECRET, id, timestamp, body);
  return createApp(deps).request('/webhooks/resend', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': signature },
    body: options.tamper ? body.replace('bounce@', 'fine@') : body,
  });
}

const statusOf = async (deps: TestDeps, email: string) => (await subscriberRows(deps)).find((s) => s.email === email)?.status;

describe('Resend webhooks', () => {
  it('suppress an address that bounced for good or complained, with the reason, and skip what is queued for it', async () => {
    const deps = await setup();
    await declareIncident(deps, { title: 'Outage', severity: 1, body: 'Looking.' }, FIXTURE_ACTOR);
    expect(await statusCounts(deps)).toEqual({ queued: 4 });

    const bounced = await deliver(deps, { type: 'email.bounced', data: { to: ['Bounce@Example.com'], bounce: { type: 'Permanent', message: 'mailbox does not exist' } } });
    expect(bounced.status).toBe(200);
    expect(await bounced.json()).toEqual({ received: true, suppressed: 1 });
    const row = (await subscriberRows(deps)).find((s) => s.email === 'bounce@example.com')!;
    expect(row).toMatchObject({ status: 'suppressed', reason: 'bounced: mailbox does not exist' });

    expect((await deliver(deps, { type: 'email.complained', data: { to: 'spam@example.com' } })).status).toBe(200);
    expect(await statusOf(deps, 'spam@example.com')).toBe('suppressed');
    expect(await statusCounts(deps)).toEqual({ queued: 2, skipped: 2 });
  });

  it('ignore temporary bounces, other event types and unknown addresses', async () => {
    const deps = await setup();
    for (const event of [
      { type: 'email.bounced', data: { to: ['soft@example.com'], bounce: { type: 'Transient' } } },
      { type: 'email.delivered', data: { to: ['fine@example.com'] } },
      { type: 'email.bounced', data: { to: ['stranger@example.com'] } },
    ]) {
      const res = await deliver(deps, event);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { suppressed: number }).suppressed).toBe(0);
    }
    expect(await statusOf(deps, 'soft@example.com')).toBe('confirmed');
  });

  it('refuse a wrong signature, a tampered body, a replayed (old) event and missing headers with 401, changing nothing', async () => {
    const deps = await setup();
    const event = { type: 'email.complained', data: { to: ['bounce@example.com'] } };
    for (const res of [
      await deliver(deps, event, { secret: 'whsec_' + btoa('another secret entirely') }),
      await deliver(deps, event, { tamper: true }),
      await deliver(deps, event, { ageSeconds: 600 }),
      await createApp(deps).request('/webhooks/resend', { method: 'POST', body: JSON.stringify(event) }),
    ]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    }
    expect((await subscriberRows(deps)).every((s) => s.status === 'confirmed')).toBe(true);
  });

  it('ignore a signed event replayed within the signature window: its message id was seen', async () => {
    const deps = await setup();
    const event = { type: 'email.bounced', data: { to: ['bounce@example.com'], bounce: { type: 'Permanent' } } };
    expect(await (await deliver(deps, event, { id: 'msg_captured' })).json()).toEqual({ received: true, suppressed: 1 });
    // The address is subscribed again (an admin's import, say); then the captured request comes back, 2 minutes on.
    const row = (await subscriberRows(deps)).find((s) => s.email === 'bounce@example.com')!;
    await deps.db.atomic([deps.repos.subscribers.update(row.id, { status: 'confirmed', reason: null })]);
    deps.clock.advance(120_000);
    const replay = await deliver(deps, event, { id: 'msg_captured', ageSeconds: 120 });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ received: true, duplicate: true, suppressed: 0 });
    expect(await statusOf(deps, 'bounce@example.com')).toBe('confirmed');
  });

  it('handle the retry of an event whose first delivery failed', async () => {
    const deps = await setup();
    let failNext = true;
    const atomic = deps.db.atomic;
    deps.db.atomic = async (statements) => {
      if (failNext) {
        failNext = false;
        throw new Error('disk full');
      }
      return atomic(statements);
    };
    const event = { type: 'email.complained', data: { to: 'spam@example.com' } };
    expect((await deliver(deps, event, { id: 'msg_retried' })).status).toBe(500);
    expect(await statusOf(deps, 'spam@example.com')).toBe('confirmed');
    expect(await (await deliver(deps, event, { id: 'msg_retried' })).json()).toEqual({ received: true, suppressed: 1 });
    expect(await statusOf(deps, 'spam@example.com')).toBe('suppressed');
  });

  it('answer 400 for a signed body that is not a Resend event, and 404 when no secret is configured', async () => {
    const deps = await setup();
    expect((await deliver(deps, { hello: 'world' })).status).toBe(400);
    const off = await setup(null);
    expect((await deliver(off, { type: 'email.complained', data: { to: ['spam@example.com'] } })).status).toBe(404);
  });
});
