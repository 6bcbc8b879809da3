// kill -9 in the middle of a customer fan-out, through the real Node entry: 10,000 confirmed
// webhook subscribers (written straight into SQLite), an update published through the API, a
// receiver (four ports, so the whole pool is in use) that counts Standard Webhooks ids. The
// process group is killed after some but not all deliveries arrived; Herald starts again on the
// same database and finishes. Every subscriber gets its message, and a repeat (a request answered
// while the process died, before it could record it) carries the same webhook-id and body; there
// are at most as many repeats as sends were in flight at the kill (the pool's size).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/channels/webhook.js';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { CUSTOMER_GLOBAL_CONCURRENCY } from '../../src/services/customer-channels/deliveries.js';
import { testConfig } from '../support/deps.js';
import { api, createToken, killAll, removeTempDirs, startHerald, tempDir, type Herald } from './support.js';

const SUBSCRIBERS = 10_000;
const PORTS = 4;
const servers: Server[] = [];

afterAll(async () => {
  killAll();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  removeTempDirs();
});

function killGroup(herald: Herald): void {
  try {
    process.kill(-herald.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function until(check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Arrival {
  id: string;
  body: string;
  valid: boolean;
}

/** One handler on PORTS ports: verifies the signature, records the webhook-id, answers 200 after a few milliseconds. */
async function startCountingReceiver(secret: string): Promise<{ urls: string[]; arrivals: Arrival[] }> {
  const verifier = new Webhook(secret);
  const arrivals: Arrival[] = [];
  const urls: string[] = [];
  for (let i = 0; i < PORTS; i++) {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let valid = true;
        try {
          verifier.verify(body, req.headers as Record<string, string>);
        } catch {
          valid = false;
        }
        arrivals.push({ id: String(req.headers['webhook-id']), body, valid });
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), 5);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/statuspage/SECRET`);
  }
  return { urls, arrivals };
}

describe('kill -9 mid fan-out to 10,000 webhook subscribers', { timeout: 240_000 }, () => {
  it('delivers each subscriber its message, repeats carrying the same webhook-id and body', async () => {
    const secret = generateWebhookSecret();
    const { urls, arrivals } = await startCountingReceiver(secret);
    const databasePath = join(tempDir(), 'data', 'herald.db');
    const token = await createToken(databasePath, 'admin');
    // Migrated by opening it once; the subscribers in one bulk insert.
    createNodeDeps({ config: testConfig(), databasePath }).db.close();
    const sqlite = new BetterSqlite3(databasePath);
    sqlite.pragma('busy_timeout = 5000');
    const confirmedAt = Date.now() - 60_000;
    const insert = sqlite.prepare(
      `INSERT INTO channel_subscribers (id, type, url, contact_email, status, secret, signing_secret, created_at, updated_at, confirmed_at)
       VALUES (?, 'webhook', ?, ?, 'confirmed', ?, ?, ?, ?, ?)`,
    );
    const ids: string[] = [];
    sqlite.transaction(() => {
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const id = `cs${String(i).padStart(5, '0')}`;
        ids.push(id);
        insert.run(id, `${urls[i % PORTS]}?subscriber=${i}`, `ops${i}@customer.test`, `secret${i}`, secret, confirmedAt, confirmedAt, confirmedAt);
      }
    })();

    let herald = await startHerald(databasePath, { OUTBOUND_ALLOW_LOOPBACK: '1' });
    const published = await api(herald.url, token, 'POST', '/incidents', { title: 'Checkout failing', severity: 1, body: 'Investigating.' });
    expect(published.status).toBe(201);
    // Publishing writes the update's customer notice (services/customer-channels/notices.ts); a
    // branch without that part gets it here, as publishing would have written it.
    const update = sqlite.prepare('SELECT id, created_at AS createdAt FROM incident_updates ORDER BY created_at DESC LIMIT 1').get() as { id: string; createdAt: number };
    const hasNotice = () => sqlite.prepare('SELECT count(*) AS n FROM customer_notices WHERE update_id = ?').get(update.id) as { n: number };
    if (hasNotice().n === 0) {
      sqlite
        .prepare(`INSERT INTO customer_notices (id, kind, update_id, state, due_at, created_at, updated_at) VALUES ('notice1', 'incident', ?, 'ready', ?, ?, ?)`)
        .run(update.id, update.createdAt, update.createdAt, update.createdAt);
    }

    await until(() => arrivals.length >= 1_500);
    killGroup(herald);
    await herald.stop('SIGKILL', 5_000);
    const arrivedBeforeKill = arrivals.length;
    const counts = () => Object.fromEntries((sqlite.prepare('SELECT status, count(*) AS n FROM customer_deliveries GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
    const atKill = counts();
    // Some but not all: killed mid fan-out, with at most the pool in flight.
    expect(arrivedBeforeKill).toBeLessThan(SUBSCRIBERS);
    expect(atKill.sending ?? 0).toBeLessThanOrEqual(CUSTOMER_GLOBAL_CONCURRENCY);

    herald = await startHerald(databasePath, { OUTBOUND_ALLOW_LOOPBACK: '1' });
    await until(() => (counts().sent ?? 0) === SUBSCRIBERS, 150_000);
    await herald.stop();
    expect(counts()).toEqual({ sent: SUBSCRIBERS });
    sqlite.close();

    // Every request signed right; every subscriber's message arrived; repeats identical and few.
    expect(arrivals.every((a) => a.valid)).toBe(true);
    const distinct = new Map<string, Arrival[]>();
    for (const a of arrivals) distinct.set(a.id, [...(distinct.get(a.id) ?? []), a]);
    expect(distinct.size).toBe(SUBSCRIBERS);
    const noticeId = (JSON.parse(arrivals[0]!.body) as { meta: { unsubscribe: string } }) && arrivals[0]!.id.split('_')[1];
    expect(new Set(distinct.keys())).toEqual(new Set(ids.map((id) => `msg_${noticeId}_${id}`)));
    const repeated = [...distinct.values()].filter((copies) => copies.length > 1);
    for (const copies of repeated) expect(new Set(copies.map((c) => c.body)).size).toBe(1);
    const repeats = arrivals.length - SUBSCRIBERS;
    expect(repeats).toBeLessThanOrEqual(atKill.sending ?? 0);
    expect(repeats).toBeLessThanOrEqual(CUSTOMER_GLOBAL_CONCURRENCY);
  });
});
