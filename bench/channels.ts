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
// for the per-host limit of 8) in a child process (channels/receivers-child.ts); autocannon runs
// in this one.
//
// A benchmark, not a test: it exits non-zero only when it could not measure.
import Database from 'better-sqlite3';
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { generateWebhookSecret } from '../src/channels/webhook.js';
import { createAdminToken, post, type HeraldApi } from './fanout/api.js';
import type { CountReply } from './channels/receivers-child.js';
import { inheritedEnv, startHerald } from './fanout/children.js';
import { loadPage, pageStats, publishUnderLoad, type PageStats } from './fanout/page-load.js';
import { readSettings } from './fanout/settings.js';
import { envNumber, envWholeNumber } from './lib/env.js';
import { Lifetime } from './lib/lifetime.js';
import { BENCH_DIR, RESULTS_DIR } from './lib/paths.js';
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

/** The receivers child (bench/channels/receivers-child.ts). */
class Receivers {
  urls: string[] = [];
  maxOpen = 0;
  requests = 0;
  private child: ChildProcess | null = null;

  async start(): Promise<void> {
    const child = fork(join(BENCH_DIR, 'channels', 'receivers-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...inheritedEnv(), CHANNELS_PORTS: String(PORTS), CHANNELS_ANSWER_MS: String(ANSWER_MS) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.urls = await new Promise<string[]>((resolve, reject) => {
      child.once('message', (message: { type: string; urls: string[] }) => resolve(message.urls));
      child.once('exit', () => reject(new Error('the receivers exited during start-up')));
    });
  }

  /** Arrivals of one notice's messages ("msg_<notice>_<subscriber>"). */
  async count(noticeId: string): Promise<CountReply> {
    const child = this.child!;
    const reply = await new Promise<CountReply>((resolve) => {
      child.once('message', (message: CountReply) => resolve(message));
      child.send({ type: 'count', prefix: `msg_${noticeId}_` });
    });
    this.maxOpen = reply.maxOpen;
    this.requests = reply.requests;
    return reply;
  }

  async stop(): Promise<void> {
    this.kill();
  }

  kill(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** The customer notice publishing wrote for the newest update. */
function noticeOfLatestUpdate(db: Database.Database): string {
  const update = db.prepare('SELECT id FROM incident_updates ORDER BY created_at DESC LIMIT 1').get() as { id: string };
  const found = db.prepare("SELECT id FROM customer_notices WHERE update_id = ? AND kind = 'incident'").get(update.id) as { id: string } | undefined;
  if (!found) throw new Error('publishing wrote no customer notice for the update');
  return found.id;
}

async function waitForAll(receivers: Receivers, noticeId: () => string | null, timeoutMs = 600_000): Promise<CountReply> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const id = noticeId();
    const count = id ? await receivers.count(id) : null;
    if (count && count.count >= SUBSCRIBERS) return count;
    if (Date.now() > end) throw new Error(`only ${count?.count ?? 0} of ${SUBSCRIBERS} deliveries arrived`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Drain {
  seconds: number;
  deliveriesPerSecond: number;
  firstArrivalMs: number;
}

function drainOf(publishedAt: number, arrivals: CountReply): Drain {
  const seconds = (arrivals.last! - publishedAt) / 1000;
  return { seconds: round(seconds, 1), deliveriesPerSecond: round(SUBSCRIBERS / seconds), firstArrivalMs: arrivals.first! - publishedAt };
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
      insert.run(`cs${String(i).padStart(6, '0')}`, `${receivers.urls[i % PORTS]}?subscriber=${i}`, `ops${i}@customer.test`, `s${i}`, secret, confirmedAt, confirmedAt, confirmedAt);
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
  let loadedArrivals: CountReply | null = null;
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
  const loadedDrain = drainOf(at, loadedArrivals!);
  const during: PageStats = pageStats(run.run, at, loadedArrivals!.last!);
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
