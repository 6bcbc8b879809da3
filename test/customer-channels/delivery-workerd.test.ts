// The customer channels' drainer on the real Workers runtime (workerd through `wrangler dev
// --local`, local D1): a confirmed webhook subscriber and a ready notice of one of the example
// page's updates are written into the D1 file, the cron trigger (wrangler's /__scheduled) runs,
// and the receiver on the host's loopback gets the Statuspage body, signed (verified with the real
// `standardwebhooks`); the delivery and the subscriber's health are recorded in D1.
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type FakeReceiver } from '../support/fake-receivers.js';
import { startWrangler, tail, type Wrangler } from '../worker/edge-harness.js';

let wrangler: Wrangler | undefined;
let receiver: FakeReceiver | undefined;

beforeAll(async () => {
  receiver = await startReceiver('webhook');
  wrangler = await startWrangler(() => ({ OUTBOUND_ALLOW_LOOPBACK: '1' }));
}, 120_000);
afterAll(async () => {
  await wrangler?.stop();
  await receiver?.close();
});

describe('customer deliveries on workerd', { timeout: 120_000 }, () => {
  it('the cron trigger expands a notice and delivers it, signed, recording health in D1', async () => {
    const w = wrangler!;
    const r = receiver!;
    // The first request seeds the example page.
    expect((await fetch(`${w.base}/`)).status).toBe(200);
    const d1 = new BetterSqlite3(w.d1File());
    d1.pragma('busy_timeout = 5000');
    const update = d1.prepare('SELECT id FROM incident_updates ORDER BY created_at DESC LIMIT 1').get() as { id: string } | undefined;
    expect(update).toBeDefined();
    const now = Date.now();
    d1.prepare(
      `INSERT INTO channel_subscribers (id, type, url, contact_email, status, secret, signing_secret, created_at, updated_at, confirmed_at)
       VALUES ('csworkerd1', 'webhook', ?, 'ops@customer.test', 'confirmed', 'sekret', ?, ?, ?, ?)`,
    ).run(r.url, r.secret, now - 60_000, now - 60_000, now - 60_000);
    d1.prepare(`INSERT INTO customer_notices (id, kind, update_id, state, due_at, created_at, updated_at) VALUES ('ntcworkerd1', 'incident', ?, 'ready', ?, ?, ?)`).run(
      update!.id,
      now,
      now,
      now,
    );
    d1.close();

    const cron = await fetch(`${w.base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
    expect(cron.status).toBe(200);
    try {
      await r.waitFor(1, 20_000);
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nWorker log:\n${tail(w.output())}`);
    }
    const [got] = r.valid;
    expect(got!.headers['webhook-id']).toBe('msg_ntcworkerd1_csworkerd1');
    expect(Object.keys(got!.json as object)).toEqual(['meta', 'page', 'incident']);
    expect((got!.json as { meta: { unsubscribe: string } }).meta.unsubscribe).toBe(`${w.base}/subscribe/channels/unsubscribe/csworkerd1.sekret`);

    const check = new BetterSqlite3(w.d1File(), { readonly: true });
    const until = Date.now() + 10_000;
    let row: { status: string } | undefined;
    while (Date.now() < until) {
      row = check.prepare("SELECT status FROM customer_deliveries WHERE message_id = 'msg_ntcworkerd1_csworkerd1'").get() as { status: string } | undefined;
      if (row?.status === 'sent') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row?.status).toBe('sent');
    expect(check.prepare("SELECT state FROM customer_notices WHERE id = 'ntcworkerd1'").get()).toEqual({ state: 'done' });
    const health = check.prepare("SELECT last_success_at AS lastSuccessAt, failing_since AS failingSince FROM channel_subscribers WHERE id = 'csworkerd1'").get() as {
      lastSuccessAt: number | null;
      failingSince: number | null;
    };
    expect(health.lastSuccessAt).toBeGreaterThanOrEqual(now);
    expect(health.failingSince).toBeNull();
    check.close();
  });
});
