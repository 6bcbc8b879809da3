// Node-only: builds the core's dependencies on better-sqlite3 and views from disk.
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '../config.js';
import { createRepos } from '../db/repos/index.js';
import { openSqlite } from '../db/sqlite.js';
import { consoleLogger, systemClock, type Clock, type Deps, type Logger } from '../deps.js';
import { RenderCache } from '../lib/render-cache.js';
import { createViews } from '../lib/views.js';
import { loadViewSources } from './view-sources.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface NodeDepsOptions {
  config: AppConfig;
  /** File path or ':memory:'. */
  databasePath: string;
  clock?: Clock;
  log?: Logger;
}

export interface NodeDeps extends Deps {
  /** Waits for work handed to `defer` (used at shutdown and in tests). */
  settle(): Promise<void>;
}

export function createNodeDeps(options: NodeDepsOptions): NodeDeps {
  const db = openSqlite({ path: options.databasePath, migrationsFolder: MIGRATIONS_DIR });
  const log = options.log ?? consoleLogger;
  const pending = new Set<Promise<unknown>>();
  return {
    config: options.config,
    db,
    repos: createRepos(db.orm),
    views: createViews(loadViewSources()),
    clock: options.clock ?? systemClock,
    log,
    renderCache: new RenderCache(),
    clientAddress: (_request, env) =>
      (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? 'unknown',
    defer(work) {
      const tracked = work
        .catch((error: unknown) => log.error('deferred work failed', { error: String(error) }))
        .finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async settle() {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
