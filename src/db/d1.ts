// The Cloudflare D1 driver. Migrations are applied by wrangler from drizzle/.
import type { D1Database } from '@cloudflare/workers-types';
import { drizzle } from 'drizzle-orm/d1';
import type { Database, Orm } from './database.js';
import * as schema from './schema.js';

export function openD1(binding: D1Database): Database {
  const orm = drizzle(binding, { schema });
  return {
    orm: orm as unknown as Orm,
    async atomic(statements) {
      if (statements.length === 0) return;
      // D1 runs a batch as one implicit transaction: all statements or none.
      await orm.batch(statements as unknown as Parameters<typeof orm.batch>[0]);
    },
    async claim(statement) {
      const result = await (statement as unknown as { run(): Promise<{ meta: { changes: number } }> }).run();
      return result.meta.changes;
    },
    close() {},
  };
}
