// `npm run bench`: issue 6 in one command. Seeds a realistic page, starts
// Herald in a child process, and measures with wrk (or autocannon) the public read
// endpoints against the ceiling of this stack (a bare Hono route returning the
// same bytes as a constant), then the same endpoints while an update is
// published every second, with the freshness of `/` measured by a separate
// poller. Ends with PASS/FAIL per budget. See bench/README.md.
//
// A benchmark, not a test: a FAIL is reported, not turned into an exit code.
// It exits non-zero only when it could not measure (a child failed, etc.).
import { envFlag, envNumber, versionOf } from './lib/env.js';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { arch, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Poll, PollerCommand, PollerMessage } from './freshness-poller.js';
import { chooseLoadGenerator, loadGeneratorCpuUs, runLoad, warmUp, type LoadGeneratorName, type LoadResult } from './lib/load.js';
import { seedBenchPage } from './seed.js';
import type { CeilingRoute, PublishRecord, ServerCommand, ServerMessage, ServerUsage } from './server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');

/** The endpoints issue 6 names; `ceilingBudget`: held to ≥ 90% of its ceiling. */
const ENDPOINTS = [
  { path: '/', ceilingBudget: true },
  { path: '/api/v2/summary.json', ceilingBudget: true },
  { path: '/history.atom', ceilingBudget: false },
  { path: '/badge.svg', ceilingBudget: false },
] as const;
type Endpoint = (typeof ENDPOINTS)[number];

/** The budgets of issue 6 (and how "no latency cliff" is read here). */
const BUDGET = {
  ofCeiling: 0.9,
  p99Ms: 25,
  /** 14 KiB: about what the first round trip of a new TCP connection carries (initial window of 10 segments). */
  compressedPageBytes: 14 * 1024,
  freshnessMs: 1000,
  /** p99 while publishing at most this many times the quiet p99. */
  cliffFactor: 2,
};

const PUBLISH_EVERY_MS = 1000;
/** The poller starts a poll of `/` at most this often. */
const POLL_GAP_MS = 25;
/** Responses that end this soon after a publish count as "after a publish" (they may wait for the re-render). */
const AFTER_PUBLISH_MS = 300;

interface Settings {
  /** Seconds measured per scenario (there are 12: 4 endpoints, their 4 ceilings, and the 4 endpoints while publishing). */
  duration: number;
  /** Seconds of unmeasured load per scenario before measuring. */
  warmup: number;
  /** Each scenario's measured time is split into this many slices, run round-robin. */
  slices: number;
  connections: number;
  /** What generates the load: BENCH_LOAD, else wrk when installed, else autocannon. */
  load: { name: LoadGeneratorName; version: string; note?: string };
  /** Request headers of the load, the ceiling's probe and the poller: Accept-Encoding, if any. */
  requestHeaders: Record<string, string>;
  pastIncidents: number;
  historyDays: number;
  /** After measuring, one extra unmeasured load per Herald endpoint under the V8 profiler. */
  profile: boolean;
  keepDb: boolean;
  output: string;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number, min: number): number => envNumber(env, name, fallback, min);
  const flag = (name: string): boolean => envFlag(env, name);
  // What a browser sends (Chromium offers br over loopback too); BENCH_ACCEPT_ENCODING= (empty) sends none.
  const acceptEncoding = env.BENCH_ACCEPT_ENCODING ?? 'br, gzip';
  const settings: Settings = {
    duration: number('BENCH_DURATION', 30, 1),
    warmup: number('BENCH_WARMUP', 1, 0),
    slices: Math.round(number('BENCH_SLICES', 15, 1)),
    connections: Math.round(number('BENCH_CONNECTIONS', 100, 1)),
    load: chooseLoadGenerator(env.BENCH_LOAD),
    requestHeaders: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
    pastIncidents: Math.round(number('BENCH_INCIDENTS', 300, 0)),
    historyDays: Math.round(number('BENCH_HISTORY_DAYS', 365, 91)),
    profile: flag('BENCH_PROFILE'),
    keepDb: flag('BENCH_KEEP_DB'),
    output: env.BENCH_OUT || join(RESULTS_DIR, 'latest.json'),
  };
  if (settings.load.name === 'wrk' && [settings.duration / settings.slices, settings.warmup].some((s) => s !== Math.round(s))) {
    throw new Error(`wrk measures whole seconds: BENCH_DURATION / BENCH_SLICES (${settings.duration} / ${settings.slices}) and BENCH_WARMUP (${settings.warmup}) must be whole numbers`);
  }
  return settings;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

// --- Children (the server and the poller): always stopped --------------------

