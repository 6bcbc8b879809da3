// The customer channels' outbox queries (src/db/repos/customer-deliveries-repo.ts) on both drivers:
// better-sqlite3 and a real local D1 (workerd's simulator, through Miniflare). Expansion (INSERT ...
// SELECT over json_each, guarded by the cursor, ON CONFLICT DO NOTHING), claims, results with the
// subscriber's health in the same write, the disable claims and pruning must mean the same on both.
import type { D1Database } from '@cloudflare/workers-types';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { Miniflare } from 'miniflare';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openD1 } from '../../src/db/d1.js';
import { EXPANDED } from '../../src/db/repos/customer-deliveries-repo.js';
import { createRepos, type Repos } from '../../src/db/repos/index.js';
import { components, customerDeliveries } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { MIGRATIONS_DIR } from '../../src/entry/node-deps.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const RESULT = { responseStatus: 200, latencyMs: 12, error: null };

const MIGRATIONS = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR })
  .flatMap((m) => m.sql)
  .map((s) => s.trim())
  .filter((s) => s.length > 0);
const WORKER = `export default { async fetch(request, env) {
  const { statements } = await request.json();
  await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
  return new Response('migrated');
} };`;
const miniflares: Miniflare[] = [];
afterAll(async () => {
  await Promise.all(miniflares.map((mf) => mf.dispose()));
});

async function d1(): Promise<Database> {
  const mf = new Miniflare({ modules: true, script: WORKER, d1Databases: { DB: `channels-${miniflares.length}` } });
  miniflares.push(mf);
  const response = await mf.dispatchFetch('http://migrate.test/', { method: 'POST', body: JSON.stringify({ statements: MIGRATIONS }) });
  if (!response.ok) throw new Error(await response.text());
  return openD1((await mf.getD1Database('DB')) as unknown as D1Database);
}

const drivers: [string, () => Promise<Database>][] = [
  ['better-sqlite3', async () => openSqlite({ path: ':memory:', migrationsFolder: MIGRATIONS_DIR })],
  ['D1 (Miniflare)', d1],
];

