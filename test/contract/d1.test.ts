// The repository contract on a real local D1 (workerd's D1 simulator, through Miniflare).
import type { D1Database } from '@cloudflare/workers-types';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { Miniflare } from 'miniflare';
import { afterAll } from 'vitest';
import { openD1 } from '../../src/db/d1.js';
import { MIGRATIONS_DIR } from '../../src/entry/node-deps.js';
import { deliveriesContract } from './deliveries-contract.js';
import { repoContract } from './repo-contract.js';

/**
 * Every test gets its own, freshly migrated D1 database: one Miniflare
 * instance (workerd) carries POOL_SIZE database bindings, and the next
 * instance starts when they are used up.
 *
 * The migrations are drizzle/*.sql split on `--> statement-breakpoint` (by
 * drizzle's own reader, as its D1 migrator and wrangler do), run as one D1
 * batch from inside the worker. Running them from Node works too
 * (drizzle-orm/d1/migrator), but every statement is then a synchronous round
 * trip through Miniflare's proxy, about a second per database.
 */
const POOL_SIZE = 64;

const MIGRATION_STATEMENTS = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR })
  .flatMap((migration) => migration.sql)
  .map((statement) => statement.trim())
  .filter((statement) => statement.length > 0);

const WORKER = `
export default {
  async fetch(request, env) {
    const { binding, statements } = await request.json();
    const db = env[binding];
    if (!db) return new Response('no binding ' + binding, { status: 400 });
    try {
      await db.batch(statements.map((statement) => db.prepare(statement)));
      return new Response('migrated');
    } catch (error) {
      return new Response(String(error && error.stack || error), { status: 500 });
    }
  },
};`;

const instances: Miniflare[] = [];
let current: Miniflare | undefined;
let used = POOL_SIZE;

function startInstance(): Miniflare {
  const d1Databases = Object.fromEntries(
    Array.from({ length: POOL_SIZE }, (_, i) => [`DB${i}`, `contract-${instances.length}-${i}`]),
  );
  const mf = new Miniflare({ modules: true, script: WORKER, d1Databases });
  instances.push(mf);
  return mf;
}

async function freshDatabase(): Promise<D1Database> {
  if (!current || used >= POOL_SIZE) {
    current = startInstance();
    used = 0;
  }
  const binding = `DB${used++}`;
  const response = await current.dispatchFetch('http://migrate.test/', {
    method: 'POST',
    body: JSON.stringify({ binding, statements: MIGRATION_STATEMENTS }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`migrating ${binding} failed: ${text}`);
  return (await current.getD1Database(binding)) as unknown as D1Database;
}

afterAll(async () => {
  await Promise.all(instances.map((mf) => mf.dispose()));
});

repoContract('D1 (Miniflare)', async () => {
  const db = openD1(await freshDatabase());
  return { db, close: () => db.close() };
});

deliveriesContract('D1 (Miniflare)', async () => {
  const db = openD1(await freshDatabase());
  return { db, close: () => db.close() };
});
