import { z } from 'zod';
import { isValidTimeZone } from './domain/calendar.js';

/**
 * Configuration from the environment, parsed once per entry (Node: process.env;
 * Workers: the env bindings) and injected. Nothing reads the environment at
 * request time.
 */

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'must be one of 1/0, true/false, yes/no, on/off',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://status.example.com' })
  .transform((v) => v.replace(/\/+$/, ''));

/** "Status <status@example.com>" or "status@example.com". */
const MAIL_FROM_PATTERN = /^(?:[^<>\r\n]{1,100} <[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/;

/** HERALD_WORKERS above this is surely a typo (each process holds its own caches and connection). */
const MAX_WORKERS = 64;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  HERALD_ENV: z.enum(['development', 'production', 'test']).optional(),
  HERALD_DEMO: flag.optional(),
  PUBLIC_URL: httpUrl.optional(),
  HERALD_PAGE_NAME: z.string().trim().min(1).max(100).optional(),
  HERALD_TIME_ZONE: z
    .string()
    .refine(isValidTimeZone, { error: 'must be an IANA time zone such as Europe/Berlin or UTC' })
    .optional(),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int()
    .min(1, { error: 'must be between 1 and 65535' })
    .max(65535, { error: 'must be between 1 and 65535' })
    .optional(),
  HOST: z.string().min(1).optional(),
  DATABASE_PATH: z.string().min(1).optional(),
  HERALD_WORKERS: z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => v === 'auto' || (/^[0-9]+$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_WORKERS), {
      error: `must be a number of processes from 1 to ${MAX_WORKERS}, or auto (one per CPU core)`,
    })
    .transform((v): number | 'auto' => (v === 'auto' ? 'auto' : Number(v)))
    .optional(),
  RESEND_API_KEY: z
    .string()
    .trim()
    .regex(/^re_[A-Za-z0-9_]+$/, { error: 'must be a Resend API key (it starts with re_)' })
    .optional(),
  RESEND_BASE_URL: httpUrl.optional(),
  RESEND_WEBHOOK_SECRET: z
    .string()
    .trim()
    .regex(/^(whsec_)?[A-Za-z0-9+/=]{16,}$/, { error: 'must be the signing secret Resend shows for the webhook (whsec_...)' })
    .optional(),
  MAIL_FROM: z
    .string()
    .trim()
    .regex(MAIL_FROM_PATTERN, { error: 'must be an address such as "Example Status <status@example.com>"' })
    .optional(),
  MAIL_RATE_LIMIT: z.coerce
    .number({ error: 'must be a number of requests per second' })
    .min(0, { error: 'must be 0 (no limit) or more' })
    .max(1000, { error: 'must be at most 1000' })
    .optional(),
  MAIL_DIR: z.string().min(1).optional(),
  OUTBOUND_ALLOW_LOOPBACK: z
    .enum(['0', '1'], { error: 'must be 1 (allow plain http to loopback destinations, for development and tests) or 0 (the default)' })
    .transform((v) => v === '1')
    .optional(),
});

export interface MailConfig {
  /** Send through Resend with this key; null: the local transport (Node writes files under mailDir). */
  resendApiKey: string | null;
  /** Resend's API base URL (the SDK's default when null); tests point it at a local fake. */
  resendBaseUrl: string | null;
  /** The From header of every email. */
  from: string;
  /** Provider requests per second (each carries up to 100 emails); 0 for no limit. */
  rateLimit: number;
  /** Verifies /webhooks/resend; null leaves the endpoint off (404). */
  webhookSecret: string | null;
}

export interface OutboundConfig {
  /**
   * OUTBOUND_ALLOW_LOOPBACK=1: destinations may be plain http on a loopback
   * address (development and tests, with a local fake receiver). Off by
   * default: destinations must be https to a public address.
   */
  allowLoopback: boolean;
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  /** Create the example page on first start with an empty database. */
  demo: boolean;
  /** The page's public base URL, without trailing slash; null to derive it from requests. */
  publicUrl: string | null;
  /** Used only when the page settings are first created. */
  initialPageName: string;
  initialTimeZone: string;
  mail: MailConfig;
  /** Requests to the company's own channels (destinations). */
  outbound: OutboundConfig;
}

