// Child process of bench/run.ts (never run by hand; it expects an IPC channel).
//
// Serves Herald exactly as src/entry/node.ts does (createNodeDeps +
// initializePage + createApp + createNodeServer (the render-cache fast path, then @hono/node-server), config parsed from
// the environment: PORT, HOST, DATABASE_PATH, HERALD_ENV), and next to it, on
// BENCH_CEILING_PORT, the ceiling: a bare Hono app that answers each path of
// BENCH_CEILING_PATHS (a JSON array) with a constant, the bytes Herald sent
// for that path (same Content-Type and Content-Encoding; probed with the
// request headers of BENCH_REQUEST_HEADERS, the ones the load sends) at
// startup and again on `ceiling-refresh`.
//
// Over IPC it reports its CPU time and event-loop activity, starts and stops
// the V8 profiler, and publishes: `publish-start` posts an update on the open
// incident every `intervalMs` through the postUpdate service, as an admin
// would, and `publish-stop` returns when each one was requested and committed.
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../../src/app.js';
import { parseNodeConfig } from '../../src/config.js';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { createNodeServer } from '../../src/entry/node-fast-path.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { rawRequest } from '../lib/http.js';
import { toParent } from '../lib/ipc.js';
import { describeError } from '../lib/lifetime.js';
import { Profiler } from '../lib/profiler.js';
import { Publisher } from './publisher.js';

/** This process's CPU time and event-loop activity so far (the parent diffs two of them). */
export interface ServerUsage {
  type: 'usage';
  /** process.cpuUsage(), microseconds. */
  userUs: number;
  systemUs: number;
  /** performance.eventLoopUtilization(): milliseconds the loop was busy / idle. */
  loopActiveMs: number;
  loopIdleMs: number;
}

/** One route of the ceiling app: what Herald sent for `path` when last probed. */
export interface CeilingRoute {
  path: string;
  /** Body bytes as sent (after Content-Encoding, if any). */
  bytes: number;
  contentType: string;
  contentEncoding: string | null;
}

/** One update posted by the publisher; times are Date.now() (the parent's clock too). */
export interface PublishRecord {
  seq: number;
  requestedAt: number;
  committedAt: number;
}

export type ServerMessage =
  | { type: 'ready'; pid: number; heraldPort: number; ceilingPort: number; ceilings: CeilingRoute[] }
  | ServerUsage
  | { type: 'profile-started' }
  | { type: 'profile-written'; path: string }
  | { type: 'publish-started'; incidentId: string }
  | { type: 'publish-stopped'; publishes: PublishRecord[]; failures: string[] }
  | { type: 'ceiling-refreshed'; ceilings: CeilingRoute[] }
  | { type: 'error'; message: string };

/** Parent to child. */
export type ServerCommand =
  | { type: 'usage' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; path: string }
  | { type: 'publish-start'; intervalMs: number }
  | { type: 'publish-stop' }
  | { type: 'ceiling-refresh' };

const send = toParent<ServerMessage>('bench/run/server.ts', 'bench/run.ts');

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string | undefined): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

async function main(): Promise<void> {
  const ceilingPort = Number(process.env.BENCH_CEILING_PORT);
  if (!Number.isInteger(ceilingPort) || ceilingPort <= 0) throw new Error('BENCH_CEILING_PORT is not set');
  const paths = JSON.parse(process.env.BENCH_CEILING_PATHS ?? '[]') as string[];
  const requestHeaders = JSON.parse(process.env.BENCH_REQUEST_HEADERS ?? '{}') as Record<string, string>;

  // --- Herald, as the Node entry builds it ---------------------------------
  const config = parseNodeConfig(process.env);
  const deps = createNodeDeps({ config, databasePath: config.databasePath });
  await initializePage(deps);
  const app = createApp(deps);
  const host = config.host ?? '127.0.0.1';
  const herald = createNodeServer(app, deps.fastPath);
  await new Promise<void>((resolve, reject) => {
    herald.once('error', reject);
    herald.listen(config.port, host, resolve);
  });

  // --- The ceiling: the same bytes as constants, nothing else ---------------
  // Herald's responses grow as the publisher adds updates: `ceiling-refresh`
  // (at the start of every round) probes Herald again, so that the ceiling
  // keeps serving what Herald serves now.
  const constants = new Map<string, { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> }>();
  const probeHerald = async (): Promise<CeilingRoute[]> => {
    const ceilings: CeilingRoute[] = [];
    for (const path of paths) {
      const probed = await rawRequest(`http://${host}:${config.port}${path}`, { headers: requestHeaders });
      if (probed.status !== 200) throw new Error(`Herald answered GET ${path} with ${probed.status}`);
      const contentType = String(probed.headers['content-type'] ?? 'application/octet-stream');
      const contentEncoding = probed.headers['content-encoding'] ?? null;
      const headers: Record<string, string> = { 'Content-Type': contentType };
      if (contentEncoding) headers['Content-Encoding'] = contentEncoding;
      constants.set(path, { body: Uint8Array.from(probed.body), headers });
      ceilings.push({ path, bytes: probed.body.byteLength, contentType, contentEncoding });
    }
    return ceilings;
  };
  const ceilings = await probeHerald();
  const bare = new Hono();
  for (const path of paths) {
    bare.get(path, (c) => {
      const constant = constants.get(path)!;
      return c.body(constant.body, 200, constant.headers);
    });
  }
  const ceiling = await listen(bare.fetch, ceilingPort, host);

  const publisher = new Publisher(deps);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    publisher.halt();
    // autocannon's keep-alive sockets would hold close() open: drop them.
    for (const server of [herald, ceiling]) {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close();
    }
    deps.settle().finally(() => {
      deps.db.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent died without cleaning up: do not linger as an orphan.
  process.once('disconnect', stop);
  // V8 CPU profiles of chosen windows (BENCH_PROFILE=1), started and stopped by the parent.
  const profiler = new Profiler(100);
  process.on('message', (message: ServerCommand) => {
    if (message.type === 'usage') {
      const cpu = process.cpuUsage();
      const loop = performance.eventLoopUtilization();
      send({ type: 'usage', userUs: cpu.user, systemUs: cpu.system, loopActiveMs: loop.active, loopIdleMs: loop.idle });
    } else if (message.type === 'profile-start') {
      void profiler.start().then(() => send({ type: 'profile-started' }));
    } else if (message.type === 'profile-stop') {
      void profiler.stop(message.path).then(() => send({ type: 'profile-written', path: message.path }));
    } else if (message.type === 'publish-start') {
      publisher.start(message.intervalMs).then(
        (incidentId) => send({ type: 'publish-started', incidentId }),
        (error: unknown) => send({ type: 'error', message: `publish-start: ${String(error)}` }),
      );
    } else if (message.type === 'ceiling-refresh') {
      probeHerald().then(
        (routes) => send({ type: 'ceiling-refreshed', ceilings: routes }),
        (error: unknown) => send({ type: 'error', message: `ceiling-refresh: ${String(error)}` }),
      );
    } else if (message.type === 'publish-stop') {
      void publisher.stop().then(() => send({ type: 'publish-stopped', publishes: publisher.records, failures: publisher.failures }));
    }
  });

  send({ type: 'ready', pid: process.pid, heraldPort: config.port, ceilingPort, ceilings });
}

main().catch((error: unknown) => {
  const message = describeError(error);
  send({ type: 'error', message });
  console.error(`bench server: ${message}`);
  process.exit(1);
});
