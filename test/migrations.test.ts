import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// drizzle-kit only understands an --out relative to the working directory.
const work = relative(process.cwd(), mkdtempSync('.tmp-migrations-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('drizzle migrations', () => {
  it('match the schema: drizzle-kit generate would write nothing new', () => {
    const out = join(work, 'drizzle');
    cpSync('drizzle', out, { recursive: true });
    const before = readdirSync(out, { recursive: true }).sort();
    const log = execFileSync(
      'npx',
      ['drizzle-kit', 'generate', '--dialect', 'sqlite', '--schema', './src/db/schema.ts', '--out', out],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    expect(log).toContain('No schema changes');
    expect(readdirSync(out, { recursive: true }).sort(), log).toEqual(before);
  }, 60_000);

  it('are flat NNNN_name.sql files that wrangler d1 migrations apply reads', () => {
    const sqlFiles = readdirSync('drizzle').filter((f) => f.endsWith('.sql'));
    expect(sqlFiles.length).toBeGreaterThan(0);
    for (const file of sqlFiles) expect(file).toMatch(/^\d{4}_[a-z0-9_]+\.sql$/);
  });

  it('0007 starts the calendar SEQUENCE of existing events where /maintenance.ics left it (seconds since creation), never lower', () => {
    const db = new Sqlite(':memory:');
    const files = readdirSync('drizzle').filter((f) => f.endsWith('.sql')).sort();
    const run = (file: string): void => {
      for (const statement of readFileSync(join('drizzle', file), 'utf8').split('--> statement-breakpoint')) if (statement.trim()) db.exec(statement);
    };
    for (const file of files.filter((f) => f < '0007')) run(file);
    const insert = db.prepare(
      "INSERT INTO incidents (id, kind, title, impact, status, started_at, created_at, updated_at) VALUES (?, 'maintenance', 'Upgrade', 'maintenance', 'scheduled', 0, ?, ?)",
    );
    insert.run('changed', 1_000_000, 1_000_000 + 1_684_500);
    insert.run('untouched', 2_000_000, 2_000_000);
    run(files.find((f) => f.startsWith('0007'))!);
    const rows = db.prepare('SELECT id, sequence FROM incidents ORDER BY id').all();
    expect(rows).toEqual([
      { id: 'changed', sequence: 1684 },
      { id: 'untouched', sequence: 0 },
    ]);
    db.close();
  });
});
