import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
});
