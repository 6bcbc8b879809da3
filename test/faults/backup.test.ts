// `npm run admin -- backup <file>` takes a consistent snapshot while Herald runs
// and keeps writing; `restore <file>` (and the manual procedure in
// docs/operations.md) puts it back, and Herald serves the restored content.
import { copyFileSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, cli, createToken, getFresh, killAll, knownMigrations, removeTempDirs, startHerald, tempDir, type Herald } from './support.js';

let dir: string;
let databasePath: string;
let backupPath: string;
let token: string;
let herald: Herald | null = null;
/** Titles acknowledged (201) before the backup command started: the backup must hold each. */
let beforeBackup: string[] = [];
/** Every title acknowledged while the backup ran (some may be in it, some not). */
let duringBackup: string[] = [];

beforeAll(async () => {
  dir = tempDir();
  databasePath = join(dir, 'data', 'herald.db');
  backupPath = join(dir, 'backups', 'herald-snapshot.db');
  token = await createToken(databasePath, 'admin');
  herald = await startHerald(databasePath);
});

afterAll(() => {
  killAll();
  removeTempDirs();
});

function declare(title: string): Promise<{ status: number; body: unknown }> {
  return api(herald!.url, token, 'POST', '/incidents', { title, severity: 3, body: `Update for ${title}.` });
}

/** Opens a database file read-only and returns what the checks need. */
function readDatabase(path: string): { integrity: string; migrations: number[]; titles: string[]; incidentsWithoutUpdates: number } {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      migrations: (db.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at').pluck().all() as number[]).map(Number),
      titles: db.prepare('SELECT title FROM incidents').pluck().all() as string[],
      incidentsWithoutUpdates: db
        .prepare('SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM incident_updates u WHERE u.incident_id = i.id)')
        .pluck()
        .get() as number,
    };
  } finally {
    db.close();
  }
}

