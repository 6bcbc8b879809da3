// `npx tsx bench/fanout.ts`: the subscriber fan-out benchmark. One update to
// 100,000 confirmed subscribers, on a realistic page:
//
// - the time to publish (the API request, and the write itself in process);
// - the drain: from the publish until the local fake Resend has every email,
//   with no rate limit, first on a quiet server, then while `/` is under load;
// - the status page `/` while the outbox drains, against the same server idle,
//   and once more on a Herald restarted with Resend's default rate limit;
// - peak memory of Herald (the real node process behind the tsx wrapper) and
//   of the fake;
// - in process, where a drained batch's time goes (claim, compose, send,
//   record); with FANOUT_PROFILE=1 also V8 CPU profiles of that drain and of
//   Herald, summarized for the windows that matter.
//
// Herald runs for real, as `npm start` does (tsx src/entry/node.ts in a child
// process, HERALD_ENV=production, MAIL_RATE_LIMIT=0), against the fake Resend
// of the tests in a second child (bench/fanout-server.ts). autocannon runs in
// this process. See bench/fanout.md.
//
// A benchmark, not a test: it exits non-zero only when it could not measure.
import { envFlag, envNumber } from './lib/env.js';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import { arch, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from './lib/load.js';
import BetterSqlite3 from 'better-sqlite3';
import { parseAppConfig, parseNodeConfig } from '../src/config.js';
import { subscriberComponents, subscriberGroups, subscribers } from '../src/db/schema.js';
import type { Statement } from '../src/db/database.js';
import { createNodeDeps } from '../src/entry/node-deps.js';
import { randomToken } from '../src/lib/crypto.js';
import { newId } from '../src/lib/ids.js';
import type { MailTransport } from '../src/mail/transport.js';
import { declareIncident } from '../src/services/declare-incident.js';
import { createDrainer, expandFanoutChunk } from '../src/services/outbox.js';
import type { FakeCommand, FakeMessage, FakeStats } from './fanout-server.js';
import { profileArea } from './lib/cpuprofile.js';
import { seedBenchPage } from './seed.js';
import { systemActor } from '../src/services/auth/actor.js';

/** Benchmarks seed and publish from the shell, as the command line does. */
const BENCH_ACTOR = systemActor('command line');

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const HOST = '127.0.0.1';
const API_KEY = 're_test_key';
const MAIL_FROM = 'Example Cloud Status <status@example.com>';
/** Emails per Resend batch request (Herald's and Resend's limit). */
const BATCH = 100;
/** Resend's default rate limit, requests per second. */
const RESEND_DEFAULT_RPS = 2;
/** /proc/<pid>/stat counts CPU time in clock ticks. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// --- Settings ----------------------------------------------------------------

interface Settings {
  /** Confirmed subscribers the update concerns (each gets one email). */
  subscribers: number;
  connections: number;
  /** Seconds of `/` load per idle measurement (before and after). */
  pageSeconds: number;
  /** Seconds of `/` load in the loaded drain before the publish. */
  leadSeconds: number;
  /** Give up on a drain after this many seconds. */
  drainTimeoutSeconds: number;
  /** Emails drained in process for the time breakdown (0: skip). */
  breakdownEmails: number;
  /** Seconds of `/` load after a publish on a Herald restarted with MAIL_RATE_LIMIT=limitedRps (0: skip). */
  limitedSeconds: number;
  limitedRps: number;
  requestHeaders: Record<string, string>;
  profile: boolean;
  keepDb: boolean;
  output: string;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number, min: number): number => envNumber(env, name, fallback, min);
  const flag = (name: string): boolean => envFlag(env, name);
  const acceptEncoding = env.FANOUT_ACCEPT_ENCODING ?? 'br, gzip';
  const subscribersCount = Math.round(number('FANOUT_SUBSCRIBERS', 100_000, 100));
  return {
    subscribers: subscribersCount,
    connections: Math.round(number('FANOUT_CONNECTIONS', 50, 1)),
    pageSeconds: number('FANOUT_PAGE_SECONDS', 15, 1),
    leadSeconds: number('FANOUT_LEAD_SECONDS', 3, 1),
    drainTimeoutSeconds: number('FANOUT_DRAIN_TIMEOUT', 900, 10),
    breakdownEmails: Math.min(subscribersCount, Math.round(number('FANOUT_BREAKDOWN_EMAILS', 10_000, 0))),
    limitedSeconds: number('FANOUT_LIMITED_SECONDS', 30, 0),
    limitedRps: number('FANOUT_LIMITED_RPS', RESEND_DEFAULT_RPS, 0.1),
    requestHeaders: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
    profile: flag('FANOUT_PROFILE'),
    keepDb: flag('FANOUT_KEEP_DB'),
    output: env.FANOUT_OUT || join(RESULTS_DIR, 'fanout.json'),
  };
}

// --- Small helpers -----------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 0): number => Math.round(value * 10 ** digits) / 10 ** digits;
const fmt = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (kb: number): string => fmt(kb / 1024, 0);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The caller's environment without anything Herald's config reads, so a stray variable cannot change what is measured. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const herald = /^(HERALD_|RESEND_|MAIL_|PORT$|HOST$|DATABASE_PATH$|PUBLIC_URL$|NODE_ENV$|NODE_OPTIONS$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !herald.test(key)));
}

/** Which code is measured: the commit, and the files under src/, views/ and drizzle/ that differ from it. */
function sourceVersion(): { commit: string | null; changed: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'views', 'drizzle'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return { commit, changed: status.split('\n').filter(Boolean).map((line) => line.slice(3)) };
  } catch {
    return { commit: null, changed: [] };
  }
}

// --- /proc: CPU time and memory of the children --------------------------------

/** utime + stime of one process in microseconds; null when it is gone. */
function procCpuUs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return null;
  }
}

/** VmRSS and VmHWM (peak RSS since start or the last reset), in kB. */
function procMemory(pid: number | undefined): { rssKb: number; hwmKb: number } | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, own processes). */
function resetPeak(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Direct children of a process. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Machine-wide busy and total CPU ticks from /proc/stat; null elsewhere. */
function machineTicks(): { busy: number; steal: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, steal: steal!, total: busy + idle! + iowait! + steal! };
  } catch {
    return null;
  }
}

/** CPU time (µs) of every process on the machine, by pid, with its command name. */
function processTimes(): Map<number, { name: string; us: number }> {
  const result = new Map<number, { name: string; us: number }>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return result;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(entry), { name, us: ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK });
    } catch {
      // Gone meanwhile.
    }
  }
  return result;
}

// --- Children: the fake Resend and Herald --------------------------------------

const cleanups: (() => void)[] = [];
let workDir: string | undefined;

class FakeChild {
  readonly proc: ChildProcess;
  private readonly waiting = new Map<string, ((message: FakeMessage) => void)[]>();
  private failure: Error | undefined;

