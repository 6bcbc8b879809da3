// Node entry: `npm start`. Parses config, opens ./data/herald.db, serves Herald.
//
// HERALD_WORKERS=1 (the default): one process does everything.
// HERALD_WORKERS=<n>|auto: this process becomes the primary. It applies the
// migrations, creates the page, prints the setup link and runs the background
// work (the maintenance clock, the outbox), then forks n HTTP workers that share the port
// (node:cluster, round-robin). Workers only serve requests; their render
// caches stay fresh through the database's revision counter, which every
// writer bumps. A worker that dies is replaced; SIGTERM/SIGINT stops the
// workers (each finishing its requests) and then the primary.
import cluster, { type Worker } from 'node:cluster';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { createApp } from '../app.js';
import { ConfigError, parseNodeConfig, type NodeConfig } from '../config.js';
import { createSetupLink } from '../services/auth/accounts.js';
import { runBackgroundTick } from '../services/background.js';
import { createDrainer } from '../services/notifications/outbox.js';
import type { Wakeup } from '../lib/wakeup.js';
import { createDeliveryDrainer } from '../services/destinations/deliveries.js';
import { createCustomerDrainer } from '../services/customer-channels/deliveries.js';
import { customerChannelsTick } from '../services/customer-channels/health.js';
import { initializePage } from '../services/settings/initialize.js';
import { createNodeDeps, type NodeDeps } from './node-deps.js';
import { createNodeServer } from './node-fast-path.js';

const BACKGROUND_INTERVAL_MS = 30_000;
/** How long a stopping process waits for open connections before it exits anyway. */
const CLOSE_TIMEOUT_MS = 5_000;

/** Start-up failures worth one line to the operator, never a stack trace. */
class StartError extends Error {}

/** What a worker tells the primary. */
type WorkerMessage = { herald: 'fatal'; message: string };

function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && (value as { herald?: unknown }).herald === 'fatal';
}

/**
 * Ends the process with one `herald: ...` line. A worker hands the line to the
 * primary instead, so n workers failing alike print it once.
 */
let failed = false;
function fail(message: string): never {
  const line = message.replace(/\s*\n\s*/g, ' ');
  if (failed) return undefined as never;
  failed = true;
  if (cluster.isWorker && process.send) {
    process.send({ herald: 'fatal', message: line } satisfies WorkerMessage, undefined, undefined, () => process.exit(1));
    // Exit even if the primary has gone.
    setTimeout(() => process.exit(1), 1_000).unref();
    return undefined as never;
  }
  console.error(`herald: ${line}`);
  process.exit(1);
}

function loadConfig(): NodeConfig {
  try {
    return parseNodeConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

/** Opens (and migrates) the database, with a clear error when the file cannot be created or opened. */
function openDeps(config: NodeConfig): NodeDeps {
  const problem = (reason: string): StartError => new StartError(`cannot open the database at ${config.databasePath} (DATABASE_PATH): ${reason}`);
  if (config.databasePath !== ':memory:') {
    const folder = dirname(config.databasePath);
    try {
      mkdirSync(folder, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw problem(code === 'EEXIST' || code === 'ENOTDIR' ? `${folder} cannot be created, a file is in the way` : (error as Error).message);
    }
  }
  try {
    return createNodeDeps({ config, databasePath: config.databasePath, mailDir: config.mailDir });
  } catch (error) {
    throw problem(error instanceof Error ? error.message : String(error));
  }
}

/** Once per start, in exactly one process: migrations (in openDeps), the page, the setup link. */
async function prepare(config: NodeConfig): Promise<NodeDeps> {
  const deps = openDeps(config);
  const { created } = await initializePage(deps);
  if (created) {
    deps.log.info(config.demo ? 'created the page with example content' : 'created an empty page', {
      database: config.databasePath,
    });
  }
  // Nobody can sign in yet: print a one-time link to create the owner (a new one each start until then).
  const setupToken = await createSetupLink(deps);
  if (setupToken) {
    console.log(`Create the owner account: ${config.publicUrl}/admin/setup/${setupToken} (valid for 1 hour)`);
    console.log(`  or from a shell: npm run admin -- create-owner --email you@example.com --password '<at least 12 characters>'`);
  }
  return deps;
}

/**
 * Background work, in one process only: the maintenance clock and outbox pruning (now, then
 * every 30 s; a tick still running when the next is due is not doubled;
 * errors are logged by the tick itself) and the drain loops (email, destinations, customer channels). unref: the timer
 * alone never keeps the process alive.
 */
function startBackground(deps: NodeDeps): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const tick = (): void => {
    running ??= runBackgroundTick(deps)
      .catch((error: unknown) => deps.log.error('background tick failed', { error: String(error) }))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, BACKGROUND_INTERVAL_MS);
  timer.unref();
  tick();
  const outbox = startOutbox(deps);
  const destinations = startDestinations(deps);
  const channels = startCustomerChannels(deps);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([running, outbox.stop(), destinations.stop(), channels.stop()]);
    },
  };
}

