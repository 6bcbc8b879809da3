import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Context } from 'hono';
import type { Deps } from './deps.js';
import { AppError, retryAfterHeader } from './lib/errors.js';
import { newId } from './lib/ids.js';
import { presentPage, type PageView } from './presenters/page.js';
import { adminRoutes } from './routes/admin/index.js';
import { apiV1Routes } from './routes/api-v1/index.js';
import { apiV2Routes } from './routes/api-v2.js';
import { badgeRoutes } from './routes/badges.js';
import { embedRoutes } from './routes/embed.js';
import { feedRoutes } from './routes/feeds.js';
import { publicPageRoutes } from './routes/public-pages.js';
import { siteFileRoutes } from './routes/site-files.js';
import { subscriberRoutes } from './routes/subscribe.js';
import { webhookRoutes } from './routes/webhooks.js';
import { isCompleteResponse, isHttpsRequest, securityHeaders } from './routes/security-headers.js';

/** Largest request body outside /api/v1 (which allows 256 KB): admin forms are far smaller. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Names that only ever reach Herald from the machine itself (a local reverse proxy, a health check). */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** The host name of a URL, lower case, without port or trailing dot. */
export function hostNameOf(url: string): string {
  const start = url.indexOf('//') + 2;
  let end = start;
  while (end < url.length && url[end] !== '/' && url[end] !== '?' && url[end] !== '#') end++;
  let host = url.slice(start, end).toLowerCase();
  const at = host.lastIndexOf('@');
  if (at !== -1) host = host.slice(at + 1);
  // "[::1]:3000" keeps its brackets; "example.com:3000" loses its port.
  if (host.startsWith('[')) host = host.slice(0, host.indexOf(']') + 1);
  else if (host.includes(':')) host = host.slice(0, host.indexOf(':'));
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/**
 * When PUBLIC_URL names the page's host, requests for any other host name are
 * refused (421, see SECURITY.md): no response, cached or not, is ever built
 * for a name an attacker chose (Host header injection, DNS rebinding).
 * Loopback names are accepted (a reverse proxy on the same machine that does
 * not pass the Host header on); a PUBLIC_URL on a loopback name is a local
 * install, which is not held to one name.
 */
function expectedHostName(deps: Deps): string | null {
  if (!deps.config.publicUrl) return null;
  const host = hostNameOf(deps.config.publicUrl);
  return LOOPBACK_HOST.test(host) ? null : host;
}

/** Every route of Herald. Knows no runtime: the entries build `deps`. */
export function createApp(deps: Deps): Hono {
  const app = new Hono();

  // Security headers on every answer, except those sendCached built whole (it adds the same ones).
  app.use(async (c, next) => {
    await next();
    if (isCompleteResponse(c.res)) return;
    const headers = c.res.headers;
    for (const [name, value] of securityHeaders(headers.get('Content-Security-Policy'), isHttpsRequest(deps, c))) {
      if (!headers.has(name)) headers.set(name, value);
    }
  });

  // Two Host headers (which the runtime joins with a comma) would let a proxy
  // in front and Herald disagree on the host a response is for.
  app.use(async (c, next) => {
    if (c.req.header('host')?.includes(',')) {
      return errorResponse(c, deps, 400, 'bad_request', 'The request has more than one Host header.');
    }
    return next();
  });

  const hostName = expectedHostName(deps);
  if (hostName) {
    app.use(async (c, next) => {
      const asked = hostNameOf(c.req.url);
      // Load balancers check health by address, not by name.
      if (asked === hostName || LOOPBACK_HOST.test(asked) || c.req.path === '/healthz') return next();
      return errorResponse(
        c,
        deps,
        421,
        'misdirected_request',
        `This server answers for ${hostName} only. Use ${deps.config.publicUrl}/ (a reverse proxy in front of Herald must pass the Host header on).`,
      );
    });
  }

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AppError(
        413,
        'payload_too_large',
        `The request body is larger than ${MAX_BODY_BYTES / (1024 * 1024)} MB. Shorten what you sent and try again.`,
      );
    },
  });
  // Writes only. The body limit is not for GET and HEAD, which carry no body:
  // looking for one makes the Node adapter build a full Request for every page
  // view (about 100 µs each). After a write that may have queued emails (a
  // published update, a subscription), the outbox looks now.
  app.use(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    await limitBody(c, next);
    if (c.res.status < 400) deps.wakeOutbox();
  });

  app.get('/healthz', async (c) => {
    await deps.repos.settings.revision();
    return c.json({ status: 'ok' });
  });
  app.route('/', publicPageRoutes(deps));
  app.route('/', siteFileRoutes(deps));
  app.route('/api/v1', apiV1Routes(deps));
  app.route('/api/v2', apiV2Routes(deps));
  app.route('/', badgeRoutes(deps));
  app.route('/', feedRoutes(deps));
  app.route('/', embedRoutes(deps));
  app.route('/', subscriberRoutes(deps));
  app.route('/webhooks', webhookRoutes(deps));
  app.route('/admin', adminRoutes(deps));

  app.notFound((c) => errorResponse(c, deps, 404, 'not_found', 'The page you asked for does not exist.'));

  app.onError((error, c) => {
    if (error instanceof AppError) {
      for (const [name, value] of Object.entries(retryAfterHeader(error))) c.header(name, value);
      return errorResponse(c, deps, error.status, error.code, error.message, error.fields);
    }
    const requestId = newId();
    deps.log.error('request failed', {
      requestId,
      method: c.req.method,
      path: c.req.path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return errorResponse(
      c,
      deps,
      500,
      'internal_error',
      `Something went wrong on our side. If it keeps happening, quote request id ${requestId}.`,
    );
  });

  return app;
}

const ERROR_TITLES: Record<number, string> = {
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  413: 'Too much data',
  421: 'Wrong address',
  429: 'Too many attempts',
};

function wantsJson(c: Context): boolean {
  return c.req.path.startsWith('/api/') || c.req.path.startsWith('/webhooks/') || c.req.path.endsWith('.json');
}

async function errorResponse(
  c: Context,
  deps: Deps,
  status: number,
  code: string,
  message: string,
  fields?: Record<string, string[]>,
): Promise<Response> {
  const statusCode = status as 400;
  if (wantsJson(c)) return c.json({ error: { code, message, ...(fields ? { fields } : {}) } }, statusCode);
  let page: PageView = { name: 'Status', logoUrl: null, accentColor: '#2563eb', timeZone: 'UTC' };
  try {
    const settings = await deps.repos.settings.get();
    if (settings) page = presentPage(settings);
  } catch {
    // The error page must render even when the database is what failed.
  }
  const title =
    ERROR_TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work');
  try {
    return c.html(deps.views.render('error', { page, title, status, message, fields }), statusCode);
  } catch {
    return c.text(`${title}: ${message}`, statusCode);
  }
}
