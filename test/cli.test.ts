import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeDeps, type NodeDeps } from '../src/entry/node-deps.js';
import { authenticateBearer } from '../src/services/auth/api-tokens.js';
import { login } from '../src/services/auth/sessions.js';
import { testConfig } from './support/deps.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDatabase(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
  dirs.push(dir);
  return join(dir, 'data', 'herald.db');
}

/** Runs `npx tsx src/entry/cli.ts ...args` as a child process against `databasePath`. */
function cli(databasePath: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'src/entry/cli.ts', ...args],
      {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, DATABASE_PATH: databasePath, PUBLIC_URL: 'https://status.example.com', HERALD_ENV: 'production', NODE_OPTIONS: '' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        // npx's own warnings about the machine's npm config are not the CLI's output.
        resolve({ code, stdout, stderr: stderr.replace(/^npm warn .*\n/gim, '') });
      },
    );
  });
}

/** Opens the same database file in this process. */
function open(databasePath: string): NodeDeps {
  return createNodeDeps({ config: testConfig(), databasePath });
}

// Each run starts a fresh Node process through npx and tsx (a second or two).
describe('npm run admin', { timeout: 60_000 }, () => {
  it('create-owner works on a fresh database, and the owner can sign in', async () => {
    const db = tempDatabase();
    const run = await cli(db, 'create-owner', '--email', 'Ada@Example.com', '--password', 'a long enough password', '--name', 'Ada Lovelace');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Created the owner account for Ada Lovelace <ada@example.com>. Sign in at https://status.example.com/admin/login\n');
    const deps = open(db);
    try {
      expect(await deps.repos.settings.get()).toBeDefined();
      const { user } = await login(deps, { email: 'ada@example.com', password: 'a long enough password' }, '127.0.0.1');
      expect(user).toMatchObject({ name: 'Ada Lovelace', role: 'owner' });
      const [entry] = await deps.repos.audit.list({ limit: 5 });
      expect(entry!.action).toBe('session.login');
      expect((await deps.repos.audit.list({ limit: 5 })).map((e) => e.action)).toContain('user.create');
    } finally {
      deps.db.close();
    }
    // The same email again is refused, with one line.
    const again = await cli(db, 'create-owner', '--email', 'ada@example.com', '--password', 'another long password');
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe('herald: There is already an account for ada@example.com.\n');
  });

  it('create-token prints only the token, which then authenticates with its scope', async () => {
    const db = tempDatabase();
    const run = await cli(db, 'create-token', '--name', 'deploy-bot', '--scope', 'comms');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^hrld_[A-Za-z0-9_-]{43}\n$/);
    const deps = open(db);
    try {
      const actor = await authenticateBearer(deps, `Bearer ${run.stdout.trim()}`);
      expect(actor).toMatchObject({ role: 'comms', label: 'token: deploy-bot' });
      expect((await deps.repos.accounts.listApiTokens())[0]!.createdBy).toBe('system: command line');
      // The audit log names the command line, not an anonymous "system".
      expect((await deps.repos.audit.list({ limit: 10 })).find((a) => a.action === 'token.create')).toMatchObject({ actor: 'system: command line', actorId: null });
    } finally {
      deps.db.close();
    }
  });

  it('setup-link prints a first-owner link only while nobody has an account; reset-password prints a reset link', async () => {
    const db = tempDatabase();
    const setup = await cli(db, 'setup-link');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toMatch(/^https:\/\/status\.example\.com\/admin\/setup\/[A-Za-z0-9_-]{43}\n$/);

    const unknown = await cli(db, 'reset-password', '--email', 'ada@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('herald: There is no account for ada@example.com.\n');

    expect((await cli(db, 'create-owner', '--email', 'ada@example.com', '--password', 'a long enough password')).code).toBe(0);
    const refused = await cli(db, 'setup-link');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('there is already an account');

    const reset = await cli(db, 'reset-password', '--email', 'ada@example.com');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^https:\/\/status\.example\.com\/admin\/reset\/[A-Za-z0-9_-]{43}\n$/);
  });

  it('refuses bad input with exit code 1 and one clear line, no stack trace', async () => {
    const cases: [string[], string][] = [
      [['create-owner', '--email', 'not-an-email', '--password', 'short'], 'herald: --email must be an email address; --password must be at least 12 characters'],
      [['create-owner', '--email', 'a@b.co'], 'herald: create-owner: --password is required.'],
      [['create-token', '--name', 'bot', '--scope', 'superuser'], 'herald: --scope must be one of owner, admin, comms, viewer'],
      [['create-token', '--name', 'bot', '--scope'], "herald: create-token: Option '--scope <value>' argument missing"],
      [['create-token', '--nmae', 'bot'], "herald: create-token: Unknown option '--nmae'"],
      [['frobnicate'], 'herald: Unknown command "frobnicate".'],
    ];
    // Independent runs, each on its own database, side by side.
    const runs = await Promise.all(cases.map(([args]) => cli(tempDatabase(), ...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i]!;
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toContain(message);
      expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('help lists every command', async () => {
    const run = await cli(tempDatabase(), 'help');
    expect(run.code).toBe(0);
    for (const command of ['create-owner', 'create-token', 'reset-password', 'setup-link', 'remove-example']) {
      expect(run.stdout).toContain(command);
    }
  });
});
