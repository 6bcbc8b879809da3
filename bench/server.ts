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
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Session } from 'node:inspector/promises';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '../src/app.js';
import { parseNodeConfig } from '../src/config.js';
import { createNodeDeps } from '../src/entry/node-deps.js';
import { createNodeServer } from '../src/entry/node-fast-path.js';
import { initializePage } from '../src/services/settings/initialize.js';
import { postUpdate } from '../src/services/incidents/post-update.js';
import { PUBLISH_MARKER_PREFIX } from './publish-marker.js';
import { systemActor } from '../src/services/auth/actor.js';

/** Benchmarks seed and publish from the shell, as the command line does. */
const BENCH_ACTOR = systemActor('command line');

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

function send(message: ServerMessage): void {
  process.send?.(message);
}

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string | undefined): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

/** GET `path` as raw bytes (fetch() would decode a compressed body). */
function getRaw(
  host: string,
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Uint8Array<ArrayBuffer>; contentType: string; contentEncoding: string | null }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Uint8Array.from(Buffer.concat(chunks)),
          contentType: String(res.headers['content-type'] ?? 'application/octet-stream'),
          contentEncoding: res.headers['content-encoding'] ?? null,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/server.ts is started by bench/run.ts (it needs an IPC channel)');
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
      const probed = await getRaw(host, config.port, path, requestHeaders);
      if (probed.status !== 200) throw new Error(`Herald answered GET ${path} with ${probed.status}`);
      const headers: Record<string, string> = { 'Content-Type': probed.contentType };
      if (probed.contentEncoding) headers['Content-Encoding'] = probed.contentEncoding;
      constants.set(path, { body: probed.body, headers });
      ceilings.push({ path, bytes: probed.body.byteLength, contentType: probed.contentType, contentEncoding: probed.contentEncoding });
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

  // --- The publisher ---------------------------------------------------------
  const publisher = {
    running: false,
    timer: undefined as NodeJS.Timeout | undefined,
    inFlight: undefined as Promise<void> | undefined,
    seq: 0,
    records: [] as PublishRecord[],
    failures: [] as string[],
  };
  const startPublishing = async (intervalMs: number): Promise<string> => {
    const incidentId = (await deps.repos.incidents.listOpenIncidents())[0]?.id;
    if (!incidentId) throw new Error('the seeded page has no open incident to post updates on');
    Object.assign(publisher, { running: true, records: [], failures: [] });
    const began = Date.now();
    let n = 0;
    const tick = (): void => {
      if (!publisher.running) return;
      n++;
      // On a fixed schedule (a late timer does not slow the rate), and never two at once.
      if (!publisher.inFlight) {
        const seq = ++publisher.seq;
        const requestedAt = Date.now();
        publisher.inFlight = postUpdate(deps, {
          incidentId,
          status: 'identified',
          body:
            `Update ${seq}: we are still moving the affected API servers back to the primary database. ` +
            `Error rates are falling. Next update within 30 minutes. (${PUBLISH_MARKER_PREFIX}${String(seq).padStart(6, '0')})`,
          nextUpdateAt: requestedAt + 30 * 60_000,
        }, BENCH_ACTOR)
          .then(() => void publisher.records.push({ seq, requestedAt, committedAt: Date.now() }))
          .catch((error: unknown) => void publisher.failures.push(error instanceof Error ? error.message : String(error)))
          .finally(() => (publisher.inFlight = undefined));
      }
      publisher.timer = setTimeout(tick, Math.max(0, began + n * intervalMs - Date.now()));
    };
    tick(); // the first update right away
    return incidentId;
  };
  const stopPublishing = async (): Promise<void> => {
    publisher.running = false;
    clearTimeout(publisher.timer);
    await publisher.inFlight;
  };

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    publisher.running = false;
    clearTimeout(publisher.timer);
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
  let inspector: Session | undefined;
  process.on('message', (message: ServerCommand) => {
    if (message.type === 'usage') {
      const cpu = process.cpuUsage();
      const loop = performance.eventLoopUtilization();
      send({ type: 'usage', userUs: cpu.user, systemUs: cpu.system, loopActiveMs: loop.active, loopIdleMs: loop.idle });
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
    } else if (message.type === 'publish-start') {
      startPublishing(message.intervalMs).then(
        (incidentId) => send({ type: 'publish-started', incidentId }),
        (error: unknown) => send({ type: 'error', message: `publish-start: ${String(error)}` }),
      );
    } else if (message.type === 'ceiling-refresh') {
      probeHerald().then(
        (routes) => send({ type: 'ceiling-refreshed', ceilings: routes }),
        (error: unknown) => send({ type: 'error', message: `ceiling-refresh: ${String(error)}` }),
      );
    } else if (message.type === 'publish-stop') {
      void stopPublishing().then(() => send({ type: 'publish-stopped', publishes: publisher.records, failures: publisher.failures }));
    }
  });

  send({ type: 'ready', pid: process.pid, heraldPort: config.port, ceilingPort, ceilings });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'error', message });
  console.error(`bench server: ${message}`);
  process.exit(1);
});
