// `npm run admin -- <command>`: administration from the shell, on the Node database.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseNodeConfig } from '../config.js';
import { closeIfUnused, inspectSqlite, snapshotSqlite } from '../db/sqlite.js';
import { AppError } from '../lib/errors.js';
import { createOwner, createResetLinkForEmail, createSetupLink } from '../services/auth/accounts.js';
import { systemActor } from '../services/auth/actor.js';
import { createApiToken, type CreateTokenInput } from '../services/auth/api-tokens.js';
import { removeExampleContent } from '../services/settings/example-page.js';
import { initializePage } from '../services/settings/initialize.js';
import { createNodeDeps, MIGRATIONS_DIR } from './node-deps.js';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  create-owner --email <email> --password <password> [--name <name>]
                   Create an owner account (also on a fresh database).
                   The password needs at least 12 characters.
  create-token --name <name> --scope <owner|admin|comms|viewer|alerts>
                   Create a management API token with the rights of that
                   role. Prints only the token, once.
  reset-password --email <email>
                   Print a one-time link (valid 24 hours) to choose a new
                   password; the account's sessions end at once.
  setup-link       Print a one-time link (valid 1 hour) to create the first
                   owner in the browser, while nobody has an account yet.
  remove-example   Remove the example content created on first start
  backup <file> [--force]
                   Write a consistent snapshot of the database to <file>
                   while Herald keeps running. Refuses to overwrite an
                   existing file unless --force.
  restore <file>   Replace the database with the backup <file>, after
                   checking it. Stop Herald first (restore refuses while the
                   database is open); the replaced database is kept next to
                   it as <name>.before-restore-<time>.
  help             Show this help

