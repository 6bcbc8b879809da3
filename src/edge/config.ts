// The Worker's edge settings (wrangler.toml [vars] and secrets), parsed once per
// isolate with zod, beside the app's own configuration (src/config.ts).
import { z } from 'zod';
import { ConfigError } from '../config.js';

/** Loopback hosts: the only ones a plain-http Cloudflare API base URL may name (local fakes in tests). */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

const seconds = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^[0-9]+$/, { error: `must be a whole number of seconds from ${min} to ${max}` })
    .transform(Number)
    .refine((v) => v >= min && v <= max, { error: `must be a whole number of seconds from ${min} to ${max}` })
    .describe(name);

const EdgeSchema = z.object({
  /** How long an edge-cached public response is served without asking the app (and D1). 0 turns the edge cache off. */
  EDGE_CACHE_SECONDS: seconds('EDGE_CACHE_SECONDS', 0, 300).default(5),
  /** How long the last good copy is kept for degraded mode (D1 failing). */
  EDGE_KEEP_SECONDS: seconds('EDGE_KEEP_SECONDS', 60, 7 * 86_400).default(86_400),
  /** How long a miss waits for the app before a kept copy is served instead (stale). */
  EDGE_ORIGIN_TIMEOUT_MS: z
    .string()
    .trim()
    .regex(/^[0-9]+$/, { error: 'must be a whole number of milliseconds from 100 to 30000' })
    .transform(Number)
    .refine((v) => v >= 100 && v <= 30_000, { error: 'must be a whole number of milliseconds from 100 to 30000' })
    .default(3_000),
  CLOUDFLARE_ZONE_ID: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{32}$/, { error: 'must be the 32-character zone id from the zone overview page of the Cloudflare dashboard' })
    .optional(),
  CLOUDFLARE_PURGE_TOKEN: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{20,200}$/, { error: 'must be a Cloudflare API token (set it with `wrangler secret put CLOUDFLARE_PURGE_TOKEN`)' })
    .optional(),
  CLOUDFLARE_API_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.cloudflare.com/client/v4' })
    .transform((v) => v.replace(/\/+$/, ''))
    .refine((v) => v.startsWith('https://') || LOOPBACK.test(new URL(v).hostname), {
      error: 'must be https (plain http only for a loopback test server)',
    })
    .default('https://api.cloudflare.com/client/v4'),
  /** "1": debug headers (X-Herald-D1-Queries, X-Herald-D1-Session) and GET /__herald/edge-stats. Tests and bench/ only. */
  HERALD_EDGE_DEBUG: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0'),
});

export interface PurgeConfig {
  zoneId: string;
  token: string;
  apiBaseUrl: string;
  /** The public origin whose URLs are purged (PUBLIC_URL). */
  publicUrl: string;
}

export interface EdgeConfig {
  /** 0: the edge cache is off. */
  cacheMs: number;
  keepSeconds: number;
  originTimeoutMs: number;
  /** Null: no purge (freshness within the edge lifetime). */
  purge: PurgeConfig | null;
  debug: boolean;
}

/** Names whose values are secrets: never echoed in an error. */
const SECRET = new Set(['CLOUDFLARE_PURGE_TOKEN']);

export function parseEdgeConfig(env: Record<string, unknown>, publicUrl: string | null): EdgeConfig {
  const cleaned = Object.fromEntries(
    Object.keys(EdgeSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, v]) => typeof v === 'string' && v !== ''),
  );
  const result = EdgeSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      return SECRET.has(key) ? `${key} ${issue.message}` : `${key}=${JSON.stringify(cleaned[key])} ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const parsed = result.data;
  const zoneId = parsed.CLOUDFLARE_ZONE_ID;
  const token = parsed.CLOUDFLARE_PURGE_TOKEN;
  if ((zoneId === undefined) !== (token === undefined)) {
    throw new ConfigError(
      zoneId === undefined
        ? 'Invalid configuration: CLOUDFLARE_PURGE_TOKEN is set but CLOUDFLARE_ZONE_ID is not: purging needs both (or neither)'
        : 'Invalid configuration: CLOUDFLARE_ZONE_ID is set but CLOUDFLARE_PURGE_TOKEN is not: `wrangler secret put CLOUDFLARE_PURGE_TOKEN` with a token that has only the Zone > Cache Purge permission',
    );
  }
  if (zoneId !== undefined && publicUrl === null) {
    throw new ConfigError('Invalid configuration: CLOUDFLARE_ZONE_ID needs PUBLIC_URL, the address whose pages are purged after a publish');
  }
  return {
    cacheMs: parsed.EDGE_CACHE_SECONDS * 1000,
    keepSeconds: parsed.EDGE_KEEP_SECONDS,
    originTimeoutMs: parsed.EDGE_ORIGIN_TIMEOUT_MS,
    purge: zoneId && token && publicUrl ? { zoneId, token, apiBaseUrl: parsed.CLOUDFLARE_API_BASE_URL, publicUrl } : null,
    debug: parsed.HERALD_EDGE_DEBUG === '1',
  };
}
