// kill -9 in the middle of sending to a destination, through the real Node
// entry: a signed-webhook receiver takes the request and holds its answer;
// the whole Herald process group is killed; Herald starts again on the same
// database. Nothing is lost (both declarations arrive, in order) and nothing
// is sent twice where the receiver could not tell: each message arrives at
// most twice, with the same Standard Webhooks webhook-id and the same body.
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { newId } from '../../src/lib/ids.js';
import { testConfig } from '../support/deps.js';
import { startReceiver, type FakeReceiver } from '../support/fake-receivers.js';
import { api, createToken, killAll, removeTempDirs, startHerald, tempDir, type Herald } from './support.js';

let receiver: FakeReceiver | undefined;

afterAll(async () => {
  killAll();
  await receiver?.close();
  removeTempDirs();
});

function killGroup(herald: Herald): void {
  try {
    process.kill(-herald.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('kill -9 while delivering to a destination', { timeout: 180_000 }, () => {
  it('loses nothing, and a repeat carries the same webhook-id', async () => {
    receiver = await startReceiver('webhook');
    const databasePath = join(tempDir(), 'data', 'herald.db');
    const token = await createToken(databasePath, 'admin');
    // The destination, written straight into the database (its admin API is another part of issue 15).
    const setup = createNodeDeps({ config: testConfig(), databasePath });
    const now = Date.now();
    await setup.db.atomic([
      setup.repos.destinations.insert({
        id: newId(),
        name: 'Incident bot',
        type: 'webhook',
        url: receiver.url,
        signingSecret: receiver.secret,
        createdAt: now,
        updatedAt: now,
      }),
    ]);
    setup.db.close();

    // The first request is taken and never answered before the kill.
    receiver.reply({ delayMs: 10 * 60_000 });
    let herald = await startHerald(databasePath, { OUTBOUND_ALLOW_LOOPBACK: '1' });
    const first = await api(herald.url, token, 'POST', '/incidents', { title: 'First outage', severity: 1, body: 'Investigating.' });
    expect(first.status).toBe(201);
    const second = await api(herald.url, token, 'POST', '/incidents', { title: 'Second outage', severity: 2, body: 'Investigating too.' });
    expect(second.status).toBe(201);
    await until(() => receiver!.received.length >= 1);
    killGroup(herald);
    await herald.stop('SIGKILL', 5_000);

    const sqlite = new BetterSqlite3(databasePath, { readonly: true });
    const rows = () =>
      sqlite
        .prepare('SELECT d.message_id AS messageId, d.status, d.attempts FROM destination_deliveries d ORDER BY d.id')
        .all() as { messageId: string; status: string; attempts: number }[];
    // Killed mid-send: the first is held, the second waits behind it.
    expect(rows().map((r) => r.status)).toEqual(['sending', 'queued']);

    herald = await startHerald(databasePath, { OUTBOUND_ALLOW_LOOPBACK: '1' });
    await until(() => rows().every((r) => r.status === 'sent'));
    await herald.stop();
    const final = rows();
    sqlite.close();

    const seen = receiver.received;
    // Every request valid (signature verified by standardwebhooks), every message delivered, at most twice each.
    expect(seen.every((r) => r.problems.length === 0)).toBe(true);
    const ids = seen.map((r) => String(r.headers['webhook-id']));
    expect([...new Set(ids)]).toEqual(final.map((r) => r.messageId));
    for (const id of new Set(ids)) {
      const copies = seen.filter((r) => r.headers['webhook-id'] === id);
      expect(copies.length).toBeLessThanOrEqual(2);
      expect(new Set(copies.map((r) => r.body)).size).toBe(1);
    }
    // The first message was the one repeated, and the order held.
    expect(ids[0]).toBe(ids[1]);
    expect(seen.map((r) => (r.json as { data: { incident: { title: string } } }).data.incident.title)).toEqual([
      'First outage',
      'First outage',
      'Second outage',
    ]);
  });
});
