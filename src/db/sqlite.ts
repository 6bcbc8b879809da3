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
    close() {
      sqlite.close();
    },
  };
}
