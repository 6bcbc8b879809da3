/*
 * Svix webhook signatures (Resend signs its webhooks with Svix), with Web
 * Crypto only so the same code runs on Node and Workers.
 *
 * The scheme (https://docs.svix.com/receiving/verifying-payloads/how-manual):
 * - the secret is "whsec_<base64>"; the HMAC key is the base64-decoded part;
 * - the signed content is `${svix-id}.${svix-timestamp}.${raw body}`;
 * - the signature is base64(HMAC-SHA256(key, content));
 * - the svix-signature header holds space-separated "<version>,<signature>"
 *   entries; only "v1" entries count, and one match is enough;
 * - svix-timestamp is Unix seconds, rejected when more than the tolerance
 *   (five minutes) away from now, in either direction, against replays.
 *
 * Like the official library, the timestamp goes into the signed content as the
 * parsed integer, and the expected signature's base64 text is compared with
 * each v1 entry in constant time.
 */

const encoder = new TextEncoder();

const SECRET_PREFIX = 'whsec_';
export const SVIX_DEFAULT_TOLERANCE_SECONDS = 300;

export interface SvixVerifyInput {
  /** The webhook signing secret, "whsec_<base64>" (the bare base64 is accepted too). */
  secret: string;
  /** The svix-id header. */
  id: string | null | undefined;
  /** The svix-timestamp header (Unix seconds). */
  timestamp: string | null | undefined;
  /** The svix-signature header. */
  signature: string | null | undefined;
  /** The raw request body, exactly as received (not re-serialized JSON). */
  body: string;
  /** The current time in milliseconds (Date.now()), injected for testability. */
  nowMs: number;
  /** How far the timestamp may be from now, in seconds; 300 by default. */
  toleranceSeconds?: number;
}

export type SvixVerifyResult = { ok: true } | { ok: false; reason: string };

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Standard base64 to bytes, or null when the text is not base64. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(text);
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The HMAC key bytes of a secret, or null when the secret is not usable. */
function secretKeyBytes(secret: string): Uint8Array<ArrayBuffer> | null {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.length === 0) return null;
  const key = fromBase64(encoded);
  return key && key.length > 0 ? key : null;
}

async function hmacBase64(key: Uint8Array<ArrayBuffer>, content: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(content));
  return toBase64(new Uint8Array(mac));
}

/** Compares two strings in time that depends only on their lengths. */
function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

/**
 * The svix-signature header value ("v1,<base64>") for a message, as Svix
 * would send it. Throws on an unusable secret or timestamp.
 */
export async function signSvixPayload(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): Promise<string> {
  const key = secretKeyBytes(secret);
  if (!key) throw new Error('invalid Svix webhook secret: expected "whsec_" followed by base64');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error('Svix timestamp must be a non-negative integer number of seconds');
  }
  return `v1,${await hmacBase64(key, `${id}.${timestampSeconds}.${body}`)}`;
}

/**
 * Verifies a Svix-signed webhook. Never throws for bad input: a failure comes
 * back as { ok: false, reason } with a short human reason, fit for a log line
 * (it holds no secret material).
 */
export async function verifySvixSignature(input: SvixVerifyInput): Promise<SvixVerifyResult> {
  const { id, timestamp, signature, body } = input;
  if (!id) return { ok: false, reason: 'missing svix-id header' };
  if (!timestamp) return { ok: false, reason: 'missing svix-timestamp header' };
  if (!signature) return { ok: false, reason: 'missing svix-signature header' };

  const key = secretKeyBytes(input.secret);
  if (!key) return { ok: false, reason: 'invalid webhook secret' };

  const trimmed = timestamp.trim();
  if (!/^\d+$/.test(trimmed)) return { ok: false, reason: 'invalid svix-timestamp header' };
  const seconds = Number(trimmed);
  if (!Number.isSafeInteger(seconds)) return { ok: false, reason: 'invalid svix-timestamp header' };

  const tolerance = input.toleranceSeconds ?? SVIX_DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(tolerance) || tolerance < 0) return { ok: false, reason: 'invalid tolerance' };
  if (!Number.isFinite(input.nowMs)) return { ok: false, reason: 'invalid current time' };
  const now = Math.floor(input.nowMs / 1000);
  if (now - seconds > tolerance) return { ok: false, reason: 'timestamp too old' };
  if (seconds - now > tolerance) return { ok: false, reason: 'timestamp too new' };

  const expected = await hmacBase64(key, `${id}.${seconds}.${body}`);
  let matched = false;
  let sawV1 = false;
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    sawV1 = true;
    // No early exit: every v1 entry is compared, so timing does not tell which one matched.
    if (constantTimeEqual(entry.slice(comma + 1), expected)) matched = true;
  }
  if (matched) return { ok: true };
  return { ok: false, reason: sawV1 ? 'no matching signature' : 'no v1 signature' };
}
