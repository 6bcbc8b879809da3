// `npm run bench:channels`: the customer channels' fan-out benchmark (issue 18). One update to
// 10,000 confirmed webhook subscribers, against receivers that answer each request in 50 ms:
//
// - throughput: from the publish (through /api/v1) until every subscriber's request arrived, on
//   a quiet server, in deliveries per second;
// - the status page `/` (autocannon) idle, and while a second update drains to the same 10,000;
// - the pool's use: the most requests open at once at the receivers.
//
// Herald runs for real, as `npm start` does (tsx src/entry/node.ts, HERALD_ENV=production,
// OUTBOUND_ALLOW_LOOPBACK=1), on a seeded page (bench/seed.ts). The receivers listen on
// CHANNELS_PORTS ports of 127.0.0.1 (subscribers spread over them in turn: each port is one host
// for the per-host limit of 8) in this process, beside autocannon.
//
// A benchmark, not a test: it exits non-zero only when it could not measure.
import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { generateWebhookSecret } from '../src/channels/webhook.js';
import { createAdminToken, post, type HeraldApi } from './fanout/api.js';
import { inheritedEnv, startHerald } from './fanout/children.js';
import { loadPage, pageStats, publishUnderLoad, type PageStats } from './fanout/page-load.js';
import { readSettings } from './fanout/settings.js';
import { envNumber, envWholeNumber } from './lib/env.js';
import { Lifetime } from './lib/lifetime.js';
import { RESULTS_DIR } from './lib/paths.js';
import { freePort } from './lib/ports.js';
import { gitState, loadAverage, machineFacts, writeResults } from './lib/provenance.js';
import { round } from './lib/stats.js';
import { seedBenchPage } from './seed.js';

const lifetime = new Lifetime('channels');
const HOST = '127.0.0.1';
const env = process.env;
const SUBSCRIBERS = envWholeNumber(env, 'CHANNELS_SUBSCRIBERS', 10_000, 10);
const PORTS = envWholeNumber(env, 'CHANNELS_PORTS', 8, 1);
const ANSWER_MS = envNumber(env, 'CHANNELS_ANSWER_MS', 50, 0);
const PAGE_SECONDS = envNumber(env, 'CHANNELS_PAGE_SECONDS', 10, 1);
const pageSettings = { ...readSettings(env), connections: envWholeNumber(env, 'CHANNELS_CONNECTIONS', 50, 1), leadSeconds: 2, drainTimeoutSeconds: 600 };

/** Receivers on PORTS ports: record each webhook-id with its arrival time, answer 200 after ANSWER_MS. */
class Receivers {
  readonly arrivals = new Map<string, number>();
  requests = 0;
  open = 0;
  maxOpen = 0;
  private readonly servers: Server[] = [];
  readonly urls: string[] = [];

