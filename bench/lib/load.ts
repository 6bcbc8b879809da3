// The load generators of bench/run.ts: wrk (the default when it is installed)
// or autocannon (from npm, the fallback, and bench/fanout.ts's only one).
// Both keep `connections` keep-alive connections busy for `seconds` and
// return every response's latency, except the first on each connection (kept
// apart: it waits for the server to accept the connection; see
// bench/README.md), with the time each one ended.
//
// wrk runs one thread per connection with bench/lib/wrk-connections.lua, which
// times each connection's responses itself. On the 2-core machine of
// bench/README.md that costs about 0.7 cores at 10-13k requests/s and leaves
// the server a whole core; autocannon needs about 1.05 cores for fewer
// requests, and the server then idles part of the time waiting for it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { processCpu } from './cpu.js';
import { versionOf } from './env.js';

export type LoadGeneratorName = 'wrk' | 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  /** Whole seconds for wrk (bench/run.ts checks its settings for that). */
  seconds: number;
  headers: Record<string, string>;
  /** Seconds before a request counts as timed out. */
  timeoutSeconds: number;
  /** autocannon only: stops the load early when it settles. */
  stop?: Promise<unknown>;
}

export interface LoadResult {
  /** Every response but the first on each connection, in ms. */
  latencies: number[];
  /** Date.now() when each response ended, in the order of `latencies`. */
  endedAt: number[];
  /** The first response on each connection, in ms. */
  firstLatencies: number[];
  statusCodes: Map<string, number>;
  /** Whole responses as read off the socket. */
  bytes: number;
  errors: number;
  timeouts: number;
}

const WRK_SCRIPT = fileURLToPath(new URL('wrk-connections.lua', import.meta.url));

/** "wrk 4.1.0-3+b2" when wrk is on the PATH; null otherwise. */
function wrkVersion(): string | null {
  let out: string;
  try {
    out = execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    out = (error as { stdout?: string }).stdout ?? ''; // `wrk -v` prints its version and exits with 1
  }
  const version = /^wrk (?:\S+\/)?(\S+)/.exec(out)?.[1];
  return version ? `wrk ${version}` : null;
}

/** BENCH_LOAD if set, else wrk when it is installed, else autocannon; with the version measured. */
export function chooseLoadGenerator(requested: string | undefined): { name: LoadGeneratorName; version: string; note?: string } {
  if (requested !== undefined && requested !== '' && requested !== 'wrk' && requested !== 'autocannon') {
    throw new Error(`BENCH_LOAD must be wrk or autocannon, not ${JSON.stringify(requested)}`);
  }
  const autocannonVersion = (): string => `autocannon ${versionOf('autocannon')}`;
  if (requested === 'autocannon') return { name: 'autocannon', version: autocannonVersion() };
  const wrk = wrkVersion();
  if (wrk) return { name: 'wrk', version: wrk };
  if (requested === 'wrk') throw new Error('BENCH_LOAD=wrk, but wrk is not installed (Debian: apt-get install wrk)');
  return {
    name: 'autocannon',
    version: autocannonVersion(),
    note: 'wrk is not installed, so autocannon generates the load: it needs about a core of its own, and requests/s then measure it as much as the server (Debian: apt-get install wrk)',
  };
}

/** Runs one measured load. */
export function runLoad(generator: LoadGeneratorName, options: LoadOptions): Promise<LoadResult> {
  return generator === 'wrk' ? runWrk(options) : runAutocannon(options);
}

/** Unmeasured load (warm-up, profiling): the same generator, nothing recorded. */
export async function warmUp(generator: LoadGeneratorName, options: LoadOptions): Promise<void> {
  if (generator === 'wrk') await runWrk(options);
  else await autocannon({ url: options.url, connections: options.connections, duration: options.seconds, headers: options.headers, timeout: options.timeoutSeconds });
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const result = emptyResult();
  const run = autocannon({ url: options.url, connections: options.connections, duration: options.seconds, headers: options.headers, timeout: options.timeoutSeconds });
  if (options.stop) void options.stop.finally(() => (run as unknown as { stop(): void }).stop());
  const seen = new Set<unknown>();
  run.on('response', (client: unknown, statusCode: number, bytes: number, responseTime: number) => {
    if (seen.has(client)) {
      result.latencies.push(responseTime);
      result.endedAt.push(Date.now());
    } else {
      seen.add(client);
      result.firstLatencies.push(responseTime);
    }
    result.bytes += bytes;
    countStatus(result, String(statusCode), 1);
  });
  const done = await run;
  result.errors = done.errors;
  result.timeouts = done.timeouts;
  return result;
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-wrk-'));
  const out = join(dir, 'responses.txt');
  try {
    const args = [`-t${options.connections}`, `-c${options.connections}`, `-d${options.seconds}s`, `--timeout`, `${options.timeoutSeconds}s`, '-s', WRK_SCRIPT];
    for (const [name, value] of Object.entries(options.headers)) args.push('-H', `${name}: ${value}`);
    args.push(options.url);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('wrk', args, { env: { ...process.env, BENCH_WRK_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`wrk exited (code ${code}, signal ${signal}): ${stderr.trim()}`))));
    });
    return parseWrkOutput(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads what bench/lib/wrk-connections.lua wrote (latencies in µs there, ms here). */
function parseWrkOutput(text: string): LoadResult {
  const result = emptyResult();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [a, b, c] = line.split(' ');
    if (a === 'first') result.firstLatencies.push(Number(b) / 1000);
    else if (a === 'status') countStatus(result, b!, Number(c));
    else if (a === 'bytes') result.bytes = Number(b);
    else if (a === 'errors') result.errors = Number(b);
    else if (a === 'timeouts') result.timeouts = Number(b);
    else {
      result.latencies.push(Number(a) / 1000);
      result.endedAt.push(Number(b));
    }
  }
  return result;
}

function emptyResult(): LoadResult {
  return { latencies: [], endedAt: [], firstLatencies: [], statusCodes: new Map(), bytes: 0, errors: 0, timeouts: 0 };
}

function countStatus(result: LoadResult, code: string, count: number): void {
  result.statusCodes.set(code, (result.statusCodes.get(code) ?? 0) + count);
}

/**
 * CPU time of this process and of its children that have ended (wrk), in µs.
 * /proc/self/stat on Linux (utime, stime, cutime, cstime); elsewhere only this process.
 */
export function loadGeneratorCpuUs(): number {
  const own = process.cpuUsage();
  return own.user + own.system + (processCpu('self')?.childrenUs ?? 0);
}
