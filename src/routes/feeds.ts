import { Hono } from 'hono';
import type { Context } from 'hono';
import { MINUTE } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { icsCalendar } from '../calendar/ics.js';
import { atomFeed } from '../feeds/atom.js';
import { rssFeed } from '../feeds/rss.js';
import { presentFeed } from '../presenters/feed.js';
import { presentMaintenanceCalendar } from '../presenters/maintenance-calendar.js';
import { loadFeed, loadMaintenanceFeed } from '../services/public/feed.js';
import { baseUrlFor, originKey } from './base-url.js';
import { letWaitingRequestsRun, sendCached } from './cached.js';

const ATOM = 'application/atom+xml; charset=utf-8';
const RSS = 'application/rss+xml; charset=utf-8';

/** RSS 2.0 and Atom 1.0 feeds of incidents and maintenance (page and per component), and the maintenance calendar. */
export function feedRoutes(deps: Deps): Hono {
  const app = new Hono();

  const serve = (c: Context, format: 'atom' | 'rss', componentId?: string): Promise<Response> => {
    return sendCached(c, deps, `feed:${c.req.path}|${originKey(deps, c)}`, async (now) => {
      const source = await loadFeed(deps, componentId);
      await letWaitingRequestsRun();
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

  app.get('/maintenance.ics', (c) => {
    return sendCached(c, deps, `feed:/maintenance.ics|${originKey(deps, c)}`, async (now) => {
      const source = await loadMaintenanceFeed(deps);
      const base = baseUrlFor(deps, c, source.settings.url);
      const calendar = presentMaintenanceCalendar(source.settings, source.components, source.incidents, base, now);
      return { body: icsCalendar(calendar), contentType: 'text/calendar; charset=utf-8', validUntil: now + MINUTE };
    });
  });
  app.get('/history.atom', (c) => serve(c, 'atom'));
  app.get('/history.rss', (c) => serve(c, 'rss'));
  app.get('/components/:id/history.atom', (c) => serve(c, 'atom', c.req.param('id')));
  app.get('/components/:id/history.rss', (c) => serve(c, 'rss', c.req.param('id')));
  return app;
}
