// A local fake of the Resend HTTP API (https://resend.com/docs/api-reference),
// faithful enough to point the real `resend` SDK at it
// (`new Resend('re_test_key', { baseUrl: fake.url })`) and controllable enough
// to test a mail outbox's retries and crash-safety.
//
// Covered: POST /emails and POST /emails/batch, Bearer auth, per-email
// validation, `x-batch-validation: strict | permissive`, Idempotency-Key
// (replay, mismatch, concurrency, length), error bodies of the shape
// `{ statusCode, name, message }` that the SDK hands back as `error`, and
// rate-limit headers. Not covered: other endpoints, templates, attachments'
// content, scheduled sends, the 24-hour expiry of idempotency keys (keys live
// until reset() or close()).
//
// Status codes follow Resend's error reference: missing key 401, wrong key
// 403, idempotency key outside 1..256 chars 400 `invalid_idempotency_key`,
// missing field 422 `missing_required_field`, bad field 422 `validation_error`.
// Message texts are close to Resend's but not verbatim; match on `name`.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The API key the fake accepts unless told otherwise. */
export const FAKE_RESEND_API_KEY = 're_test_key';

/** Resend's documented batch limit. */
const MAX_BATCH = 100;
/** Resend's documented limit on `to` recipients per email. */
const MAX_TO = 50;
/** Resend's documented limit on Idempotency-Key length. */
const MAX_IDEMPOTENCY_KEY = 256;
/** Resend's default rate limit (requests per second), echoed in ratelimit-* headers. */
const RATE_LIMIT = 2;

/**
 * A one-shot behaviour, consumed (in order) by the next POST to /emails or
 * /emails/batch that passes authentication.
 */
export type Scripted =
  /** Answer 429 `rate_limit_exceeded` with `retry-after` (default 1 s) and ratelimit-* headers. Nothing is delivered. */
  | { status: 429; retryAfterSeconds?: number }
  /**
   * Answer this 5xx (`internal_server_error`) without delivering. `rawBody`
   * replaces the JSON body with a non-JSON one (e.g. a proxy's HTML page), to
   * exercise the SDK's parse-failure path.
   */
  | { status: 500 | 502 | 503; rawBody?: string }
  /**
   * Hold the request this long (on top of the latency), then process and
   * answer it normally. The idempotency key counts as in flight meanwhile. If
   * the client gives up first the fake still processes it (mail goes out, the
   * key is stored), as a real server would. `Infinity`: never answer; the
   * request is dropped unprocessed when the client disconnects.
   */
  | { hangMs: number }
  /**
   * Process normally (deliver, store the idempotency key), then answer 500 or
   * destroy the socket instead of sending the real answer: the client cannot
   * know the mail went out, and only the idempotency key saves it from a
   * duplicate on retry.
   */
  | { acceptThenFail: 500 | 'reset' };

/** How a recorded request ended. */
export type RequestOutcome =
  /** Still being processed (latency, hang). */
  | 'pending'
  /** The response was written. */
  | 'answered'
  /** The fake destroyed the socket (`acceptThenFail: 'reset'`); `status` is what it would have answered. */
  | 'reset'
  /** The client disconnected before the answer; the request was still processed and `status` is what it would have answered. */
  | 'client-gone'
  /** Never processed: an `Infinity` hang ended by the client disconnecting, or the fake closing. */
  | 'dropped';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Request headers, names lower-case, repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The parsed JSON body; `undefined` when empty or not JSON (see rawBody). */
  body: unknown;
  rawBody: string;
  idempotencyKey: string | null;
  /** The scripted behaviour this request consumed, if any. */
  scripted: Scripted | null;
  /** True when the answer is a stored idempotent response being replayed (nothing delivered). */
  replay: boolean;
  /** Response status; null while pending or when dropped. */
  status: number | null;
  /** The JSON response body (or raw text for a scripted rawBody); null while pending or when dropped. */
  responseBody: unknown;
  outcome: RequestOutcome;
  at: Date;
}

/** One message Resend would actually deliver. */
export interface Delivered {
  id: string;
  from: string;
  /** Always an array, as given (display names kept). */
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  subject: string;
  html: string | undefined;
  text: string | undefined;
  /** The email's custom `headers` object, passed through. */
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  idempotencyKey: string | null;
  /** Index within the batch request, or null for POST /emails. */
  batchIndex: number | null;
  at: Date;
}

