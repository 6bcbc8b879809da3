/**
 * The Worker entry's first-owner setup link, in this process: the entry's
 * default export over a local D1 (Miniflare), its log read from the console.
 * The link must carry the Worker's real address: PUBLIC_URL, or the origin of
 * the first request, never a stand-in to replace by hand.
 */
import type { D1Database, ExecutionContext } from '@cloudflare/workers-types';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { Miniflare } from 'miniflare';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/entry/node-deps.js';

const STATEMENTS = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR })
  .flatMap((migration) => migration.sql)
  .map((statement) => statement.trim())
  .filter((statement) => statement.length > 0);

const miniflares: Miniflare[] = [];

async function freshD1(): Promise<D1Database> {
  const mf = new Miniflare({ modules: true, script: 'export default { fetch() { return new Response(null); } }', d1Databases: ['DB'] });
  miniflares.push(mf);
  const db = (await mf.getD1Database('DB')) as unknown as D1Database;
  await db.batch(STATEMENTS.map((statement) => db.prepare(statement)));
  return db;
}

const context = (): ExecutionContext => ({ waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} }) as unknown as ExecutionContext;

/** A fresh copy of the entry (its per-isolate state starts empty) and what it logged for `requests`. */
async function setupLinkLogged(env: Record<string, unknown>, urls: string[]): Promise<string[]> {
  vi.resetModules();
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  const worker = (await import('../../src/entry/worker.js')).default;
  const DB = await freshD1();
  for (const url of urls) {
    const res = await worker.fetch(new Request(url) as never, { DB, HERALD_ENV: 'production', ...env } as never, context());
    await res.arrayBuffer();
  }
  return lines.flatMap((line) => {
    const parsed = JSON.parse(line) as { message: string; link?: string };
    return parsed.link ? [parsed.link] : [];
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await Promise.all(miniflares.map((mf) => mf.dispose()));
});

describe('the Worker setup link', () => {
  it('uses the origin of the first request when PUBLIC_URL is not set, once', async () => {
    const links = await setupLinkLogged({}, ['https://status.example.net/', 'https://other.example.net/history']);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^https:\/\/status\.example\.net\/admin\/setup\/[A-Za-z0-9_-]{43}$/);
  });

  it('uses PUBLIC_URL when it is set', async () => {
    const links = await setupLinkLogged({ PUBLIC_URL: 'https://status.example.com/' }, ['https://herald.acme.workers.dev/']);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^https:\/\/status\.example\.com\/admin\/setup\/[A-Za-z0-9_-]{43}$/);
  });
});
