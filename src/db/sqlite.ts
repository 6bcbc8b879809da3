// The better-sqlite3 driver: the only file outside entry/ that knows it.
import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Database, Orm } from './database.js';
import * as schema from './schema.js';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** Folder holding drizzle's migrations. */
  migrationsFolder: string;
}

export function openSqlite(options: SqliteOptions): Database {
  const sqlite = new BetterSqlite3(options.path);
  // WAL lets readers (the public page) run while a writer publishes; the busy
  // timeout makes concurrent writers from other processes wait instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const orm = drizzle(sqlite, { schema });
  migrate(orm, { migrationsFolder: options.migrationsFolder });
  const runAll = sqlite.transaction((statements: readonly { run(): unknown }[]) => {
    for (const statement of statements) statement.run();
  });
  return {
    orm: orm as unknown as Orm,
    async atomic(statements) {
      // Synchronous transaction: a throw inside rolls every statement back.
      runAll(statements as unknown as readonly { run(): unknown }[]);
    },
    async claim(statement) {
      return (statement as unknown as { run(): { changes: number } }).run().changes;
    },
    close() {
      sqlite.close();
    },
  };
}

// --- Maintenance of the database file (the `backup` and `restore` commands) ---

/**
 * Writes a consistent snapshot of the database at `sourcePath` to `targetPath`
 * (which must not exist) with `VACUUM INTO`: one read transaction, so Herald
 * keeps serving and writing meanwhile (WAL), and the copy holds every
 * transaction committed before it started and none after. The source is not
 * migrated or otherwise changed (`readonly` for a file that must not even be
 * opened for writing, such as a backup being restored). The copy is one
 * self-contained file (rollback journal mode; Herald turns WAL on when it
 * opens it).
 */
export function snapshotSqlite(sourcePath: string, targetPath: string, options: { readonly?: boolean } = {}): void {
  const sqlite = new BetterSqlite3(sourcePath, { fileMustExist: true, readonly: options.readonly ?? false });
  try {
    sqlite.pragma('busy_timeout = 5000');
    sqlite.prepare('VACUUM INTO ?').run(targetPath);
  } finally {
    sqlite.close();
  }
}

export interface SqliteFileReport {
  /** `PRAGMA integrity_check`: 'ok', or the problems found. */
  integrity: string;
  /** Whether it has Herald's tables (settings and the migrations journal). */
  isHerald: boolean;
  /** `created_at` of each applied migration (drizzle's journal `when`), oldest first. */
  migrations: number[];
}

/** Checks a database file without changing it (a backup before restoring it, or after writing it). */
export function inspectSqlite(path: string): SqliteFileReport {
  const sqlite = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const rows = sqlite.prepare('PRAGMA integrity_check').pluck().all() as string[];
    const tables = new Set(sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    const isHerald = tables.has('settings') && tables.has('__drizzle_migrations');
    const migrations = isHerald
      ? (sqlite.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at').pluck().all() as (number | bigint)[]).map(Number)
      : [];
    return { integrity: rows.join('; '), isHerald, migrations };
  } finally {
    sqlite.close();
  }
}

/**
 * Opens the database alone, or returns false at once if any other connection
 * (a running Herald, the CLI) has it open: in WAL mode every open connection
 * holds a shared lock, so an exclusive one is granted only to a sole user.
 * When it is granted, the connection is closed again cleanly, which folds the
 * -wal file into the database and removes -wal and -shm: afterwards the file
 * alone is the whole database.
 */
export function closeIfUnused(path: string): boolean {
  const sqlite = new BetterSqlite3(path, { fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 0');
    sqlite.pragma('locking_mode = EXCLUSIVE');
    try {
      sqlite.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) return false;
      throw error;
    }
    sqlite.exec('COMMIT');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return true;
  } finally {
    sqlite.close();
  }
}
