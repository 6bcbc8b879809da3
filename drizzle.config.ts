import { defineConfig } from 'drizzle-kit';

// Migrations are generated into drizzle/ as flat 0000_name.sql files, which both
// drizzle's better-sqlite3 migrator and `wrangler d1 migrations apply` read.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