export interface NodeConfig extends AppConfig {
  port: number;
  host: string | undefined;
  databasePath: string;
  /**
   * HTTP processes (HERALD_WORKERS): 1 serves from the one process; more (or
   * 'auto', one per core, resolved by the Node entry) fork that many workers
   * sharing the port.
   */
  workers: number | 'auto';
  /** Where the local mail transport writes messages when there is no Resend key. */
  mailDir: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function parseEnv(env: Record<string, unknown>): z.infer<typeof EnvSchema> {
  // Empty strings mean "not set", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string' && v !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      return `${key}=${JSON.stringify(cleaned[key])} ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

export function parseAppConfig(env: Record<string, unknown>): AppConfig {
  const parsed = parseEnv(env);
  const mode = parsed.HERALD_ENV ?? parsed.NODE_ENV ?? 'development';
  return {
    env: mode,
    // Production never gets example content, whatever HERALD_DEMO says.
    demo: mode !== 'production' && (parsed.HERALD_DEMO ?? true),
    publicUrl: parsed.PUBLIC_URL ?? null,
    initialPageName: parsed.HERALD_PAGE_NAME ?? 'Herald',
    initialTimeZone: parsed.HERALD_TIME_ZONE ?? 'UTC',
    mail: mailConfig(parsed),
    outbound: { allowLoopback: parsed.OUTBOUND_ALLOW_LOOPBACK ?? false },
  };
}

function mailConfig(parsed: z.infer<typeof EnvSchema>): MailConfig {
  const resendApiKey = parsed.RESEND_API_KEY ?? null;
  if (resendApiKey && !parsed.PUBLIC_URL) {
    throw new ConfigError(
      'Invalid configuration: RESEND_API_KEY is set but PUBLIC_URL is not; emails link to the page, so set PUBLIC_URL to its public address, such as https://status.example.com',
    );
  }
  if (resendApiKey && !parsed.MAIL_FROM) {
    throw new ConfigError(
      'Invalid configuration: RESEND_API_KEY is set but MAIL_FROM is not; set MAIL_FROM to an address on a domain verified in Resend, such as "Example Status <status@example.com>"',
    );
  }
  return {
    resendApiKey,
    resendBaseUrl: parsed.RESEND_BASE_URL ?? null,
    from: parsed.MAIL_FROM ?? 'Herald <herald@localhost.invalid>',
    rateLimit: parsed.MAIL_RATE_LIMIT ?? 2,
    webhookSecret: parsed.RESEND_WEBHOOK_SECRET ?? null,
  };
}

/** The folder of a file path (config.ts stays free of node: imports; it runs on Workers too). */
function folderOf(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return slash < 0 ? '.' : slash === 0 ? '/' : path.slice(0, slash);
}

export function parseNodeConfig(env: Record<string, unknown>): NodeConfig {
  const parsed = parseEnv(env);
  const port = parsed.PORT ?? 3000;
  const app = parseAppConfig(env);
  const databasePath = parsed.DATABASE_PATH ?? './data/herald.db';
  const workers = parsed.HERALD_WORKERS ?? 1;
  if (workers !== 1 && databasePath === ':memory:') {
    throw new ConfigError(
      `Invalid configuration: HERALD_WORKERS=${JSON.stringify(env.HERALD_WORKERS)} needs a database file, and DATABASE_PATH=":memory:" would give each process its own`,
    );
  }
  return {
    ...app,
    publicUrl: app.publicUrl ?? `http://localhost:${port}`,
    port,
    host: parsed.HOST,
    databasePath,
    workers,
    mailDir: parsed.MAIL_DIR ?? `${folderOf(databasePath === ':memory:' ? './data/herald.db' : databasePath)}/mail`,
  };
}
