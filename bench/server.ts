// Child process of bench/run.ts (never run by hand; it expects an IPC channel).
//
// Serves Herald exactly as src/entry/node.ts does (createNodeDeps +
// initializePage + createApp + @hono/node-server `serve`, config parsed from
// the environment: PORT, HOST, DATABASE_PATH, HERALD_ENV), and a bare Hono app
// on BENCH_BARE_PORT whose one route answers with a constant string of the
// same bytes and content type as Herald's `/`: the ceiling for this machine,
// this Node and this HTTP stack. `/bytes` on the bare app serves the same
// body pre-encoded as a Uint8Array (a what-if, not the ceiling).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../src/app.js';
import { parseNodeConfig } from '../src/config.js';
import { createNodeDeps } from '../src/entry/node-deps.js';
import { initializePage } from '../src/services/initialize.js';

/** This process's CPU time and event-loop activity so far (the parent diffs two of them). */
export interface ServerUsage {
  type: 'usage';
  /** process.cpuUsage(), microseconds. */
  userUs: number;
  systemUs: number;
  /** performance.eventLoopUtilization(): milliseconds the loop was busy / idle. */
  loopActiveMs: number;
  loopIdleMs: number;
  /** process.resourceUsage().minorPageFault: fresh memory touched (e.g. a new buffer per response). */
  minorFaults: number;
}

export type ServerMessage =
  | { type: 'ready'; pid: number; heraldPort: number; barePort: number; bodyBytes: number; contentType: string }
  | ServerUsage
  | { type: 'profile-started' }
  | { type: 'profile-written'; path: string }
  | { type: 'error'; message: string };

/** Parent to child. */
export type ServerCommand = { type: 'usage' } | { type: 'profile-start' } | { type: 'profile-stop'; path: string };

function send(message: ServerMessage): void {
  process.send?.(message);
}

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string | undefined): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/server.ts is started by bench/run.ts (it needs an IPC channel)');
  const barePort = Number(process.env.BENCH_BARE_PORT);
  if (!Number.isInteger(barePort) || barePort <= 0) throw new Error('BENCH_BARE_PORT is not set');

  // --- Herald, as the Node entry builds it ---------------------------------
  const config = parseNodeConfig(process.env);
  const deps = createNodeDeps({ config, databasePath: config.databasePath });
  await initializePage(deps);
  const app = createApp(deps);
  const herald = await listen(app.fetch, config.port, config.host);

  // --- The ceiling: same bytes, same content type, nothing else ------------
  const probe = await fetch(`http://${config.host ?? '127.0.0.1'}:${config.port}/`);
  if (probe.status !== 200) throw new Error(`Herald answered GET / with ${probe.status}`);
  const contentType = probe.headers.get('content-type') ?? 'text/html; charset=utf-8';
  const body = await probe.text(); // a constant from here on
  const bare = new Hono();
  bare.get('/', (c) => c.body(body, 200, { 'Content-Type': contentType }));
  // What-if: the same bytes encoded once, so no per-request UTF-8 length/encoding.
  const bytes = new TextEncoder().encode(body);
  bare.get('/bytes', (c) => c.body(bytes, 200, { 'Content-Type': contentType }));
  const bareServer = await listen(bare.fetch, barePort, config.host);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // autocannon's keep-alive sockets would hold close() open: drop them.
    for (const server of [herald, bareServer]) {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close();
    }
    deps.settle().finally(() => {
      deps.db.close();
      // A normal exit, so that --cpu-prof writes its profile.
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 3_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent died without cleaning up: do not linger as an orphan.
  process.once('disconnect', stop);
  // V8 CPU profiles of just the measured windows (BENCH_PROFILE=1), started and stopped by the parent.
  let inspector: Session | undefined;
  process.on('message', (message: ServerCommand) => {
    if (message.type === 'usage') {
      const cpu = process.cpuUsage();
      const loop = performance.eventLoopUtilization();
      send({
        type: 'usage',
        userUs: cpu.user,
        systemUs: cpu.system,
        loopActiveMs: loop.active,
        loopIdleMs: loop.idle,
        minorFaults: process.resourceUsage().minorPageFault,
      });
    } else if (message.type === 'profile-start') {
      void (async () => {
        if (!inspector) {
          inspector = new Session();
          inspector.connect();
          await inspector.post('Profiler.enable');
          await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
        }
        await inspector.post('Profiler.start');
        send({ type: 'profile-started' });
      })();
    } else if (message.type === 'profile-stop') {
      void (async () => {
        const { profile } = await inspector!.post('Profiler.stop');
        writeFileSync(message.path, JSON.stringify(profile));
        send({ type: 'profile-written', path: message.path });
      })();
    }
  });

  send({ type: 'ready', pid: process.pid, heraldPort: config.port, barePort, bodyBytes: Buffer.byteLength(body), contentType });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'error', message });
  console.error(`bench server: ${message}`);
  process.exit(1);
});