The database is DATABASE_PATH (default ./data/herald.db); links start with
PUBLIC_URL. To capture the output in a script, keep npm quiet:
  TOKEN=$(npm run -s admin -- create-token --name deploy-bot --scope comms)`;

/** A mistake in how the command was called: one line, then a pointer to the help. */
class UsageError extends Error {}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; required?: boolean }>;

/** Each command's options, and the name of its one positional argument (if it takes one). */
const COMMANDS: Record<string, { options: OptionSpec; positional?: string }> = {
  'create-owner': { options: { email: { type: 'string', required: true }, password: { type: 'string', required: true }, name: { type: 'string' } } },
  'create-token': { options: { name: { type: 'string', required: true }, scope: { type: 'string', required: true } } },
  'reset-password': { options: { email: { type: 'string', required: true } } },
  'setup-link': { options: {} },
  'remove-example': { options: {} },
  backup: { options: { force: { type: 'boolean' } }, positional: 'file' },
  restore: { options: {}, positional: 'file' },
};

interface Parsed {
  options: Record<string, string | boolean | undefined>;
  /** The positional argument, for commands that take one. */
  argument: string;
}

/** The command's options, checked before the database is opened. */
function optionsFor(command: string, args: string[]): Parsed {
  const entry = COMMANDS[command];
  if (!entry) throw new UsageError(`Unknown command "${command}".`);
  const spec = entry.options;
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, { type: v.type }])),
      strict: true,
      allowPositionals: entry.positional !== undefined,
    }));
  } catch (error) {
    throw new UsageError(`${command}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
  const missing = Object.entries(spec).filter(([key, v]) => v.required && (typeof values[key] !== 'string' || values[key] === '')).map(([key]) => `--${key}`);
  if (missing.length) throw new UsageError(`${command}: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required.`);
  if (entry.positional !== undefined) {
    if (positionals.length !== 1 || positionals[0] === '') {
      throw new UsageError(`${command}: ${positionals.length > 1 ? `takes one <${entry.positional}>, not ${positionals.length}` : `<${entry.positional}> is required`}.`);
    }
  }
  return { options: values as Parsed['options'], argument: positionals[0] ?? '' };
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
  const { options: flags, argument } = optionsFor(command, rest);
  const options = flags as Record<string, string | undefined>;
  const config = parseNodeConfig(process.env);
  const baseUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  // These two work on the file as it is: no migrations, no page created.
  if (command === 'backup') return backup(config.databasePath, argument, flags.force === true);
  if (command === 'restore') return restore(config.databasePath, argument);
  if (config.databasePath !== ':memory:') mkdirSync(dirname(config.databasePath), { recursive: true });
  // The CLI must never seed: it acts on the page as it is.
  const deps = createNodeDeps({ config: { ...config, demo: false }, databasePath: config.databasePath });
  // Whoever can run this can open the database: the audit log names the command line.
  const actor = systemActor('command line');
  try {
    // Every command works on a fresh database: create the (empty) page first.
    await initializePage(deps);
    switch (command) {
      case 'create-owner': {
        const user = await createOwner(deps, { email: options.email!, password: options.password!, ...(options.name !== undefined ? { name: options.name } : {}) }, actor);
        console.log(`Created the owner account for ${user.name} <${user.email}>. Sign in at ${baseUrl}/admin/login`);
        return 0;
      }
      case 'create-token': {
        // Only the token on stdout, so scripts can capture it.
        const { token } = await createApiToken(deps, actor, { name: options.name!, scope: options.scope! } as CreateTokenInput);
        console.log(token);
        return 0;
      }
      case 'reset-password': {
        const { user, link } = await createResetLinkForEmail(deps, actor, options.email);
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
        await removeExampleContent(deps, actor);
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

/** "48.0 KB (49152 bytes)". */
function size(path: string): string {
  const bytes = statSync(path).size;
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

/** Flushes a file (or a folder's entry list) to disk, so a rename that follows cannot leave an empty file after a crash. */
function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the file itself was flushed.
  } finally {
    closeSync(fd);
  }
}

function needsFile(databasePath: string, command: string): string {
  if (databasePath === ':memory:') throw new UsageError(`${command}: DATABASE_PATH is :memory:, which has no file.`);
  return resolve(databasePath);
}

/** The migrations this version of Herald knows (drizzle's journal). */
function knownMigrations(): number[] {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
  return journal.entries.map((e) => e.when);
}

/**
 * `backup <file>`: VACUUM INTO a temporary file next to the target, check it,
 * flush it, then rename it into place, so <file> is either absent or a whole,
 * checked snapshot.
 */
function backup(databasePath: string, file: string, force: boolean): number {
  const source = needsFile(databasePath, 'backup');
  const target = resolve(file);
  if (!existsSync(source)) throw new Error(`backup: there is no database at ${databasePath} (DATABASE_PATH).`);
  if (target === source || target.startsWith(`${source}-`)) throw new UsageError('backup: <file> must not be the database itself.');
  if (existsSync(target) && !force) throw new Error(`backup: ${file} already exists; pass --force to overwrite it.`);
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.partial-${process.pid}`;
  rmSync(temporary, { force: true });
  try {
    snapshotSqlite(source, temporary);
    const report = inspectSqlite(temporary);
    if (report.integrity !== 'ok') throw new Error(`backup: the snapshot failed its integrity check: ${report.integrity}`);
    fsyncPath(temporary);
    renameSync(temporary, target);
    fsyncPath(dirname(target));
  } finally {
    rmSync(temporary, { force: true });
  }
  console.log(`Backed up ${databasePath} to ${target}: ${size(target)}.`);
  return 0;
}

/**
 * `restore <file>`: checks the backup, refuses while anything has the
 * database open, moves the current database aside (kept, never deleted) and
 * puts a copy of the backup in its place, with no -wal or -shm left over.
 */
function restore(databasePath: string, file: string): number {
  const target = needsFile(databasePath, 'restore');
  const backupFile = resolve(file);
  if (!existsSync(backupFile)) throw new Error(`restore: there is no file ${file}.`);
  if (backupFile === target) throw new UsageError('restore: <file> is the database itself.');
  let report;
  try {
    report = inspectSqlite(backupFile);
  } catch (error) {
    throw new Error(`restore: ${file} is not a readable SQLite database (${error instanceof Error ? error.message : String(error)}). Nothing was changed.`);
  }
  if (report.integrity !== 'ok') throw new Error(`restore: ${file} failed its integrity check (${report.integrity}). Nothing was changed.`);
  if (!report.isHerald) throw new Error(`restore: ${file} is not a Herald database. Nothing was changed.`);
  const known = new Set(knownMigrations());
  const unknown = report.migrations.filter((m) => !known.has(m));
  if (unknown.length) {
    throw new Error(`restore: ${file} was written by a newer Herald (${unknown.length} migration(s) this version does not know). Upgrade Herald first. Nothing was changed.`);
  }

  let keptAs: string | null = null;
  if (existsSync(target)) {
    if (!closeIfUnused(target)) {
      throw new Error(`restore: ${databasePath} is in use (is Herald running?). Stop Herald, then run restore again. Nothing was changed.`);
    }
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    keptAs = `${target}.before-restore-${stamp}`;
    renameSync(target, keptAs);
  } else {
    mkdirSync(dirname(target), { recursive: true });
  }
  // Leftovers of the old database must never be applied to the restored one.
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(target + suffix)) {
      if (keptAs) renameSync(target + suffix, keptAs + suffix);
      else rmSync(target + suffix, { force: true });
    }
  }
  const temporary = `${target}.restoring-${process.pid}`;
  try {
    // A snapshot of the backup rather than a byte copy: it includes a -wal next
    // to the backup if there is one, and the backup is only ever read.
    snapshotSqlite(backupFile, temporary, { readonly: true });
    fsyncPath(temporary);
    renameSync(temporary, target);
    fsyncPath(dirname(target));
  } finally {
    rmSync(temporary, { force: true });
  }
  const missing = known.size - report.migrations.length;
  console.log(`Restored ${databasePath} from ${backupFile}: ${size(target)}.`);
  if (keptAs) console.log(`The database it replaced is kept as ${keptAs}.`);
  console.log(missing > 0 ? `Start Herald; it applies the ${missing} newer migration(s) at start.` : 'Start Herald.');
  return 0;
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
