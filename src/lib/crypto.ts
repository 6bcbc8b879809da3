/*
 * Tokens, hashes and passwords with Web Crypto only, so the same code runs on
 * Node and Workers.
 */

const encoder = new TextEncoder();

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** A random URL-safe secret (32 bytes = 256 bits by default). */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Hex SHA-256, for storing tokens: a stolen table does not give usable tokens. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

/**
 * Password hashing: PBKDF2-HMAC-SHA256 with OWASP's 600,000 iterations and a
 * 16-byte random salt. Cloudflare Workers refuse more than 100,000 iterations
 * per PBKDF2 call, so the work is done as chained rounds of at most 100,000
 * (each round's output is the next round's password): the attacker's cost per
 * guess is the same 600,000 HMAC computations.
 */
export const PASSWORD_ITERATIONS = 600_000;
const ROUND_LIMIT = 100_000;
const MAX_ACCEPTED_ITERATIONS = 2_000_000;

async function pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  let input = password;
  for (let left = iterations; left > 0; left -= ROUND_LIMIT) {
    const key = await crypto.subtle.importKey('raw', input, 'PBKDF2', false, ['deriveBits']);
    const bits = await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: Math.min(left, ROUND_LIMIT) },
      key,
      256,
    );
    input = new Uint8Array(bits);
  }
  return input;
}

export async function hashPassword(password: string, iterations = PASSWORD_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2(encoder.encode(password), salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterationsText, saltText, hashText] = stored.split('$');
  const iterations = Number(iterationsText);
  if (scheme !== 'pbkdf2-sha256' || !saltText || !hashText) return false;
  // A tampered row must not be able to ask for unbounded work.
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ACCEPTED_ITERATIONS) return false;
  const hash = await pbkdf2(encoder.encode(password), fromBase64Url(saltText), iterations);
  return constantTimeEqual(toBase64Url(hash), hashText);
}
