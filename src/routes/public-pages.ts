import { Hono } from 'hono';
import { z } from 'zod';
import { MINUTE } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { formatterFor } from '../presenters/format.js';
import { presentHistory } from '../presenters/history.js';
import { presentIncident } from '../presenters/incident.js';
import { presentPage } from '../presenters/page.js';
import { presentStatusPage } from '../presenters/status-page.js';
import { loadHistory, MAX_HISTORY_PAGE } from '../services/public/history.js';
import { loadIncidentPage } from '../services/public/incident-page.js';
import { loadStatusPage } from '../services/public/status-page.js';
import { parseInput } from '../services/validation.js';
import { HTML, letWaitingRequestsRun, sendCached } from './cached.js';

const HistoryQuery = z.object({
  page: z.coerce
    .number({ error: 'must be a page number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be 1 or more' })
    .max(MAX_HISTORY_PAGE, { error: `must be at most ${MAX_HISTORY_PAGE}` })
    .default(1),
});

/** The server-rendered public pages: status page, incident pages, history. */
export function publicPageRoutes(deps: Deps): Hono {
  const app = new Hono();

  app.get('/', (c) =>
    sendCached(c, deps, 'page:/', async (now) => {
      const data = await loadStatusPage(deps, now);
      await letWaitingRequestsRun();
      const { view, validUntil } = presentStatusPage(data, now);
      return { body: deps.views.render('status-page', view), contentType: HTML, validUntil };
    }),
  );

  app.get('/incidents/:id', (c) => {
    const id = c.req.param('id');
    return sendCached(c, deps, `page:/incidents/${id}`, async (now) => {
      const data = await loadIncidentPage(deps, id);
      const format = formatterFor(data.settings.timeZone);
      const incident = presentIncident(data.incident, new Map(data.components.map((x) => [x.id, x])), format, now);
      const body = deps.views.render('incident-page', {
        page: presentPage(data.settings),
        title: `${incident.title} · ${data.settings.name}`,
        incident,
      });
      // A maintenance's phase moves with the clock; re-check each minute.
      return { body, contentType: HTML, validUntil: now + MINUTE };
    });
  });

  app.get('/history', (c) => {
    const { page } = parseInput(HistoryQuery, { page: c.req.query('page') });
    return sendCached(c, deps, `page:/history?${page}`, async (now) => {
      const view = presentHistory(await loadHistory(deps, page, now), now);
      return { body: deps.views.render('history', view), contentType: HTML, validUntil: now + MINUTE };
    });
  });

  return app;
}
