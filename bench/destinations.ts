// `npm run bench:destinations`: does a slow or dead destination slow the
// public page? Herald (the Node entry, as `npm start` runs it, on the seeded
// page of bench/seed.ts) gets DEST_COUNT destinations, written straight into
// its database, of every type, each pointing at a local receiver of its own
// (bench/destinations/receivers-child.ts): some fast, some slow (2 s), some
// hanging until Herald's 10 s timeout, some answering 500 (retried with
// backoff). The page `/` is loaded with autocannon in slices of
// SLICE_SECONDS, in four phases:
//   quiet: nothing queued for the destinations;
//   burst: at its start, DEST_MESSAGES internal updates are posted through
//          /api/v1 on an open incident (DEST_MESSAGES × DEST_COUNT deliveries
//          queued); the drainer in Herald's primary works through them;
//   after: the writes are over; the drainer still works through the slow,
//          hanging and retried deliveries;
//   cleared: the bench deletes what is still queued (straight in the
//          database), waits out the sends in flight (at most Herald's 10 s
//          timeout) and measures the idle page again: a second baseline, so
//          that drift in the machine's other load is not read as a slowdown.
// Internal updates never change the public page, so any difference between
// the phases is the destinations' work (and the API writes), not re-renders.
// See bench/README.md, "The destinations benchmark".
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { DESTINATION_TYPES } from '../src/domain/constants.js';
import { newId } from '../src/lib/ids.js';
import { BEHAVIOURS, type Behaviour, type ReceiverCommand, type ReceiverMessage } from './destinations/receivers.js';
import { createAdminToken, post } from './fanout/api.js';
import { inheritedEnv, startHerald } from './fanout/children.js';
import { machineCoresBetween, machineTicks, processCpuUs } from './lib/cpu.js';
import { envAcceptEncoding, envWholeNumber } from './lib/env.js';
import { fmt } from './lib/format.js';
import { rawRequest } from './lib/http.js';
import { IpcChild } from './lib/ipc.js';
import { Lifetime } from './lib/lifetime.js';
import { runLoad } from './lib/load.js';
import { BENCH_DIR, RESULTS_DIR } from './lib/paths.js';
import { freePort } from './lib/ports.js';
import { gitState, loadAverage, machineFacts, writeResults } from './lib/provenance.js';
import { percentile, round } from './lib/stats.js';
import { markdownTable } from './lib/table.js';
import { seedBenchPage } from './seed.js';

const lifetime = new Lifetime('destinations');
const HOST = '127.0.0.1';

const settings = {
  destinations: envWholeNumber(process.env, 'DEST_COUNT', 20, 4),
  messages: envWholeNumber(process.env, 'DEST_MESSAGES', 50, 1),
  sliceSeconds: envWholeNumber(process.env, 'SLICE_SECONDS', 10, 1),
  quietSlices: envWholeNumber(process.env, 'QUIET_SLICES', 3, 1),
  burstSlices: envWholeNumber(process.env, 'BURST_SLICES', 5, 1),
  afterSlices: envWholeNumber(process.env, 'AFTER_SLICES', 3, 1),
  clearedSlices: envWholeNumber(process.env, 'CLEARED_SLICES', 3, 1),
  connections: envWholeNumber(process.env, 'BENCH_CONNECTIONS', 50, 1),
  headers: envAcceptEncoding(process.env, 'BENCH_ACCEPT_ENCODING'),
  out: process.env.BENCH_OUT || join(RESULTS_DIR, 'destinations.json'),
};

/** 40% fast, 20% slow, 20% hanging, 20% error, types taken in turn. */
function behaviourOf(index: number, count: number): Behaviour {
  const share = index / count;
  return share < 0.4 ? 'fast' : share < 0.6 ? 'slow' : share < 0.8 ? 'hanging' : 'error';
}

class Receivers extends IpcChild<ReceiverCommand, ReceiverMessage> {
  constructor(behaviours: Behaviour[]) {
    super('receivers', join(BENCH_DIR, 'destinations', 'receivers-child.ts'), { ...inheritedEnv(), DESTINATIONS_BEHAVIOURS: behaviours.join(',') });
  }
  guard(groups: number[]): void {
    this.tell({ type: 'guard', groups });
  }
}

