import { Hono } from 'hono';
import type { Context } from 'hono';
import { z } from 'zod';
import { BADGE_STYLES, badgeSvg } from '../badges/svg.js';
import { shieldsEndpoint, statusBadge, uptimeBadge } from '../badges/status-badge.js';
import { MINUTE } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { NotFoundError } from '../lib/errors.js';
import { formatPercent } from '../presenters/format.js';
import { loadBadge } from '../services/public/badge.js';
import { parseInput } from '../services/validation.js';
import { sendCached } from './cached.js';

const BadgeQuery = z.object({
  style: z.enum(BADGE_STYLES, { error: `must be one of ${BADGE_STYLES.join(', ')}` }).default('flat'),
  label: z.string().max(60, { error: 'must be at most 60 characters' }).optional(),
  metric: z.enum(['status', 'uptime'], { error: 'must be status or uptime' }).default('status'),
  window: z
    .string()
    .regex(/^([1-9]|[1-8][0-9]|90)d$/, { error: 'must be a number of days from 1d to 90d, such as 30d' })
    .default('30d'),
});

/** Badges stay cached briefly: READMEs and dashboards poll them. */
const BADGE_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';

/** Status and uptime badges: shields-style SVG and the shields.io endpoint JSON. */
export function badgeRoutes(deps: Deps): Hono {
  const app = new Hono();

  const serve = (c: Context, component: string | undefined, format: 'svg' | 'json'): Promise<Response> => {
    const query = parseInput(BadgeQuery, c.req.query());
    // JSON keeps the parts apart whatever they contain: a label or a component name may hold any separator.
    const key = `badge:${JSON.stringify([component ?? null, format, query.style, query.label ?? null, query.metric, query.window])}`;
    return sendCached(
      c,
      deps,
      key,
      async (now) => {
        const uptimeDays = query.metric === 'uptime' ? Number(query.window.slice(0, -1)) : undefined;
        const data = await loadBadge(deps, { component, uptimeDays, now });
        const badge =
          query.metric === 'uptime'
            ? uptimeBadge(query.label ?? `${data.name} uptime ${query.window}`, data.uptime, data.uptime === null ? null : formatPercent(data.uptime))
            : statusBadge(query.label ?? data.name, data.status);
        return format === 'svg'
          ? { body: badgeSvg(badge, query.style), contentType: 'image/svg+xml; charset=utf-8', validUntil: now + MINUTE }
          : { body: JSON.stringify(shieldsEndpoint(badge)), contentType: 'application/json; charset=utf-8', validUntil: now + MINUTE };
      },
      { cacheControl: BADGE_CACHE_CONTROL },
    );
  };

  app.get('/badge.svg', (c) => serve(c, undefined, 'svg'));
  app.get('/badge.json', (c) => serve(c, undefined, 'json'));
  app.get('/badge/:file', (c) => {
    // Hono has already decoded the parameter: decoding again would turn "%25" into a malformed escape (a 500).
    // Any name, line breaks included (the s flag).
    const match = /^(.+)\.(svg|json)$/s.exec(c.req.param('file'));
    if (!match) throw new NotFoundError('Badges end in .svg or .json.');
    return serve(c, match[1]!, match[2] as 'svg' | 'json');
  });
  return app;
}
