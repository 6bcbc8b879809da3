// HERALD_WORKERS=2: two HTTP worker processes share the port, one primary runs
// the background tick. Each worker has its own render cache; the database's
// revision counter (bumped by triggers on every write, from any process) keeps
// both fresh, so a write through one process shows on every worker at once.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { testConfig } from '../support/deps.js';
import { api, cpuTicks, createToken, getFresh, isAlive, killAll, removeTempDirs, startHerald, tempDir, workerPids, type Herald } from './support.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

let herald: Herald;
let token: string;
let databasePath: string;

beforeAll(async () => {
  databasePath = join(tempDir(), 'data', 'herald.db');
  token = await createToken(databasePath, 'admin');
  herald = await startHerald(databasePath, { HERALD_WORKERS: '2' });
});

afterAll(() => {
  killAll();
  removeTempDirs();
});

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `count` GETs of `/`, each on a new connection, `parallel` at a time; resolves with every body. */
async function loadPage(url: string, count: number, parallel = 4): Promise<{ status: number; body: string }[]> {
  const results: { status: number; body: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        results.push(await getFresh(`${url}/`));
      }
    }),
  );
  return results;
}

/**
 * After a write: the first GET on each worker renders the page anew and shows
 * it; GETs that reach that worker while it renders get the page as it was
 * (stale while rendering, lib/render-cache.ts), complete and 200, never an
 * error. Every GET of the next round shows it. (How soon is the benchmark's
 * freshness figure, bench/README.md: a test asserts order and outcome only.)
 */
async function expectShownEverywhere(title: string): Promise<void> {
  const during = await loadPage(herald.url, 60);
  const after = await loadPage(herald.url, 60);
  expect(during.filter((p) => p.status !== 200 || !p.body.trimEnd().endsWith('</html>'))).toHaveLength(0);
  expect(during.filter((p) => p.body.includes(title)).length).toBeGreaterThan(0);
  expect(after.filter((p) => p.status !== 200 || !p.body.includes(title))).toHaveLength(0);
}

describe('HERALD_WORKERS=2', { timeout: 60_000 }, () => {
  it('starts two workers; the setup link and the running line are printed once, by the primary', async () => {
    await until(() => workerPids(herald.stdout()).length === 2, 30_000);
    const pids = workerPids(herald.stdout());
    expect(pids).toHaveLength(2);
    expect(new Set(pids).size).toBe(2);
    expect(herald.stdout().match(/Create the owner account: /g)).toHaveLength(1);
    expect(herald.stdout().match(/Herald is running at /g)).toHaveLength(1);
    expect(herald.stdout()).toContain('(2 worker processes, listening on port');
  });

  it('spreads requests over both workers', async () => {
    const pids = workerPids(herald.stdout());
    await loadPage(herald.url, 20); // warm both caches
    const before = pids.map(cpuTicks);
    const pages = await loadPage(herald.url, 300);
    const after = pids.map(cpuTicks);
    expect(pages.every((p) => p.status === 200)).toBe(true);
    // Both workers did work for these requests (CPU time from /proc, in 10 ms ticks).
    for (const [i, pid] of pids.entries()) expect(after[i]! - before[i]!, `worker ${pid}`).toBeGreaterThan(0);
  });

  it('a write through the API shows on every GET of / within the second, whichever worker answers', async () => {
    await loadPage(herald.url, 20); // both workers hold the page in their render cache
    const declared = await api(herald.url, token, 'POST', '/incidents', {
      title: 'Cluster write through the API',
      severity: 2,
      body: 'Declared through one worker.',
    });
    expect(declared.status).toBe(201);
    await expectShownEverywhere('Cluster write through the API');
  });

  it('a write from another process, straight to the SQLite file, shows on every GET of / within the second', async () => {
    await loadPage(herald.url, 20);
    const deps = createNodeDeps({ config: testConfig(), databasePath });
    try {
      await declareIncident(deps, { title: 'Cluster write from outside', severity: 3, body: 'Written by a third process.' }, FIXTURE_ACTOR);
    } finally {
      deps.db.close();
    }
    await expectShownEverywhere('Cluster write from outside');
  });

  it('replaces a worker that dies', async () => {
    const [victim, survivor] = workerPids(herald.stdout());
    process.kill(victim!, 'SIGKILL');
    await herald.waitFor(new RegExp(`"message":"worker exited; starting a new one".*"pid":${victim}`));
    await until(() => workerPids(herald.stdout()).length === 3, 30_000);
    const pids = workerPids(herald.stdout());
    const replacement = pids[2]!;
    expect(replacement).not.toBe(victim);
    expect(isAlive(victim!)).toBe(false);
    const before = cpuTicks(replacement);
    const pages = await loadPage(herald.url, 200);
    expect(pages.every((p) => p.status === 200 && p.body.includes('Cluster write from outside'))).toBe(true);
    expect(cpuTicks(replacement) - before).toBeGreaterThan(0);
    expect(isAlive(survivor!)).toBe(true);
  });

  it('SIGTERM stops the workers and the primary cleanly (exit 0, database closed)', async () => {
    const pids = workerPids(herald.stdout());
    const live = pids.filter(isAlive);
    expect(live).toHaveLength(2);
    const { code, signal } = await herald.stop('SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    for (const pid of live) expect(isAlive(pid), `worker ${pid}`).toBe(false);
    // Every connection closed cleanly: the last one folded the WAL back into the file.
    expect(existsSync(`${databasePath}-wal`)).toBe(false);
    expect(herald.stderr()).not.toMatch(/^\s+at /m);
  });
});