/** How often an idle outbox loop looks for work (publishing in this process wakes it at once). */
const OUTBOX_POLL_MS = 1_000;

/**
 * The outbox loop: drains while there is work, then sleeps until woken or
 * OUTBOX_POLL_MS (cluster workers cannot wake it; the poll picks their
 * emails up). Batches a killed process left half-sent are resumed at start:
 * this is the only drainer of this database.
 */
function startOutbox(deps: NodeDeps): { stop(): Promise<void> } {
  const mail = deps.mail;
  if (!mail) return { stop: async () => {} };
  deps.log.info(
    mail.name === 'resend'
      ? `mail: sending through Resend from ${deps.config.mail.from}`
      : 'mail: no RESEND_API_KEY, so emails are written as .eml files (see MAIL_DIR), not sent',
    { transport: mail.name, rateLimit: deps.config.mail.rateLimit },
  );
  const drainer = createDrainer({ ...deps, mail });
  return startDrainLoop(deps, {
    name: 'mail: outbox',
    wakeup: deps.outboxWakeup,
    release: () => deps.db.atomic([deps.repos.outbox.releaseAll(deps.clock.now())]),
    async drain() {
      const report = await drainer.drain(5_000);
      return report.batches > 0 || report.chunks > 0;
    },
    idleMs: async () => OUTBOX_POLL_MS,
  });
}

/** How often an idle delivery loop looks for work at most (a write in this process wakes it; a retry's due time too). */
const DESTINATIONS_POLL_MS = 1_000;

/**
 * The destinations' delivery loop, beside the outbox loop and like it: at
 * start, deliveries a killed process left `sending` are made due (this is
 * the only drainer of this database); then it drains while there is work and
 * sleeps until woken, the next retry is due, or DESTINATIONS_POLL_MS.
 */
function startDestinations(deps: NodeDeps): { stop(): Promise<void> } {
  const drainer = createDeliveryDrainer(deps);
  return startDrainLoop(deps, {
    name: 'destinations: delivery',
    wakeup: deps.destinationsWakeup,
    release: () => deps.db.atomic([deps.repos.deliveries.releaseAll(deps.clock.now())]),
    async drain() {
      return (await drainer.drain(5_000)).attempts > 0;
    },
    async idleMs() {
      const next = await deps.repos.deliveries.nextDueAt();
      return next === null ? DESTINATIONS_POLL_MS : Math.max(0, Math.min(DESTINATIONS_POLL_MS, next - deps.clock.now()));
    },
  });
}

/**
 * The customer channels' loop (webhook, Slack, Teams and Discord
 * subscribers), like the destinations': releases what a killed process held,
 * expands notices and sends while there is work, sleeps until woken, the next
 * retry is due, or DESTINATIONS_POLL_MS. Every BACKGROUND_INTERVAL_MS it also
 * runs the customer channels' tick (disable check, pruning).
 */
