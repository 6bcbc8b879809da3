// A broken configuration stops Herald at start with one clear line on stderr,
// a non-zero exit code and no stack trace, whatever the problem.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killAll, removeTempDirs, runHerald, tempDir } from './support.js';

afterAll(() => {
  killAll();
  removeTempDirs();
});

/** Holds a port on 127.0.0.1, as another program would. */
async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const port = await freePort();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const dir = tempDir();
const db = join(dir, 'data', 'herald.db');
const aFile = join(dir, 'not-a-folder');
writeFileSync(aFile, 'a file, not a folder');
let taken: Awaited<ReturnType<typeof occupy>>;
let port = '';

beforeAll(async () => {
  taken = await occupy();
  port = String(await freePort());
});
afterAll(async () => {
  await taken?.close();
});

/** Each case: the environment (a function, for the ports chosen in beforeAll) and the one line expected. */
const cases: { name: string; env: () => Record<string, string>; line: () => RegExp }[] = [
  { name: 'bad PORT', env: () => ({ PORT: 'eighty', DATABASE_PATH: db }), line: () => /^herald: Invalid configuration: PORT="eighty" must be a port number$/ },
  { name: 'PORT out of range', env: () => ({ PORT: '70000', DATABASE_PATH: db }), line: () => /^herald: Invalid configuration: PORT="70000" must be between 1 and 65535$/ },
  {
    name: 'bad PUBLIC_URL',
    env: () => ({ PORT: port, PUBLIC_URL: 'status.example.com', DATABASE_PATH: db }),
    line: () => /^herald: Invalid configuration: PUBLIC_URL="status.example.com" must be an http\(s\) URL/,
  },
  {
    name: 'bad HERALD_TIME_ZONE',
    env: () => ({ PORT: port, HERALD_TIME_ZONE: 'Mars/Olympus', DATABASE_PATH: db }),
    line: () => /^herald: Invalid configuration: HERALD_TIME_ZONE="Mars\/Olympus" must be an IANA time zone/,
  },
  {
    name: 'bad HERALD_WORKERS',
    env: () => ({ PORT: port, HERALD_WORKERS: 'lots', DATABASE_PATH: db }),
    line: () => /^herald: Invalid configuration: HERALD_WORKERS="lots" must be a number of processes from 1 to 64, or auto/,
  },
  {
    name: 'HERALD_WORKERS=0',
    env: () => ({ PORT: port, HERALD_WORKERS: '0', DATABASE_PATH: db }),
    line: () => /^herald: Invalid configuration: HERALD_WORKERS="0" must be a number of processes/,
  },
  {
    name: 'Resend key without MAIL_FROM',
    env: () => ({ PORT: port, DATABASE_PATH: db, PUBLIC_URL: 'https://status.example.com', RESEND_API_KEY: 're_live_key' }),
    line: () => /^herald: Invalid configuration: RESEND_API_KEY is set but MAIL_FROM is not; .+$/,
  },
  {
    name: 'Resend key without PUBLIC_URL',
    env: () => ({ PORT: port, DATABASE_PATH: db, RESEND_API_KEY: 're_live_key', MAIL_FROM: 'status@example.com' }),
    line: () => /^herald: Invalid configuration: RESEND_API_KEY is set but PUBLIC_URL is not; .+$/,
  },
  {
    name: 'bad MAIL_FROM and rate',
    env: () => ({ PORT: port, DATABASE_PATH: db, MAIL_FROM: 'not an address', MAIL_RATE_LIMIT: '-1' }),
    line: () => /^herald: Invalid configuration: MAIL_FROM="not an address" must be an address .+; MAIL_RATE_LIMIT="-1" must be 0 \(no limit\) or more$/,
  },
  {
    name: 'HERALD_WORKERS with DATABASE_PATH=:memory:',
    env: () => ({ PORT: port, HERALD_WORKERS: '2', DATABASE_PATH: ':memory:' }),
    line: () => /^herald: Invalid configuration: HERALD_WORKERS="2" needs a database file/,
  },
  {
    name: 'DATABASE_PATH under a file',
    env: () => ({ PORT: port, DATABASE_PATH: join(aFile, 'data', 'herald.db') }),
    line: () => /^herald: cannot open the database at .*not-a-folder\/data\/herald\.db \(DATABASE_PATH\): .*not-a-folder\/data cannot be created, a file is in the way$/,
  },
  {
    name: 'DATABASE_PATH under a file, 2 workers',
    env: () => ({ PORT: port, HERALD_WORKERS: '2', DATABASE_PATH: join(aFile, 'herald.db') }),
    line: () => /^herald: cannot open the database at .*not-a-folder\/herald\.db \(DATABASE_PATH\): .*not-a-folder cannot be created, a file is in the way$/,
  },
  {
    name: 'DATABASE_PATH is a file but not a database',
    env: () => ({ PORT: port, DATABASE_PATH: aFile }),
    line: () => /^herald: cannot open the database at .*not-a-folder \(DATABASE_PATH\): file is not a database$/,
  },
  {
    name: 'port already in use',
    env: () => ({ PORT: String(taken.port), DATABASE_PATH: join(dir, 'a', 'herald.db') }),
    line: () => new RegExp(`^herald: port ${taken.port} is already in use; set PORT to another port$`),
  },
  {
    name: 'port already in use, 2 workers',
    env: () => ({ PORT: String(taken.port), HERALD_WORKERS: '2', DATABASE_PATH: join(dir, 'b', 'herald.db') }),
    line: () => new RegExp(`^herald: port ${taken.port} is already in use; set PORT to another port$`),
  },
];

// Each case is a Node process compiling TypeScript: a few side by side.
describe.concurrent('start-up with a broken configuration exits non-zero with one "herald: ..." line', { timeout: 90_000 }, () => {
  it.each(cases)('$name', async ({ env, line }) => {
    const run = await runHerald(env());
    const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.signal).toBeNull();
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(line());
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stdout).not.toContain('Herald is running');
  });
});