describe.each(drivers)('customer deliveries on %s', (_name, open) => {
  let db: Database;
  let repos: Repos;

  beforeEach(async () => {
    db = await open();
    repos = createRepos(db.orm);
    const component = (id: string) => db.orm.insert(components).values({ id, name: id, position: 0, status: 'operational', startedAt: NOW, createdAt: NOW, updatedAt: NOW });
    const subscriber = (id: string, fields: { componentIds?: string[]; all?: boolean; status?: 'confirmed' | 'pending' } = {}) =>
      repos.channelSubscribers.insert({
        id,
        type: 'webhook',
        url: `https://hooks.example/${id}`,
        contactEmail: `${id}@example.com`,
        status: fields.status ?? 'confirmed',
        secret: 'secret',
        signingSecret: 'whsec_x',
        allComponents: fields.all ?? false,
        componentIds: fields.componentIds ?? [],
        createdAt: NOW - 1000,
        updatedAt: NOW - 1000,
        confirmedAt: NOW - 1000,
      });
    await db.atomic([
      component('cmp_a'),
      component('cmp_b'),
      subscriber('s1', { all: true }),
      subscriber('s2', { componentIds: ['cmp_a'] }),
      subscriber('s3', { componentIds: ['cmp_b'] }),
      subscriber('s4', { componentIds: ['cmp_b', 'cmp_a'] }),
      subscriber('s5', { all: true, status: 'pending' }),
      repos.customerNotices.insert({ id: 'n1', kind: 'component', componentId: 'cmp_a', oldStatus: 'operational', newStatus: 'major_outage', state: 'ready', dueAt: NOW, emailCursor: EXPANDED, createdAt: NOW, updatedAt: NOW }),
    ]);
  });
  afterEach(() => db.close());

  it('expands chunk by chunk under the cursor, once, and ends the notice', async () => {
    const { customerDeliveries: repo } = repos;
    const notice = (await repo.nextNotice())!;
    expect(notice).toMatchObject({ id: 'n1', cursor: '', hasPayload: false });
    const end = await repo.chunkEnd('', 2);
    expect(end).toBe('s2');
    await db.atomic(repo.expand(notice, end, NOW, { kind: 'component' }));
    // The same chunk again (a second drainer that read the old cursor) writes nothing.
    await db.atomic(repo.expand(notice, end, NOW, { kind: 'other' }));
    const next = (await repo.nextNotice())!;
    expect(next).toMatchObject({ cursor: 's2', hasPayload: true });
    await db.atomic(repo.expand(next, await repo.chunkEnd('s2', 2), NOW, null));
    const last = (await repo.nextNotice())!;
    await db.atomic(repo.expand(last, await repo.chunkEnd(last.cursor, 2), NOW, null));
    expect(await repo.nextNotice()).toBeUndefined();
    const rows = await db.orm.select().from(customerDeliveries).all();
    expect(rows.map((r) => r.subscriberId).sort()).toEqual(['s1', 's2', 's4']);
    expect(rows.map((r) => r.messageId).sort()).toEqual(['msg_n1_s1', 'msg_n1_s2', 'msg_n1_s4']);
    expect(await repos.customerNotices.findById('n1')).toMatchObject({ state: 'done', cursor: EXPANDED, payload: { kind: 'component' } });
  });

  it('claims once, records results with health only under the lease, and disables once', async () => {
    const repo = repos.customerDeliveries;
    await db.atomic(repo.expand((await repo.nextNotice())!, null, NOW, { kind: 'component' }));
    const due = await repo.due(NOW, 10);
    expect(due.map((r) => r.subscriberId)).toEqual(['s1', 's2', 's4']);
    const [first, second] = due;
    expect(await db.claim(repo.claim(first!.id, 'lease-1', NOW, NOW + 60_000))).toBe(1);
    expect(await db.claim(repo.claim(first!.id, 'lease-2', NOW, NOW + 60_000))).toBe(0);
    await db.atomic(repo.markSent(first!, 'lease-2', NOW, RESULT)); // not the holder: nothing
    expect(await repo.findByMessageId(first!.messageId)).toMatchObject({ status: 'sending', attempts: 1 });
    expect((await repos.channelSubscribers.findById('s1'))!.lastSuccessAt).toBeNull();
    await db.atomic(repo.markSent(first!, 'lease-1', NOW, RESULT));
    expect(await repo.findByMessageId(first!.messageId)).toMatchObject({ status: 'sent', responseStatus: 200, finishedAt: NOW });
    expect(await repos.channelSubscribers.findById('s1')).toMatchObject({ lastSuccessAt: NOW, failingSince: null });

    expect(await db.claim(repo.claim(second!.id, 'lease-3', NOW, NOW + 60_000))).toBe(1);
    await db.atomic(repo.markFailed(second!, 'lease-3', NOW, { responseStatus: 410, latencyMs: 5, error: 'HTTP 410' }));
    expect(await repos.channelSubscribers.findById('s2')).toMatchObject({ failingSince: NOW, lastFailureStatus: 410, lastFailureError: 'HTTP 410' });
    const period = 72 * 3_600_000;
    const later = NOW + 73 * 3_600_000;
    // One failure and nothing since (a quiet page): nobody is disabled.
    expect(await repo.toDisable(period, 10)).toEqual([]);
    // Another delivery failed for good past the period: disabled, once.
    await db.atomic([
      db.orm.insert(customerDeliveries).values({ messageId: 'msg_n1_s2_later', noticeId: 'n1', subscriberId: 's2', status: 'failed', attempts: 1, dueAt: later, createdAt: later, finishedAt: later, error: 'HTTP 410' }),
    ]);
    expect(await repo.toDisable(period, 10)).toEqual(['s2']);
    expect(await db.claim(repo.disable('s2', period, later))).toBe(1);
    expect(await db.claim(repo.disable('s2', period, later))).toBe(0);
    expect((await repo.disabledUntold(10)).map((s) => s.id)).toEqual(['s2']);
    expect(await db.claim(repo.claimDisabledNotice('s2', later))).toBe(1);
    expect(await db.claim(repo.claimDisabledNotice('s2', later))).toBe(0);

    // Pruning: the two finished rows after the retention, then the notice once nothing refers to it.
    expect(await db.claim(repo.prune(NOW + 1, 100))).toBe(2);
    await db.claim(repo.releaseAll(NOW));
    expect(await db.claim(repo.pruneNotices(NOW + 1, 100))).toBe(0); // s4's delivery is still queued
  });
});