function startCustomerChannels(deps: NodeDeps): { stop(): Promise<void> } {
  const drainer = createCustomerDrainer(deps);
  let lastTick = -Infinity;
  return startDrainLoop(deps, {
    name: 'customer channels: delivery',
    wakeup: deps.channelsWakeup,
    release: () => deps.db.atomic([deps.repos.customerDeliveries.releaseAll(deps.clock.now())]),
    async drain() {
      if (performance.now() - lastTick >= BACKGROUND_INTERVAL_MS) {
        lastTick = performance.now();
        await customerChannelsTick(deps);
      }
      const report = await drainer.drain(5_000);
      return report.attempts > 0 || report.chunks > 0;
    },
    async idleMs() {
      const next = await deps.repos.customerDeliveries.nextDueAt();
      const poll = Math.min(DESTINATIONS_POLL_MS, Math.max(0, lastTick + BACKGROUND_INTERVAL_MS - performance.now()));
      return next === null ? poll : Math.max(0, Math.min(poll, next - deps.clock.now()));
    },
  });
}

interface DrainLoop {
  /** For log lines: "mail: outbox". */
  name: string;
  wakeup: Wakeup;
  /** At start: work a killed process held is made due again. */
  release(): Promise<void>;
  /** One drain; true when it did something (so drain again at once). */
  drain(): Promise<boolean>;
  /** How long to sleep when idle, unless woken first. */
  idleMs(): Promise<number>;
}

/** A background drainer: release, then drain while busy and sleep while idle, until stopped. Errors are logged, never fatal. */
function startDrainLoop(deps: NodeDeps, loop: DrainLoop): { stop(): Promise<void> } {
  const describe = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));
  let stopped = false;
  const running = (async () => {
    await loop.release().catch((error: unknown) => deps.log.error(`${loop.name}: releasing held work failed`, { error: describe(error) }));
    while (!stopped) {
      let busy = false;
      try {
        busy = await loop.drain();
      } catch (error) {
        deps.log.error(`${loop.name} drain failed`, { error: describe(error) });
      }
      if (!busy && !stopped) {
        await loop.wakeup.sleep(await loop.idleMs().catch(() => 1_000));
        // Woken by a write: its response goes out before the drain starts.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      loop.wakeup.wake();
      await running;
    },
  };
}

function listenError(config: NodeConfig, error: NodeJS.ErrnoException): string {
  if (error.code === 'EADDRINUSE') return `port ${config.port} is already in use; set PORT to another port`;
  if (error.code === 'EACCES') return `no permission to listen on port ${config.port}; set PORT to a port above 1023`;
  return `cannot listen on port ${config.port}: ${error.message}`;
}

function listen(deps: NodeDeps, config: NodeConfig, onListening: (port: number) => void): Server {
  const server = createNodeServer(createApp(deps), deps.fastPath);
  server.on('error', (error: NodeJS.ErrnoException) => fail(listenError(config, error)));
  server.listen(config.port, config.host, () => onListening((server.address() as AddressInfo).port));
  return server;
}

/**
 * SIGTERM/SIGINT: stop accepting, finish open requests and deferred work,
 * close the database, exit 0. A second signal to the process in charge (the
 * only one, or the primary) exits at once; a worker ignores it, since Ctrl-C
 * reaches it directly as well as through the primary.
 */
function onStopSignal(stop: () => Promise<void>, timeoutMs = CLOSE_TIMEOUT_MS): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) {
      if (!cluster.isWorker) process.exit(1);
      return;
    }
    stopping = true;
    // Keep-alive connections would hold close() open; do not wait forever.
    setTimeout(() => process.exit(0), timeoutMs).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}

/** HERALD_WORKERS=1: one process serves, ticks and owns the database. */
async function runSingle(config: NodeConfig): Promise<void> {
  const deps = await prepare(config);
  const server = listen(deps, config, (port) => {
    console.log(`Herald is running at ${config.publicUrl} (listening on port ${port}, database ${config.databasePath})`);
  });
  const background = startBackground(deps);
  onStopSignal(async () => {
    const closed = closeServer(server);
    await background.stop();
    await closed;
    await deps.settle();
    deps.db.close();
  });
}