  async start(): Promise<void> {
    for (let i = 0; i < PORTS; i++) {
      const server = createServer((req, res) => {
        this.open++;
        this.maxOpen = Math.max(this.maxOpen, this.open);
        req.resume();
        req.on('end', () => {
          this.requests++;
          const id = String(req.headers['webhook-id']);
          if (!this.arrivals.has(id)) this.arrivals.set(id, Date.now());
          setTimeout(() => {
            this.open--;
            res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          }, ANSWER_MS);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
      this.servers.push(server);
      this.urls.push(`http://${HOST}:${(server.address() as AddressInfo).port}/hooks/${i}/SECRET`);
    }
  }

  /** Arrivals of one notice's messages ("msg_<notice>_<subscriber>"). */
  of(noticeId: string): number[] {
    return [...this.arrivals].filter(([id]) => id.startsWith(`msg_${noticeId}_`)).map(([, at]) => at);
  }

  async stop(): Promise<void> {
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  kill(): void {
    for (const server of this.servers) server.closeAllConnections();
  }
}

/** The customer notice of the newest update: the one publishing wrote, or (a tree without that part) one written here. */
function noticeOfLatestUpdate(db: Database.Database): string {
  const update = db.prepare('SELECT id, created_at AS createdAt FROM incident_updates ORDER BY created_at DESC LIMIT 1').get() as { id: string; createdAt: number };
  const found = db.prepare("SELECT id FROM customer_notices WHERE update_id = ? AND kind = 'incident'").get(update.id) as { id: string } | undefined;
  if (found) return found.id;
  const id = `bench${update.createdAt}`;
  db.prepare("INSERT INTO customer_notices (id, kind, update_id, state, due_at, created_at, updated_at) VALUES (?, 'incident', ?, 'ready', ?, ?, ?)").run(
    id,
    update.id,
    update.createdAt,
    update.createdAt,
    update.createdAt,
  );
  return id;
}

async function waitForAll(receivers: Receivers, noticeId: () => string | null, timeoutMs = 600_000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const id = noticeId();
    const arrivals = id ? receivers.of(id) : [];
    if (arrivals.length >= SUBSCRIBERS) return arrivals;
    if (Date.now() > end) throw new Error(`only ${arrivals.length} of ${SUBSCRIBERS} deliveries arrived`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Drain {
  seconds: number;
  deliveriesPerSecond: number;
  firstArrivalMs: number;
}

function drainOf(publishedAt: number, arrivals: number[]): Drain {
  const last = Math.max(...arrivals);
  const seconds = (last - publishedAt) / 1000;
  return { seconds: round(seconds, 1), deliveriesPerSecond: round(SUBSCRIBERS / seconds), firstArrivalMs: Math.min(...arrivals) - publishedAt };
}

async function publish(api: HeraldApi, db: Database.Database, title: string): Promise<{ at: number; notice: string }> {
  const at = Date.now();
  await post(api, '/api/v1/incidents', { title, severity: 2, body: 'We are investigating elevated errors.' });
  return { at, notice: noticeOfLatestUpdate(db) };
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`channels: ${SUBSCRIBERS} webhook subscribers on ${PORTS} receiver ports answering in ${ANSWER_MS} ms; load ${loadAverage().join(' ')} on ${cpus().length} cores`);
  const workDir = lifetime.tempDir('herald-bench-channels-', { keep: false });
  const databasePath = join(workDir, 'herald.db');
  await seedBenchPage({ databasePath, now: Date.now(), historyDays: 365, pastIncidents: 300 });
  const receivers = lifetime.adopt(new Receivers());
  await receivers.start();

  const db = new Database(databasePath);
  db.pragma('busy_timeout = 5000');
  const secret = generateWebhookSecret();
  const insert = db.prepare(
    `INSERT INTO channel_subscribers (id, type, url, contact_email, status, secret, signing_secret, created_at, updated_at, confirmed_at)
     VALUES (?, 'webhook', ?, ?, 'confirmed', ?, ?, ?, ?, ?)`,
  );
  const confirmedAt = Date.now() - 60_000;
  db.transaction(() => {
    for (let i = 0; i < SUBSCRIBERS; i++) {
      insert.run(`cs${String(i).padStart(6, '0')}`, receivers.urls[i % PORTS], `ops${i}@customer.test`, `s${i}`, secret, confirmedAt, confirmedAt, confirmedAt);
    }
  })();

  const port = await freePort(HOST);
  const url = `http://${HOST}:${port}`;
  const heraldEnv = { ...inheritedEnv(), HERALD_ENV: 'production', HOST, PORT: String(port), DATABASE_PATH: databasePath, PUBLIC_URL: url, OUTBOUND_ALLOW_LOOPBACK: '1' };
  const api = createAdminToken(url, heraldEnv);
  const herald = await startHerald(lifetime, { guard: () => {} }, { url, env: heraldEnv, nodeFlags: [] });
  const pids = { herald: herald.nodePid, fake: process.pid };

  // 1. Throughput on a quiet server.
  const quiet = await publish(api, db, 'Checkout errors');
  const quietDrain = drainOf(quiet.at, await waitForAll(receivers, () => quiet.notice));
  console.log(`  quiet drain: ${quietDrain.seconds} s, ${quietDrain.deliveriesPerSecond} deliveries/s, first after ${quietDrain.firstArrivalMs} ms; receivers had at most ${receivers.maxOpen} open`);

  // 2. The page idle, then while a second update drains to the same subscribers.
  const idle = pageStats(await loadPage(url, pageSettings, { seconds: PAGE_SECONDS }));
  console.log(`  page idle: ${idle.requestsPerSecond} req/s, p50 ${idle.latencyMs.p50} ms, p99 ${idle.latencyMs.p99} ms`);
  let loaded: { at: number; notice: string } | null = null;
  let loadedArrivals: number[] = [];
  const run = await publishUnderLoad(
    url,
    pageSettings,
    pids,
    async () => {
      loaded = await publish(api, db, 'Login errors');
      return { status: 201, headers: {}, body: Buffer.alloc(0) } as never;
    },
    async () => {
      loadedArrivals = await waitForAll(receivers, () => loaded?.notice ?? null);
    },
  );
  const at = (loaded as { at: number } | null)!.at;
  const loadedDrain = drainOf(at, loadedArrivals);
  const during: PageStats = pageStats(run.run, at, Math.max(...loadedArrivals));
  console.log(`  drain under load: ${loadedDrain.seconds} s, ${loadedDrain.deliveriesPerSecond} deliveries/s`);
  console.log(`  page while draining: ${during.requestsPerSecond} req/s, p50 ${during.latencyMs.p50} ms, p99 ${during.latencyMs.p99} ms, max ${during.latencyMs.max} ms, longest gap ${during.longestGapMs} ms`);

  const counts = db.prepare('SELECT status, count(*) AS n FROM customer_deliveries GROUP BY status').all();
  db.close();
  await herald.stop();
  const results = {
    benchmark: 'channels',
    startedAt: new Date(started).toISOString(),
    settings: { subscribers: SUBSCRIBERS, ports: PORTS, answerMs: ANSWER_MS, connections: pageSettings.connections, pageSeconds: PAGE_SECONDS },
    machine: machineFacts(),
    git: gitState(['src', 'bench']),
    quietDrain,
    loadedDrain,
    receiverMaxOpen: receivers.maxOpen,
    requests: receivers.requests,
    page: { idle, whileDraining: during },
    deliveries: counts,
  };
  writeResults(join(RESULTS_DIR, 'channels.json'), results);
  console.log(`  results in bench/results/channels.json`);
}

lifetime.run(main);
