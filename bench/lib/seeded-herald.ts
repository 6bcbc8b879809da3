// The in-process diagnostics (render-cost.ts, request-path.ts): the page of
// bench/seed.ts in a SQLite file, and Herald built on it as the Node entry
// builds it, without a server.
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createApp } from '../../src/app.js';
import { parseNodeConfig } from '../../src/config.js';
import type { Logger } from '../../src/deps.js';
import { createNodeDeps, type NodeDeps } from '../../src/entry/node-deps.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { seedBenchPage } from '../seed.js';

export interface SeededHerald {
  databasePath: string;
  deps: NodeDeps;
  app: Hono;
}

/** Seeds the default page (365 days, 300 past incidents) into `dir`/herald.db and builds Herald on it; the caller closes `deps.db`. */
export async function seededHerald(dir: string, options: { log?: Logger } = {}): Promise<SeededHerald> {
  const databasePath = join(dir, 'herald.db');
  await seedBenchPage({ databasePath, now: Date.now(), historyDays: 365, pastIncidents: 300 });
  const config = parseNodeConfig({ HERALD_ENV: 'production', DATABASE_PATH: databasePath, PUBLIC_URL: 'https://status.example.com' });
  const deps = createNodeDeps({ config, databasePath, ...(options.log ? { log: options.log } : {}) });
  await initializePage(deps);
  return { databasePath, deps, app: createApp(deps) };
}