export interface FakeResendOptions {
  /** 0 (default) picks a free port. The fake listens on 127.0.0.1 only. */
  port?: number;
  /** Delay added to every processed request (the idempotency key is in flight meanwhile). */
  latencyMs?: number;
  /** The one key accepted as `Authorization: Bearer <key>`; default `re_test_key`. */
  apiKey?: string;
  /** Called after each accepted message is recorded (the CLI logs with it). */
  onDelivery?: (delivered: Delivered) => void;
}

export interface FakeResend {
  /** e.g. http://127.0.0.1:43121 (no trailing slash), to pass as the SDK's `baseUrl`. */
  url: string;
  close(): Promise<void>;
  /** Every HTTP request, in arrival order. Cleared in place by reset(). */
  requests: RecordedRequest[];
  /** Every accepted message, in acceptance order. Cleared in place by reset(). */
  deliveries: Delivered[];
  /** Queue one-shot behaviours for the next send requests, in order. */
  script(...responses: Scripted[]): void;
  /** How many scripted behaviours are still queued. */
  pendingScripts(): number;
  /** Make this recipient address (bare address, case-insensitive) permanently invalid. */
  rejectAddress(email: string): void;
  setLatency(ms: number): void;
  /** Clear requests, deliveries, scripts, idempotency keys and rejected addresses (latency is kept). */
  reset(): void;
  /** Resolves with the deliveries once `predicate(deliveries)` holds; rejects after timeoutMs. */
  waitFor(predicate: (deliveries: readonly Delivered[]) => boolean, timeoutMs?: number): Promise<Delivered[]>;
}

/** The error body shape Resend uses and the SDK passes through as `error`. */
interface ApiError {
  statusCode: number;
  name: string;
  message: string;
}

/** What a handler decided to answer. */
interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Send this text instead of JSON.stringify(body). */
  raw?: string;
}

/** An Idempotency-Key's state: claimed by a request still running, or holding its stored 2xx answer. */
interface KeyEntry {
  fingerprint: string;
  state: 'in_flight' | 'done';
  reply?: Reply;
}

type Route = 'single' | 'batch';
type BatchMode = 'strict' | 'permissive';

function apiError(statusCode: number, name: string, message: string, headers?: Record<string, string>): Reply {
  const body: ApiError = { statusCode, name, message };
  return headers ? { status: statusCode, body, headers } : { status: statusCode, body };
}

/** Resolves when the request body has been read. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** JSON with object keys sorted, so two bodies that differ only in key order compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const BARE_ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:.]+(\.[^\s@<>()",;:.]+)+$/;

/** The bare address of `a@b.c` or `Name <a@b.c>`, or null when it is neither. */
export function bareAddress(value: string): string | null {
  const trimmed = value.trim();
  const named = /^[^<>]*<([^<>]+)>$/.exec(trimmed);
  const address = named ? named[1]!.trim() : trimmed;
  return BARE_ADDRESS.test(address) ? address : null;
}

const ADDRESS_FORMAT = 'The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';

type ItemResult = { ok: true; message: Omit<Delivered, 'id' | 'idempotencyKey' | 'batchIndex' | 'at'> } | { ok: false; error: ApiError };

function invalid(message: string): ItemResult {
  return { ok: false, error: { statusCode: 422, name: 'validation_error', message } };
}
function missing(field: string): ItemResult {
  return { ok: false, error: { statusCode: 422, name: 'missing_required_field', message: `Missing \`${field}\` field.` } };
}

/**
 * Normalises an address-list field (string or string[]) and checks each
 * address. Returns the list, or an error result.
 */
function addressList(
  field: string,
  value: unknown,
  rejected: ReadonlySet<string>,
): { ok: true; list: string[] } | { ok: false; result: ItemResult } {
  if (value === undefined || value === null) return { ok: true, list: [] };
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((a) => typeof a !== 'string')) {
    return { ok: false, result: invalid(`Invalid \`${field}\` field. It must be a string or an array of strings.`) };
  }
  for (const entry of list as string[]) {
    const bare = bareAddress(entry);
    if (!bare) return { ok: false, result: invalid(`Invalid \`${field}\` field. ${ADDRESS_FORMAT}`) };
    if (rejected.has(bare.toLowerCase())) {
      return { ok: false, result: invalid(`Invalid \`${field}\` field. The address \`${bare}\` cannot receive email.`) };
    }
  }
  return { ok: true, list: [...(list as string[])] };
}

