// Many admin writes at once, from several processes, while `/` is under load:
// no 5xx anywhere (SQLite's busy timeout makes writers from different
// processes wait for each other), and the final state is whole.
import { join } from 'node:path';
import autocannon, { type Result } from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComponentStatus } from '../../src/domain/constants.js';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { setComponentStatus } from '../../src/services/components/components.js';
import { testConfig } from '../support/deps.js';
import { api, createToken, getFresh, killAll, removeTempDirs, startHerald, tempDir, type ApiResponse, type Herald } from './support.js';

let herald: Herald;
let token: string;
let databasePath: string;

beforeAll(async () => {
  databasePath = join(tempDir(), 'data', 'herald.db');
  token = await createToken(databasePath, 'admin');
  // Two HTTP workers (and the primary with its background tick): three processes on one file.
  herald = await startHerald(databasePath, { HERALD_WORKERS: '2' });
});

afterAll(() => {
  killAll();
  removeTempDirs();
});

const STATUSES: ComponentStatus[] = ['degraded_performance', 'partial_outage', 'major_outage', 'operational'];
const INCIDENTS = 24;
const STATUS_CHANGES = 16;
const DIRECT_CHANGES = 10;

describe('concurrent admin writes under load', { timeout: 90_000 }, () => {
  it('answer 2xx/4xx, never 5xx, and leave a consistent state', async () => {
    const components: string[] = [];
    for (const name of ['API', 'Dashboard', 'Webhooks']) {
      const created = await api(herald.url, token, 'POST', '/components', { name });
      expect(created.status).toBe(201);
      components.push((created.body as { id: string }).id);
    }

    // Load on `/` from 8 keep-alive connections, from before the first write to
    // after the last (stopped below; 30 s is only the upper bound).
    const load = autocannon({ url: `${herald.url}/`, connections: 8, duration: 30, timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 500));

    const responses: { what: string; status: number }[] = [];
    const record = async (what: string, call: Promise<ApiResponse>): Promise<ApiResponse> => {
      const response = await call;
      responses.push({ what, status: response.status });
      return response;
    };
    const started = Date.now();

    // Wave 1, all at once: declare incidents (each then gets an update as soon as
    // it exists), set component statuses through the API, and from this test
    // process straight into the database (a third writer process).
    const declared: string[] = [];
    const incidentWrites = Array.from({ length: INCIDENTS }, async (_, i) => {
      const title = `Concurrent incident ${i + 1}`;
      const created = await record(
        'declare',
        api(herald.url, token, 'POST', '/incidents', {
          title,
          severity: 1 + (i % 4),
          body: `Investigating ${title}.`,
          components: [{ component_id: components[i % components.length]!, status: STATUSES[i % 3]! }],
        }),
      );
      if (created.status !== 201) return;
      const id = (created.body as { id: string }).id;
      declared.push(id);
      await record(
        'update',
        api(herald.url, token, 'POST', `/incidents/${id}/updates`, { status: 'identified', body: `Identified the cause of ${title}.` }),
      );
    });
    const statusWrites = Array.from({ length: STATUS_CHANGES }, (_, i) =>
      record('status', api(herald.url, token, 'PUT', `/components/${components[i % components.length]}/status`, { status: STATUSES[i % STATUSES.length] })),
    );
    const direct = (async () => {
      const deps = createNodeDeps({ config: testConfig(), databasePath });
      const actor = { kind: 'token' as const, id: 'direct', label: 'token: direct writer', role: 'admin' as const };
      try {
        for (let i = 0; i < DIRECT_CHANGES; i++) {
          await setComponentStatus(deps, actor, components[i % components.length]!, STATUSES[(i + 1) % STATUSES.length]);
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        deps.db.close();
      }
    })();
    await Promise.all([...incidentWrites, ...statusWrites, direct]);
    const writeMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 300));
    (load as unknown as { stop(): void }).stop();
    const result: Result = await load;
    // Every write answered, none with a server error; these writes are all valid, so all succeed.
    expect(responses).toHaveLength(INCIDENTS * 2 + STATUS_CHANGES);
    expect(responses.filter((r) => r.status >= 500)).toEqual([]);
    expect(responses.filter((r) => r.status < 200 || r.status >= 300)).toEqual([]);
    // The writes happened under load, and finished well within the bounds.
    expect(writeMs).toBeLessThan(25_000);
    expect(result.duration).toBeLessThan(30);
    // The page never failed while it was being written to.
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result['5xx']).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result['2xx']).toBeGreaterThan(100);

    // Every declared incident exists with both its updates, newest first.
    expect(declared).toHaveLength(INCIDENTS);
    for (const id of declared) {
      const incident = await api(herald.url, token, 'GET', `/incidents/${id}`);
      expect(incident.status).toBe(200);
      const body = incident.body as { status: string; updates: { status: string }[] };
      expect(body.status).toBe('identified');
      expect(body.updates.map((u) => u.status)).toEqual(['identified', 'investigating']);
    }

    // The database agrees with itself: each component's status is the last one in
    // its history, every write left its audit entry, and the page shows every incident.
    const db = new BetterSqlite3(databasePath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const mismatched = db
        .prepare(
          `SELECT c.id, c.status, (SELECT s.status FROM component_status_changes s WHERE s.component_id = c.id ORDER BY s.id DESC LIMIT 1) AS last
           FROM components c WHERE c.status IS NOT last`,
        )
        .all();
      expect(mismatched).toEqual([]);
      const audit = Object.fromEntries(
        (db.prepare('SELECT action, count(*) AS n FROM audit_log GROUP BY action').all() as { action: string; n: number }[]).map((r) => [r.action, r.n]),
      );
      expect(audit['incident.declare']).toBe(INCIDENTS);
      expect(audit['incident.update']).toBe(INCIDENTS);
      const orphanUpdates = db.prepare('SELECT count(*) FROM incident_updates u WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = u.incident_id)').pluck().get();
      expect(orphanUpdates).toBe(0);
    } finally {
      db.close();
    }
    const page = await getFresh(`${herald.url}/`);
    expect(page.status).toBe(200);
    for (let i = 1; i <= INCIDENTS; i++) expect(page.body).toContain(`Concurrent incident ${i}<`);
    expect(herald.stderr()).not.toMatch(/"level":"error"/);
  });
});
