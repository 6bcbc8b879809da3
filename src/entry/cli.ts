// `npm run admin -- <command>`: administration from the shell, on the Node database.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseNodeConfig } from '../config.js';
import { AppError } from '../lib/errors.js';
import { createOwner, createResetLinkForEmail, createSetupLink } from '../services/auth/accounts.js';
import { createApiToken, type CreateTokenInput } from '../services/auth/api-tokens.js';
import { removeExampleContent } from '../services/example-page.js';
import { initializePage } from '../services/initialize.js';
import { createNodeDeps } from './node-deps.js';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-owner --email <email> --password <password> [--name <name>]
                   Create an owner account (also on a fresh database).
                   The password needs at least 12 characters.
  create-token --name <name> --scope <owner|admin|comms|viewer>
                   Create a management API token with the rights of that
                   role. Prints only the token, once.
  reset-password --email <email>
                   Print a one-time link (valid 24 hours) to choose a new
                   password; the account's sessions end at once.
  setup-link       Print a one-time link (valid 1 hour) to create the first
                   owner in the browser, while nobody has an account yet.
  remove-example   Remove the example content created on first start
  help             Show this help

The database is DATABASE_PATH (default ./data/herald.db); links start with
PUBLIC_URL. To capture the output in a script, keep npm quiet:
  TOKEN=$(npm run -s admin -- create-token --name deploy-bot --scope comms)`;

/** A mistake in how the command was called: one line, then a pointer to the help. */
class UsageError extends Error {}

type OptionSpec = Record<string, { type: 'string'; required?: boolean }>;

const COMMANDS: Record<string, OptionSpec> = {
  'create-owner': { email: { type: 'string', required: true }, password: { type: 'string', required: true }, name: { type: 'string' } },
  'create-token': { name: { type: 'string', required: true }, scope: { type: 'string', required: true } },
  'reset-password': { email: { type: 'string', required: true } },
  'setup-link': {},
  'remove-example': {},
};

/** The command's options, checked before the database is opened. */
function optionsFor(command: string, args: string[]): Record<string, string | undefined> {
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`Unknown command "${command}".`);
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args, options: Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, { type: v.type }])), strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`${command}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
  const missing = Object.entries(spec).filter(([key, v]) => v.required && (typeof values[key] !== 'string' || values[key] === '')).map(([key]) => `--${key}`);
  if (missing.length) throw new UsageError(`${command}: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required.`);
  return values as Record<string, string | undefined>;
}

/** Input errors named by their flags: "--email must be an email address". */
function describe(error: AppError): string {
  const fields = Object.entries(error.fields ?? {}).filter(([key]) => key !== '_');
  if (!fields.length) return error.message;
  return fields.map(([key, messages]) => `--${key} ${messages.join(', ')}`).join('; ');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  const options = optionsFor(command, rest);
  const config = parseNodeConfig(process.env);
  const baseUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  if (config.databasePath !== ':memory:') mkdirSync(dirname(config.databasePath), { recursive: true });
  // The CLI must never seed: it acts on the page as it is.
  const deps = createNodeDeps({ config: { ...config, demo: false }, databasePath: config.databasePath });
  try {
    // Every command works on a fresh database: create the (empty) page first.
    await initializePage(deps);
    switch (command) {
      case 'create-owner': {
        const user = await createOwner(deps, { email: options.email!, password: options.password!, ...(options.name !== undefined ? { name: options.name } : {}) });
        console.log(`Created the owner account for ${user.name} <${user.email}>. Sign in at ${baseUrl}/admin/login`);
        return 0;
      }
      case 'create-token': {
        // Only the token on stdout, so scripts can capture it.
        const { token } = await createApiToken(deps, null, { name: options.name!, scope: options.scope! } as CreateTokenInput);
        console.log(token);
        return 0;
      }
      case 'reset-password': {
        const { user, link } = await createResetLinkForEmail(deps, null, options.email);
        console.log(`${baseUrl}/admin/reset/${link}`);
        console.error(`One-time link for ${user.email}, valid for 24 hours; their sessions have ended.`);
        return 0;
      }
      case 'setup-link': {
        const token = await createSetupLink(deps);
        if (!token) {
          throw new UsageError('setup-link: there is already an account. Sign in, or use reset-password --email <email> or create-owner.');
        }
        console.log(`${baseUrl}/admin/setup/${token}`);
        console.error('One-time link to create the owner account, valid for 1 hour.');
        return 0;
      }
      case 'remove-example': {
        await removeExampleContent(deps);
        console.log('Removed the example content. The page and anything you created are kept.');
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } finally {
    deps.db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One clear line, never a stack trace.
    const message =
      error instanceof UsageError
        ? `${error.message} Run "npm run admin -- help" for usage.`
        : error instanceof AppError
          ? describe(error)
          : error instanceof ConfigError || error instanceof Error
            ? error.message
            : String(error);
    console.error(`herald: ${message.replace(/\s*\n\s*/g, ' ')}`);
    process.exit(1);
  },
);
