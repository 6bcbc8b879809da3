import { Hono } from 'hono';
import type { Context } from 'hono';
import { MINUTE } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { atomFeed } from '../feeds/atom.js';
import { rssFeed } from '../feeds/rss.js';
import { presentFeed } from '../presenters/feed.js';
import { loadFeed } from '../services/feed.js';
import { baseUrlFor } from './api-v2.js';
import { sendCached } from './cached.js';

const ATOM = 'application/atom+xml; charset=utf-8';
const RSS = 'application/rss+xml; charset=utf-8';

/** RSS 2.0 and Atom 1.0 feeds of incidents and maintenance, for the page and per component. */
export function feedRoutes(deps: Deps): Hono {
  const app = new Hono();

  const serve = (c: Context, format: 'atom' | 'rss', componentId?: string): Promise<Response> => {
    const origin = deps.config.publicUrl ? '' : new URL(c.req.url).origin;
    return sendCached(c, deps, `feed:${c.req.path}|${origin}`, async (now) => {
      const source = await loadFeed(deps, componentId);
      const base = baseUrlFor(deps, c, source.settings.url);
      const feed = presentFeed(source, base, `${base}${c.req.path}`, now);
      return {
        body: format === 'atom' ? atomFeed(feed) : rssFeed(feed),
        contentType: format === 'atom' ? ATOM : RSS,
        validUntil: now + MINUTE,
        lastModified: feed.updated,
      };
    });
  };

  app.get('/history.atom', (c) => serve(c, 'atom'));
  app.get('/history.rss', (c) => serve(c, 'rss'));
  app.get('/components/:id/history.atom', (c) => serve(c, 'atom', c.req.param('id')));
  app.get('/components/:id/history.rss', (c) => serve(c, 'rss', c.req.param('id')));
  return app;
}