/** Checks one email as POST /emails (or one batch item) would. */
function validateEmail(input: unknown, rejected: ReadonlySet<string>, inBatch: boolean): ItemResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return invalid('The email must be a JSON object.');
  const email = input as Record<string, unknown>;

  if (email.from === undefined || email.from === null || email.from === '') return missing('from');
  if (typeof email.from !== 'string' || !bareAddress(email.from)) return invalid(`Invalid \`from\` field. ${ADDRESS_FORMAT}`);
  if (email.to === undefined || email.to === null) return missing('to');
  if (email.subject === undefined || email.subject === null || email.subject === '') return missing('subject');
  if (typeof email.subject !== 'string') return invalid('Invalid `subject` field. It must be a string.');
  const hasHtml = typeof email.html === 'string' && email.html !== '';
  const hasText = typeof email.text === 'string' && email.text !== '';
  if (!hasHtml && !hasText) return missing('html` or `text');

  const to = addressList('to', email.to, rejected);
  if (!to.ok) return to.result;
  if (to.list.length === 0) return missing('to');
  if (to.list.length > MAX_TO) return invalid(`Invalid \`to\` field. At most ${MAX_TO} recipients are allowed.`);
  const cc = addressList('cc', email.cc, rejected);
  if (!cc.ok) return cc.result;
  const bcc = addressList('bcc', email.bcc, rejected);
  if (!bcc.ok) return bcc.result;
  const replyTo = addressList('reply_to', email.reply_to, rejected);
  if (!replyTo.ok) return replyTo.result;

  let headers: Record<string, string> = {};
  if (email.headers !== undefined && email.headers !== null) {
    const h = email.headers;
    if (typeof h !== 'object' || Array.isArray(h) || Object.values(h).some((v) => typeof v !== 'string')) {
      return invalid('Invalid `headers` field. It must be an object of string values.');
    }
    headers = { ...(h as Record<string, string>) };
  }
  let tags: { name: string; value: string }[] = [];
  if (email.tags !== undefined && email.tags !== null) {
    const t = email.tags;
    if (!Array.isArray(t) || t.some((tag) => typeof tag?.name !== 'string' || typeof tag?.value !== 'string')) {
      return invalid('Invalid `tags` field. It must be an array of { name, value } strings.');
    }
    tags = t.map((tag: { name: string; value: string }) => ({ name: tag.name, value: tag.value }));
  }
  // Resend's batch endpoint does not support these (documented limitation).
  if (inBatch && email.attachments !== undefined) return invalid('The `attachments` field is not supported in batch sending.');
  if (inBatch && email.scheduled_at !== undefined) return invalid('The `scheduled_at` field is not supported in batch sending.');

  return {
    ok: true,
    message: {
      from: email.from,
      to: to.list,
      cc: cc.list,
      bcc: bcc.list,
      replyTo: replyTo.list,
      subject: email.subject,
      html: hasHtml ? (email.html as string) : undefined,
      text: hasText ? (email.text as string) : undefined,
      headers,
      tags,
    },
  };
}

