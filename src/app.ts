import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Deps } from './deps.js';
import { AppError } from './lib/errors.js';
import { newId } from './lib/ids.js';
import { presentPage, type PageView } from './presenters/page.js';
import { adminRoutes } from './routes/admin/index.js';
import { apiV1Routes } from './routes/api-v1/index.js';
import { apiV2Routes } from './routes/api-v2.js';
import { badgeRoutes } from './routes/badges.js';
import { embedRoutes } from './routes/embed.js';
import { feedRoutes } from './routes/feeds.js';
import { publicPageRoutes } from './routes/public-pages.js';

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  // No script at all on the public pages; the one <style> block is inline.
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

/** Every route of Herald. Knows no runtime: the entries build `deps`. */
export function createApp(deps: Deps): Hono {
  const app = new Hono();

  app.use(async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!c.res.headers.has(name)) c.res.headers.set(name, value);
    }
  });

  app.get('/healthz', async (c) => {
    await deps.repos.settings.revision();
    return c.json({ status: 'ok' });
  });
  app.route('/', publicPageRoutes(deps));
  app.route('/api/v1', apiV1Routes(deps));
  app.route('/api/v2', apiV2Routes(deps));
  app.route('/', badgeRoutes(deps));
  app.route('/', feedRoutes(deps));
  app.route('/', embedRoutes(deps));
  app.route('/admin', adminRoutes(deps));

  app.notFound((c) => errorResponse(c, deps, 404, 'not_found', 'The page you asked for does not exist.'));

  app.onError((error, c) => {
    if (error instanceof AppError) return errorResponse(c, deps, error.status, error.code, error.message, error.fields);
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
  429: 'Too many attempts',
};

function wantsJson(c: Context): boolean {
  return c.req.path.startsWith('/api/') || c.req.path.endsWith('.json');
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
