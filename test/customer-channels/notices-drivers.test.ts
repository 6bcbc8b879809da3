// Customer notices' conditional statements on both drivers: better-sqlite3 and
// a real local D1 (workerd through Miniflare, migrated as wrangler does). The
// coalescing, the promotion claim and the cursor-guarded email expansion must
// mean the same on each (D1 runs an atomic write as one batch).
import type { D1Database } from '@cloudflare/workers-types';
import { eq } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { openD1 } from '../../src/db/d1.js';
import { EXPANDED } from '../../src/db/repos/customer-notices-repo.js';
import { customerNotices } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { MIGRATIONS_DIR } from '../../src/entry/node-deps.js';
import { createComponent, setComponentStatus } from '../../src/services/components/components.js';
import { expandComponentEmailChunk, noticeComponentChange, promoteComponentNotices } from '../../src/services/customer-channels/component-notices.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { depsOver, FakeClock } from '../support/deps.js';
import { addEmailSubscribers, componentEmails, componentNotices, componentNotifications, notices } from './notices-support.js';

const WINDOW = 120_000;

const MIGRATION_STATEMENTS = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR })
  .flatMap((migration) => migration.sql)
  .map((statement) => statement.trim())
  .filter((statement) => statement.length > 0);

// Migrates from inside the worker in one batch (as test/contract/d1.test.ts does: fast).
const WORKER = `
export default {
  async fetch(request, env) {
    const { statements } = await request.json();
    await env.DB.batch(statements.map((statement) => env.DB.prepare(statement)));
    return new Response('migrated');
  },
};`;

let miniflare: Miniflare | undefined;
afterAll(async () => {
  await miniflare?.dispose();
});

async function openLocalD1(): Promise<Database> {
  miniflare = new Miniflare({ modules: true, script: WORKER, d1Databases: { DB: 'notices' } });
  const response = await miniflare.dispatchFetch('http://migrate.test/', { method: 'POST', body: JSON.stringify({ statements: MIGRATION_STATEMENTS }) });
  if (!response.ok) throw new Error(`migrating failed: ${await response.text()}`);
  return openD1((await miniflare.getD1Database('DB')) as unknown as D1Database);
}

const drivers: [string, () => Promise<Database>][] = [
  ['better-sqlite3', async () => openSqlite({ path: ':memory:', migrationsFolder: MIGRATIONS_DIR })],
  ['D1 (Miniflare)', openLocalD1],
];

describe.each(drivers)('customer notices on %s', (_name, open) => {
  it('coalesces, settles races, promotes once, expands the email side once and finishes', async () => {
    const db = await open();
    const clock = new FakeClock();
    const deps = depsOver(db, clock);
    await initializePage(deps);
    const api = await createComponent(deps, { name: 'API' }, FIXTURE_ACTOR);

    // An update told to subscribers writes its notice.
    await declareIncident(deps, { title: 'Errors', severity: 2, body: 'Investigating.', notify: true }, FIXTURE_ACTOR);
    expect((await notices(deps)).map((n) => [n.kind, n.state])).toEqual([['incident', 'ready']]);

    await componentNotifications(deps, true);
    await setComponentStatus(deps, FIXTURE_ACTOR, api, 'degraded_performance');
    clock.advance(30_000);
    await setComponentStatus(deps, FIXTURE_ACTOR, api, 'major_outage');
    // Two writes prepared from the same reads: still one waiting notice.
    const a = await noticeComponentChange(deps, { componentId: api, from: 'major_outage', to: 'partial_outage' }, clock.now());
    const b = await noticeComponentChange(deps, { componentId: api, from: 'major_outage', to: 'partial_outage' }, clock.now());
    await db.atomic(a);
    await db.atomic(b);
    const waiting = await componentNotices(deps, api);
    expect(waiting.map((n) => [n.oldStatus, n.newStatus, n.state, n.dueAt])).toEqual([['operational', 'partial_outage', 'waiting', clock.now() + WINDOW]]);

    await addEmailSubscribers(deps, Array.from({ length: 30 }, (_, i) => `s${i}@example.com`));
    clock.advance(WINDOW);
    expect(await promoteComponentNotices(deps, clock.now())).toBe(1);
    expect(await promoteComponentNotices(deps, clock.now())).toBe(0);

    const notice = (await deps.repos.customerNotices.nextEmailExpansion())!;
    const end = await deps.repos.outbox.fanoutChunkEnd(notice.emailCursor, 10);
    await db.atomic(deps.repos.customerNotices.expandEmail(notice, end));
    // The same chunk again from the stale read: nothing.
    await db.atomic(deps.repos.customerNotices.expandEmail(notice, end));
    expect(await componentEmails(deps)).toHaveLength(10);
    while (await expandComponentEmailChunk(deps));
    const emails = await componentEmails(deps);
    expect(emails).toHaveLength(30);
    expect(new Set(emails.map((e) => e.subscriberId)).size).toBe(30);

    await db.atomic([deps.db.orm.update(customerNotices).set({ cursor: EXPANDED }).where(eq(customerNotices.id, notice.id))]);
    expect(await db.claim(deps.repos.customerNotices.finishNotice(notice.id))).toBe(1);
    expect(await db.claim(deps.repos.customerNotices.finishNotice(notice.id))).toBe(0);
    db.close();
  }, 60_000);
});