type Counts = Record<string, number>;

interface Slice {
  phase: 'quiet' | 'burst' | 'after' | 'cleared';
  index: number;
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  heraldCores: number | null;
  machineBusyCores: number | null;
  /** Deliveries by status at the end of the slice. */
  deliveries: Counts;
  /** Attempts made so far, by receiver behaviour (from the database). */
  attemptsByBehaviour: Counts;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadAverage();
  console.log(`destinations: ${settings.destinations} destinations, ${settings.messages} messages; load average at start ${loadAtStart.join(' ')} on ${cpus().length} cores`);
  const workDir = lifetime.tempDir('herald-bench-dest-', { keep: false });
  const databasePath = join(workDir, 'herald.db');
  await seedBenchPage({ databasePath, now: Date.now(), historyDays: 365, pastIncidents: 300 });

  const behaviours = Array.from({ length: settings.destinations }, (_, i) => behaviourOf(i, settings.destinations));
  const receivers = lifetime.adopt(new Receivers(behaviours));
  const ready = await receivers.ask(null, 'ready');

  const port = await freePort(HOST);
  const url = `http://${HOST}:${port}`;
  const env = { ...inheritedEnv(), HERALD_ENV: 'production', HOST, PORT: String(port), DATABASE_PATH: databasePath, PUBLIC_URL: url, OUTBOUND_ALLOW_LOOPBACK: '1' };
  const api = createAdminToken(url, env);
  const herald = await startHerald(lifetime, receivers, { url, env, nodeFlags: [] });
  console.log(`  Herald node pid ${herald.nodePid}, receivers pid ${ready.pid}`);

  // An open incident to post internal updates on, declared before any destination exists (nothing queued).
  const declared = await post(api, '/api/v1/incidents', { title: 'Checkout errors', severity: 1, body: 'We are investigating errors at checkout.' });
  const incidentId = (JSON.parse(declared.body.toString('utf8')) as { id: string }).id;

  // The destinations, straight into the database (Herald reads them when it queues).
  const db = new Database(databasePath);
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare(
    'INSERT INTO destinations (id, name, type, url, signing_secret, severities, component_ids, allow_private, paused_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, 0, NULL, ?, ?)',
  );
  const behaviourById = new Map<string, Behaviour>();
  const now = Date.now();
  behaviours.forEach((behaviour, i) => {
    const type = DESTINATION_TYPES[i % DESTINATION_TYPES.length]!;
    const id = newId();
    behaviourById.set(id, behaviour);
    const secret = type === 'webhook' ? `whsec_${randomBytes(24).toString('base64')}` : null;
    insert.run(id, `${behaviour} ${type} ${i + 1}`, type, `http://127.0.0.1:${ready.ports[i]}/hook/${i + 1}`, secret, now, now);
  });
  const mix = Object.fromEntries(BEHAVIOURS.map((b) => [b, behaviours.filter((x) => x === b).length]));
  console.log(`  destinations: ${JSON.stringify(mix)} (types ${DESTINATION_TYPES.join(', ')} in turn)`);

  const deliveryCounts = (): { byStatus: Counts; attemptsByBehaviour: Counts } => {
    const byStatus: Counts = {};
    for (const row of db.prepare('SELECT status, count(*) AS n FROM destination_deliveries GROUP BY status').all() as { status: string; n: number }[]) byStatus[row.status] = row.n;
    const attemptsByBehaviour: Counts = {};
    for (const row of db.prepare('SELECT destination_id AS id, sum(attempts) AS n FROM destination_deliveries GROUP BY destination_id').all() as { id: string; n: number }[]) {
      const b = behaviourById.get(row.id) ?? 'other';
      attemptsByBehaviour[b] = (attemptsByBehaviour[b] ?? 0) + row.n;
    }
    return { byStatus, attemptsByBehaviour };
  };

  // Warm-up: the page rendered and cached, the connections' JIT warm.
  await runLoad('autocannon', { url: `${url}/`, connections: settings.connections, seconds: 3, headers: settings.headers, timeoutSeconds: 30 });

