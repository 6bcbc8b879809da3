import type { AppConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { createRepos } from '../../src/db/repos/index.js';
import type { Clock, Deps, Logger } from '../../src/deps.js';
import { compressWithZlib, createNodeDeps, type NodeDeps } from '../../src/entry/node-deps.js';
import { loadViewSources } from '../../src/entry/view-sources.js';
import { RenderCache } from '../../src/lib/render-cache.js';
import { passwordCheckGate } from '../../src/services/auth/sessions.js';
import { createViews, type Views } from '../../src/lib/views.js';
import { initializePage } from '../../src/services/settings/initialize.js';

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(public ms: number = Date.UTC(2026, 10, 23, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** Collects log lines instead of printing them. */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
}

export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    env: 'test',
    demo: false,
    publicUrl: 'http://status.test',
    initialPageName: 'Test Cloud',
    initialTimeZone: 'UTC',
    mail: {
      resendApiKey: null,
      resendBaseUrl: null,
      from: 'Test Cloud Status <status@status.test>',
      rateLimit: 0,
      webhookSecret: null,
    },
    outbound: { allowLoopback: true },
    ...overrides,
  };
}

let views: Views | undefined;
function sharedViews(): Views {
  return (views ??= createViews(loadViewSources()));
}

/** Deps over any Database (better-sqlite3 or D1), for suites that run on both drivers. */
export function depsOver(db: Database, clock: Clock, config: AppConfig = testConfig()): Deps & { log: MemoryLogger } {
  return {
    config,
    db,
    repos: createRepos(db.orm),
    views: sharedViews(),
    clock,
    defer: () => {},
    log: new MemoryLogger(),
    renderCache: new RenderCache(),
    // The real Node compression, so responses through these deps are what Node serves.
    compress: compressWithZlib,
    mail: null,
    wakeOutbox: () => {},
    outbound: { resolve: null },
    passwordChecks: passwordCheckGate(),
    clientAddress: (request) => request.headers.get('X-Test-Client') ?? '192.0.2.1',
  };
}

export interface TestDeps extends NodeDeps {
  clock: FakeClock;
  log: MemoryLogger;
}

/**
 * Fresh in-memory SQLite database with migrations applied and the page
 * settings created (no example content unless asked).
 */
export async function createTestDeps(options: { config?: Partial<AppConfig>; now?: number } = {}): Promise<TestDeps> {
  const clock = new FakeClock(options.now);
  const log = new MemoryLogger();
  const deps = createNodeDeps({ config: testConfig(options.config), databasePath: ':memory:', clock, log });
  await initializePage(deps);
  return { ...deps, clock, log, clientAddress: (request) => request.headers.get('X-Test-Client') ?? '192.0.2.1' };
}
