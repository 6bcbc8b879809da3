// `npm run admin -- <command>`: administration from the shell, on the Node database.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, parseNodeConfig } from '../config.js';
import { removeExampleContent } from '../services/example-page.js';
import { initializePage } from '../services/initialize.js';
import { createNodeDeps } from './node-deps.js';

const USAGE = `Usage: npm run admin -- <command>

Commands:
  remove-example   Remove the example content created on first start
  help             Show this help

The database is DATABASE_PATH (default ./data/herald.db).`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  const config = parseNodeConfig(process.env);
  if (config.databasePath !== ':memory:') mkdirSync(dirname(config.databasePath), { recursive: true });
  // The CLI must never seed: it acts on the page as it is.
  const deps = createNodeDeps({ config: { ...config, demo: false }, databasePath: config.databasePath });
  try {
    switch (command) {
      case 'remove-example': {
        await initializePage(deps);
        await removeExampleContent(deps);
        console.log('Removed the example content. The page and anything you created are kept.');
        return 0;
      }
      default:
        console.error(`Unknown command "${command}".\n\n${USAGE}`);
        return 1;
    }
  } finally {
    deps.db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`herald: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
