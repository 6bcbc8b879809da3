// The repository contract on better-sqlite3 (the Node driver), in memory.
import { openSqlite } from '../../src/db/sqlite.js';
import { MIGRATIONS_DIR } from '../../src/entry/node-deps.js';
import { deliveriesContract } from './deliveries-contract.js';
import { repoContract } from './repo-contract.js';

repoContract('better-sqlite3', async () => {
  const db = openSqlite({ path: ':memory:', migrationsFolder: MIGRATIONS_DIR });
  return { db, close: () => db.close() };
});

deliveriesContract('better-sqlite3', async () => {
  const db = openSqlite({ path: ':memory:', migrationsFolder: MIGRATIONS_DIR });
  return { db, close: () => db.close() };
});
