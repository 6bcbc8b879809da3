// `npm run bench`: how many reloads of the public status page one Herald
// process serves, against the ceiling of a bare Hono route returning the same
// bytes. See bench/README.md for what it measures, the knobs and the figures.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import autocannon, { type Result } from 'autocannon';
import { seedBenchPage, type SeedStats } from './seed.js';
import type { ServerCommand, ServerMessage, ServerUsage } from './server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, 'results');

interface Settings {
  /** Seconds measured per scenario. */
  duration: number;
  /** Seconds of unmeasured load before each scenario. */
  warmup: number;
  /** Each scenario's measured time is split into this many slices, run round-robin. */
  slices: number;
  connections: number;
  pastIncidents: number;
  historyDays: number;
  /** Write a V8 CPU profile of the server child per scenario to bench/results/profiles/ (profiling slows the server). */
  profile: boolean;
  /** Keep the temporary database (its path is printed). */
  keepDb: boolean;
  output: string;
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw} must be a number >= ${min}`);
    return value;
  };
  const flag = (name: string): boolean => ['1', 'true', 'yes', 'on'].includes((env[name] ?? '').toLowerCase());
  return {
    duration: number('BENCH_DURATION', 10, 1),
    warmup: number('BENCH_WARMUP', 2, 0),
    slices: Math.round(number('BENCH_SLICES', 5, 1)),
    connections: Math.round(number('BENCH_CONNECTIONS', 100, 1)),
    pastIncidents: Math.round(number('BENCH_INCIDENTS', 300, 0)),
    historyDays: Math.round(number('BENCH_HISTORY_DAYS', 365, 91)),
    profile: flag('BENCH_PROFILE'),
    keepDb: flag('BENCH_KEEP_DB'),
    output: env.BENCH_OUT || join(RESULTS_DIR, 'latest.json'),
  };
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

// --- The server child: started once, always killed --------------------------

let child: ChildProcess | undefined;
/** Replies the child owes us, oldest first, by message type. */
const waiting = new Map<string, { resolve: (message: ServerMessage) => void; reject: (error: Error) => void }[]>();

/** The caller's environment without anything Herald's config reads, so a stray HERALD_* cannot change what is measured. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const herald = /^(HERALD_|PORT$|HOST$|DATABASE_PATH$|PUBLIC_URL$|NODE_ENV$)/;
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !herald.test(key)));
}

function startServer(env: Record<string, string>): Promise<Extract<ServerMessage, { type: 'ready' }>> {
  const proc = fork(join(BENCH_DIR, 'server.ts'), [], {
    cwd: ROOT,
    execPath: process.execPath,
    execArgv: ['--import', 'tsx'],
    env: { ...inheritedEnv(), ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server child did not start within 60 s')), 60_000);
    proc.on('message', (message: ServerMessage) => {
      const waiter = waiting.get(message.type)?.shift();
      if (waiter) return waiter.resolve(message);
      clearTimeout(timer);
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'error') reject(new Error(`the server child failed: ${message.message}`));
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`the server child exited (code ${code}, signal ${signal})`);
      reject(error); // no-op once it was ready
      for (const queue of waiting.values()) for (const waiter of queue.splice(0)) waiter.reject(error);
    });
  });
}

/** Sends a command to the child and waits for its reply of type `reply`. */
function ask<T extends ServerMessage['type']>(command: ServerCommand, reply: T): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    if (!child?.connected) return reject(new Error('the server child is gone'));
    const timer = setTimeout(() => reject(new Error(`no ${reply} from the server child within 30 s`)), 30_000);
    const queue = waiting.get(reply) ?? [];
    queue.push({
      resolve: (message) => {
        clearTimeout(timer);
        resolve(message as Extract<ServerMessage, { type: T }>);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    waiting.set(reply, queue);
    child.send(command);
  });
}

/** The server child's CPU time and event-loop activity so far. */
const serverUsage = (): Promise<ServerUsage> => ask({ type: 'usage' }, 'usage');

async function stopServer(): Promise<void> {
  const proc = child;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The temporary folder holding the database; removed at the end unless BENCH_KEEP_DB. */
let workDir: string | undefined;

function removeWorkDir(): void {
  if (workDir && !readSettings(process.env).keepDb) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}

// Last resort (an exception, Ctrl-C): never leave a server running.
process.on('exit', () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the server`);
    void stopServer().finally(() => {
      removeWorkDir();
      process.exit(130);
    });
  });
}

