import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { ValidationError } from '../../lib/errors.js';
import { formatterFor } from '../../presenters/format.js';
import { METRIC_CHARTS, metricsChartSvg, metricsIncidentsCsv, metricsSummaryCsv, periodQuery, presentMetricsPage } from '../../presenters/metrics.js';
import { incidentMetrics, parseMetricsPeriod, type MetricsPeriod } from '../../services/metrics/metrics.js';
import { renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

/**
 * /admin/metrics: response metrics for a period chosen with a GET form
 * (last 30/90/365 days or a month), with SVG charts and their tables; the
 * charts as SVG images (/admin/metrics/<chart>.svg), the same period as CSV: /admin/metrics.csv (one row per incident) and
 * /admin/metrics-summary.csv (the figures). Every team member reads them.
 */
export function metricsRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const query = (c: AdminContext) => ({ days: c.req.query('days'), month: c.req.query('month') });

  app.get('/metrics', read, async (c) => {
    let period: MetricsPeriod;
    let errors: { message: string; fields?: Record<string, string[]> } | undefined;
    try {
      period = parseMetricsPeriod(query(c));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // Show the last 90 days with what was wrong, rather than an error page.
      errors = { message: 'Choose the last 30, 90 or 365 days, or a month like 2026-11. Showing the last 90 days.', fields: error.fields };
      period = { days: 90 };
    }
    const report = await incidentMetrics(deps, c.get('actor'), period);
    const view = presentMetricsPage(report, formatterFor(report.timeZone));
    return renderAdmin(c, deps, 'metrics/index', { title: 'Metrics', ...view, errors }, errors ? 400 : 200);
  });

  const csvRoute = (path: string, name: string, body: typeof metricsIncidentsCsv) =>
    app.get(path, read, async (c) => {
      const period = parseMetricsPeriod(query(c));
      const report = await incidentMetrics(deps, c.get('actor'), period);
      return c.body(body(report), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="${name}-${periodQuery(period).replace('=', '-')}.csv"`,
        'Cache-Control': 'no-store',
      });
    });
  // The charts, as images the page embeds (with the same numbers as tables beside them).
  for (const chart of METRIC_CHARTS) {
    app.get(`/metrics/${chart}.svg`, read, async (c) => {
      const report = await incidentMetrics(deps, c.get('actor'), parseMetricsPeriod(query(c)));
      return c.body(metricsChartSvg(report, chart), 200, { 'Content-Type': 'image/svg+xml; charset=utf-8', 'Cache-Control': 'no-store' });
    });
  }
  csvRoute('/metrics.csv', 'metrics-incidents', metricsIncidentsCsv);
  csvRoute('/metrics-summary.csv', 'metrics-summary', metricsSummaryCsv);
  return app;
}