  const slices: Slice[] = [];
  const measureSlice = async (phase: Slice['phase'], index: number): Promise<void> => {
    const cpu0 = processCpuUs(herald.nodePid);
    const ticks0 = machineTicks();
    const t0 = performance.now();
    const load = await runLoad('autocannon', { url: `${url}/`, connections: settings.connections, seconds: settings.sliceSeconds, headers: settings.headers, timeoutSeconds: 30 });
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = processCpuUs(herald.nodePid);
    const sorted = [...load.latencies].sort((a, b) => a - b);
    const counts = deliveryCounts();
    let non2xx = 0;
    for (const [code, n] of load.statusCodes) if (!code.startsWith('2')) non2xx += n;
    const slice: Slice = {
      phase,
      index,
      requests: sorted.length,
      requestsPerSecond: round(sorted.length / seconds),
      p50: round(percentile(sorted, 50), 1),
      p99: round(percentile(sorted, 99), 1),
      max: round(sorted.at(-1) ?? 0, 1),
      errors: load.errors + load.timeouts,
      non2xx,
      heraldCores: cpu0 !== null && cpu1 !== null ? round((cpu1 - cpu0) / 1e6 / seconds, 2) : null,
      machineBusyCores: round(machineCoresBetween(ticks0, machineTicks())?.busy ?? NaN, 2),
      deliveries: counts.byStatus,
      attemptsByBehaviour: counts.attemptsByBehaviour,
    };
    slices.push(slice);
    console.log(
      `  ${phase} ${index + 1}: ${fmt(slice.requestsPerSecond)} req/s, p50 ${slice.p50} ms, p99 ${slice.p99} ms, max ${slice.max} ms; Herald ${slice.heraldCores} cores, machine ${slice.machineBusyCores}; deliveries ${JSON.stringify(counts.byStatus)}`,
    );
  };

  for (let i = 0; i < settings.quietSlices; i++) await measureSlice('quiet', i);

  // The burst: internal updates one after another, as fast as the API takes them, while the page is loaded.
  const writeMs: number[] = [];
  let burstEndedAt = 0;
  const burstStartedAt = Date.now();
  const burst = (async () => {
    for (let i = 0; i < settings.messages; i++) {
      const result = await rawRequest(`${url}/api/v1/incidents/${incidentId}/internal-updates`, {
        method: 'POST',
        json: { body: `Internal update ${i + 1}: still digging into **checkout errors**; next step is the payment provider's logs.` },
        headers: api.auth,
        timeoutMs: 60_000,
      });
      if (result.status !== 201) throw new Error(`internal update ${i + 1} answered ${result.status}: ${result.body.toString('utf8')}`);
      writeMs.push(result.ms);
    }
    burstEndedAt = Date.now();
  })();
  for (let i = 0; i < settings.burstSlices; i++) await measureSlice('burst', i);
  await burst;
  for (let i = 0; i < settings.afterSlices; i++) await measureSlice('after', i);

  const receiverStats = await receivers.ask({ type: 'stats' }, 'stats');
  const final = deliveryCounts();
  // Queued → sent, by receiver: how long a message waited for its destination.
  const waits: Record<string, number[]> = {};
  for (const row of db.prepare("SELECT destination_id AS id, finished_at - created_at AS ms FROM destination_deliveries WHERE status = 'sent'").all() as { id: string; ms: number }[]) {
    (waits[behaviourById.get(row.id) ?? 'other'] ??= []).push(row.ms);
  }
  const queuedToSent = Object.fromEntries(
    Object.entries(waits).map(([b, ms]) => {
      const sorted = ms.sort((x, y) => x - y);
      return [b, { sent: sorted.length, p50Ms: percentile(sorted, 50), maxMs: sorted.at(-1) ?? 0 }];
    }),
  );
  // The backlog cleared by hand; the sends in flight end within Herald's 10 s timeout.
  const cleared = db.prepare("DELETE FROM destination_deliveries WHERE status = 'queued'").run().changes;
  console.log(`  cleared ${cleared} queued deliveries; waiting 11 s for the sends in flight`);
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  for (let i = 0; i < settings.clearedSlices; i++) await measureSlice('cleared', i);
  db.close();

