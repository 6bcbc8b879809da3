// Runs Herald for real: the Node entry and the admin CLI as child processes
// (through tsx, as `npm start` and `npm run admin` do), on 127.0.0.1 only.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const HOST = '127.0.0.1';

/** The environment every child gets: quiet, production (no example content), loopback only. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  // Nothing of this test runner's own setup leaks into Herald.
  for (const key of Object.keys(base)) {
    if (key.startsWith('VITEST') || key === 'NODE_OPTIONS' || key.startsWith('HERALD_') || key === 'PORT' || key === 'DATABASE_PATH') delete base[key];
  }
  return { ...base, HERALD_ENV: 'production', HOST, ...env };
}

/** npm's and npx's own warnings are not Herald's output. */
export function withoutNpmNoise(text: string): string {
  return text.replace(/^npm (warn|notice) .*(\n|$)/gim, '');
}

const tempDirs: string[] = [];
export function tempDir(prefix = 'herald-faults-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run admin -- ...args` (tsx src/entry/cli.ts) on `databasePath`. */
export function cli(databasePath: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/entry/cli.ts', ...args], { cwd: ROOT, env: childEnv({ DATABASE_PATH: databasePath, ...env }), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: withoutNpmNoise(stderr) });
    });
  });
}

/** Runs the Node entry to its end (for start-up failures). */
export function runHerald(env: Record<string, string>, timeoutMs = 60_000): Promise<Run & { signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(TSX, ['src/entry/node.ts'], { cwd: ROOT, env: childEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => killGroup(child), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: code ?? 1, signal, stdout, stderr: withoutNpmNoise(stderr), ms: Date.now() - started });
    });
  });
}

/** Every child started here, each the leader of its own process group. */
const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** For afterAll: kills whatever is still running (the whole process group: tsx, Herald, its workers). */
export function killAll(): void {
  for (const child of live) killGroup(child);
  live.clear();
}

export interface Herald {
  url: string;
  port: number;
  /** The tsx process we started (it relays signals to Herald). */
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout and stderr so far or to come. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` to the tsx process and waits for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts Herald on `databasePath` and resolves once it says it is running. */
export async function startHerald(databasePath: string, env: Record<string, string> = {}): Promise<Herald> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child = spawn(TSX, ['src/entry/node.ts'], {
    cwd: ROOT,
    env: childEnv({ DATABASE_PATH: databasePath, PORT: String(port), PUBLIC_URL: url, ...env }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    notify();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
      notify();
    }),
  );
  let exited = false;
  void exit.then(() => (exited = true));

  const herald: Herald = {
    url,
    port,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => withoutNpmNoise(err),
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = (out + '\n' + err).match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          } else if (exited) {
            cleanup();
            reject(new Error(`Herald exited before printing ${pattern}:\n${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Herald did not print ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      child.kill(signal);
      const timer = setTimeout(() => killGroup(child), timeoutMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
  await herald.waitFor(/Herald is running at /);
  return herald;
}

export interface Page {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over a new connection (no keep-alive), so a cluster's primary hands each request to the next worker. */
export function getFresh(url: string, timeoutMs = 10_000): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { Connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** Calls the management API with a bearer token. */
export async function api(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text (a 500 page would be).
  }
  return { status: response.status, body: parsed };
}

/** A management API token with `scope`, made with the CLI (before Herald starts, or while it runs). */
export async function createToken(databasePath: string, scope = 'admin'): Promise<string> {
  const run = await cli(databasePath, ['create-token', '--name', `faults ${scope}`, '--scope', scope]);
  if (run.code !== 0) throw new Error(`create-token failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** The pids of the cluster workers from the primary's "worker listening" log lines, in order. */
export function workerPids(stdout: string): number[] {
  const pids: number[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { message?: string; pid?: number };
      if (entry.message === 'worker listening' && typeof entry.pid === 'number') pids.push(entry.pid);
    } catch {
      // Not a log line.
    }
  }
  return pids;
}

/** CPU time (user + system, in clock ticks) a process has used so far, from /proc (Linux). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime 15.
  return Number(fields[11]) + Number(fields[12]);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The drizzle journal's migration timestamps: what "every migration applied" means. */
export function knownMigrations(): number[] {
  const journal = JSON.parse(readFileSync(join(ROOT, 'drizzle', 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
  return journal.entries.map((e) => e.when);
}
