import { Hono } from 'hono';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { MINUTE } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { StatuspageV2 } from '../presenters/statuspage-v2.js';
import {
  loadIncidents,
  loadMaintenances,
  loadPublicPage,
  type IncidentSelection,
  type MaintenanceSelection,
} from '../services/public/public-api.js';
import { baseUrlFor, originKey } from './base-url.js';
import { sendCached } from './cached.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** Atlassian Statuspage public API v2: read-only, no auth, CORS open. */
export function apiV2Routes(deps: Deps): Hono {
  const app = new Hono();
  // Preflights through hono's cors(); GETs get their one header from sendCached, because a
  // middleware that sets headers before the handler pushes every response onto Hono's
  // slower path (about 180 µs a request; see bench/README.md).
  const preflight = cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'OPTIONS'], maxAge: 86400 });
  app.use('*', (c, next) => (c.req.method === 'OPTIONS' ? preflight(c, next) : next()));

  /** Serves a v2 document from the render cache; `build` gets the presenter. */
  const serve = (
    c: Context,
    build: (v2: StatuspageV2, now: number) => Promise<object>,
  ): Promise<Response> => {
    return sendCached(c, deps, `api:${c.req.path}|${originKey(deps, c)}`, async (now) => {
      const data = await loadPublicPage(deps);
      const v2 = new StatuspageV2(data, baseUrlFor(deps, c, data.settings.url), now);
      const document = await build(v2, now);
      // Maintenance phases move with the clock; re-check each minute.
      return { body: JSON.stringify(document), contentType: JSON_TYPE, validUntil: now + MINUTE };
    }, { headers: { 'Access-Control-Allow-Origin': '*' } });
  };

  const incidents = (selection: IncidentSelection) => (c: Context) =>
    serve(c, async (v2) => {
      const list = await loadIncidents(deps, selection);
      return { page: v2.page(), incidents: list.map((i) => v2.incident(i)) };
    });
  const maintenances = (selection: MaintenanceSelection) => (c: Context) =>
    serve(c, async (v2, now) => {
      const list = await loadMaintenances(deps, selection, now);
      return { page: v2.page(), scheduled_maintenances: list.map((m) => v2.maintenance(m)) };
    });

  app.get('/summary.json', (c) =>
    serve(c, async (v2, now) => {
      const [open, upcoming, active] = await Promise.all([
        loadIncidents(deps, 'unresolved'),
        loadMaintenances(deps, 'upcoming', now),
        loadMaintenances(deps, 'active', now),
      ]);
      const maintenance = [...active, ...upcoming];
      return {
        page: v2.page(),
        components: v2.components(),
        incidents: open.map((i) => v2.incident(i)),
        scheduled_maintenances: maintenance.map((m) => v2.maintenance(m)),
        status: v2.status(),
      };
    }),
  );
  app.get('/status.json', (c) => serve(c, async (v2) => ({ page: v2.page(), status: v2.status() })));
  app.get('/components.json', (c) => serve(c, async (v2) => ({ page: v2.page(), components: v2.components() })));
  app.get('/incidents.json', incidents('recent'));
  app.get('/incidents/unresolved.json', incidents('unresolved'));
  app.get('/scheduled-maintenances.json', maintenances('recent'));
  app.get('/scheduled-maintenances/upcoming.json', maintenances('upcoming'));
  app.get('/scheduled-maintenances/active.json', maintenances('active'));
  return app;
}