/** A cluster worker: serves HTTP only. The primary has migrated and prepared the database. */
async function runWorker(config: NodeConfig): Promise<void> {
  const deps = openDeps(config);
  const server = listen(deps, config, () => {});
  onStopSignal(async () => {
    await closeServer(server);
    await deps.settle();
    deps.db.close();
  });
}

/** The primary: prepares the database once, runs the background tick, keeps `count` workers serving. */
async function runPrimary(config: NodeConfig, count: number): Promise<void> {
  const deps = await prepare(config);
  const background = startBackground(deps);
  let stopping = false;
  let announced = false;
  const listening = new Set<number>();
  const everListened = new WeakSet<Worker>();
  /** Forked and not yet exited. */
  const alive = new Set<Worker>();
  let allExited: (() => void) | null = null;
  let lastFork = 0;
  /** Replacements in a row that died before serving: each waits longer. */
  let failedStarts = 0;

  const fork = (): void => {
    lastFork = Date.now();
    const worker = cluster.fork();
    alive.add(worker);
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      // At start-up nothing serves yet: stop with the worker's line. Later the
      // other workers keep serving while this one is retried.
      if (!announced) void abort(message.message);
      else deps.log.error('worker could not start', { worker: worker.id, pid: worker.process.pid, error: message.message });
    });
  };

  const stopWorkers = async (): Promise<void> => {
    if (!alive.size) return;
    const done = new Promise<void>((resolve) => (allExited = resolve));
    for (const worker of alive) worker.process.kill('SIGTERM');
    // Each worker exits by itself within CLOSE_TIMEOUT_MS; this is for one that hangs.
    const timer = setTimeout(() => {
      for (const worker of alive) worker.process.kill('SIGKILL');
    }, CLOSE_TIMEOUT_MS + 1_000);
    await done;
    clearTimeout(timer);
  };

  /** A worker could not start (port taken, database unreadable): say it once and stop everything. */
  const abort = async (message: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.error(`herald: ${message}`);
    await stopWorkers();
    await background.stop();
    deps.db.close();
    process.exit(1);
  };

  cluster.on('listening', (worker, address) => {
    everListened.add(worker);
    failedStarts = 0;
    listening.add(worker.id);
    deps.log.info('worker listening', { worker: worker.id, pid: worker.process.pid });
    if (!announced && listening.size === count) {
      announced = true;
      console.log(
        `Herald is running at ${config.publicUrl} (${count} worker processes, listening on port ${address.port}, database ${config.databasePath})`,
      );
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
    alive.delete(worker);
    if (!alive.size) allExited?.();
    if (stopping) return;
    const served = everListened.has(worker);
    if (!served && !announced) {
      // Herald is starting and a worker could not: another would fail the same
      // way. Its own line (port in use, ...) may still be on its way: give it a moment.
      setTimeout(() => void abort(`a worker process exited during start-up (${signal ?? `code ${code}`})`), 500);
      return;
    }
    deps.log.error('worker exited; starting a new one', { worker: worker.id, pid: worker.process.pid, code, signal });
    // At most one replacement a second, so a worker that keeps dying cannot spin
    // the CPU; replacements that cannot even start wait longer each time (up to 30 s).
    if (!served) failedStarts++;
    const delay = served ? lastFork + 1_000 - Date.now() : Math.min(30_000, 1_000 * 2 ** failedStarts);
    setTimeout(() => {
      if (!stopping) fork();
    }, Math.max(0, delay));
  });

  for (let i = 0; i < count; i++) fork();

  // Longer than the workers' own limit, so they can finish their requests first.
  onStopSignal(async () => {
    stopping = true;
    await stopWorkers();
    await background.stop();
    await deps.settle();
    deps.db.close();
  }, CLOSE_TIMEOUT_MS + 2_000);
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) return runWorker(config);
  const count = config.workers === 'auto' ? availableParallelism() : config.workers;
  return count > 1 ? runPrimary(config, count) : runSingle(config);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  fail(error instanceof StartError ? message : `failed to start: ${message}`);
});