// --- Load --------------------------------------------------------------------

interface Scenario {
  name: string;
  /** File name for its CPU profile. */
  slug: string;
  description: string;
  url: string;
  /** Request headers, fetched again before each slice (the 304 scenario needs the current ETag). */
  headers?: () => Promise<Record<string, string>>;
}

interface Measured {
  name: string;
  description: string;
  url: string;
  requestHeaders: Record<string, string>;
  requests: number;
  /** All responses over all measured slices, divided by their total wall time. */
  requestsPerSecond: number;
  /** Standard deviation of the per-slice rates: how much the machine moved under us. */
  requestsPerSecondStddev: number;
  slices: number;
  /** Over every response of every slice (exact, not bucketed). */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Whole responses as read off the socket: status line + headers + body. */
  bytesPerResponse: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /**
   * Where the CPU went during the measured slices, in cores (1.0 = one core
   * busy the whole time). The server's CPU per request depends much less on
   * who else is using the machine than requests/s does.
   */
  cpu: {
    serverUsPerRequest: number;
    /** Of which in the kernel (socket writes, page faults; on loopback the sender also pays for TCP delivery). */
    serverSystemUsPerRequest: number;
    serverCores: number;
    /** Share of the server's event loop that was busy (1.0 = saturated). */
    serverLoopBusy: number;
    /** Minor page faults in the server per request (a fresh buffer per response shows up here, and as kernel time). */
    serverMinorFaultsPerRequest: number;
    /** This process: autocannon writing requests and parsing responses. */
    loadGeneratorCores: number;
    /** Everything else on the machine (other people's builds, tests...); null off Linux. */
    otherCores: number | null;
    /** CPU time the hypervisor gave to other guests; null off Linux. */
    stealCores: number | null;
  };
  ratioToCeiling?: number;
  cpuRatioToCeiling?: number;
}

interface MachineTicks {
  busy: number;
  steal: number;
  total: number;
}

/** Machine-wide CPU ticks from /proc/stat (Linux); null elsewhere. */
function machineTicks(): MachineTicks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, steal: steal!, total: busy + idle! + iowait! + steal! };
  } catch {
    return null;
  }
}

/** One slice of load on one scenario, with everything measured around it. */
interface Slice {
  wallUs: number;
  latencies: number[];
  statusCodes: Map<string, number>;
  bytes: number;
  errors: number;
  timeouts: number;
  requestHeaders: Record<string, string>;
  serverUserUs: number;
  serverSystemUs: number;
  loopActiveMs: number;
  loopIdleMs: number;
  minorFaults: number;
  selfUs: number;
  /** Machine-wide busy and steal, in core-microseconds; null off Linux. */
  machineBusyUs: number | null;
  machineStealUs: number | null;
}

async function load(url: string, settings: Settings, seconds: number, headers: Record<string, string>, slice?: Slice): Promise<Result> {
  const run = autocannon({ url, connections: settings.connections, duration: seconds, headers, timeout: 10 });
  if (slice) {
    run.on('response', (_client: unknown, statusCode: number, bytes: number, responseTime: number) => {
      slice.latencies.push(responseTime);
      slice.bytes += bytes;
      const code = String(statusCode);
      slice.statusCodes.set(code, (slice.statusCodes.get(code) ?? 0) + 1);
    });
  }
  return run;
}

async function warm(scenario: Scenario, settings: Settings): Promise<void> {
  if (settings.warmup > 0) await load(scenario.url, settings, settings.warmup, (await scenario.headers?.()) ?? {});
}