export async function startFakeResend(options: FakeResendOptions = {}): Promise<FakeResend> {
  const apiKey = options.apiKey ?? FAKE_RESEND_API_KEY;
  let latencyMs = options.latencyMs ?? 0;
  const requests: RecordedRequest[] = [];
  const deliveries: Delivered[] = [];
  const scripts: Scripted[] = [];
  const keys = new Map<string, KeyEntry>();
  const rejected = new Set<string>();
  /** Re-checks pending waitFor() calls; run once a request's deliveries are all recorded (a batch is seen whole). */
  const watchers = new Set<() => void>();
  /** Aborted by close(): ends every latency/hang wait so nothing is delivered after close. */
  const closing = new AbortController();

  function deliver(message: Omit<Delivered, 'id' | 'idempotencyKey' | 'batchIndex' | 'at'>, key: string | null, batchIndex: number | null): string {
    const delivered: Delivered = { id: randomUUID(), ...message, idempotencyKey: key, batchIndex, at: new Date() };
    deliveries.push(delivered);
    options.onDelivery?.(delivered);
    return delivered.id;
  }

  /** Validates and delivers; the answer a real, healthy Resend would give. */
  function accept(route: Route, mode: BatchMode, body: unknown, key: string | null): Reply {
    if (route === 'single') {
      const result = validateEmail(body, rejected, false);
      if (!result.ok) return { status: result.error.statusCode, body: result.error };
      return { status: 200, body: { id: deliver(result.message, key, null) } };
    }

    if (!Array.isArray(body)) return apiError(422, 'validation_error', 'The batch must be a JSON array of emails.');
    if (body.length === 0) return apiError(422, 'validation_error', 'The batch must contain at least 1 email.');
    if (body.length > MAX_BATCH) {
      return apiError(422, 'validation_error', `Too many emails in the batch (${body.length}); the limit is ${MAX_BATCH}.`);
    }
    const results = body.map((item) => validateEmail(item, rejected, true));
    if (mode === 'strict') {
      // Strict: one bad email fails the whole batch, nothing is sent.
      const index = results.findIndex((r) => !r.ok);
      const bad = results[index];
      if (bad && !bad.ok) return { status: bad.error.statusCode, body: { ...bad.error, message: `emails[${index}]: ${bad.error.message}` } };
      const data: { id: string }[] = [];
      results.forEach((r, i) => {
        if (r.ok) data.push({ id: deliver(r.message, key, i) });
      });
      return { status: 200, body: { data } };
    }
    // Permissive: send the valid ones, report the others by index.
    const data: { id: string }[] = [];
    const errors: { index: number; message: string }[] = [];
    results.forEach((r, i) => {
      if (r.ok) data.push({ id: deliver(r.message, key, i) });
      else errors.push({ index: i, message: r.error.message });
    });
    return { status: 200, body: { data, errors } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: flatHeaders(req),
      body: undefined,
      rawBody: '',
      idempotencyKey: null,
      scripted: null,
      replay: false,
      status: null,
      responseBody: null,
      outcome: 'pending',
      at: new Date(),
    };
    requests.push(rec);

    // True once the client has hung up without getting an answer.
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) clientGone = true;
    });

    /** Records and (if anyone is still listening) writes the answer. */
    const answer = (reply: Reply): void => {
      rec.status = reply.status;
      rec.responseBody = reply.raw ?? reply.body;
      if (clientGone || res.destroyed) {
        rec.outcome = 'client-gone';
        return;
      }
      res.writeHead(reply.status, {
        'content-type': reply.raw !== undefined ? 'text/html; charset=utf-8' : 'application/json',
        'ratelimit-limit': String(RATE_LIMIT),
        'ratelimit-remaining': String(RATE_LIMIT - 1),
        'ratelimit-reset': '1',
        ...reply.headers,
      });
      res.end(reply.raw ?? JSON.stringify(reply.body));
      rec.outcome = 'answered';
    };

    rec.rawBody = await readBody(req);
    let parsed: unknown;
    let parseFailed = false;
    try {
      parsed = rec.rawBody === '' ? undefined : JSON.parse(rec.rawBody);
    } catch {
      parseFailed = true;
    }
    rec.body = parsed;

    const route: Route | null = rec.path === '/emails' ? 'single' : rec.path === '/emails/batch' ? 'batch' : null;
    if (!route) return answer(apiError(404, 'not_found', 'The requested endpoint does not exist.'));
    if (rec.method !== 'POST') return answer(apiError(405, 'method_not_allowed', 'Method is not allowed for the requested path.'));

    const auth = /^Bearer\s+(\S+)\s*$/i.exec(rec.headers.authorization ?? '');
    if (!auth) return answer(apiError(401, 'missing_api_key', 'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY'));
    if (auth[1] !== apiKey) return answer(apiError(403, 'invalid_api_key', 'API key is invalid'));

    // Scripted behaviours apply to authenticated send requests only.
    const scripted = scripts.shift() ?? null;
    rec.scripted = scripted;
    if (scripted && 'status' in scripted) {
      if (scripted.status === 429) {
        const retryAfter = String(scripted.retryAfterSeconds ?? 1);
        return answer(
          apiError(429, 'rate_limit_exceeded', `Too many requests. You can only make ${RATE_LIMIT} requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.`, {
            'retry-after': retryAfter,
            'ratelimit-remaining': '0',
            'ratelimit-reset': retryAfter,
          }),
        );
      }
      const failure = apiError(scripted.status, 'internal_server_error', 'An unexpected error occurred.');
      return answer(scripted.rawBody !== undefined ? { ...failure, raw: scripted.rawBody } : failure);
    }

    const key = rec.headers['idempotency-key'];
    if (key !== undefined) {
      rec.idempotencyKey = key;
      if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY) {
        return answer(apiError(400, 'invalid_idempotency_key', `The key must be between 1-${MAX_IDEMPOTENCY_KEY} chars.`));
      }
    }
    if (parseFailed) return answer(apiError(400, 'validation_error', 'The request body is not valid JSON.'));

    let mode: BatchMode = 'strict';
    if (route === 'batch') {
      const header = rec.headers['x-batch-validation'];
      if (header === 'permissive') mode = 'permissive';
      else if (header !== undefined && header !== 'strict') {
        return answer(apiError(422, 'validation_error', 'The `x-batch-validation` header must be `strict` or `permissive`.'));
      }
    }

    /** Applies acceptThenFail (if scripted) in place of the real answer. */
    const finish = (reply: Reply): void => {
      if (scripted && 'acceptThenFail' in scripted) {
        if (scripted.acceptThenFail === 'reset') {
          rec.status = reply.status;
          rec.responseBody = reply.body;
          rec.outcome = clientGone ? 'client-gone' : 'reset';
          req.socket.destroy();
          return;
        }
        return answer(apiError(500, 'internal_server_error', 'An unexpected error occurred.'));
      }
      answer(reply);
    };

    // Idempotency: the key is bound to this endpoint, batch mode and body.
    let entry: KeyEntry | undefined;
    if (key !== undefined) {
      const fingerprint = `${route} ${mode} ${canonicalJson(parsed)}`;
      const existing = keys.get(key);
      if (existing && existing.fingerprint !== fingerprint) {
        return answer(apiError(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload. Change your idempotency key or payload.'));
      }
      if (existing?.state === 'in_flight') {
        return answer(apiError(409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress. Try the request again later.'));
      }
      if (existing?.reply) {
        rec.replay = true;
        return finish(existing.reply);
      }
      entry = { fingerprint, state: 'in_flight' };
      keys.set(key, entry);
    }
    /** Drops this request's claim on its key (unless reset() already did). */
    const releaseKey = (): void => {
      if (key !== undefined && keys.get(key) === entry) keys.delete(key);
    };

    // Latency and hangs happen while the key is in flight.
    const hangMs = scripted && 'hangMs' in scripted ? scripted.hangMs : 0;
    try {
      if (hangMs === Infinity) {
        // Never answer: wait for the client to give up (or the fake to close).
        await new Promise<void>((resolve) => {
          if (clientGone) return resolve();
          res.on('close', () => resolve());
          closing.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        throw new Error('dropped');
      }
      const delay = latencyMs + hangMs;
      if (delay > 0) await sleep(delay, undefined, { signal: closing.signal });
    } catch {
      releaseKey();
      rec.outcome = 'dropped';
      return;
    }

    const reply = accept(route, mode, parsed, key ?? null);
    for (const watch of [...watchers]) watch();
    if (key !== undefined) {
      // Only successes are stored; an error leaves the key free for a corrected retry.
      if (reply.status >= 200 && reply.status < 300 && keys.get(key) === entry && entry) {
        entry.state = 'done';
        entry.reply = reply;
      } else releaseKey();
    }
    finish(reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the fake: answer 500 so the test sees it rather than hanging.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ statusCode: 500, name: 'internal_server_error', message: `fake-resend bug: ${String(error)}` }));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    deliveries,
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets (undici pools them) would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
    script(...responses) {
      scripts.push(...responses);
    },
    pendingScripts() {
      return scripts.length;
    },
    rejectAddress(email) {
      rejected.add((bareAddress(email) ?? email).toLowerCase());
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    reset() {
      requests.length = 0;
      deliveries.length = 0;
      scripts.length = 0;
      keys.clear();
      rejected.clear();
    },
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise<Delivered[]>((resolve, reject) => {
        const check = (): void => {
          if (!predicate(deliveries)) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve([...deliveries]);
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`fake-resend: waitFor timed out after ${timeoutMs} ms with ${deliveries.length} deliveries`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
  };
}