/** A forked child with request/reply over IPC. */
class Child<Command, Message extends { type: string }> {
  readonly proc: ChildProcess;
  private readonly waiting = new Map<string, { resolve: (message: Message) => void; reject: (error: Error) => void }[]>();
  private failure: Error | undefined;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.proc = fork(join(BENCH_DIR, script), [], {
      cwd: ROOT,
      execPath: process.execPath,
      execArgv: ['--import', 'tsx'],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (message: Message) => {
      if (message.type === 'error') this.fail(new Error(`the ${name} child failed: ${(message as { message?: string }).message ?? ''}`));
      else this.waiting.get(message.type)?.shift()?.resolve(message);
    });
    this.proc.once('exit', (code, signal) => this.fail(new Error(`the ${name} child exited (code ${code}, signal ${signal})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const queue of this.waiting.values()) for (const waiter of queue.splice(0)) waiter.reject(error);
  }

  /** Waits for a message of type `type`, sending `command` first (if not null). */
  ask<T extends Message['type']>(command: Command | null, type: T, timeoutMs = 30_000): Promise<Extract<Message, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(() => reject(new Error(`no ${type} from the ${this.name} child within ${timeoutMs / 1000} s`)), timeoutMs);
      const queue = this.waiting.get(type) ?? [];
      queue.push({
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message as Extract<Message, { type: T }>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.waiting.set(type, queue);
      if (command !== null) this.proc.send(command as object);
    });
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

type ServerChild = Child<ServerCommand, ServerMessage>;
type PollerChild = Child<PollerCommand, PollerMessage>;
const children: { alive: boolean; proc: ChildProcess; stop(): Promise<void> }[] = [];

function spawn<C, M extends { type: string }>(name: string, script: string, env: NodeJS.ProcessEnv): Child<C, M> {
  const child = new Child<C, M>(name, script, env);
  children.push(child);
  return child;
}

const stopChildren = (): Promise<unknown> => Promise.all(children.map((child) => child.stop()));

/** The caller's environment without anything Herald's config reads, so a stray HERALD_* cannot change what is measured. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const herald = /^(HERALD_|PORT$|HOST$|DATABASE_PATH$|PUBLIC_URL$|NODE_ENV$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !herald.test(key)));
}

/** The temporary folder holding the database; removed at the end unless BENCH_KEEP_DB. */
let workDir: string | undefined;
function removeWorkDir(): void {
  if (workDir && !envFlag(process.env, 'BENCH_KEEP_DB')) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

// Last resort (an exception, Ctrl-C): never leave a child running.
process.on('exit', () => {
  for (const child of children) if (child.alive) child.proc.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the children`);
    void stopChildren().finally(() => {
      removeWorkDir();
      process.exit(130);
    });
  });
}

// --- Load and CPU accounting -------------------------------------------------

interface Scenario {
  endpoint: Endpoint;
  /** herald: Herald's route; ceiling: the bare route serving the same bytes. */
  kind: 'herald' | 'ceiling';
  /** publishing: measured while an update is posted every second. */
  phase: 'quiet' | 'publishing';
  url: string;
}

/** Machine-wide busy CPU ticks from /proc/stat (Linux); null elsewhere. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, total: busy + idle! + iowait! + steal! };
  } catch {
    return null;
  }
}

/** One slice of load on one scenario (what the load generator saw), with everything measured around it. */
interface Slice extends LoadResult {
  wallUs: number;
  serverUs: number;
  loopActiveMs: number;
  loopIdleMs: number;
  /** The load generator (wrk, or autocannon in this process) writing requests and reading responses. */
  generatorUs: number;
  /** Machine-wide busy time in core-microseconds; null off Linux. */
  machineBusyUs: number | null;
}

interface LatencyStats {
  requests: number;
  p50: number;
  p99: number;
  max: number;
}

interface Measured {
  name: string;
  path: string;
  kind: Scenario['kind'];
  phase: Scenario['phase'];
  requests: number;
  /** All responses over all measured slices, divided by their total wall time. */
  requestsPerSecond: number;
  /** Standard deviation of the per-slice rates: how much the machine moved under us. */
  requestsPerSecondStddev: number;
  /** Over every response of every slice (exact, not bucketed), except the first on each connection. */
  latencyMs: { samples: number; mean: number; p50: number; p90: number; p99: number; max: number };
  /**
   * The first response on each of the connections the load generator opens per slice,
   * kept out of latencyMs: against a saturated Node server a newly opened
   * connection can wait up to a second or two for its first answer (any Node
   * server, not only Herald; see bench/README.md), and reconnecting once per
   * slice would make these ~1% of the samples, i.e. the p99.
   */
  firstOnConnectionMs: LatencyStats;
  /** Whole responses as read off the socket: status line + headers + body. */
  bytesPerResponse: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** In cores (1.0 = one core busy the whole time), except per request. */
  cpu: {
    serverUsPerRequest: number;
    serverCores: number;
    /** Share of the server's event loop that was busy (1.0 = saturated). */
    serverLoopBusy: number;
    loadGeneratorCores: number;
    /** Everything else on the machine (the poller while publishing, other people's work); null off Linux. */
    otherCores: number | null;
  };
  /** Publishing phase: responses that ended within AFTER_PUBLISH_MS after a publish, and the others. */
  afterPublish?: LatencyStats;
  otherwise?: LatencyStats;
}

async function runSlice(server: ServerChild, url: string, settings: Settings, seconds: number): Promise<Slice> {
  const usage = (): Promise<ServerUsage> => server.ask({ type: 'usage' }, 'usage');
  const server0 = await usage();
  const generator0 = loadGeneratorCpuUs();
  const machine0 = machineTicks();
  const wall0 = performance.now();
  const load = await runLoad(settings.load.name, { url, connections: settings.connections, seconds, headers: settings.requestHeaders, timeoutSeconds: 10 });
  const wallUs = (performance.now() - wall0) * 1000;
  const machine1 = machineTicks();
  const generatorUs = loadGeneratorCpuUs() - generator0;
  const server1 = await usage();
  return {
    ...load,
    wallUs,
    serverUs: server1.userUs - server0.userUs + server1.systemUs - server0.systemUs,
    loopActiveMs: server1.loopActiveMs - server0.loopActiveMs,
    loopIdleMs: server1.loopIdleMs - server0.loopIdleMs,
    generatorUs,
    machineBusyUs:
      machine0 && machine1 && machine1.total > machine0.total ? ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * wallUs * cpus().length : null,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function latencyStats(values: number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { requests: sorted.length, p50: round(percentile(sorted, 50), 2), p99: round(percentile(sorted, 99), 2), max: round(sorted.at(-1) ?? 0, 2) };
}

function summarize(scenario: Scenario, slices: Slice[]): Measured {
  const sum = (f: (s: Slice) => number): number => slices.reduce((total, s) => total + f(s), 0);
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const responses = sum((s) => s.latencies.length + s.firstLatencies.length);
  const wallUs = sum((s) => s.wallUs);
  const rates = slices.map((s) => (s.latencies.length + s.firstLatencies.length) / (s.wallUs / 1e6));
  const meanRate = rates.reduce((a, b) => a + b, 0) / rates.length;
  const stddev = Math.sqrt(rates.reduce((a, r) => a + (r - meanRate) ** 2, 0) / rates.length);
  const statusCodes: Record<string, number> = {};
  for (const s of slices) for (const [code, count] of s.statusCodes) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const serverUs = sum((s) => s.serverUs);
  const loopActive = sum((s) => s.loopActiveMs);
  const loopTotal = loopActive + sum((s) => s.loopIdleMs);
  const serverCores = serverUs / wallUs;
  const loadGeneratorCores = sum((s) => s.generatorUs) / wallUs;
  const onLinux = slices.every((s) => s.machineBusyUs !== null);
  return {
    name: `${scenario.kind} ${scenario.endpoint.path}${scenario.phase === 'publishing' ? ' (publishing)' : ''}`,
    path: scenario.endpoint.path,
    kind: scenario.kind,
    phase: scenario.phase,
    requests: responses,
    requestsPerSecond: round(responses / (wallUs / 1e6), 0),
    requestsPerSecondStddev: round(stddev, 0),
    latencyMs: {
      samples: latencies.length,
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 2),
      p50: round(percentile(latencies, 50), 2),
      p90: round(percentile(latencies, 90), 2),
      p99: round(percentile(latencies, 99), 2),
      max: round(latencies.at(-1) ?? 0, 2),
    },
    firstOnConnectionMs: latencyStats(slices.flatMap((s) => s.firstLatencies)),
    bytesPerResponse: responses ? Math.round(sum((s) => s.bytes) / responses) : 0,
    statusCodes,
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    cpu: {
      serverUsPerRequest: responses ? round(serverUs / responses, 1) : 0,
      serverCores: round(serverCores, 2),
      serverLoopBusy: loopTotal ? round(loopActive / loopTotal, 3) : 0,
      loadGeneratorCores: round(loadGeneratorCores, 2),
      otherCores: onLinux ? round(Math.max(0, sum((s) => s.machineBusyUs!) / wallUs - serverCores - loadGeneratorCores), 2) : null,
    },
  };
}

/**
 * Warms each URL up once, then measures the scenarios round-robin in slices:
 * each round runs one slice of every quiet scenario, then starts the
 * publisher, runs one slice of every publishing scenario, and stops it. A
 * burst of someone else's work (a test run) thus lands on every scenario
 * alike, quiet and publishing, instead of on one of them.
 */
async function measureRoundRobin(
  server: ServerChild,
  scenarios: Scenario[],
  settings: Settings,
): Promise<{ slices: Map<Scenario, Slice[]>; publishes: PublishRecord[]; failures: string[]; lastCeilings: CeilingRoute[] }> {
  const seconds = settings.duration / settings.slices;
  if (settings.warmup > 0) {
    for (const url of new Set(scenarios.map((s) => s.url))) {
      await warmUp(settings.load.name, { url, connections: settings.connections, seconds: settings.warmup, headers: settings.requestHeaders, timeoutSeconds: 10 });
    }
  }
  const slices = new Map<Scenario, Slice[]>(scenarios.map((s) => [s, []]));
  const publishes: PublishRecord[] = [];
  const failures: string[] = [];
  let ceilings: CeilingRoute[] = [];
  for (let round = 1; round <= settings.slices; round++) {
    // The publisher of the previous round made Herald's responses longer: the ceiling serves the new bytes.
    if (round > 1) ceilings = (await server.ask({ type: 'ceiling-refresh' }, 'ceiling-refreshed')).ceilings;
    process.stdout.write(`  round ${round}/${settings.slices} (${seconds.toFixed(1)} s each):`);
    for (const phase of ['quiet', 'publishing'] as const) {
      if (phase === 'publishing') {
        await server.ask({ type: 'publish-start', intervalMs: PUBLISH_EVERY_MS }, 'publish-started');
        process.stdout.write(' | publishing:');
      }
      for (const scenario of scenarios.filter((s) => s.phase === phase)) {
        const slice = await runSlice(server, scenario.url, settings, seconds);
        slices.get(scenario)!.push(slice);
        const rate = Math.round((slice.latencies.length + slice.firstLatencies.length) / (slice.wallUs / 1e6));
        process.stdout.write(` ${scenario.kind === 'herald' ? 'h' : 'c'}${scenario.endpoint.path} ${rate}/s`);
      }
      if (phase === 'publishing') {
        const stopped = await server.ask({ type: 'publish-stop' }, 'publish-stopped');
        publishes.push(...stopped.publishes);
        failures.push(...stopped.failures);
      }
    }
    process.stdout.write('\n');
  }
  return { slices, publishes, failures, lastCeilings: ceilings };
}

// --- Publishing and freshness ------------------------------------------------

/** Latency of the responses that ended within AFTER_PUBLISH_MS after a publish was requested, and of the others. */
function splitByPublish(slices: Slice[], publishTimes: number[]): { afterPublish: LatencyStats; otherwise: LatencyStats } {
  const after: number[] = [];
  const rest: number[] = [];
  for (const slice of slices) {
    slice.latencies.forEach((latency, i) => {
      const ended = slice.endedAt[i]!;
      const last = publishTimes.findLast((t) => t <= ended);
      (last !== undefined && ended - last <= AFTER_PUBLISH_MS ? after : rest).push(latency);
    });
  }
  return { afterPublish: latencyStats(after), otherwise: latencyStats(rest) };
}

interface Freshness {
  publishes: number;
  /** Publishes that a poll of `/` showed. */
  seen: number;
  /** From the publish request (before the write) to the end of the first response of `/` that showed it. */
  ms: { p50: number; p99: number; max: number } | null;
  /** Every poll of `/` (the poller is one more reader, next to the load's connections, from the first slice to the last). */
  pollMs: { count: number; p50: number; p99: number; max: number };
}

function freshness(publishes: PublishRecord[], polls: Poll[]): Freshness {
  const delays: number[] = [];
  for (const publish of publishes) {
    const first = polls.find((p) => p.status === 200 && p.maxSeq >= publish.seq && p.receivedAt >= publish.requestedAt);
    if (first) delays.push(first.receivedAt - publish.requestedAt);
  }
  const pollTimes = polls.map((p) => p.receivedAt - p.sentAt);
  const d = latencyStats(delays);
  const p = latencyStats(pollTimes);
  return {
    publishes: publishes.length,
    seen: delays.length,
    ms: delays.length ? { p50: d.p50, p99: d.p99, max: d.max } : null,
    pollMs: { count: p.requests, p50: p.p50, p99: p.p99, max: p.max },
  };
}

// --- The page itself ---------------------------------------------------------

/** GET as raw bytes (fetch() would decode the body), with the size of the status line and headers. */
function getRaw(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headerBytes: number; encoding: string | null }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n\r\n`.length;
        for (let i = 0; i < res.rawHeaders.length; i += 2) headerBytes += Buffer.byteLength(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headerBytes, encoding: res.headers['content-encoding'] ?? null });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface PageFacts {
  uncompressed: number;
  /** What Herald sends a browser (`accept-encoding: br, gzip`) and a gzip-only client: body, and whole response. */
  br: { encoding: string | null; body: number; response: number };
  gzip: { encoding: string | null; body: number; response: number };
  /** No JavaScript needed: no <script> or inline handlers, and what a reader needs is in the HTML. */
  scripts: number;
  inlineHandlers: number;
  missingText: string[];
}

async function pageFacts(base: string): Promise<PageFacts> {
  const [plain, br, gzip] = [await getRaw(`${base}/`), await getRaw(`${base}/`, { 'accept-encoding': 'br, gzip' }), await getRaw(`${base}/`, { 'accept-encoding': 'gzip' })];
  if (plain.status !== 200 || plain.encoding) throw new Error(`GET / without Accept-Encoding answered ${plain.status} ${plain.encoding ?? ''}`);
  const html = plain.body.toString('utf8');
  // What a reader comes for: every component, every open incident and its latest update.
  const summary = (await (await fetch(`${base}/api/v2/summary.json`)).json()) as {
    components: { name: string }[];
    incidents: { name: string; incident_updates: { body: string }[] }[];
  };
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  const needed = [
    ...summary.components.map((c) => c.name),
    ...summary.incidents.flatMap((i) => [i.name, ...i.incident_updates.slice(0, 1).map((u) => u.body)]),
  ];
  const text = html.replace(/<[^>]*>/g, '');
  return {
    uncompressed: plain.body.byteLength,
    br: { encoding: br.encoding, body: br.body.byteLength, response: br.headerBytes + br.body.byteLength },
    gzip: { encoding: gzip.encoding, body: gzip.body.byteLength, response: gzip.headerBytes + gzip.body.byteLength },
    scripts: (html.match(/<script\b/gi) ?? []).length,
    inlineHandlers: (html.match(/\son[a-z]+\s*=/gi) ?? []).length,
    missingText: needed.filter((t) => !html.includes(escape(t)) && !text.includes(t)),
  };
}

// --- Tables ------------------------------------------------------------------

function render(header: string[], cells: string[][], leftAligned: number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const left = (i: number): boolean => leftAligned.includes(i);
  const line = (row: string[]): string => `| ${row.map((cell, i) => (left(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

const percent = (ratio: number | undefined): string => (ratio === undefined ? '' : `${(ratio * 100).toFixed(1)}%`);
const ms = (value: number): string => value.toFixed(1);
const cores = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(2));
const codes = (m: Measured): string =>
  Object.entries(m.statusCodes)
    .map(([code, count]) => `${code}×${count}`)
    .join(' ') + (m.errors || m.timeouts ? ` errors ${m.errors} timeouts ${m.timeouts}` : '');

interface Comparison {
  path: string;
  herald: Measured;
  ceiling: Measured;
  /** Herald's requests/s ÷ the ceiling's. */
  byRps: number;
  /** The ceiling's server CPU per request ÷ Herald's: the share of the ceiling Herald would reach if the server alone set the pace. */
  byCpu: number;
}

function quietTable(comparisons: Comparison[]): string {
  return render(
    ['scenario', 'req/s', '±', 'p50 ms', 'p99 ms', 'max ms', 'new conn. p50 / max', 'bytes/resp', 'of ceiling', 'server µs/req', 'of ceiling (CPU)', 'server loop busy', 'load gen. cores', 'other cores', 'status codes'],
    comparisons.flatMap((c) =>
      [c.herald, c.ceiling].map((m) => [
        m.name,
        String(m.requestsPerSecond),
        String(m.requestsPerSecondStddev),
        ms(m.latencyMs.p50),
        ms(m.latencyMs.p99),
        ms(m.latencyMs.max),
        `${m.firstOnConnectionMs.p50.toFixed(0)} / ${m.firstOnConnectionMs.max.toFixed(0)}`,
        String(m.bytesPerResponse),
        m === c.herald ? percent(c.byRps) : '',
        m.cpu.serverUsPerRequest.toFixed(0),
        m === c.herald ? percent(c.byCpu) : '',
        percent(m.cpu.serverLoopBusy),
        cores(m.cpu.loadGeneratorCores),
        cores(m.cpu.otherCores),
        codes(m),
      ]),
    ),
    [0, 14],
  );
}

function publishingTable(pairs: { quiet: Measured; publishing: Measured }[]): string {
  const arrow = (a: string, b: string): string => `${a} → ${b}`;
  return render(
    ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'new conn. p50 / max', `p99 ≤ ${AFTER_PUBLISH_MS} ms after a publish / other times`, 'server µs/req', 'server loop busy', 'other cores', 'status codes'],
    pairs.map(({ quiet, publishing: p }) => [
      quiet.path,
      arrow(String(quiet.requestsPerSecond), String(p.requestsPerSecond)),
      arrow(ms(quiet.latencyMs.p50), ms(p.latencyMs.p50)),
      arrow(ms(quiet.latencyMs.p99), ms(p.latencyMs.p99)),
      arrow(ms(quiet.latencyMs.max), ms(p.latencyMs.max)),
      `${p.firstOnConnectionMs.p50.toFixed(0)} / ${p.firstOnConnectionMs.max.toFixed(0)}`,
      `${ms(p.afterPublish!.p99)} / ${ms(p.otherwise!.p99)}`,
      arrow(quiet.cpu.serverUsPerRequest.toFixed(0), p.cpu.serverUsPerRequest.toFixed(0)),
      percent(p.cpu.serverLoopBusy),
      cores(p.cpu.otherCores),
      codes(p),
    ]),
    [0, 10],
  );
}

interface Verdict {
  budget: string;
  subject: string;
  value: string;
  pass: boolean;
}

function verdictTable(verdicts: Verdict[]): string {
  return render(
    ['budget', 'subject', 'measured', 'result'],
    verdicts.map((v) => [v.budget, v.subject, v.value, v.pass ? 'PASS' : 'FAIL']),
    [0, 1, 2, 3],
  );
}

// --- Provenance --------------------------------------------------------------

/** The commit measured, and which files under src/ and views/ differ from it (work in progress). Read-only git. */
function gitState(): { commit: string | null; modified: string[] } {
  try {
    const git = (args: string[]): string =>
      execFileSync('git', ['--no-optional-locks', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const modified = git(['status', '--porcelain', '--', 'src', 'views'])
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    return { commit: git(['rev-parse', 'HEAD']).trim(), modified };
  } catch {
    return { commit: null, modified: [] };
  }
}

const loadAverage = (): number[] => loadavg().map((v) => round(v, 2));

// --- Main --------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const began = performance.now();
  const loadAtStart = loadAverage();
  const work = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  workDir = work;
  const databasePath = join(work, 'herald.db');
  const expectedSeconds = (ENDPOINTS.length * 2 * settings.warmup + ENDPOINTS.length * 3 * settings.duration) * 1.05 + 20;
  try {
    console.log(
      `Herald benchmark (issue 6): ${settings.load.version}, ${settings.connections} connections, Accept-Encoding: ${settings.requestHeaders['accept-encoding'] ?? '(none)'}; ` +
        `${settings.warmup} s warm-up + ${settings.duration} s per scenario in ${settings.slices} round-robin slices; ` +
        `about ${Math.round(expectedSeconds / 10) * 10} s in all. Load average ${loadAtStart.join(' ')}`,
    );
    if (settings.load.note) console.log(`  note: ${settings.load.note}`);
    const git = gitState();
    if (git.commit) {
      console.log(`  code: ${git.commit.slice(0, 10)}${git.modified.length ? ` with uncommitted changes to ${git.modified.join(', ')}` : ''}`);
    }
    const seed = await seedBenchPage({ databasePath, now: Date.now(), historyDays: settings.historyDays, pastIncidents: settings.pastIncidents });
    console.log(
      `  seeded in ${(seed.seedMs / 1000).toFixed(1)} s: ${seed.components} components in ${seed.groups} groups, ${seed.historyDays} days tracked ` +
        `(the page shows 90), ${seed.pastIncidents} past incidents + ${seed.maintenances} maintenances (${seed.updates} updates), ` +
        `${seed.activeIncidents} open incident, ${seed.upcomingMaintenances} upcoming maintenance`,
    );

    const [heraldPort, ceilingPort] = [await freePort(), await freePort()];
    const server: ServerChild = spawn<ServerCommand, ServerMessage>('server', 'server.ts', {
      ...inheritedEnv(),
      PORT: String(heraldPort),
      HOST: '127.0.0.1',
      DATABASE_PATH: databasePath,
      HERALD_ENV: 'production',
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://status.example.com',
      BENCH_CEILING_PORT: String(ceilingPort),
      BENCH_CEILING_PATHS: JSON.stringify(ENDPOINTS.map((e) => e.path)),
      BENCH_REQUEST_HEADERS: JSON.stringify(settings.requestHeaders),
    });
    const ready = await server.ask(null, 'ready', 60_000);
    const heraldBase = `http://127.0.0.1:${ready.heraldPort}`;
    const ceilingBase = `http://127.0.0.1:${ready.ceilingPort}`;
    console.log(`  server child pid ${ready.pid}: Herald on port ${ready.heraldPort}, the ceiling on port ${ready.ceilingPort}, serving:`);
    for (const c of ready.ceilings) console.log(`    ${c.path}: ${c.bytes} bytes, ${c.contentType}${c.contentEncoding ? `, ${c.contentEncoding}` : ''}`);

    const page = await pageFacts(heraldBase);
    console.log(
      `  / is ${page.uncompressed} bytes; Herald sends a browser ${page.br.body} bytes (${page.br.encoding ?? 'identity'}; ${page.br.response} with headers), ` +
        `a gzip-only client ${page.gzip.body} bytes (${page.gzip.encoding ?? 'identity'}); ${page.scripts} <script>, ${page.inlineHandlers} inline handlers`,
    );

    // --- Measuring: quiet and publishing, round-robin ------------------------
    // The poller reloads `/` from the first slice to the last, so that it sees every update.
    const poller: PollerChild = spawn<PollerCommand, PollerMessage>('poller', 'freshness-poller.ts', inheritedEnv());
    await poller.ask(null, 'ready', 60_000);
    await poller.ask({ type: 'start', url: `${heraldBase}/`, headers: settings.requestHeaders, minIntervalMs: POLL_GAP_MS, maxSeconds: expectedSeconds * 2 }, 'started');
    const pollerStarted = Date.now();
    const scenarios = (['quiet', 'publishing'] as const).flatMap((phase) =>
      ENDPOINTS.flatMap((endpoint): Scenario[] => [
        { endpoint, kind: 'herald', phase, url: `${heraldBase}${endpoint.path}` },
        ...(phase === 'quiet' ? [{ endpoint, kind: 'ceiling' as const, phase, url: `${ceilingBase}${endpoint.path}` }] : []),
      ]),
    );
    const { slices, publishes, failures, lastCeilings } = await measureRoundRobin(server, scenarios, settings);
    await sleep(2 * PUBLISH_EVERY_MS); // time for the poller to see the last update
    const { polls, errors: pollErrors, cpuUs: pollerUs } = await poller.ask({ type: 'stop' }, 'stopped', 60_000);
    await poller.stop();
    const pollerCores = round(pollerUs / 1000 / (Date.now() - pollerStarted), 2);

    const measured = (phase: Scenario['phase'], kind: Scenario['kind'], path: string): Measured => {
      const scenario = scenarios.find((s) => s.phase === phase && s.kind === kind && s.endpoint.path === path)!;
      return summarize(scenario, slices.get(scenario)!);
    };
    const comparisons: Comparison[] = ENDPOINTS.map((e) => {
      const herald = measured('quiet', 'herald', e.path);
      const ceiling = measured('quiet', 'ceiling', e.path);
      return {
        path: e.path,
        herald,
        ceiling,
        byRps: round(herald.requestsPerSecond / ceiling.requestsPerSecond, 3),
        byCpu: round(ceiling.cpu.serverUsPerRequest / herald.cpu.serverUsPerRequest, 3),
      };
    });
    const publishTimes = publishes.map((p) => p.requestedAt).sort((a, b) => a - b);
    const publishing = ENDPOINTS.map((e) => {
      const scenario = scenarios.find((s) => s.phase === 'publishing' && s.endpoint.path === e.path)!;
      return { ...measured('publishing', 'herald', e.path), ...splitByPublish(slices.get(scenario)!, publishTimes) };
    });
    const fresh = freshness(publishes, polls);
    const pageAfter = await pageFacts(heraldBase);

    // Optional: a CPU profile of the server per Herald endpoint (not part of the figures).
    const profiles: string[] = [];
    if (settings.profile) {
      const dir = join(RESULTS_DIR, 'profiles');
      mkdirSync(dir, { recursive: true });
      for (const e of ENDPOINTS) {
        const path = join(dir, `${e.path.replace(/\W+/g, '-').replace(/^-|-$/g, '') || 'page'}.cpuprofile`);
        await server.ask({ type: 'profile-start' }, 'profile-started');
        const seconds = Math.max(2, Math.round(settings.duration / settings.slices));
        await warmUp(settings.load.name, { url: `${heraldBase}${e.path}`, connections: settings.connections, seconds, headers: settings.requestHeaders, timeoutSeconds: 10 });
        await server.ask({ type: 'profile-stop', path }, 'profile-written');
        profiles.push(path);
      }
    }
    await server.stop();

    // --- Budgets ------------------------------------------------------------
    const verdicts: Verdict[] = [];
    for (const c of comparisons.filter((c) => ENDPOINTS.find((e) => e.path === c.path)!.ceilingBudget)) {
      verdicts.push({
        budget: `≥ ${BUDGET.ofCeiling * 100}% of the ceiling (req/s and server CPU/req)`,
        subject: c.path,
        value: `${percent(c.byRps)} by req/s, ${percent(c.byCpu)} by server CPU/req`,
        pass: c.byRps >= BUDGET.ofCeiling && c.byCpu >= BUDGET.ofCeiling,
      });
    }
    const clean = (m: Measured): boolean => m.errors === 0 && m.timeouts === 0 && Object.keys(m.statusCodes).every((code) => code === '200');
    // A p99 needs at least 100 samples (responses after the first on each connection).
    const enough = (m: Measured): boolean => m.latencyMs.samples >= 100;
    for (const m of [...comparisons.map((c) => c.herald), ...publishing]) {
      const ceiling = comparisons.find((c) => c.path === m.path)!.ceiling;
      verdicts.push({
        budget: `p99 < ${BUDGET.p99Ms} ms at ${settings.connections} connections`,
        subject: `${m.path}, ${m.phase}`,
        value:
          `${ms(m.latencyMs.p99)} ms (ceiling ${ms(ceiling.latencyMs.p99)} ms)` +
          (clean(m) ? '' : `; not all 200: ${codes(m)}`) +
          (enough(m) ? '' : `; only ${m.latencyMs.samples} responses after the first on each connection`),
        pass: m.latencyMs.p99 < BUDGET.p99Ms && clean(m) && enough(m),
      });
    }
    for (const p of publishing) {
      const q = comparisons.find((c) => c.path === p.path)!.herald;
      verdicts.push({
        budget: `no latency cliff: p99 publishing ≤ ${BUDGET.cliffFactor}× quiet`,
        subject: p.path,
        value: `${ms(p.latencyMs.p99)} vs ${ms(q.latencyMs.p99)} ms (${(p.latencyMs.p99 / q.latencyMs.p99).toFixed(2)}×)`,
        pass: p.latencyMs.p99 <= BUDGET.cliffFactor * q.latencyMs.p99 && enough(p) && enough(q),
      });
    }
    verdicts.push({
      budget: `freshness ≤ ${BUDGET.freshnessMs} ms (publish → visible on /)`,
      subject: '/, under load',
      value: fresh.ms
        ? `max ${fresh.ms.max} ms, p50 ${fresh.ms.p50} ms; ${fresh.seen} of ${fresh.publishes} seen${failures.length ? `, ${failures.length} publishes failed` : ''}`
        : `none of ${fresh.publishes} publishes seen`,
      pass: fresh.publishes > 0 && fresh.seen === fresh.publishes && (fresh.ms?.max ?? Infinity) <= BUDGET.freshnessMs && failures.length === 0,
    });
    for (const [subject, facts] of [
      ['/, as seeded', page],
      [`/, after ${publishes.length} more updates`, pageAfter],
    ] as const) {
      verdicts.push({
        budget: `compressed / ≤ ${BUDGET.compressedPageBytes} bytes`,
        subject,
        value: `${facts.br.encoding ?? 'identity'} ${facts.br.body} bytes (${facts.br.response} with headers); ${facts.gzip.encoding ?? 'identity'} ${facts.gzip.body}`,
        pass: Boolean(facts.br.encoding) && Math.max(facts.br.body, facts.gzip.body) <= BUDGET.compressedPageBytes,
      });
    }
    verdicts.push({
      budget: 'no JavaScript needed to read /',
      subject: '/, as seeded',
      value:
        `${page.scripts} <script>, ${page.inlineHandlers} inline handlers; ` +
        (page.missingText.length ? `missing from the HTML: ${page.missingText.join('; ')}` : 'every component, the open incident and its latest update are in the HTML'),
      pass: page.scripts === 0 && page.inlineHandlers === 0 && page.missingText.length === 0,
    });

    const cpuList = cpus();
    const loadAtEnd = loadAverage();
    const totalSeconds = round((performance.now() - began) / 1000, 1);
    const report = {
      benchmark: 'herald-issue-6',
      version: 3,
      date: new Date().toISOString(),
      machine: {
        cpus: cpuList.length,
        cpuModel: cpuList[0]?.model ?? 'unknown',
        memoryGb: round(totalmem() / 2 ** 30, 1),
        os: `${process.platform} ${release()} ${arch()}`,
        node: process.version,
      },
      versions: { ...Object.fromEntries(['hono', '@hono/node-server', 'better-sqlite3'].map((pkg) => [pkg, versionOf(pkg)])), loadGenerator: settings.load.version },
      git,
      settings,
      budgets: BUDGET,
      seed,
      ceilings: { atStart: ready.ceilings, lastRound: lastCeilings },
      page: { seeded: page, afterPublishing: pageAfter },
      quiet: comparisons.map(({ path, byRps, byCpu, herald, ceiling }) => ({ path, ofCeilingByRps: byRps, ofCeilingByCpu: byCpu, herald, ceiling })),
      publishing: {
        everyMs: PUBLISH_EVERY_MS,
        publishes: publishes.length,
        failures,
        results: publishing,
        freshness: fresh,
        poller: { errors: pollErrors, cores: pollerCores },
      },
      profiles,
      verdicts,
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      totalSeconds,
    };
    mkdirSync(join(settings.output, '..'), { recursive: true });
    writeFileSync(settings.output, `${JSON.stringify(report, null, 2)}\n`);

    // --- Report -------------------------------------------------------------
    console.log(`\nQuiet: Herald against the ceiling (a bare Hono route returning the same bytes as a constant, re-read from Herald every round)\n\n${quietTable(comparisons)}`);
    console.log(
      `\n"new conn.": the first response on each of the ${settings.connections} connections opened per slice, left out of p50/p99/max ` +
        `(a saturated Node server makes new connections wait; see bench/README.md).`,
    );
    console.log(
      `\nPublishing an update every ${PUBLISH_EVERY_MS} ms (${publishes.length} published, ${failures.length} failed); quiet → publishing\n\n` +
        publishingTable(ENDPOINTS.map((e) => ({ quiet: comparisons.find((c) => c.path === e.path)!.herald, publishing: publishing.find((m) => m.path === e.path)! }))),
    );
    console.log(
      `\nFreshness of / under load: ${fresh.seen} of ${fresh.publishes} updates seen` +
        (fresh.ms ? `, publish → visible p50 ${fresh.ms.p50} ms, p99 ${fresh.ms.p99} ms, max ${fresh.ms.max} ms` : '') +
        `; the poller's ${fresh.pollMs.count} reloads took p50 ${fresh.pollMs.p50} ms, p99 ${fresh.pollMs.p99} ms (it used ${pollerCores.toFixed(2)} cores).`,
    );
    console.log(`\nBudgets (issue 6)\n\n${verdictTable(verdicts)}\n`);
    console.log(`${verdicts.filter((v) => v.pass).length} of ${verdicts.length} budgets pass.`);
    const noisy = [...comparisons.flatMap((c) => [c.herald, c.ceiling]), ...publishing].filter((m) => (m.cpu.otherCores ?? 0) >= 0.25).map((m) => m.name);
    if (noisy.length) console.log(`Note: other processes (the poller included) used ≥ 0.25 cores during ${noisy.join(', ')}: a noisy machine.`);
    console.log(`Load average ${loadAtStart.join(' ')} at the start, ${loadAtEnd.join(' ')} at the end, on ${cpuList.length} × ${cpuList[0]?.model ?? '?'}, Node ${process.version}.`);
    if (profiles.length) console.log(`CPU profiles (summarize: npx tsx bench/profile-summary.ts <file>): ${profiles.join(', ')}`);
    console.log(`Results: ${settings.output} (run took ${totalSeconds} s)`);
  } finally {
    await stopChildren();
    if (settings.keepDb) console.log(`Database kept at ${databasePath}`);
    removeWorkDir();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
  void stopChildren().finally(() => {
    removeWorkDir();
    process.exit(1);
  });
});