async function runSlice(scenario: Scenario, settings: Settings, seconds: number, profilePath: string | null): Promise<Slice> {
  const requestHeaders = (await scenario.headers?.()) ?? {};
  const slice: Slice = {
    wallUs: 0,
    latencies: [],
    statusCodes: new Map(),
    bytes: 0,
    errors: 0,
    timeouts: 0,
    requestHeaders,
    serverUserUs: 0,
    serverSystemUs: 0,
    loopActiveMs: 0,
    loopIdleMs: 0,
    minorFaults: 0,
    selfUs: 0,
    machineBusyUs: null,
    machineStealUs: null,
  };
  if (profilePath) await ask({ type: 'profile-start' }, 'profile-started');
  const server0 = await serverUsage();
  const self0 = process.cpuUsage();
  const machine0 = machineTicks();
  const wall0 = performance.now();
  const result = await load(scenario.url, settings, seconds, requestHeaders, slice);
  slice.wallUs = (performance.now() - wall0) * 1000;
  const machine1 = machineTicks();
  const self = process.cpuUsage(self0);
  const server1 = await serverUsage();
  if (profilePath) await ask({ type: 'profile-stop', path: profilePath }, 'profile-written');

  slice.errors = result.errors;
  slice.timeouts = result.timeouts;
  slice.serverUserUs = server1.userUs - server0.userUs;
  slice.serverSystemUs = server1.systemUs - server0.systemUs;
  slice.loopActiveMs = server1.loopActiveMs - server0.loopActiveMs;
  slice.loopIdleMs = server1.loopIdleMs - server0.loopIdleMs;
  slice.minorFaults = server1.minorFaults - server0.minorFaults;
  slice.selfUs = self.user + self.system;
  if (machine0 && machine1 && machine1.total > machine0.total) {
    const span = machine1.total - machine0.total;
    const coreUs = slice.wallUs * cpus().length;
    slice.machineBusyUs = ((machine1.busy - machine0.busy) / span) * coreUs;
    slice.machineStealUs = ((machine1.steal - machine0.steal) / span) * coreUs;
  }
  return slice;
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summarize(scenario: Scenario, slices: Slice[]): Measured {
  const sum = (f: (s: Slice) => number): number => slices.reduce((total, s) => total + f(s), 0);
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const responses = latencies.length;
  const wallUs = sum((s) => s.wallUs);
  const rates = slices.map((s) => s.latencies.length / (s.wallUs / 1e6));
  const meanRate = rates.reduce((a, b) => a + b, 0) / rates.length;
  const stddev = Math.sqrt(rates.reduce((a, r) => a + (r - meanRate) ** 2, 0) / rates.length);
  const statusCodes: Record<string, number> = {};
  for (const s of slices) for (const [code, count] of s.statusCodes) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const serverUs = sum((s) => s.serverUserUs + s.serverSystemUs);
  const loopActive = sum((s) => s.loopActiveMs);
  const loopTotal = loopActive + sum((s) => s.loopIdleMs);
  const onLinux = slices.every((s) => s.machineBusyUs !== null);
  const serverCores = serverUs / wallUs;
  const loadGeneratorCores = sum((s) => s.selfUs) / wallUs;
  return {
    name: scenario.name,
    description: scenario.description,
    url: scenario.url,
    requestHeaders: slices[slices.length - 1]!.requestHeaders,
    requests: responses,
    requestsPerSecond: round(responses / (wallUs / 1e6), 0),
    requestsPerSecondStddev: round(stddev, 0),
    slices: slices.length,
    latencyMs: {
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, responses), 2),
      p50: round(percentile(latencies, 50), 2),
      p90: round(percentile(latencies, 90), 2),
      p99: round(percentile(latencies, 99), 2),
      max: round(latencies[responses - 1] ?? 0, 2),
    },
    bytesPerResponse: responses ? Math.round(sum((s) => s.bytes) / responses) : 0,
    statusCodes,
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    cpu: {
      serverUsPerRequest: responses ? round(serverUs / responses, 1) : 0,
      serverSystemUsPerRequest: responses ? round(sum((s) => s.serverSystemUs) / responses, 1) : 0,
      serverCores: round(serverCores, 2),
      serverLoopBusy: loopTotal > 0 ? round(loopActive / loopTotal, 2) : 0,
      serverMinorFaultsPerRequest: responses ? round(sum((s) => s.minorFaults) / responses, 1) : 0,
      loadGeneratorCores: round(loadGeneratorCores, 2),
      otherCores: onLinux ? round(Math.max(0, sum((s) => s.machineBusyUs!) / wallUs - serverCores - loadGeneratorCores), 2) : null,
      stealCores: onLinux ? round(sum((s) => s.machineStealUs!) / wallUs, 2) : null,
    },
  };
}

