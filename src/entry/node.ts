// Node entry: `npm start`. Parses config, opens ./data/herald.db, serves Herald.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import { ConfigError, parseNodeConfig, type NodeConfig } from '../config.js';
import { initializePage } from '../services/initialize.js';
import { createNodeDeps } from './node-deps.js';

function loadConfig(): NodeConfig {
  try {
    return parseNodeConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`herald: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.databasePath !== ':memory:') mkdirSync(dirname(config.databasePath), { recursive: true });
  const deps = createNodeDeps({ config, databasePath: config.databasePath });
  const { created } = await initializePage(deps);
  if (created) {
    deps.log.info(config.demo ? 'created the page with example content' : 'created an empty page', {
      database: config.databasePath,
    });
  }
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    console.log(`Herald is running at ${config.publicUrl} (listening on port ${info.port}, database ${config.databasePath})`);
  });
  server.on('error', (error: NodeJS.ErrnoException) => {
    console.error(
      error.code === 'EADDRINUSE'
        ? `herald: port ${config.port} is already in use; set PORT to another port`
        : `herald: cannot listen: ${error.message}`,
    );
    process.exit(1);
  });

  const shutdown = (): void => {
    server.close(async () => {
      await deps.settle();
      deps.db.close();
      process.exit(0);
    });
    // Keep-alive connections would hold close() open; do not wait forever.
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`herald: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
