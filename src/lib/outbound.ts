import { classifyAddress, literalHost, type AddressClass } from './ip-address.js';

/*
 * One POST to a destination someone configured (Slack, Teams, Discord,
 * Google Chat, a generic webhook), guarded against server-side request
 * forgery. Web APIs only, so it runs on Node and Workers:
 * - `https:` only; `http:` only to a loopback host and only with `allowLoopback`
 *   (OUTBOUND_ALLOW_LOOPBACK=1, for development and tests);
 * - no credentials in the URL; any port;
 * - every address the host name resolves to must be public: private, CGNAT
 *   and unique-local ones only with `allowPrivate` (an admin's choice, for
 *   self-hosted chat servers), loopback only with `allowLoopback`; link-local
 *   (cloud metadata at 169.254.169.254), multicast, unspecified and reserved
 *   addresses never;
 * - `resolve` is injected: the Node entry passes node:dns; the Worker passes
 *   null, since it cannot resolve names, and relies on Cloudflare's egress,
 *   which does not reach private networks (IP literals are still checked);
 * - redirects are never followed (a 3xx is a failure), a timeout covers the
 *   whole exchange, and at most `maxBodyBytes` of the answer are read.
 * A destination URL is a secret (its path holds the token): no result or
 * error ever holds more of it than the scheme, host and port.
 */

export type OutboundOutcome = 'ok' | 'retry' | 'permanent';

export interface OutboundResult {
  outcome: OutboundOutcome;
  /** The HTTP status, or null when no response came (refused, network error, timeout). */
  status: number | null;
  /** From the start of the request to the end of reading the body, by the injected clock. */
  latencyMs: number;
  /** The first `maxBodyBytes` of the response body, as text. */
  body: string;
  bodyTruncated: boolean;
  /** Retry-After, in seconds from now, when the response had a usable one. */
  retryAfterSeconds: number | null;
  /** A short reason, never holding the URL's path or query; null when ok. */
  error: string | null;
  /** "https://hooks.slack.com": what logs may show of the destination. */
  target: string;
}

export interface OutboundOptions {
  body: string;
  headers?: Record<string, string>;
  /** Host name to addresses; null where names cannot be resolved (Workers). */
  resolve: ((host: string) => Promise<string[]>) | null;
  allowLoopback?: boolean;
  allowPrivate?: boolean;
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** Epoch milliseconds; for the latency and for Retry-After dates. */
  now?: () => number;
  fetch?: typeof fetch;
  /**
   * Sends the request to the addresses the check above approved, so a name
   * cannot resolve to a public address for the check and to a private one for
   * the connection (DNS rebinding). Node passes a pinned transport
   * (src/entry/pinned-fetch.ts); without it `fetch` is used, which resolves
   * again (the Worker, where Cloudflare's egress refuses private ranges).
   */
  send?: PinnedSend;
}

/** POSTs `init` to `url`, connecting only to one of `addresses` (empty: the URL's host is an IP literal or was not resolved). */
export type PinnedSend = (url: URL, init: RequestInit & { signal: AbortSignal }, addresses: readonly string[]) => Promise<Response>;

export const OUTBOUND_DEFAULT_TIMEOUT_MS = 10_000;
export const OUTBOUND_DEFAULT_MAX_BODY_BYTES = 4096;

const PRIVATE_CLASSES: ReadonlySet<AddressClass> = new Set(['private', 'cgnat', 'unique_local']);

/** Why an address may not be reached under these options, or null when it may. */
export function addressRefusal(address: string, options: { allowLoopback?: boolean; allowPrivate?: boolean }): string | null {
  const kind = classifyAddress(address);
  if (kind === 'public') return null;
  if (kind === 'loopback' && options.allowLoopback) return null;
  if (PRIVATE_CLASSES.has(kind) && options.allowPrivate) return null;
  return `${kind.replace('_', '-')} address`;
}

/** Retry-After as seconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** What a status means for the sender: 2xx done, 408/429/5xx try again, anything else give up. */
export function classifyStatus(status: number): OutboundOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