/**
 * Warms each scenario up once, then measures them round-robin in short
 * slices (A B C D A B C D ...), so that a burst of outside load (someone's
 * test run) lands on every scenario alike instead of on one of them.
 */
async function measureAll(scenarios: Scenario[], settings: Settings, profileDir: string | null): Promise<Measured[]> {
  // A CPU profile covers one contiguous window: profile runs use one slice per scenario.
  const sliceCount = profileDir ? 1 : settings.slices;
  const seconds = settings.duration / sliceCount;
  for (const scenario of scenarios) {
    process.stdout.write(`  warm-up ${settings.warmup} s: ${scenario.name}\n`);
    await warm(scenario, settings);
  }
  const slices = new Map<Scenario, Slice[]>(scenarios.map((s) => [s, []]));
  for (let round = 1; round <= sliceCount; round++) {
    process.stdout.write(`  round ${round}/${sliceCount} (${seconds.toFixed(1)} s each):`);
    for (const scenario of scenarios) {
      const profilePath = profileDir ? join(profileDir, `${scenario.slug}.cpuprofile`) : null;
      const slice = await runSlice(scenario, settings, seconds, profilePath);
      slices.get(scenario)!.push(slice);
      process.stdout.write(` ${scenario.slug} ${Math.round(slice.latencies.length / (slice.wallUs / 1e6))}/s`);
    }
    process.stdout.write('\n');
  }
  return scenarios.map((scenario) => summarize(scenario, slices.get(scenario)!));
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

function render(header: string[], cells: string[][], leftAligned: number[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const left = (i: number): boolean => leftAligned.includes(i);
  const line = (row: string[]): string =>
    `| ${row.map((cell, i) => (left(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}

const percent = (ratio: number | undefined): string => (ratio === undefined ? '' : `${(ratio * 100).toFixed(1)}%`);

function throughputTable(rows: Measured[]): string {
  return render(
    ['scenario', 'req/s', '±', 'p50 ms', 'p99 ms', 'bytes/resp', 'status codes', 'of ceiling'],
    rows.map((r) => [
      r.name,
      String(r.requestsPerSecond),
      r.slices > 1 ? String(r.requestsPerSecondStddev) : '–',
      r.latencyMs.p50.toFixed(1),
      r.latencyMs.p99.toFixed(1),
      String(r.bytesPerResponse),
      Object.entries(r.statusCodes)
        .map(([code, count]) => `${code}×${count}`)
        .join(' ') + (r.errors || r.timeouts ? ` errors ${r.errors} timeouts ${r.timeouts}` : ''),
      percent(r.ratioToCeiling),
    ]),
    [0, 6],
  );
}

function cpuTable(rows: Measured[]): string {
  const cores = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(2));
  return render(
    ['scenario', 'server µs CPU/req', '(kernel)', 'faults/req', 'of ceiling', 'server cores', 'server loop busy', 'autocannon cores', 'other cores', 'steal'],
    rows.map((r) => [
      r.name,
      r.cpu.serverUsPerRequest.toFixed(1),
      r.cpu.serverSystemUsPerRequest.toFixed(1),
      r.cpu.serverMinorFaultsPerRequest.toFixed(1),
      percent(r.cpuRatioToCeiling),
      cores(r.cpu.serverCores),
      percent(r.cpu.serverLoopBusy),
      cores(r.cpu.loadGeneratorCores),
      cores(r.cpu.otherCores),
      cores(r.cpu.stealCores),
    ]),
    [0],
  );
}

/** Plain-language warnings about what limited this run. */
function caveats(rows: Measured[]): string[] {
  const notes: string[] = [];
  for (const r of rows) {
    if (r.cpu.loadGeneratorCores >= 0.85 && r.cpu.serverLoopBusy < 0.9) {
      notes.push(
        `${r.name}: autocannon used ${r.cpu.loadGeneratorCores.toFixed(2)} cores while the server loop was busy ` +
          `${percent(r.cpu.serverLoopBusy)}: req/s is the load generator's limit, compare server µs CPU/request.`,
      );
    }
    if (r.cpu.otherCores !== null && r.cpu.otherCores >= 0.25) {
      notes.push(`${r.name}: other processes used ${r.cpu.otherCores.toFixed(2)} cores during the run (noisy machine).`);
    }
  }
  return notes;
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