  constructor() {
    this.proc = fork(join(BENCH_DIR, 'fanout-server.ts'), [], {
      cwd: ROOT,
      execPath: process.execPath,
      execArgv: ['--import', 'tsx'],
      env: { ...inheritedEnv(), FANOUT_FAKE_LATENCY_MS: '0' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.proc.on('message', (message: FakeMessage) => {
      if (message.type === 'error') this.failure ??= new Error(`the fake Resend child failed: ${message.message}`);
      this.waiting.get(message.type)?.shift()?.(message);
    });
    this.proc.once('exit', (code, signal) => {
      this.failure ??= new Error(`the fake Resend child exited (code ${code}, signal ${signal})`);
    });
    cleanups.push(() => {
      if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  ask<T extends FakeMessage['type']>(command: FakeCommand | null, type: T, timeoutMs = 30_000): Promise<Extract<FakeMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(() => reject(this.failure ?? new Error(`no ${type} from the fake Resend child within ${timeoutMs / 1000} s`)), timeoutMs);
      const queue = this.waiting.get(type) ?? [];
      queue.push((message) => {
        clearTimeout(timer);
        resolve(message as Extract<FakeMessage, { type: T }>);
      });
      this.waiting.set(type, queue);
      if (command) this.proc.send(command);
    });
  }

  /** Herald's process groups, for the fake to kill should this process die without cleaning up. */
  guard(groups: number[]): void {
    if (this.proc.connected) this.proc.send({ type: 'guard', groups } satisfies FakeCommand);
  }

  stats(): Promise<FakeStats> {
    return this.ask({ type: 'stats' }, 'stats');
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

interface HeraldChild {
  url: string;
  /** The tsx wrapper we started (leader of its own process group). */
  wrapperPid: number;
  /** The node process that runs Herald (the wrapper's child). */
  nodePid: number;
  output(): string;
  stop(): Promise<void>;
}

async function startHerald(env: NodeJS.ProcessEnv, url: string, nodeFlags: string[] = []): Promise<HeraldChild> {
  // tsx hands flags before the script to the node process it starts.
  const child = spawn(TSX, [...nodeFlags, 'src/entry/node.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-64_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  cleanups.push(() => killGroup('SIGKILL'));
  const started = Date.now();
  while (!/Herald is running at /.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Herald exited during start-up:\n${out}`);
    if (Date.now() - started > 60_000) throw new Error(`Herald did not start within 60 s:\n${out}`);
    await sleep(50);
  }
  const nodePid = childrenOf(child.pid!)[0];
  if (!nodePid) throw new Error('could not find the node process under the tsx wrapper');
  return {
    url,
    wrapperPid: child.pid!,
    nodePid,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function cleanup(): void {
  for (const fn of cleanups.splice(0)) fn();
  if (workDir && !readSettings(process.env).keepDb) rmSync(workDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nfanout: ${signal}, stopping the children`);
    cleanup();
    process.exit(130);
  });
}

// --- HTTP ----------------------------------------------------------------------

interface HttpResult {
  status: number;
  body: string;
  /** Request written → response fully read. */
  ms: number;
  startedAt: number;
  endedAt: number;
}

/** One request on a fresh connection (the publisher is not one of the page's keep-alive readers). */
function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const startedAt = Date.now();
    const t0 = performance.now();
    const req = httpRequest(
      url,
      {
        method,
        agent: false,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - t0,
            startedAt,
            endedAt: Date.now(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url}: no answer within 120 s`)));
    req.end(payload);
  });
}

// --- Resource accounting per phase ----------------------------------------------

interface Pids {
  herald?: number;
  wrapper?: number;
  fake?: number;
}

interface PhaseUsage {
  wallMs: number;
  /** Cores used (1.0 = one core busy for the whole phase). */
  cores: { herald: number | null; wrapper: number | null; fake: number | null; bench: number; other: number | null; steal: number | null };
  /** Herald's CPU time in the phase, ms (to divide by emails or requests). */
  heraldCpuMs: number | null;
  /** Peak RSS in the phase, kB: VmHWM after a reset at the start (exact), or the highest 100 ms sample. */
  peakKb: { herald: number | null; wrapper: number | null; fake: number | null; bench: number };
  peakMethod: 'VmHWM' | 'sampled';
  /** Herald's RSS every 0.5 s of the phase, MB. */
  heraldRssMb: number[];
  /** The busiest other processes in the phase (cores), to name whoever shared the machine. */
  others: { name: string; cores: number }[];
  loadAvg: { start: number[]; end: number[] };
}

class Phase {
  private readonly t0 = performance.now();
  private readonly cpu0: Record<keyof Pids, number | null>;
  private readonly self0 = process.cpuUsage();
  private readonly machine0 = machineTicks();
  private readonly load0 = loadavg();
  private readonly processes0 = processTimes();
  private readonly sampled: Record<string, number> = {};
  private readonly heraldRssMb: number[] = [];
  private samples = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly exact: boolean;

  constructor(private readonly pids: Pids) {
    this.cpu0 = { herald: procCpuUs(pids.herald), wrapper: procCpuUs(pids.wrapper), fake: procCpuUs(pids.fake) };
    const all = [pids.herald, pids.wrapper, pids.fake, process.pid].filter((p): p is number => p !== undefined);
    this.exact = all.map((pid) => resetPeak(pid)).every(Boolean);
    const sample = (): void => {
      for (const [name, pid] of [...Object.entries(pids), ['bench', process.pid] as const]) {
        const rss = procMemory(pid)?.rssKb ?? 0;
        this.sampled[name] = Math.max(this.sampled[name] ?? 0, rss);
      }
      if (this.samples++ % 5 === 0) this.heraldRssMb.push(round((procMemory(pids.herald)?.rssKb ?? 0) / 1024));
    };
    sample();
    this.timer = setInterval(sample, 100);
  }

  /** Other processes' CPU in the phase, summed by command name (processes that ended meanwhile are not seen). */
  private others(wallMs: number): { name: string; cores: number }[] {
    const ours = new Set([this.pids.herald, this.pids.wrapper, this.pids.fake, process.pid]);
    const byName = new Map<string, number>();
    for (const [pid, now] of processTimes()) {
      if (ours.has(pid)) continue;
      const used = now.us - (this.processes0.get(pid)?.us ?? 0);
      if (used > 0) byName.set(now.name, (byName.get(now.name) ?? 0) + used);
    }
    return [...byName]
      .map(([name, us]) => ({ name, cores: round(us / 1000 / wallMs, 2) }))
      .filter((entry) => entry.cores >= 0.02)
      .sort((a, b) => b.cores - a.cores)
      .slice(0, 5);
  }

  end(): PhaseUsage {
    clearInterval(this.timer);
    const wallMs = performance.now() - this.t0;
    const machine1 = machineTicks();
    const self = process.cpuUsage(this.self0);
    const cores = (name: keyof Pids): number | null => {
      const before = this.cpu0[name];
      const after = procCpuUs(this.pids[name]);
      return before === null || after === null ? null : (after - before) / 1000 / wallMs;
    };
    const herald = cores('herald');
    const wrapper = cores('wrapper');
    const fake = cores('fake');
    const bench = (self.user + self.system) / 1000 / wallMs;
    let other: number | null = null;
    let steal: number | null = null;
    if (this.machine0 && machine1 && machine1.total > this.machine0.total) {
      const ticks = machine1.total - this.machine0.total;
      const busy = ((machine1.busy - this.machine0.busy) / ticks) * cpus().length;
      other = Math.max(0, busy - (herald ?? 0) - (wrapper ?? 0) - (fake ?? 0) - bench);
      steal = ((machine1.steal - this.machine0.steal) / ticks) * cpus().length;
    }
    const peak = (name: keyof Pids | 'bench'): number | null => {
      const pid = name === 'bench' ? process.pid : this.pids[name];
      if (!pid) return null;
      const hwm = this.exact ? procMemory(pid)?.hwmKb : undefined;
      return hwm ?? this.sampled[name] ?? null;
    };
    return {
      wallMs: round(wallMs),
      cores: {
        herald: herald === null ? null : round(herald, 2),
        wrapper: wrapper === null ? null : round(wrapper, 3),
        fake: fake === null ? null : round(fake, 2),
        bench: round(bench, 2),
        other: other === null ? null : round(other, 2),
        steal: steal === null ? null : round(steal, 2),
      },
      heraldCpuMs: herald === null ? null : round(herald * wallMs),
      peakKb: { herald: peak('herald'), wrapper: peak('wrapper'), fake: peak('fake'), bench: peak('bench') ?? 0 },
      peakMethod: this.exact ? 'VmHWM' : 'sampled',
      heraldRssMb: this.heraldRssMb,
      others: this.others(wallMs),
      loadAvg: { start: this.load0.map((v) => round(v, 2)), end: loadavg().map((v) => round(v, 2)) },
    };
  }
}

// --- Load on `/` -----------------------------------------------------------------

interface PageRun {
  /** Date.now() when autocannon started and stopped. */
  startedAt: number;
  endedAt: number;
  /** Every response but the first on each connection: latency (ms) and Date.now() at its end. */
  latencies: number[];
  endedAts: number[];
  /** The first response on each connection (includes connecting; kept apart as in bench/run.ts). */
  firstLatencies: number[];
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
}

interface PageStats {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Longest time with no response completing on any connection, and when it started (ms after the window start). */
  longestGapMs: number;
  longestGapAtMs: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  firstOnConnectionMaxMs: number;
}

/** Loads `/` until `stop` resolves (or for `seconds`), with autocannon through bench/load.ts. */
async function loadPage(url: string, settings: Settings, until: { seconds: number } | { stop: Promise<unknown> }): Promise<PageRun> {
  const startedAt = Date.now();
  const load = await runLoad('autocannon', {
    url: `${url}/`,
    connections: settings.connections,
    seconds: 'seconds' in until ? until.seconds : settings.drainTimeoutSeconds + 60,
    headers: settings.requestHeaders,
    timeoutSeconds: 30,
    stop: 'stop' in until ? until.stop : undefined,
  });
  return {
    startedAt,
    endedAt: Date.now(),
    latencies: load.latencies,
    endedAts: load.endedAt,
    firstLatencies: load.firstLatencies,
    statusCodes: Object.fromEntries(load.statusCodes),
    errors: load.errors,
    timeouts: load.timeouts,
  };
}

/**
 * Loads `/` for `leadSeconds`, then publishes (`publish`) with the load still
 * running, and keeps loading until `finished` resolves. The phase's CPU and
 * memory accounting starts just before the publish.
 */
async function publishUnderLoad(
  url: string,
  settings: Settings,
  pids: Pids,
  publish: () => Promise<HttpResult>,
  finished: (published: HttpResult) => Promise<void>,
): Promise<{ run: PageRun; published: HttpResult; usage: PhaseUsage }> {
  let published: HttpResult | undefined;
  let usage: PhaseUsage | undefined;
  let done!: () => void;
  const stop = new Promise<void>((resolve) => (done = resolve));
  const load = loadPage(url, settings, { stop });
  const driver = (async () => {
    try {
      await sleep(settings.leadSeconds * 1000);
      const phase = new Phase(pids);
      published = await publish();
      await finished(published);
      usage = phase.end();
    } finally {
      done();
    }
  })();
  const [run] = await Promise.all([load, driver]);
  if (!published || !usage) throw new Error('the publish under load did not complete');
  return { run, published, usage };
}

/** Statistics of the responses of `run` that ended in [from, to) (Date.now() values). */
function pageStats(run: PageRun, from = run.startedAt, to = run.endedAt): PageStats {
  const latencies: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < run.latencies.length; i++) {
    const end = run.endedAts[i]!;
    if (end >= from && end < to) {
      latencies.push(run.latencies[i]!);
      ends.push(end);
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  let gap = 0;
  let gapAt = 0;
  let previous = from;
  for (const end of ends) {
    if (end - previous > gap) {
      gap = end - previous;
      gapAt = previous - from;
    }
    previous = end;
  }
  const seconds = (to - from) / 1000;
  return {
    seconds: round(seconds, 1),
    requests: latencies.length,
    requestsPerSecond: round(latencies.length / seconds),
    latencyMs: { p50: round(percentile(sorted, 50), 1), p90: round(percentile(sorted, 90), 1), p99: round(percentile(sorted, 99), 1), max: round(sorted.at(-1) ?? 0, 1) },
    longestGapMs: round(gap),
    longestGapAtMs: round(gapAt),
    statusCodes: run.statusCodes,
    errors: run.errors,
    timeouts: run.timeouts,
    firstOnConnectionMaxMs: round(Math.max(0, ...run.firstLatencies), 1),
  };
}

/** Responses that were in flight at some point of [from, to]: their count and worst latency. */
function inFlightDuring(run: PageRun, from: number, to: number): { requests: number; maxMs: number; p50Ms: number } {
  const hit: number[] = [];
  for (let i = 0; i < run.latencies.length; i++) {
    const end = run.endedAts[i]!;
    const start = end - run.latencies[i]!;
    if (start <= to && end >= from) hit.push(run.latencies[i]!);
  }
  hit.sort((a, b) => a - b);
  return { requests: hit.length, maxMs: round(hit.at(-1) ?? 0, 1), p50Ms: round(percentile(hit, 50), 1) };
}

/** Per whole second of the window: responses and their worst latency. */
function pageSeries(run: PageRun, from: number, to: number): { second: number; requests: number; maxMs: number }[] {
  const series: { second: number; requests: number; maxMs: number }[] = [];
  for (let s = 0; from + s * 1000 < to; s++) series.push({ second: s, requests: 0, maxMs: 0 });
  for (let i = 0; i < run.latencies.length; i++) {
    const end = run.endedAts[i]!;
    if (end < from || end >= to) continue;
    const bucket = series[Math.floor((end - from) / 1000)];
    if (!bucket) continue;
    bucket.requests++;
    bucket.maxMs = Math.max(bucket.maxMs, round(run.latencies[i]!, 1));
  }
  return series;
}

// --- Seeding ---------------------------------------------------------------------

interface Population {
  /** Confirmed and concerned by the published update: each gets one email. */
  concerned: number;
  all: number;
  perComponent: number;
  perGroup: number;
  /** Addresses the fan-out must skip. */
  confirmedElsewhere: number;
  pending: number;
  unsubscribed: number;
  insertMs: number;
}

interface PageIds {
  /** The components the published incident affects. */
  affected: { id: string; name: string }[];
  components: { id: string; name: string; groupId: string | null }[];
  groups: { id: string; name: string }[];
}

/** mulberry32, as in bench/seed.ts: the same population every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Adds the subscribers in large multi-row INSERTs, 10,000 subscribers per
 * transaction. The update concerns `concerned` of them: 80% subscribed to every
 * component, 12% to 1-3 components including an affected one, 8% to 1-2 groups
 * including one holding an affected component. Besides those, 1% confirmed to
 * unaffected components only, 1% pending and 0.5% unsubscribed: the fan-out
 * query has to skip them.
 */
async function addSubscribers(databasePath: string, concerned: number): Promise<{ population: Population; ids: PageIds }> {
  const started = performance.now();
  const deps = createNodeDeps({
    config: parseAppConfig({ HERALD_ENV: 'production' }),
    databasePath,
    log: { info() {}, error: (message, fields) => console.error(message, fields) },
  });
  try {
    const components = (await deps.repos.components.list()).map((c) => ({ id: c.id, name: c.name, groupId: c.groupId }));
    const groups = (await deps.repos.components.listGroups()).map((g) => ({ id: g.id, name: g.name }));
    const byName = (name: string) => {
      const found = components.find((c) => c.name === name);
      if (!found) throw new Error(`the seeded page has no component "${name}"`);
      return found;
    };
    // A SEV-1: the REST API down, sign-in degraded (two groups: APIs and Infrastructure).
    const affected = [byName('REST API'), byName('Authentication')];
    const affectedIds = new Set(affected.map((c) => c.id));
    const affectedGroups = new Set(affected.map((c) => c.groupId));
    const unaffected = components.filter((c) => !affectedIds.has(c.id));
    const otherGroups = groups.filter((g) => !affectedGroups.has(g.id));

    const random = prng(20_261_124);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const now = Date.now();
    const population: Population = {
      concerned,
      all: 0,
      perComponent: 0,
      perGroup: 0,
      confirmedElsewhere: 0,
      pending: 0,
      unsubscribed: 0,
      insertMs: 0,
    };
    type Kind = 'all' | 'component' | 'group' | 'elsewhere' | 'pending' | 'unsubscribed';
    const kinds: Kind[] = [];
    for (let i = 0; i < concerned; i++) {
      const r = random();
      kinds.push(r < 0.8 ? 'all' : r < 0.92 ? 'component' : 'group');
    }
    const extra = (share: number, kind: Kind): void => {
      for (let i = 0; i < Math.round(concerned * share); i++) kinds.splice(Math.floor(random() * kinds.length), 0, kind);
    };
    extra(0.01, 'elsewhere');
    extra(0.01, 'pending');
    extra(0.005, 'unsubscribed');

    const CHUNK = 10_000;
    const ROWS_PER_INSERT = 500;
    for (let start = 0; start < kinds.length; start += CHUNK) {
      const rows: (typeof subscribers.$inferInsert)[] = [];
      const componentRows: (typeof subscriberComponents.$inferInsert)[] = [];
      const groupRows: (typeof subscriberGroups.$inferInsert)[] = [];
      for (let i = start; i < Math.min(kinds.length, start + CHUNK); i++) {
        const kind = kinds[i]!;
        const id = newId();
        const scoped = kind === 'component' || kind === 'group' || kind === 'elsewhere';
        const status = kind === 'pending' ? 'pending' : kind === 'unsubscribed' ? 'unsubscribed' : 'confirmed';
        rows.push({
          id,
          email: `subscriber${i}@example.com`,
          status,
          secret: randomToken(24),
          allComponents: !scoped,
          source: random() < 0.7 ? 'form' : 'import',
          createdAt: now - Math.floor(random() * 400 * 86_400_000),
          updatedAt: now,
          confirmedAt: status === 'pending' ? null : now,
        });
        if (kind === 'all') population.all++;
        else if (kind === 'pending') population.pending++;
        else if (kind === 'unsubscribed') population.unsubscribed++;
        else if (kind === 'component') {
          population.perComponent++;
          const chosen = new Set([pick(affected).id]);
          const more = Math.floor(random() * 3);
          for (let k = 0; k < more; k++) chosen.add(pick(components).id);
          for (const componentId of chosen) componentRows.push({ subscriberId: id, componentId });
        } else if (kind === 'group') {
          population.perGroup++;
          const chosen = new Set([pick(affected).groupId!]);
          if (random() < 0.4) chosen.add(pick(groups).id);
          for (const groupId of chosen) groupRows.push({ subscriberId: id, groupId });
        } else {
          population.confirmedElsewhere++;
          if (random() < 0.5 || otherGroups.length === 0) componentRows.push({ subscriberId: id, componentId: pick(unaffected).id });
          else groupRows.push({ subscriberId: id, groupId: pick(otherGroups).id });
        }
      }
      const statements: Statement[] = [];
      const slices = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / ROWS_PER_INSERT) }, (_, k) => items.slice(k * ROWS_PER_INSERT, (k + 1) * ROWS_PER_INSERT));
      for (const part of slices(rows)) statements.push(deps.db.orm.insert(subscribers).values(part));
      for (const part of slices(componentRows)) statements.push(deps.db.orm.insert(subscriberComponents).values(part));
      for (const part of slices(groupRows)) statements.push(deps.db.orm.insert(subscriberGroups).values(part));
      await deps.db.atomic(statements);
    }
    population.insertMs = round(performance.now() - started);
    return { population, ids: { affected, components, groups } };
  } finally {
    deps.db.close();
  }
}

// --- What is published -------------------------------------------------------------

function declareBody(ids: PageIds) {
  return {
    title: 'REST API unavailable, sign-in degraded',
    severity: 1 as const,
    body:
      'We are investigating a **major outage of the REST API**: most requests fail with HTTP 503. ' +
      'Signing in to the dashboard is slow and sometimes fails.\n\n' +
      '- webhooks are queued and will be delivered once the API recovers\n' +
      '- data already stored is not affected\n\n' +
      'Next update within 30 minutes. Follow along on [the status page](https://status.example.com).',
    components: [
      { component_id: ids.affected[0]!.id, status: 'major_outage' as const },
      { component_id: ids.affected[1]!.id, status: 'partial_outage' as const },
    ],
  };
}

/** The follow-up, with as much Markdown as the first (a list and a link), so both drains compose alike. */
const SECOND_UPDATE = {
  status: 'identified' as const,
  body:
    'We identified the cause: a **database failover** left the API fleet connected to a read-only replica. ' +
    'We are moving the servers back to the primary.\n\n' +
    '- sign-in has recovered\n' +
    '- queued webhooks will be delivered in order\n\n' +
    'Next update within 30 minutes. Details on [the status page](https://status.example.com).',
};

/** The update published on the rate-limited Herald. */
const THIRD_UPDATE = {
  status: 'monitoring' as const,
  body:
    'A fix is in place: the API fleet is back on the **primary database** and error rates are normal again.\n\n' +
    '- webhooks queued during the outage are being delivered\n' +
    '- sign-in has been working normally for 20 minutes\n\n' +
    'We keep monitoring. Details on [the status page](https://status.example.com).',
};

// --- In process: the write, and where a drained batch's time goes -----------------------

interface WriteTimings {
  /** declareIncident with notify off: the same write without the fan-out. */
  withoutFanOutMs: number;
  /** declareIncident with notify on (the default for SEV-1). */
  withFanOutMs: number;
  /** Of that, the db.atomic call (the one transaction: incident, update, statuses, audit, the fan-out row). */
  atomicMs: number;
  /** Writing the fan-out into the outbox afterwards (what the drainer does first), chunk after chunk. */
  expand: { chunks: number; totalMs: number; maxChunkMs: number; p50ChunkMs: number };
  /** Rows the fan-out queued: the emails one update of this incident sends. */
  queued: number;
}

interface Breakdown {
  emails: number;
  batches: number;
  wallMs: number;
  emailsPerSecond: number;
  /** Wall time per step, ms (the drainer does one batch at a time, so they add up). */
  stepsMs: Record<string, number>;
  renderCalls: number;
  htmlBytesPerEmail: number;
  textBytesPerEmail: number;
  profile: string | null;
}

async function probeInProcess(
  basePath: string,
  probePath: string,
  ids: PageIds,
  fake: FakeChild,
  fakeUrl: string,
  publicUrl: string,
  settings: Settings,
): Promise<{ write: WriteTimings; breakdown: Breakdown | null }> {
  copyFileSync(basePath, probePath);
  const config = parseNodeConfig({
    HERALD_ENV: 'production',
    DATABASE_PATH: probePath,
    PUBLIC_URL: publicUrl,
    RESEND_API_KEY: API_KEY,
    RESEND_BASE_URL: fakeUrl,
    MAIL_FROM,
    MAIL_RATE_LIMIT: '0',
  });
  const deps = createNodeDeps({ config, databasePath: probePath, log: { info() {}, error: (message, fields) => console.error(message, fields) } });
  try {
    let atomicMs = 0;
    const atomic = deps.db.atomic.bind(deps.db);
    deps.db.atomic = async (statements) => {
      const t0 = performance.now();
      await atomic(statements);
      atomicMs += performance.now() - t0;
    };
    const body = declareBody(ids);
    const input = {
      title: body.title,
      severity: body.severity,
      body: body.body,
      components: body.components.map((c) => ({ componentId: c.component_id, status: c.status })),
    };
    // Warm-up (statement preparation, JIT): a small incident that notifies nobody.
    await declareIncident(deps, { title: 'Warm-up', severity: 3, body: 'Warm-up.', notify: false }, BENCH_ACTOR);
    let t0 = performance.now();
    await declareIncident(deps, { ...input, notify: false }, BENCH_ACTOR);
    const withoutFanOutMs = performance.now() - t0;
    atomicMs = 0;
    t0 = performance.now();
    const incidentId = await declareIncident(deps, input, BENCH_ACTOR);
    const withFanOutMs = performance.now() - t0;
    const publishAtomicMs = atomicMs;
    const chunkMs: number[] = [];
    for (;;) {
      const start = performance.now();
      if (!(await expandFanoutChunk(deps))) break;
      chunkMs.push(performance.now() - start);
    }
    chunkMs.sort((a, b) => a - b);
    const expand = {
      chunks: chunkMs.length,
      totalMs: round(chunkMs.reduce((sum, ms) => sum + ms, 0), 1),
      maxChunkMs: round(chunkMs.at(-1) ?? 0, 1),
      p50ChunkMs: round(percentile(chunkMs, 50), 1),
    };
    const raw = new BetterSqlite3(probePath);
    const updateId = (raw.prepare('SELECT id FROM incident_updates WHERE incident_id = ?').pluck().get(incidentId) as string) ?? '';
    const queued = raw.prepare("SELECT count(*) FROM mail_outbox WHERE update_id = ? AND status = 'queued'").pluck().get(updateId) as number;
    const write: WriteTimings = { withoutFanOutMs: round(withoutFanOutMs, 1), withFanOutMs: round(withFanOutMs, 1), atomicMs: round(publishAtomicMs, 1), expand, queued };
    if (settings.breakdownEmails === 0) {
      raw.close();
      return { write, breakdown: null };
    }

    // Keep the first N emails queued; the rest are skipped (this is a throwaway copy).
    const keep = Math.min(settings.breakdownEmails, queued);
    raw.prepare(
      "UPDATE mail_outbox SET status = 'skipped' WHERE status = 'queued' AND id NOT IN (SELECT id FROM mail_outbox WHERE status = 'queued' ORDER BY id LIMIT ?)",
    ).run(keep);
    raw.close();

    const steps = { claim: 0, batchRows: 0, subscribers: 0, incident: 0, compose: 0, render: 0, send: 0, record: 0 };
    let renderCalls = 0;
    let htmlBytes = 0;
    let textBytes = 0;
    let emails = 0;
    let sent = false;
    let rowsAt = 0;
    deps.db.atomic = async (statements) => {
      const t = performance.now();
      await atomic(statements);
      steps[sent ? 'record' : 'claim'] += performance.now() - t;
      if (sent) sent = false;
    };
    const timed = <A extends unknown[], R>(step: keyof typeof steps, fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const t = performance.now();
        try {
          return await fn(...args);
        } finally {
          steps[step] += performance.now() - t;
        }
      };
    const outbox = deps.repos.outbox;
    const batchRows = timed('batchRows', outbox.batchRows.bind(outbox));
    outbox.batchRows = async (batchId, lease) => {
      const rows = await batchRows(batchId, lease);
      rowsAt = performance.now();
      return rows;
    };
    deps.repos.subscribers.findByIds = timed('subscribers', deps.repos.subscribers.findByIds.bind(deps.repos.subscribers));
    deps.repos.incidents.findByUpdateId = timed('incident', deps.repos.incidents.findByUpdateId.bind(deps.repos.incidents));
    const views = deps.views;
    const timedViews = {
      render(name: string, data: object): string {
        const t = performance.now();
        const out = views.render(name, data);
        steps.render += performance.now() - t;
        renderCalls++;
        if (name.endsWith('.html')) htmlBytes += out.length;
        else textBytes += out.length;
        return out;
      },
    };
    const transport = deps.mail!;
    const mail: MailTransport = {
      name: transport.name,
      maxBatch: transport.maxBatch,
      async sendBatch(batch, key) {
        steps.compose += performance.now() - rowsAt;
        emails += batch.length;
        const t = performance.now();
        const outcome = await transport.sendBatch(batch, key);
        steps.send += performance.now() - t;
        sent = true;
        return outcome;
      },
    };
    const drainer = createDrainer({ ...deps, views: timedViews, mail });

    await fake.ask({ type: 'epoch' }, 'epoch-started');
    let session: Session | undefined;
    if (settings.profile) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    t0 = performance.now();
    const report = await drainer.drain(settings.drainTimeoutSeconds * 1000);
    const wallMs = performance.now() - t0;
    let profile: string | null = null;
    if (session) {
      const { profile: data } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(join(RESULTS_DIR, 'profiles'), { recursive: true });
      profile = join(RESULTS_DIR, 'profiles', 'fanout-drain.cpuprofile');
      writeFileSync(profile, JSON.stringify(data));
    }
    const fakeStats = await fake.stats();
    if (fakeStats.delivered !== keep || report.sent !== keep) {
      throw new Error(`in-process drain: expected ${keep} emails, the fake got ${fakeStats.delivered} and the drainer reported ${report.sent} sent`);
    }
    // Compose as measured includes the lookups it awaits and the rendering; keep them apart.
    steps.compose -= steps.subscribers + steps.incident + steps.render;
    const accounted = Object.values(steps).reduce((a, b) => a + b, 0);
    const stepsMs: Record<string, number> = {};
    for (const [name, ms] of Object.entries(steps)) stepsMs[name] = round(ms, 1);
    stepsMs.other = round(wallMs - accounted, 1);
    return {
      write,
      breakdown: {
        emails,
        batches: report.batches,
        wallMs: round(wallMs),
        emailsPerSecond: round(emails / (wallMs / 1000)),
        stepsMs,
        renderCalls,
        htmlBytesPerEmail: Math.round(htmlBytes / Math.max(1, emails)),
        textBytesPerEmail: Math.round(textBytes / Math.max(1, emails)),
        profile,
      },
    };
  } finally {
    deps.db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(probePath + suffix, { force: true });
  }
}

// --- The drain, watched from outside ---------------------------------------------------

interface Drain {
  expected: number;
  delivered: number;
  duplicates: number;
  statuses: Record<string, number>;
  replays: number;
  /** Publish request start → the whole fan-out written into the outbox (observed every 20 ms). */
  queuedMs: number;
  /** Publish request start → first email at the fake. */
  firstEmailMs: number;
  /** Publish request start → last email at the fake. */
  drainSeconds: number;
  /** Emails / (publish → last email). */
  emailsPerSecond: number;
  /** Emails / (first → last email): the steady rate. */
  steadyEmailsPerSecond: number;
  requestsPerSecond: number;
  /** Request bodies the fake received, MB (JSON as the SDK sends it). */
  bodyMegabytes: number;
  /** Publish request start → every row of the update recorded sent in the database. */
  recordedSeconds: number | null;
  perSecond: number[];
}

async function waitForDrain(fake: FakeChild, expected: number, publishStartedAt: number, settings: Settings, label: string): Promise<FakeStats> {
  const deadline = Date.now() + settings.drainTimeoutSeconds * 1000;
  let lastPrint = Date.now();
  for (;;) {
    const stats = await fake.stats();
    if (stats.delivered >= expected) return stats;
    if (Date.now() > deadline) throw new Error(`${label}: only ${stats.delivered} of ${expected} emails after ${settings.drainTimeoutSeconds} s`);
    if (Date.now() - lastPrint >= 10_000) {
      lastPrint = Date.now();
      console.log(`  ${label}: ${fmt(stats.delivered)} / ${fmt(expected)} emails after ${fmt((Date.now() - publishStartedAt) / 1000, 0)} s`);
    }
    await sleep(100);
  }
}

/** Polls the database (read-only) until no email of `updateId` is queued or sending. */
async function waitForRecorded(databasePath: string, updateId: string, timeoutMs = 15_000): Promise<number | null> {
  const db = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true });
  try {
    const pendingCount = db.prepare("SELECT count(*) FROM mail_outbox WHERE update_id = ? AND status IN ('queued', 'sending')").pluck();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((pendingCount.get(updateId) as number) === 0) return Date.now();
      await sleep(20);
    }
    return null;
  } finally {
    db.close();
  }
}

function drainOf(stats: FakeStats, expected: number, publishStartedAt: number, queuedAt: number, recordedAt: number | null, epochStartedAt: number): Drain {
  const first = stats.firstAt ?? publishStartedAt;
  const last = stats.lastAt ?? publishStartedAt;
  const requests = Object.values(stats.statuses).reduce((a, b) => a + b, 0);
  const total = (last - publishStartedAt) / 1000;
  const steady = (last - first) / 1000;
  return {
    expected,
    delivered: stats.delivered,
    duplicates: stats.duplicates,
    statuses: stats.statuses,
    replays: stats.replays,
    queuedMs: queuedAt - publishStartedAt,
    firstEmailMs: first - publishStartedAt,
    drainSeconds: round(total, 2),
    emailsPerSecond: round(stats.delivered / total),
    steadyEmailsPerSecond: steady > 0 ? round((stats.delivered - BATCH) / steady) : 0,
    requestsPerSecond: round(requests / total, 1),
    bodyMegabytes: round(stats.bodyBytes / 1e6, 1),
    recordedSeconds: recordedAt === null ? null : round((recordedAt - publishStartedAt) / 1000, 2),
    // Seconds since the publish (the epoch may have started earlier).
    perSecond: stats.perSecond.slice(Math.max(0, Math.floor((publishStartedAt - epochStartedAt) / 1000))),
  };
}

function latestUpdateId(databasePath: string, incidentId: string): string {
  const db = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true });
  try {
    const id = db.prepare('SELECT id FROM incident_updates WHERE incident_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').pluck().get(incidentId);
    if (typeof id !== 'string') throw new Error(`no update for incident ${incidentId}`);
    return id;
  } finally {
    db.close();
  }
}

/** Waits until the drainer has written the update's whole fan-out; its emails, and when that was. */
async function queuedFor(databasePath: string, updateId: string, timeoutMs = 60_000): Promise<{ emails: number; at: number }> {
  const db = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true });
  try {
    const pending = db.prepare('SELECT count(*) FROM mail_fanouts WHERE update_id = ?').pluck();
    const deadline = Date.now() + timeoutMs;
    while (pending.get(updateId) !== 0) {
      if (Date.now() > deadline) throw new Error(`the fan-out of ${updateId} was not written within ${timeoutMs / 1000} s`);
      await sleep(20);
    }
    const at = Date.now();
    return { emails: db.prepare('SELECT count(*) FROM mail_outbox WHERE update_id = ?').pluck().get(updateId) as number, at };
  } finally {
    db.close();
  }
}

// --- V8 CPU profiles (FANOUT_PROFILE=1) ---------------------------------------------------

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

interface ProfileWindow {
  label: string;
  busyMs: number;
  idleMs: number;
  /** Self time by area (Herald's folders, each package, GC, native), ms. */
  areas: [string, number][];
  /** Inclusive time of the functions that make up a drain and a publish, ms. */
  frames: [string, number][];
  /** The functions with the most self time, ms. */
  top: [string, number][];
}

/** Inclusive time of these functions (by name) shows what each step of a drain or a publish costs. */
const PROFILE_FRAMES = [
  'drain',
  'compose',
  'composeUpdateEmail',
  'renderMarkdown',
  'markdownToText',
  'styleMarkdownHtml',
  'context',
  'finish',
  'tidyText',
  'render',
  'sendBatch',
  'record',
  'nextBatch',
  'findByIds',
  'atomic',
  'declareIncident',
  'postUpdate',
  'sendCached',
  'gc',
];

/** Self time by area and inclusive time of PROFILE_FRAMES, for the samples in [fromUs, toUs] (monotonic µs, V8's clock). */
function summarizeProfile(path: string, label: string, fromUs = -Infinity, toUs = Infinity): ProfileWindow {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const areas = new Map<string, number>();
  const frames = new Map<string, number>();
  const top = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < fromUs || t > toUs) continue;
    const node = byId.get(profile.samples[i]!)!;
    const area = profileArea(node.callFrame);
    if (area === 'idle') {
      idle += delta;
      continue;
    }
    busy += delta;
    areas.set(area, (areas.get(area) ?? 0) + delta);
    const fn = node.callFrame.functionName || '(anonymous)';
    const name = `${fn.length > 60 ? `${fn.slice(0, 57)}...` : fn} [${area.startsWith('native: RegExp') ? 'native' : area}${node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ''}]`;
    top.set(name, (top.get(name) ?? 0) + delta);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!PROFILE_FRAMES.includes(frame.functionName)) continue;
      const key = `${frame.functionName} [${profileArea(frame)}]`;
      if (seen.has(key)) continue;
      seen.add(key);
      frames.set(key, (frames.get(key) ?? 0) + delta);
    }
  }
  const ms = (entries: Map<string, number>, top: number): [string, number][] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => [name, round(us / 1000, 1)]);
  return { label, busyMs: round(busy / 1000), idleMs: round(idle / 1000), areas: ms(areas, 12), frames: ms(frames, 30), top: ms(top, 12) };
}

function printProfile(window: ProfileWindow): void {
  console.log(`\n${window.label}: ${fmt(window.busyMs)} ms busy, ${fmt(window.idleMs)} ms idle`);
  const share = (value: number): string => `${fmt((100 * value) / Math.max(1, window.busyMs), 1)}%`.padStart(6);
  console.log('  self time by area:');
  for (const [name, value] of window.areas) console.log(`    ${share(value)}  ${fmt(value, 0).padStart(6)} ms  ${name}`);
  console.log('  inclusive time:');
  for (const [name, value] of window.frames) console.log(`    ${share(value)}  ${fmt(value, 0).padStart(6)} ms  ${name}`);
  console.log('  top functions by self time:');
  for (const [name, value] of window.top) console.log(`    ${share(value)}  ${fmt(value, 0).padStart(6)} ms  ${name}`);
}

/** Date.now() → the monotonic clock of V8's profiles (µs), shared by every process on the machine. */
const MONO_OFFSET_MS = Date.now() - Number(process.hrtime.bigint() / 1000n) / 1000;
const monoUs = (dateMs: number): number => (dateMs - MONO_OFFSET_MS) * 1000;

// --- Output ------------------------------------------------------------------------------

function table(headers: string[], rows: (string | number)[][], align: ('l' | 'r')[] = []): string {
  const cells = rows.map((row) => row.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const pad = (text: string, i: number): string => ((align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  const line = (row: string[]): string => `| ${row.map(pad).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => ((align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

const cores = (value: number | null): string => (value === null ? 'n/a' : fmt(value, 2));

// --- Main ------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const startedAt = new Date();
  const load0 = loadavg();
  const source = sourceVersion();
  console.log(`fanout: ${fmt(settings.subscribers)} subscribers, ${settings.connections} connections on /, load average ${load0.map((v) => v.toFixed(2)).join(' ')}`);
  console.log(
    `  source: ${source.commit ?? 'not a git checkout'}` + (source.changed.length ? ` with uncommitted changes in ${source.changed.join(', ')}` : source.commit ? ', no uncommitted changes in src/' : ''),
  );
  if (load0[0]! > 1) console.log(`  note: the machine is busy before the start (1-minute load ${load0[0]!.toFixed(2)} on ${cpus().length} cores)`);

  workDir = mkdtempSync(join(tmpdir(), 'herald-fanout-'));
  const basePath = join(workDir, 'herald.db');

  // 1. The page and the subscribers.
  const seed = await seedBenchPage({ databasePath: basePath, now: Date.now(), historyDays: 365, pastIncidents: 300 });
  const { population, ids } = await addSubscribers(basePath, settings.subscribers);
  const total = population.concerned + population.confirmedElsewhere + population.pending + population.unsubscribed;
  console.log(
    `  seeded the page in ${fmt(seed.seedMs / 1000, 1)} s; ${fmt(total)} subscribers in ${fmt(population.insertMs / 1000, 1)} s ` +
      `(${fmt(population.all)} all, ${fmt(population.perComponent)} per component, ${fmt(population.perGroup)} per group; ` +
      `skipped: ${fmt(population.confirmedElsewhere)} other components, ${fmt(population.pending)} pending, ${fmt(population.unsubscribed)} unsubscribed)`,
  );

  // 2. The fake Resend, in its own process.
  const fake = new FakeChild();
  const ready = await fake.ask(null, 'ready');
  const port = await freePort();
  const heraldUrl = `http://${HOST}:${port}`;

  // 3. In process, on a copy: the write with and without the fan-out, then a drain broken down by step.
  console.log('  in process: timing the publishing write' + (settings.breakdownEmails ? ` and draining ${fmt(settings.breakdownEmails)} emails` : ''));
  const probe = await probeInProcess(basePath, join(workDir, 'probe.db'), ids, fake, ready.url, heraldUrl, settings);
  if (probe.write.queued !== settings.subscribers) {
    throw new Error(`the update queued ${probe.write.queued} emails, expected ${settings.subscribers}`);
  }

  // 4. Herald, as `npm start` runs it, with an admin API token.
  const childEnv: NodeJS.ProcessEnv = {
    ...inheritedEnv(),
    HERALD_ENV: 'production',
    HOST,
    PORT: String(port),
    DATABASE_PATH: basePath,
    PUBLIC_URL: heraldUrl,
    RESEND_API_KEY: API_KEY,
    RESEND_BASE_URL: ready.url,
    MAIL_FROM,
    MAIL_RATE_LIMIT: '0',
  };
  const heraldProfileDir = join(RESULTS_DIR, 'profiles', 'fanout-herald');
  const heraldFlags = settings.profile ? ['--cpu-prof', `--cpu-prof-dir=${heraldProfileDir}`, '--cpu-prof-interval=500'] : [];
  if (settings.profile) {
    rmSync(heraldProfileDir, { recursive: true, force: true });
    mkdirSync(heraldProfileDir, { recursive: true });
  }
  const tokenOutput = execFileSync(TSX, ['src/entry/cli.ts', 'create-token', '--name', 'bench', '--scope', 'admin'], { cwd: ROOT, env: childEnv, encoding: 'utf8' });
  const token = /hrld_\S+/.exec(tokenOutput)?.[0];
  if (!token) throw new Error(`create-token printed no token:\n${tokenOutput}`);
  const auth = { authorization: `Bearer ${token}` };
  const herald = await startHerald(childEnv, heraldUrl, heraldFlags);
  fake.guard([herald.wrapperPid]);
  const pids: Pids = { herald: herald.nodePid, wrapper: herald.wrapperPid, fake: fake.pid };
  console.log(`  Herald is running (tsx wrapper pid ${herald.wrapperPid}, node pid ${herald.nodePid}); fake Resend pid ${fake.pid}`);

  // 5. The page idle.
  await loadPage(heraldUrl, settings, { seconds: 3 });
  let phase = new Phase(pids);
  const idleRun = await loadPage(heraldUrl, settings, { seconds: settings.pageSeconds });
  const idleUsage = phase.end();
  const idle = pageStats(idleRun);
  console.log(`  / idle: ${fmt(idle.requestsPerSecond)} req/s, p50 ${idle.latencyMs.p50} ms, p99 ${idle.latencyMs.p99} ms`);

  // 6. Publish #1 on a quiet server, and the drain with nothing else going on.
  await sleep(1_000);
  const epoch1 = await fake.ask({ type: 'epoch' }, 'epoch-started');
  phase = new Phase(pids);
  const publish1 = await http('POST', `${heraldUrl}/api/v1/incidents`, declareBody(ids), auth);
  if (publish1.status !== 201) throw new Error(`POST /api/v1/incidents answered ${publish1.status}: ${publish1.body}`);
  const incidentId = (JSON.parse(publish1.body) as { id: string }).id;
  const update1 = latestUpdateId(basePath, incidentId);
  const queued1 = await queuedFor(basePath, update1);
  const expected1 = queued1.emails;
  console.log(`  published (quiet): ${fmt(publish1.ms, 1)} ms, ${fmt(expected1)} emails queued after ${fmt(queued1.at - publish1.startedAt)} ms; draining`);
  const stats1 = await waitForDrain(fake, expected1, publish1.startedAt, settings, 'quiet drain');
  const quietUsage = phase.end();
  const recorded1 = await waitForRecorded(basePath, update1);
  const quiet = drainOf(stats1, expected1, publish1.startedAt, queued1.at, recorded1, epoch1.at);
  console.log(`  quiet drain: ${fmt(quiet.emailsPerSecond)} emails/s, ${fmt(quiet.drainSeconds, 1)} s`);

  // 7. Publish #2 while / is under load, and the drain under that load.
  await sleep(2_000);
  const epoch2 = await fake.ask({ type: 'epoch' }, 'epoch-started');
  let stats2: FakeStats | undefined;
  let expected2 = 0;
  let queuedAt2 = 0;
  let update2 = '';
  const postUpdate = async (body: object): Promise<HttpResult> => {
    const result = await http('POST', `${heraldUrl}/api/v1/incidents/${incidentId}/updates`, body, auth);
    if (result.status !== 201) throw new Error(`POST /api/v1/incidents/${incidentId}/updates answered ${result.status}: ${result.body}`);
    return result;
  };
  const second = await publishUnderLoad(heraldUrl, settings, pids, () => postUpdate(SECOND_UPDATE), async (published) => {
    update2 = latestUpdateId(basePath, incidentId);
    ({ emails: expected2, at: queuedAt2 } = await queuedFor(basePath, update2));
    console.log(`  published (under load): ${fmt(published.ms, 1)} ms, ${fmt(expected2)} emails queued after ${fmt(queuedAt2 - published.startedAt)} ms; draining`);
    stats2 = await waitForDrain(fake, expected2, published.startedAt, settings, 'loaded drain');
  });
  const { run: loadedRun, published: publish2, usage: loadedUsage } = second;
  if (!stats2) throw new Error('the loaded drain did not complete');
  const recorded2 = await waitForRecorded(basePath, update2);
  const loaded = drainOf(stats2, expected2, publish2.startedAt, queuedAt2, recorded2, epoch2.at);
  const lastEmail2 = stats2.lastAt ?? loadedRun.endedAt;
  const beforePublish = pageStats(loadedRun, loadedRun.startedAt + 500, publish2.startedAt);
  const duringDrain = pageStats(loadedRun, publish2.startedAt, lastEmail2);
  const afterResponse = pageStats(loadedRun, publish2.endedAt, lastEmail2);
  const duringPublish = inFlightDuring(loadedRun, publish2.startedAt, publish2.endedAt);
  const series = pageSeries(loadedRun, publish2.startedAt, lastEmail2);
  console.log(`  loaded drain: ${fmt(loaded.emailsPerSecond)} emails/s; / meanwhile ${fmt(duringDrain.requestsPerSecond)} req/s, p99 ${duringDrain.latencyMs.p99} ms`);

  // 8. The page idle again (did the machine change under us?).
  await sleep(2_000);
  phase = new Phase(pids);
  const idleAfterRun = await loadPage(heraldUrl, settings, { seconds: settings.pageSeconds });
  const idleAfterUsage = phase.end();
  const idleAfter = pageStats(idleAfterRun);

  // VmHWM was reset at the start of each phase: the run's peak is the highest of the phases' and of what followed.
  const phases = [idleUsage, quietUsage, loadedUsage, idleAfterUsage];
  const wholeRun = (pid: number | undefined, key: keyof PhaseUsage['peakKb']): number | null => {
    const values = [procMemory(pid)?.hwmKb ?? null, ...phases.map((u) => u.peakKb[key])].filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
  const wholeRunPeak = { herald: wholeRun(herald.nodePid, 'herald'), wrapper: wholeRun(herald.wrapperPid, 'wrapper'), fake: wholeRun(fake.pid, 'fake') };
  const fakeStats = await fake.stats();
  await herald.stop();

  // Herald's own profile (FANOUT_PROFILE=1), cut into the windows that matter.
  const profiles: ProfileWindow[] = [];
  if (settings.profile) {
    const file = readdirSync(heraldProfileDir).find((name) => name.includes(`.${herald.nodePid}.0.`));
    if (!file) console.log(`  no Herald profile in ${heraldProfileDir}`);
    else {
      const path = join(heraldProfileDir, file);
      const gapStart = publish2.startedAt + duringDrain.longestGapAtMs;
      profiles.push(
        summarizeProfile(path, 'Herald, quiet drain (publish → last email)', monoUs(publish1.startedAt), monoUs(stats1.lastAt ?? publish1.endedAt)),
        summarizeProfile(path, 'Herald, the publish request under load', monoUs(publish2.startedAt), monoUs(publish2.endedAt)),
        summarizeProfile(path, 'Herald, the longest pause of / during the loaded drain', monoUs(gapStart), monoUs(gapStart + duringDrain.longestGapMs)),
        summarizeProfile(path, 'Herald, loaded drain (publish → last email)', monoUs(publish2.startedAt), monoUs(lastEmail2)),
      );
    }
  }
  if (probe.breakdown?.profile) profiles.unshift(summarizeProfile(probe.breakdown.profile, 'In-process drain (bench process)'));

  // 9. Resend's default rate limit: Herald restarted with MAIL_RATE_LIMIT=2, one more update, / under load meanwhile.
  let limited: {
    rps: number;
    publishMs: number;
    expected: number;
    delivered: number;
    firstEmailMs: number | null;
    emailsPerSecond: number;
    beforePublish: PageStats;
    publishToEnd: PageStats;
    afterResponse: PageStats;
    inFlightDuringPublish: { requests: number; maxMs: number; p50Ms: number };
    usage: PhaseUsage;
    series: { second: number; requests: number; maxMs: number }[];
  } | null = null;
  if (settings.limitedSeconds > 0) {
    const limitedHerald = await startHerald({ ...childEnv, MAIL_RATE_LIMIT: String(settings.limitedRps) }, heraldUrl, heraldFlags);
    fake.guard([limitedHerald.wrapperPid]);
    const limitedPids: Pids = { herald: limitedHerald.nodePid, wrapper: limitedHerald.wrapperPid, fake: fake.pid };
    console.log(`  Herald restarted with MAIL_RATE_LIMIT=${settings.limitedRps} (node pid ${limitedHerald.nodePid})`);
    await loadPage(heraldUrl, settings, { seconds: 3 });
    await sleep(1_000);
    await fake.ask({ type: 'epoch' }, 'epoch-started');
    let expected3 = 0;
    const third = await publishUnderLoad(heraldUrl, settings, limitedPids, () => postUpdate(THIRD_UPDATE), async (published) => {
      expected3 = (await queuedFor(basePath, latestUpdateId(basePath, incidentId))).emails;
      console.log(`  published (rate-limited Herald, under load): ${fmt(published.ms, 1)} ms; / under load for ${settings.limitedSeconds} s`);
      await sleep(settings.limitedSeconds * 1000 - (Date.now() - published.startedAt));
    });
    const stats3 = await fake.stats();
    await limitedHerald.stop();
    const end = third.published.startedAt + settings.limitedSeconds * 1000;
    const steady = stats3.firstAt !== null && stats3.lastAt !== null && stats3.lastAt > stats3.firstAt ? (stats3.lastAt - stats3.firstAt) / 1000 : 0;
    limited = {
      rps: settings.limitedRps,
      publishMs: round(third.published.ms, 1),
      expected: expected3,
      delivered: stats3.delivered,
      firstEmailMs: stats3.firstAt === null ? null : stats3.firstAt - third.published.startedAt,
      emailsPerSecond: steady ? round((stats3.delivered - BATCH) / steady) : 0,
      beforePublish: pageStats(third.run, third.run.startedAt + 500, third.published.startedAt),
      publishToEnd: pageStats(third.run, third.published.startedAt, end),
      afterResponse: pageStats(third.run, third.published.endedAt, end),
      inFlightDuringPublish: inFlightDuring(third.run, third.published.startedAt, third.published.endedAt),
      usage: third.usage,
      series: pageSeries(third.run, third.published.startedAt, end),
    };
    if (settings.profile) {
        const file = readdirSync(heraldProfileDir).find((name) => name.includes(`.${limitedHerald.nodePid}.0.`));
      if (file) {
        const path = join(heraldProfileDir, file);
        const gapStart = third.published.startedAt + limited.publishToEnd.longestGapAtMs;
        profiles.push(
          summarizeProfile(path, `Herald at ${settings.limitedRps} requests/s, publish → end`, monoUs(third.published.startedAt), monoUs(end)),
          summarizeProfile(path, `Herald at ${settings.limitedRps} requests/s, the longest pause of /`, monoUs(gapStart), monoUs(gapStart + limited.publishToEnd.longestGapMs)),
        );
      }
    }
  }
  await fake.stop();

  // --- Report ---
  const n = settings.subscribers;
  const heraldCpuPerEmailMs = quietUsage.heraldCpuMs === null ? null : quietUsage.heraldCpuMs / quiet.delivered;
  const atDefaultLimitSeconds = Math.ceil(n / BATCH) / RESEND_DEFAULT_RPS;
  const atDefaultLimitCores = heraldCpuPerEmailMs === null ? null : (heraldCpuPerEmailMs * BATCH * RESEND_DEFAULT_RPS) / 1000;
  const breakdown = probe.breakdown;

  console.log('');
  console.log(`## Fan-out: ${fmt(n)} subscribers, one SEV-1 update (${fmt(probe.write.queued)} emails)`);
  console.log('');
  console.log(`Source: ${source.commit ?? 'not a git checkout'}${source.changed.length ? ` + uncommitted ${source.changed.join(', ')}` : ''}; ${startedAt.toISOString()}`);
  console.log('');
  console.log('Publishing (the write that queues the fan-out) and writing the fan-out into the outbox');
  console.log('');
  console.log(
    table(
      ['measurement', 'ms'],
      [
        ['API: POST /api/v1/incidents, server quiet (request latency)', fmt(publish1.ms, 1)],
        ['API: POST /api/v1/incidents/{id}/updates, / under load', fmt(publish2.ms, 1)],
        ['in process: declareIncident, notify off (the same write without fan-out)', fmt(probe.write.withoutFanOutMs, 1)],
        ['in process: declareIncident, notify on', fmt(probe.write.withFanOutMs, 1)],
        ['  of which the one transaction (db.atomic)', fmt(probe.write.atomicMs, 1)],
        ['  fan-out share (on − off)', fmt(probe.write.withFanOutMs - probe.write.withoutFanOutMs, 1)],
        [`in process: writing the fan-out, ${fmt(probe.write.expand.chunks)} chunks (sum)`, fmt(probe.write.expand.totalMs, 1)],
        ['  one chunk, median / longest (the longest the event loop is held)', `${fmt(probe.write.expand.p50ChunkMs, 1)} / ${fmt(probe.write.expand.maxChunkMs, 1)}`],
      ],
    ),
  );
  console.log('');
  console.log('Drain (no rate limit; publish request start → last email at the fake)');
  console.log('');
  const drainRow = (name: string, pick: (d: Drain, u: PhaseUsage) => string): (string | number)[] => [name, pick(quiet, quietUsage), pick(loaded, loadedUsage!)];
  console.log(
    table(
      ['', 'quiet', `/ under load (${settings.connections} conn.)`],
      [
        drainRow('emails delivered', (d) => `${fmt(d.delivered)} of ${fmt(d.expected)}`),
        drainRow('time until every email is queued', (d) => `${fmt(d.queuedMs)} ms`),
        drainRow('time to first email', (d) => `${fmt(d.firstEmailMs)} ms`),
        drainRow('time to last email', (d) => `${fmt(d.drainSeconds, 1)} s`),
        drainRow('emails/s (publish → last)', (d) => fmt(d.emailsPerSecond)),
        drainRow('emails/s (first → last)', (d) => fmt(d.steadyEmailsPerSecond)),
        drainRow('batch requests/s', (d) => fmt(d.requestsPerSecond, 1)),
        drainRow('all recorded sent in the database', (d) => (d.recordedSeconds === null ? 'timed out' : `${fmt(d.recordedSeconds, 1)} s`)),
        drainRow('duplicates / non-200 / replays', (d) => `${d.duplicates} / ${Object.entries(d.statuses).filter(([s]) => s !== '200').reduce((a, [, c]) => a + c, 0)} / ${d.replays}`),
        drainRow('Herald cores', (_d, u) => cores(u.cores.herald)),
        drainRow('fake Resend cores', (_d, u) => cores(u.cores.fake)),
        drainRow('bench (autocannon) cores', (_d, u) => cores(u.cores.bench)),
        drainRow('other processes (cores)', (_d, u) => cores(u.cores.other)),
        drainRow('Herald CPU per email', (d, u) => (u.heraldCpuMs === null ? 'n/a' : `${fmt((u.heraldCpuMs * 1000) / d.delivered, 0)} µs`)),
        drainRow('fake CPU per email', (d, u) => (u.cores.fake === null ? 'n/a' : `${fmt((u.cores.fake * u.wallMs * 1000) / d.delivered, 0)} µs`)),
      ],
    ),
  );
  console.log('');
  console.log(`Status page GET / (autocannon, ${settings.connections} connections, ${JSON.stringify(settings.requestHeaders)}; first response per connection left out)`);
  console.log('');
  const pageRow = (name: string, s: PageStats, u: PhaseUsage | null): (string | number)[] => [
    name,
    fmt(s.seconds, 1),
    fmt(s.requestsPerSecond),
    fmt(s.latencyMs.p50, 1),
    fmt(s.latencyMs.p90, 1),
    fmt(s.latencyMs.p99, 1),
    fmt(s.latencyMs.max, 1),
    fmt(s.longestGapMs),
    u ? cores(u.cores.herald) : '',
    u ? cores(u.cores.other) : '',
  ];
  console.log(
    table(
      ['window', 's', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'longest gap ms', 'Herald cores', 'other cores'],
      [
        pageRow('idle, before publishing', idle, idleUsage),
        pageRow('same run, before the publish', beforePublish, null),
        pageRow('publish → last email', duringDrain, loadedUsage),
        pageRow('publish response → last email', afterResponse, null),
        pageRow('idle, after the drains', idleAfter, idleAfterUsage),
      ],
    ),
  );
  console.log('');
  console.log(
    `Responses in flight while the publish request ran (${fmt(publish2.ms, 0)} ms): ${duringPublish.requests}, ` +
      `median ${duringPublish.p50Ms} ms, worst ${duringPublish.maxMs} ms. Longest pause with no response during the drain: ` +
      `${duringDrain.longestGapMs} ms, ${duringDrain.longestGapAtMs} ms after the publish started.`,
  );
  console.log('');
  console.log(`Peak memory (RSS, MB; per phase by ${quietUsage.peakMethod})`);
  console.log('');
  const memRow = (name: string, key: keyof PhaseUsage['peakKb'], whole: number | null): (string | number)[] => {
    const v = (u: PhaseUsage): string => (u.peakKb[key] === null ? 'n/a' : mb(u.peakKb[key]!));
    return [name, v(idleUsage), v(quietUsage), v(loadedUsage!), whole === null ? 'n/a' : mb(whole)];
  };
  console.log(
    table(
      ['process', 'idle load', 'quiet drain', 'loaded drain', 'whole run (VmHWM)'],
      [
        memRow('Herald (node)', 'herald', wholeRunPeak.herald),
        memRow('tsx wrapper', 'wrapper', wholeRunPeak.wrapper),
        memRow('fake Resend', 'fake', wholeRunPeak.fake),
        memRow('bench (autocannon)', 'bench', null),
      ],
    ),
  );
  if (breakdown) {
    console.log('');
    console.log(`In process: where a drained batch's time goes (${fmt(breakdown.emails)} emails, ${breakdown.batches} batches, ${fmt(breakdown.emailsPerSecond)} emails/s; the fake in its own process)`);
    console.log('');
    const rows = Object.entries(breakdown.stepsMs).map(([step, ms]) => [
      step,
      fmt(ms, 0),
      fmt(ms / breakdown.batches, 2),
      fmt((ms * 1000) / breakdown.emails, 0),
      `${fmt((100 * ms) / breakdown.wallMs, 1)}%`,
    ]);
    console.log(table(['step', 'ms', 'ms/batch', 'µs/email', 'share'], rows));
    console.log(`  ${fmt(breakdown.htmlBytesPerEmail)} bytes of HTML and ${fmt(breakdown.textBytesPerEmail)} of text per email${breakdown.profile ? `; profile: ${breakdown.profile}` : ''}`);
  }
  if (limited) {
    console.log('');
    console.log(
      `Herald restarted with MAIL_RATE_LIMIT=${limited.rps} (${fmt(limited.rps * BATCH)} emails/s at most), one more update of ${fmt(limited.expected)} emails, ` +
        `/ under load for ${settings.limitedSeconds} s after the publish: ${fmt(limited.delivered)} emails delivered (${fmt(limited.emailsPerSecond)}/s), ` +
        `first after ${limited.firstEmailMs === null ? 'n/a' : fmt(limited.firstEmailMs)} ms; publish request ${fmt(limited.publishMs)} ms`,
    );
    console.log('');
    console.log(
      table(
        ['window', 's', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'longest gap ms', 'Herald cores', 'other cores'],
        [
          pageRow('same run, before the publish', limited.beforePublish, null),
          pageRow('publish → end', limited.publishToEnd, limited.usage),
          pageRow('publish response → end', limited.afterResponse, null),
        ],
      ),
    );
  }
  const rssPeak = (u: PhaseUsage): string => {
    const peak = Math.max(...u.heraldRssMb);
    return `${fmt(peak)} MB at ${fmt(u.heraldRssMb.indexOf(peak) / 2, 1)} s`;
  };
  console.log('');
  console.log(`Herald's RSS (sampled every 0.5 s) peaked at ${rssPeak(quietUsage)} after the quiet publish, ${rssPeak(loadedUsage)} after the loaded one.`);
  console.log('');
  console.log(
    `At Resend's default ${RESEND_DEFAULT_RPS} requests/s (${RESEND_DEFAULT_RPS * BATCH} emails/s) the same send takes ${fmt(atDefaultLimitSeconds / 60, 1)} min` +
      (atDefaultLimitCores === null ? '.' : ` and costs Herald about ${fmt(atDefaultLimitCores * 100, 1)}% of a core (${fmt((heraldCpuPerEmailMs ?? 0) * 1000, 0)} µs per email measured above).`),
  );
  for (const window of profiles) printProfile(window);
  const named: [string, PhaseUsage][] = [
    ['idle before', idleUsage],
    ['quiet drain', quietUsage],
    ['loaded drain', loadedUsage],
    ['idle after', idleAfterUsage],
    ...(limited ? [['rate-limited', limited.usage] as [string, PhaseUsage]] : []),
  ];
  console.log('');
  console.log('Other processes on the machine, per phase (cores; load average at the start → end):');
  for (const [name, usage] of named) {
    const list = usage.others.map((o) => `${o.name} ${fmt(o.cores, 2)}`).join(', ') || 'none';
    console.log(`  ${name.padEnd(13)} other ${cores(usage.cores.other)}: ${list} (steal ${cores(usage.cores.steal)}; load ${usage.loadAvg.start[0]} → ${usage.loadAvg.end[0]})`);
  }
  const busy = named.some(([, u]) => (u.cores.other ?? 0) > 0.25);
  if (busy) console.log('Note: other processes used more than a quarter of a core in some phase (see "other cores"); compare within this run.');

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${process.platform} ${release()} ${arch()}`,
  };
  const result = {
    startedAt: startedAt.toISOString(),
    source,
    machine,
    settings: { ...settings, output: undefined },
    page: seed,
    population,
    publish: {
      apiQuietMs: round(publish1.ms, 1),
      apiUnderLoadMs: round(publish2.ms, 1),
      inProcess: probe.write,
    },
    drain: { quiet, loaded },
    statusPage: {
      idle,
      beforePublish,
      duringDrain,
      afterPublishResponse: afterResponse,
      idleAfter,
      inFlightDuringPublish: duringPublish,
      drainSeries: series,
    },
    usage: { idle: idleUsage, quietDrain: quietUsage, loadedDrain: loadedUsage, idleAfter: idleAfterUsage },
    memoryWholeRunKb: { ...wholeRunPeak, fakeHeapUsedAtEndBytes: fakeStats.heapUsedBytes },
    profiles,
    breakdown,
    limited,
    atResendDefaultLimit: {
      requestsPerSecond: RESEND_DEFAULT_RPS,
      seconds: atDefaultLimitSeconds,
      heraldCores: atDefaultLimitCores === null ? null : round(atDefaultLimitCores, 3),
    },
  };
  mkdirSync(join(settings.output, '..'), { recursive: true });
  writeFileSync(settings.output, JSON.stringify(result, null, 2));
  console.log(`\nResults: ${settings.output}`);
  if (settings.keepDb) console.log(`Database kept: ${basePath}`);
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`fanout: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    cleanup();
    process.exit(1);
  },
);
