import { Hono } from 'hono';
import { faviconSvg } from '../badges/favicon.js';
import { MINUTE } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { loadBadge } from '../services/public/badge.js';
import { sendCached } from './cached.js';

/**
 * What crawlers may read: the public pages, feeds and APIs, but not the admin,
 * the management API or the pages behind a subscriber's or team member's
 * one-time link (those carry noindex too; this keeps crawlers from asking).
 */
export const ROBOTS_TXT = [
  'User-agent: *',
  'Allow: /',
  'Disallow: /admin',
  'Disallow: /api/v1',
  'Disallow: /unsubscribe/',
  'Disallow: /subscriptions/',
  'Disallow: /subscribe/confirm/',
  '',
].join('\n');

const DAY_CACHE_CONTROL = 'public, max-age=86400';

/** /robots.txt and the icon (/favicon.svg in the status colour; /favicon.ico points there). */
export function siteFileRoutes(deps: Deps): Hono {
  const app = new Hono();

  app.get('/robots.txt', (c) => {
    c.header('Cache-Control', DAY_CACHE_CONTROL);
    return c.text(ROBOTS_TXT);
  });

  // Through the render cache: the status is read once per change, not once per tab.
  app.get('/favicon.svg', (c) =>
    sendCached(c, deps, 'favicon.svg', async (now) => {
      const { status } = await loadBadge(deps, { now });
      return { body: faviconSvg(status), contentType: 'image/svg+xml; charset=utf-8', validUntil: now + MINUTE };
    }),
  );

  // Browsers that find no <link rel="icon"> (and feed readers) ask for /favicon.ico.
  app.get('/favicon.ico', (c) => {
    c.header('Cache-Control', DAY_CACHE_CONTROL);
    return c.redirect('/favicon.svg', 301);
  });

  return app;
}
