import type { Context } from 'hono';
import type { Deps } from '../deps.js';

/**
 * The page's public base URL: PUBLIC_URL when configured, else the URL in the
 * page settings, else the origin the request came to.
 */
export function baseUrlFor(deps: Pick<Deps, 'config'>, c: Context, settingsUrl = ''): string {
  return deps.config.publicUrl ?? (settingsUrl || new URL(c.req.url).origin);
}

/**
 * What a cache key must include for responses that embed the base URL: the
 * request's origin when it may become the base URL, nothing otherwise.
 */
export function originKey(deps: Pick<Deps, 'config'>, c: Context): string {
  return deps.config.publicUrl ? '' : new URL(c.req.url).origin;
}