// --- Main --------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const began = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  workDir = work;
  const databasePath = join(work, 'herald.db');
  try {
    console.log(
      `Herald benchmark: ${settings.connections} connections, ${settings.warmup} s warm-up + ${settings.duration} s per scenario ` +
        `(in ${settings.profile ? 1 : settings.slices} round-robin slices)${settings.profile ? ', CPU profiling on' : ''}`,
    );
    const now = Date.now();
    const seed: SeedStats = await seedBenchPage({
      databasePath,
      now,
      historyDays: settings.historyDays,
      pastIncidents: settings.pastIncidents,
    });
    console.log(
      `  seeded in ${(seed.seedMs / 1000).toFixed(1)} s: ${seed.components} components in ${seed.groups} groups, ` +
        `${seed.historyDays} days of history, ${seed.pastIncidents} past incidents + ${seed.maintenances} past maintenances ` +
        `(${seed.updates} updates, ${seed.statusChanges} status changes), ${seed.activeIncidents} active incident, ` +
        `${seed.upcomingMaintenances} upcoming maintenance`,
    );

    const [heraldPort, barePort] = [await freePort(), await freePort()];
    const profileDir = settings.profile ? join(RESULTS_DIR, 'profiles') : null;
    if (profileDir) mkdirSync(profileDir, { recursive: true });
    const ready = await startServer({
      PORT: String(heraldPort),
      HOST: '127.0.0.1',
      DATABASE_PATH: databasePath,
      HERALD_ENV: 'production',
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://status.example.com',
      BENCH_BARE_PORT: String(barePort),
    });
    console.log(`  server child pid ${ready.pid}: Herald on port ${ready.heraldPort}, bare route on port ${ready.barePort}`);
    const heraldUrl = `http://127.0.0.1:${ready.heraldPort}/`;
    const bareUrl = `http://127.0.0.1:${ready.barePort}/`;

    const page = await fetch(heraldUrl);
    const body = Buffer.from(await page.arrayBuffer());
    const etag = page.headers.get('etag');
    if (page.status !== 200 || !etag) throw new Error(`GET / answered ${page.status} (ETag ${etag})`);
    const size = { uncompressed: body.byteLength, gzip: gzipSync(body).byteLength, gzipBest: gzipSync(body, { level: 9 }).byteLength };
    console.log(
      `  GET / is ${size.uncompressed} bytes (${page.headers.get('content-type')}); gzip ${size.gzip} bytes ` +
        `(level 9: ${size.gzipBest}); served ${page.headers.get('content-encoding') ?? 'uncompressed'}`,
    );

    const currentEtag = async (): Promise<Record<string, string>> => {
      // The page re-renders at most once a minute (uptime moves); take the ETag just before the run.
      const response = await fetch(heraldUrl, { method: 'HEAD' });
      return { 'if-none-match': response.headers.get('etag') ?? etag };
    };
    const scenarios: Scenario[] = [
      { name: 'herald GET /', slug: 'herald', description: 'Herald status page, full 200 response from the render cache', url: heraldUrl },
      { name: 'bare GET /', slug: 'bare', description: 'bare Hono route, constant string of the same bytes and content type (ceiling)', url: bareUrl },
      {
        name: 'what-if: bare bytes',
        slug: 'bare-bytes',
        description: 'bare route serving the same body pre-encoded as a Uint8Array (no per-request UTF-8 work); not the ceiling',
        url: `${bareUrl}bytes`,
      },
      {
        name: 'herald GET / 304',
        slug: 'herald-304',
        description: 'Herald status page with If-None-Match of the current ETag (revalidation)',
        url: heraldUrl,
        headers: currentEtag,
      },
    ];
    const rows = await measureAll(scenarios, settings, profileDir);
    await stopServer();

    const [herald, bare, bareBytes, notModified] = rows as [Measured, Measured, Measured, Measured];
    const ceiling = bare.requestsPerSecond;
    for (const row of [herald, bareBytes, notModified]) {
      row.ratioToCeiling = round(row.requestsPerSecond / ceiling, 3);
      // Bare CPU per request over Herald's: the share of the ceiling Herald would reach if the server were the bottleneck.
      row.cpuRatioToCeiling = row.cpu.serverUsPerRequest ? round(bare.cpu.serverUsPerRequest / row.cpu.serverUsPerRequest, 3) : undefined;
    }
    const notes = caveats(rows);

    const cpuList = cpus();
    const report = {
      benchmark: 'herald-status-page',
      version: 1,
      date: new Date().toISOString(),
      machine: {
        cpus: cpuList.length,
        cpuModel: cpuList[0]?.model ?? 'unknown',
        memoryGb: round(totalmem() / 2 ** 30, 1),
        os: `${process.platform} ${release()} ${arch()}`,
        node: process.version,
      },
      versions: {
        hono: versionOf('hono'),
        '@hono/node-server': versionOf('@hono/node-server'),
        'better-sqlite3': versionOf('better-sqlite3'),
        autocannon: versionOf('autocannon'),
      },
      settings: {
        connections: settings.connections,
        durationSeconds: settings.duration,
        warmupSeconds: settings.warmup,
        slices: profileDir ? 1 : settings.slices,
        profiled: Boolean(profileDir),
      },
      page: { ...seed, contentType: page.headers.get('content-type'), bytes: size },
      results: rows,
      summary: {
        heraldRps: herald.requestsPerSecond,
        bareRps: ceiling,
        notModifiedRps: notModified.requestsPerSecond,
        bareBytesRps: bareBytes.requestsPerSecond,
        heraldOfCeiling: herald.ratioToCeiling,
        heraldServerUsPerRequest: herald.cpu.serverUsPerRequest,
        bareServerUsPerRequest: bare.cpu.serverUsPerRequest,
        notModifiedServerUsPerRequest: notModified.cpu.serverUsPerRequest,
        bareBytesServerUsPerRequest: bareBytes.cpu.serverUsPerRequest,
        heraldOfCeilingByServerCpu: herald.cpuRatioToCeiling,
        loadAverage: loadavg().map((v) => round(v, 2)),
        caveats: notes,
      },
      totalSeconds: 0,
    };
    report.totalSeconds = round((performance.now() - began) / 1000, 1);
    mkdirSync(join(settings.output, '..'), { recursive: true });
    writeFileSync(settings.output, `${JSON.stringify(report, null, 2)}\n`);

    console.log(`\n${throughputTable(rows)}\n\n${cpuTable(rows)}\n`);
    console.log(
      `Herald serves ${percent(herald.ratioToCeiling)} of the bare-route ceiling in requests/s, and spends ` +
        `${herald.cpu.serverUsPerRequest} µs of server CPU per request against ${bare.cpu.serverUsPerRequest} µs ` +
        `for the bare route (${percent(herald.cpuRatioToCeiling)}) on ${report.machine.cpus} × ${report.machine.cpuModel}, Node ${process.version}.`,
    );
    for (const note of notes) console.log(`  note: ${note}`);
    console.log(`/ is ${size.uncompressed} bytes uncompressed, ${size.gzip} bytes gzipped.`);
    console.log(`Results: ${settings.output} (run took ${report.totalSeconds} s)`);
    if (profileDir) console.log(`CPU profiles of the server (measured windows only): ${profileDir} (summarize: npx tsx bench/profile-summary.ts <file>)`);
  } finally {
    await stopServer();
    if (settings.keepDb) console.log(`Database kept at ${databasePath}`);
    removeWorkDir();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
  void stopServer().finally(() => process.exit(1));
});
