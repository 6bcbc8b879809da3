/**
 * For the edge tests (test/worker/edge-*.test.ts): the Worker under `wrangler
 * dev --local` (workerd, local D1, the Cache API) on a free port with the vars
 * a test asks for, a raw HTTP client that sends exactly the headers given (no
 * Accept-Encoding of its own, unlike fetch), and a local fake of Cloudflare's
 * purge API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const STARTUP_TIMEOUT_MS = 60_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Wrangler {
  base: string;
  /** wrangler's pid, also its process group (workerd is in it). */
  pid: number;
  stateDir: string;
  output(): string;
  /** The local D1 file wrangler created. */
  d1File(): string;
  stop(): Promise<void>;
}

export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Migrates a fresh local D1 and starts `wrangler dev` with `vars` (each `--var NAME:value`); `vars(base)` may use the address. */
export async function startWrangler(
  vars: (base: string) => Record<string, string>,
  /** Another Worker than Herald: its folder (with its own wrangler.toml), and no migrations. */
  other?: { cwd: string },
): Promise<Wrangler> {
  const stateDir = mkdtempSync(join(tmpdir(), 'herald-edge-'));
  const envFile = join(stateDir, 'test.env');
  writeFileSync(envFile, '');
  const { NODE_ENV: _nodeEnv, CLOUDFLARE_INCLUDE_PROCESS_ENV: _include, ...inherited } = process.env;
  const childEnv: NodeJS.ProcessEnv = {
    ...inherited,
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_LOG_PATH: join(stateDir, 'logs'),
    WRANGLER_REGISTRY_PATH: join(stateDir, 'registry'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  const cwd = other?.cwd ?? ROOT;
  const migrate = other ? { status: 0, stdout: '', stderr: '' } : spawnSync(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', stateDir], {
    cwd: ROOT,
    env: childEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${tail(`${migrate.stdout}\n${migrate.stderr}`)}`);

  let output = '';
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running?.pid) return;
    const group = -running.pid;
    const alive = (): boolean => {
      try {
        process.kill(group, 0);
        return true;
      } catch {
        return false;
      }
    };
    const gone = async (ms: number): Promise<boolean> => {
      const until = Date.now() + ms;
      while (alive() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
      return !alive();
    };
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    if (!(await gone(5_000))) {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // exited in between
      }
      await gone(5_000);
    }
  };

  for (let attempt = 1; ; attempt++) {
    const [port, inspectorPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${port}`;
    const args = [WRANGLER, 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspectorPort)];
    args.push('--persist-to', stateDir, '--env-file', envFile, '--test-scheduled', '--show-interactive-dev-session=false');
    for (const [name, value] of Object.entries({ HERALD_ENV: 'development', PUBLIC_URL: base, ...vars(base) })) args.push('--var', `${name}:${value}`);
    output = '';
    if (other) args.splice(args.indexOf('--test-scheduled'), 1);
    child = spawn(process.execPath, args, { cwd, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitUntilServing(base, child, () => output, other ? '/' : '/healthz');
      return {
        base,
        pid: child.pid!,
        stateDir,
        output: () => output,
        d1File() {
          const dir = join(stateDir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
          const file = readdirSync(dir).find((name) => /^[0-9a-f]{64}\.sqlite$/.test(name));
          if (!file) throw new Error(`no D1 database file in ${dir}`);
          return join(dir, file);
        },
        async stop() {
          await stop();
          rmSync(stateDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await stop();
      if (attempt >= 3 || !/EADDRINUSE|address already in use/i.test(output)) {
        rmSync(stateDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string, path: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`wrangler dev exited before serving:\n${tail(output())}`);
    try {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(20_000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = `GET ${path} answered ${response.status}`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not serve ${url} (${lastError}):\n${tail(output())}`);
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent. */
  raw: Buffer;
  /** The body decoded according to its Content-Encoding (gzip, br or none). */
  text: string;
}

/** A GET (or `method`) with exactly these headers: node:http adds none of its own but Host. */
export function raw(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const coding = res.headers['content-encoding'];
        try {
          // A 304 has no body (wrangler dev still labels one with the coding it would have used).
          const empty = bytes.length === 0;
          const decoded = empty ? bytes : coding === 'gzip' ? gunzipSync(bytes) : coding === 'br' ? brotliDecompressSync(bytes) : bytes;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: bytes, text: decoded.toString('utf8') });
        } catch (error) {
          reject(new Error(`${url}: a body that does not decode as its Content-Encoding (${coding}): ${String(error)}`));
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${url}: no answer within 30 s`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface PurgeCall {
  path: string;
  authorization: string | undefined;
  files: unknown;
  status: number;
}

/** A local stand-in for POST /client/v4/zones/{zone}/purge_cache: records each call; answers scripted statuses first, then 200. */
export async function startFakeCloudflare(): Promise<{
  url: string;
  calls: PurgeCall[];
  script(...statuses: number[]): void;
  waitFor(predicate: (calls: PurgeCall[]) => boolean, ms: number): Promise<void>;
  close(): Promise<void>;
}> {
  const calls: PurgeCall[] = [];
  const scripted: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let files: unknown = null;
      try {
        files = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { files?: unknown }).files ?? null;
      } catch {
        files = null;
      }
      const valid = req.method === 'POST' && /^\/client\/v4\/zones\/[0-9a-f]{32}\/purge_cache$/.test(req.url ?? '') && Array.isArray(files);
      const status = !valid ? 400 : (scripted.shift() ?? 200);
      calls.push({ path: req.url ?? '', authorization: req.headers.authorization, files, status });
      const ok = status === 200;
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          success: ok,
          errors: ok ? [] : [{ code: status === 400 ? 1012 : 10000, message: status === 400 ? 'bad request' : 'internal error' }],
          messages: [],
          result: ok ? { id: 'purge-id' } : null,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/client/v4`,
    calls,
    script: (...statuses) => scripted.push(...statuses),
    async waitFor(predicate, ms) {
      const until = Date.now() + ms;
      while (!predicate(calls)) {
        if (Date.now() > until) throw new Error(`the fake Cloudflare API did not see the expected calls within ${ms} ms: ${JSON.stringify(calls)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
