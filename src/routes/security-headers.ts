import type { Context } from 'hono';
import type { Deps } from '../deps.js';

/*
 * Security headers on every answer (SECURITY.md explains each). No page has
 * any script, so the policy allows none; styles are inline (one <style> block
 * and a few style attributes), so style-src needs 'unsafe-inline'. A route may
 * send its own Content-Security-Policy (only /embed does, to be framed).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'none'",
  "style-src 'unsafe-inline'",
  // The page logo is an https address chosen in the settings.
  "img-src 'self' https:",
  // No script runs (script-src 'none'), so this lets nothing of Herald's connect anywhere; it lets
  // tools that fetch from inside the page, such as Lighthouse reading /robots.txt, do so.
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Powerful features Herald never uses, switched off for its pages and anything they might embed. */
export const PERMISSIONS_POLICY = [
  'accelerometer',
  'autoplay',
  'camera',
  'display-capture',
  'encrypted-media',
  'fullscreen',
  'geolocation',
  'gyroscope',
  'hid',
  'idle-detection',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'picture-in-picture',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'sync-xhr',
  'usb',
  'xr-spatial-tracking',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

const DEFAULT_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'strict-origin-when-cross-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Permissions-Policy', PERMISSIONS_POLICY],
];

/** One year; sent only on pages served over https (RFC 6797 8.1: never over plain http). */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

/**
 * The security headers a response gets besides those it sets itself, given
 * its own Content-Security-Policy (only /embed has one, to be framed): the
 * defaults above, X-Frame-Options DENY wherever the policy forbids framing
 * (older browsers know only that), and HSTS over https. One list for the
 * middleware in app.ts and the responses sendCached builds whole.
 */
export function securityHeaders(ownPolicy: string | null | undefined, https: boolean): [string, string][] {
  const headers = DEFAULT_HEADERS.filter(([name]) => !(ownPolicy && name === 'Content-Security-Policy')) as [string, string][];
  if ((ownPolicy ?? CONTENT_SECURITY_POLICY).includes("frame-ancestors 'none'")) headers.push(['X-Frame-Options', 'DENY']);
  if (https) headers.push(['Strict-Transport-Security', STRICT_TRANSPORT_SECURITY]);
  return headers;
}

/** Whether this request reached Herald over https (PUBLIC_URL says so, or the request URL does). */
export function isHttpsRequest(deps: Pick<Deps, 'config'>, c: Context): boolean {
  return deps.config.publicUrl?.startsWith('https:') === true || c.req.url.startsWith('https:');
}

/** Marks responses that already carry every security header (built by sendCached): the middleware leaves them alone. */
const COMPLETE = Symbol('herald.completeHeaders');

export function markComplete(response: Response): Response {
  (response as Response & { [COMPLETE]?: true })[COMPLETE] = true;
  return response;
}

export function isCompleteResponse(response: Response): boolean {
  return (response as Response & { [COMPLETE]?: true })[COMPLETE] === true;
}