class Refused extends Error {}

async function checkTarget(url: URL, options: OutboundOptions): Promise<string[]> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Refused('only https URLs');
  if (url.username || url.password) throw new Refused('credentials in the URL');
  const literal = literalHost(url.hostname);
  let addresses: string[];
  if (literal) addresses = [literal];
  else if (options.resolve) {
    try {
      addresses = await options.resolve(url.hostname);
    } catch {
      throw new Error('DNS lookup failed');
    }
    if (addresses.length === 0) throw new Error('DNS lookup found no address');
  } else addresses = [];

  if (url.protocol === 'http:') {
    if (!options.allowLoopback) throw new Refused('plain http is not allowed');
    const loopback = addresses.length > 0 && addresses.every((a) => classifyAddress(a) === 'loopback');
    if (!loopback) throw new Refused('plain http only to loopback');
  }
  for (const address of addresses) {
    const refusal = addressRefusal(address, options);
    if (refusal) throw new Refused(refusal);
  }
  return addresses;
}

async function readLimited(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      truncated = size > limit;
      break;
    }
  }
  if (size >= limit) {
    // Stop the download: the rest is never needed.
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes.length - offset));
    bytes.set(part, offset);
    offset += part.length;
  }
  return { text: new TextDecoder().decode(bytes), truncated };
}

function networkReason(error: unknown): string {
  // fetch puts the system error in `cause`; node:http (the pinned transport) throws it directly.
  const direct = (error as { code?: unknown } | null)?.code;
  const raw = (error as { cause?: { code?: unknown } } | null)?.cause?.code ?? direct;
  const code = typeof raw === 'string' && /^[A-Z0-9_]+$/.test(raw) ? raw : null;
  return code ? `network error (${code})` : 'network error';
}

/** POSTs `options.body` to `rawUrl` under the rules above. Never throws. */
export async function postOutbound(rawUrl: string, options: OutboundOptions): Promise<OutboundResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const result = (fields: Partial<OutboundResult> & Pick<OutboundResult, 'outcome'>, target: string): OutboundResult => ({
    status: null,
    body: '',
    bodyTruncated: false,
    retryAfterSeconds: null,
    error: null,
    ...fields,
    latencyMs: Math.max(0, now() - started),
    target,
  });

  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return result({ outcome: 'permanent', error: 'refused: not a valid URL' }, '(invalid URL)');
  }
  const target = `${url.protocol}//${url.host}`;
  let addresses: string[];
  try {
    addresses = await checkTarget(url, options);
  } catch (error) {
    if (error instanceof Refused) return result({ outcome: 'permanent', error: `refused: ${error.message}` }, target);
    return result({ outcome: 'retry', error: (error as Error).message }, target);
  }

  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? OUTBOUND_DEFAULT_TIMEOUT_MS;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Herald', ...options.headers },
      body: options.body,
      redirect: 'manual' as const,
      signal: controller.signal,
    };
    const response = options.send ? await options.send(url, init, addresses) : await (options.fetch ?? fetch)(url.href, init);
    const { text, truncated } = await readLimited(response, options.maxBodyBytes ?? OUTBOUND_DEFAULT_MAX_BODY_BYTES);
    const outcome = response.status >= 300 && response.status < 400 ? 'permanent' : classifyStatus(response.status);
    return result(
      {
        outcome,
        status: response.status,
        body: text,
        bodyTruncated: truncated,
        retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after'), now()),
        error: outcome === 'ok' ? null : response.status >= 300 && response.status < 400 ? `redirect (HTTP ${response.status}) not followed` : `HTTP ${response.status}`,
      },
      target,
    );
  } catch (error) {
    const timedOut = controller.signal.aborted;
    return result({ outcome: 'retry', error: timedOut ? `timed out after ${timeoutMs} ms` : networkReason(error) }, target);
  } finally {
    clearTimeout(timer);
  }
}