  const phaseSummary = (phase: Slice['phase']) => {
    const of = slices.filter((s) => s.phase === phase);
    const rps = of.map((s) => s.requestsPerSecond);
    const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 1);
    return {
      phase,
      slices: of.length,
      reqPerSecondMean: mean(rps),
      reqPerSecondMin: Math.min(...rps),
      reqPerSecondMax: Math.max(...rps),
      p50Median: [...of.map((s) => s.p50)].sort((a, b) => a - b)[Math.floor(of.length / 2)]!,
      p99Max: Math.max(...of.map((s) => s.p99)),
      p99Min: Math.min(...of.map((s) => s.p99)),
      maxMs: Math.max(...of.map((s) => s.max)),
      heraldCoresMean: round(of.reduce((a, s) => a + (s.heraldCores ?? 0), 0) / of.length, 2),
      /** Herald's CPU (page, API writes and drainer alike) per page response. */
      heraldUsPerRequest: round((of.reduce((a, s) => a + (s.heraldCores ?? 0), 0) / of.reduce((a, s) => a + s.requestsPerSecond, 0)) * 1e6),
      machineBusyMean: mean(of.map((s) => s.machineBusyCores ?? 0)),
    };
  };
  const phases = (['quiet', 'burst', 'after', 'cleared'] as const).map(phaseSummary);
  const sortedWrites = [...writeMs].sort((a, b) => a - b);
  const writes = {
    count: writeMs.length,
    seconds: round((burstEndedAt - burstStartedAt) / 1000, 1),
    p50: round(percentile(sortedWrites, 50), 1),
    p99: round(percentile(sortedWrites, 99), 1),
    max: round(sortedWrites.at(-1) ?? 0, 1),
  };
  const loadAtEnd = loadAverage();

  console.log('\nThe page `/` by slice:\n');
  console.log(
    markdownTable(
      ['phase', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'Herald cores', 'machine busy', 'deliveries at slice end'],
      slices.map((s) => [`${s.phase} ${s.index + 1}`, fmt(s.requestsPerSecond), s.p50, s.p99, s.max, s.heraldCores ?? '', s.machineBusyCores ?? '', Object.entries(s.deliveries).map(([k, v]) => `${k} ${v}`).join(', ') || 'none']),
      [0, 7],
    ),
  );
  console.log('\nBy phase:\n');
  console.log(
    markdownTable(
      ['phase', 'req/s mean (min–max)', 'p50 ms (median slice)', 'p99 ms (min–max slice)', 'max ms', 'Herald cores', 'Herald µs per page response', 'machine busy'],
      phases.map((p) => [p.phase, `${fmt(p.reqPerSecondMean)} (${fmt(p.reqPerSecondMin)}–${fmt(p.reqPerSecondMax)})`, p.p50Median, `${p.p99Min}–${p.p99Max}`, p.maxMs, p.heraldCoresMean, p.heraldUsPerRequest, p.machineBusyMean]),
    ),
  );
  console.log(`\n${writes.count} internal updates in ${writes.seconds} s (write p50 ${writes.p50} ms, p99 ${writes.p99} ms, max ${writes.max} ms)`);
  console.log(`deliveries at the end: ${JSON.stringify(final.byStatus)}; attempts by receiver: ${JSON.stringify(final.attemptsByBehaviour)}; receivers saw ${JSON.stringify(receiverStats.requests)}`);
  console.log(`queued → sent, by receiver: ${Object.entries(queuedToSent).map(([b, w]) => `${b} ${w.sent} sent, p50 ${fmt(w.p50Ms / 1000, 1)} s, max ${fmt(w.maxMs / 1000, 1)} s`).join('; ')}`);
  console.log(`load average: start ${loadAtStart.join(' ')}, end ${loadAtEnd.join(' ')} (${cpus().length} cores); ${round((Date.now() - started) / 1000)} s in all`);

  writeResults(settings.out, {
    benchmark: 'destinations',
    at: new Date(started).toISOString(),
    git: gitState(['src', 'views', 'bench']),
    machine: machineFacts(),
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    settings: { ...settings, mix },
    phases,
    slices,
    writes,
    deliveriesAtEnd: final,
    queuedToSent,
    clearedQueued: cleared,
    receiverRequests: receiverStats.requests,
    seconds: round((Date.now() - started) / 1000),
  });
  console.log(`results: ${settings.out}`);
}

lifetime.run(main);
