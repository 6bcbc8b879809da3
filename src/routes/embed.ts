import { Hono } from 'hono';
import { z } from 'zod';
import { MINUTE } from '../domain/calendar.js';
import { overallStatus } from '../domain/status.js';
import type { Deps } from '../deps.js';
import { EMBED_SCRIPT } from '../embed/embed-script.js';
import { formatterFor } from '../presenters/format.js';
import { presentIncident } from '../presenters/incident.js';
import { presentPage } from '../presenters/page.js';
import { loadEmbed } from '../services/public/embed.js';
import { parseInput } from '../services/validation.js';
import { baseUrlFor, originKey } from './base-url.js';
import { HTML, sendCached } from './cached.js';

const EmbedQuery = z.object({
  theme: z.enum(['auto', 'light', 'dark'], { error: 'must be auto, light or dark' }).default('auto'),
});

/** The one page other sites may frame; everything else says frame-ancestors 'none'. */
const EMBED_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors *";

/** /embed (a tiny page for iframes) and /embed.js (a script-tag widget). */
export function embedRoutes(deps: Deps): Hono {
  const app = new Hono();

  app.get('/embed', (c) => {
    const { theme } = parseInput(EmbedQuery, c.req.query());
    return sendCached(
      c,
      deps,
      `embed:${theme}|${originKey(deps, c)}`,
      async (now) => {
        const data = await loadEmbed(deps, now);
        const format = formatterFor(data.settings.timeZone);
        const byId = new Map(data.components.map((x) => [x.id, x]));
        const body = deps.views.render('embed', {
          page: presentPage(data.settings),
          pageUrl: `${baseUrlFor(deps, c, data.settings.url)}/`,
          theme,
          banner: overallStatus(data.components.filter((x) => !x.hidden).map((x) => x.status)),
          items: data.items.map((i) => presentIncident(i, byId, format, now)),
        });
        return { body, contentType: HTML, validUntil: now + MINUTE };
      },
      { headers: { 'Content-Security-Policy': EMBED_CSP } },
    );
  });

  app.get('/embed.js', (c) =>
    sendCached(
      c,
      deps,
      'embed.js',
      async () => ({
        body: EMBED_SCRIPT,
        contentType: 'application/javascript; charset=utf-8',
        validUntil: Number.POSITIVE_INFINITY,
      }),
      { cacheControl: 'public, max-age=3600, stale-while-revalidate=86400' },
    ),
  );
  return app;
}
