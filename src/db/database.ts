import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';

/** A drizzle database on either driver (better-sqlite3 is sync, D1 async; both can be awaited). */
export type Orm = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>;

export type Statement = BatchItem<'sqlite'>;

/**
 * The one database handle the core sees. Interactive transactions do not exist
 * on D1 and better-sqlite3's are synchronous, so shared code never calls
 * `orm.transaction()`: a write that must be atomic is a list of statements
 * handed to `atomic`, which each driver implements its own way.
 */
export interface Database {
  readonly orm: Orm;
  /** Runs every statement or none. */
  atomic(statements: readonly Statement[]): Promise<void>;
  /**
   * Runs one statement on its own and returns how many rows it changed: the
   * way to claim something exactly once (a conditional UPDATE or INSERT ...
   * SELECT that only one of many concurrent callers can win).
   */
  claim(statement: Statement): Promise<number>;
  /** Releases the connection (a no-op where the runtime owns it). */
  close(): void;
}
