// Node entry: `npm start`. Parses config, opens ./data/herald.db, serves Herald.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import { ConfigError, parseNodeConfig, type NodeConfig } from '../config.js';
import { createSetupLink } from '../services/auth/accounts.js';
import { runBackgroundTick } from '../services/background.js';
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

const BACKGROUND_INTERVAL_MS = 30_000;

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
  // Nobody can sign in yet: print a one-time link to create the owner (a new one each start until then).
  const setupToken = await createSetupLink(deps);
  if (setupToken) {
    console.log(`Create the owner account: ${config.publicUrl}/admin/setup/${setupToken} (valid for 1 hour)`);
    console.log(`  or from a shell: npm run admin -- create-owner --email you@example.com --password '<at least 12 characters>'`);
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

  // Background work (the maintenance clock): now, then every 30 s. A tick
  // still running when the next is due is not doubled; errors are logged by
  // the tick itself. unref: the timer alone never keeps the process alive.
  let backgroundTick: Promise<unknown> | null = null;
  const tick = (): void => {
    backgroundTick ??= runBackgroundTick(deps)
      .catch((error: unknown) => deps.log.error('background tick failed', { error: String(error) }))
      .finally(() => (backgroundTick = null));
  };
  const background = setInterval(tick, BACKGROUND_INTERVAL_MS);
  background.unref();
  tick();

  const shutdown = (): void => {
    clearInterval(background);
    server.close(async () => {
      await backgroundTick;
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