describe('backup and restore', { timeout: 120_000 }, () => {
  it('backup takes a consistent snapshot while Herald keeps writing', async () => {
    for (let i = 1; i <= 5; i++) {
      const title = `Before the backup ${i}`;
      expect((await declare(title)).status).toBe(201);
      beforeBackup.push(title);
    }

    // Keep writing through the API, four at a time, until the backup is done (bounded in count).
    let writing = true;
    let n = 0;
    const failures: number[] = [];
    const writers = Array.from({ length: 4 }, async () => {
      while (writing && n < 2_000) {
        const title = `During the backup ${++n}`;
        const { status } = await declare(title);
        if (status === 201) duringBackup.push(title);
        else failures.push(status);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // writes are flowing
    const acknowledgedBefore = [...beforeBackup, ...duringBackup];
    const started = Date.now();
    const run = await cli(databasePath, ['backup', backupPath]);
    const backupMs = Date.now() - started;
    writing = false;
    await Promise.all(writers);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const size = statSync(backupPath).size;
    expect(run.stdout).toBe(`Backed up ${databasePath} to ${backupPath}: ${(size / 1024).toFixed(1)} KB (${size} bytes).\n`);
    expect(failures).toEqual([]);
    // The writes really overlapped the backup.
    expect(duringBackup.length).toBeGreaterThan(acknowledgedBefore.length - beforeBackup.length);
    expect(backupMs).toBeLessThan(30_000);

    const snapshot = readDatabase(backupPath);
    expect(snapshot.integrity).toBe('ok');
    expect(snapshot.migrations).toEqual(knownMigrations());
    // Everything acknowledged before the backup began is in it; every incident in it is whole.
    for (const title of acknowledgedBefore) expect(snapshot.titles).toContain(title);
    expect(snapshot.incidentsWithoutUpdates).toBe(0);
    // Nothing but whole files next to the snapshot (no partial or temporary ones).
    expect(readdirSync(dirname(backupPath))).toEqual(['herald-snapshot.db']);
    // And it is a snapshot: writes after it are not in it.
    expect(snapshot.titles.length).toBeLessThanOrEqual(beforeBackup.length + duringBackup.length);
  });

  it('refuses to overwrite an existing file unless --force', async () => {
    const before = statSync(backupPath);
    const refused = await cli(databasePath, ['backup', backupPath]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(`herald: backup: ${backupPath} already exists; pass --force to overwrite it.\n`);
    expect(statSync(backupPath).mtimeMs).toBe(before.mtimeMs);

    const forced = join(dir, 'backups', 'forced.db');
    copyFileSync(backupPath, forced);
    expect((await declare('Only in the forced backup')).status).toBe(201);
    const run = await cli(databasePath, ['backup', forced, '--force']);
    expect(run.code).toBe(0);
    expect(readDatabase(forced).titles).toContain('Only in the forced backup');
    rmSync(forced);
  });

  it('restore refuses while Herald has the database open, and changes nothing', async () => {
    const run = await cli(databasePath, ['restore', backupPath]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`herald: restore: ${databasePath} is in use (is Herald running?). Stop Herald, then run restore again. Nothing was changed.\n`);
    expect(readdirSync(dirname(databasePath)).filter((f) => f.includes('before-restore'))).toEqual([]);
    expect((await getFresh(`${herald!.url}/`)).body).toContain('Only in the forced backup');
  });

  it('restore (Herald stopped) puts the snapshot back; Herald then serves the restored content', async () => {
    expect((await declare('Declared after the backup')).status).toBe(201);
    expect(await herald!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    herald = null;

    const run = await cli(databasePath, ['restore', backupPath]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const kept = readdirSync(dirname(databasePath)).filter((f) => f.includes('.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(run.stdout).toContain(`Restored ${databasePath} from ${backupPath}`);
    expect(run.stdout).toContain(`The database it replaced is kept as ${join(dirname(databasePath), kept[0]!)}.`);
    // The file alone is the database: no -wal or -shm of the old one beside it.
    expect(readdirSync(dirname(databasePath)).sort()).toEqual(['herald.db', kept[0]!]);
    // The replaced database is whole, with the writes made after the backup.
    expect(readDatabase(join(dirname(databasePath), kept[0]!)).titles).toContain('Declared after the backup');

    herald = await startHerald(databasePath);
    const page = await getFresh(`${herald.url}/`);
    expect(page.status).toBe(200);
    for (const title of beforeBackup) expect(page.body).toContain(title);
    expect(page.body).not.toContain('Declared after the backup');
    expect(page.body).not.toContain('Only in the forced backup');
    // The restored Herald takes writes again.
    expect((await declare('Declared after the restore')).status).toBe(201);
    expect((await getFresh(`${herald.url}/`)).body).toContain('Declared after the restore');
  });

  it('refuses bad calls and bad files with one line, changing nothing', async () => {
    const notDatabase = join(dir, 'notes.txt');
    writeFileSync(notDatabase, 'not a database');
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const missing = join(dir, 'nowhere', 'herald.db');
    const cases: [string, string[], string][] = [
      [databasePath, ['backup'], 'herald: backup: <file> is required. Run "npm run admin -- help" for usage.'],
      [databasePath, ['backup', 'a.db', 'b.db'], 'herald: backup: takes one <file>, not 2. Run "npm run admin -- help" for usage.'],
      [databasePath, ['backup', databasePath, '--force'], 'herald: backup: <file> must not be the database itself. Run "npm run admin -- help" for usage.'],
      [missing, ['backup', join(dir, 'x.db')], `herald: backup: there is no database at ${missing} (DATABASE_PATH).`],
      [databasePath, ['restore', join(dir, 'absent.db')], `herald: restore: there is no file ${join(dir, 'absent.db')}.`],
      [databasePath, ['restore', notDatabase], `herald: restore: ${notDatabase} is not a readable SQLite database (file is not a database). Nothing was changed.`],
      [databasePath, ['restore', empty], `herald: restore: ${empty} is not a Herald database. Nothing was changed.`],
    ];
    const runs = await Promise.all(cases.map(([db, args]) => cli(db, args)));
    for (const [i, [, args, line]] of cases.entries()) {
      expect(runs[i]!.code, args.join(' ')).toBe(1);
      expect(runs[i]!.stdout, args.join(' ')).toBe('');
      expect(runs[i]!.stderr, args.join(' ')).toBe(`${line}\n`);
    }
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
    expect(existsSync(missing)).toBe(false);
  });

  it('the manual procedure works too: stop, copy the backup over the file, remove -wal/-shm, start', async () => {
    expect(await herald!.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    herald = null;
    copyFileSync(backupPath, databasePath);
    for (const suffix of ['-wal', '-shm']) rmSync(databasePath + suffix, { force: true });
    herald = await startHerald(databasePath);
    const page = await getFresh(`${herald.url}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Before the backup 1');
    expect(page.body).not.toContain('Declared after the restore');
    const snapshot = readDatabase(databasePath);
    expect(snapshot.integrity).toBe('ok');
    expect(existsSync(backupPath)).toBe(true);
    expect(await herald.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    herald = null;
  });
});
