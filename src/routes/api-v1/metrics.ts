import { z } from 'zod';
import { MetricsModel, presentApiMetrics } from '../../presenters/api-v1-metrics-models.js';
import { incidentMetrics, parseMetricsPeriod } from '../../services/metrics/metrics.js';
import { operation, type Operation } from './registry.js';

const MetricsQuery = z.object({
  days: z.enum(['30', '90', '365'], { error: 'must be 30, 90 or 365' }).optional().describe('The last 30, 90 or 365 days (the default: 90)'),
  month: z
    .string()
    .max(7)
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be a month like 2026-11' })
    .optional()
    .describe("A calendar month in the page's time zone, like 2026-11 (instead of days)"),
});

export function metricsOperations(): Operation[] {
  return [
    operation({
      operationId: 'getMetrics',
      method: 'get',
      path: '/metrics',
      tag: 'Metrics',
      summary: 'Response metrics for a period',
      description:
        'MTTD, MTTA, MTTM and MTTR (median and mean, overall and per severity, with the incidents each could not count), incidents per month by severity, MTTA/MTTR by month, postmortems on time, P0/P1 action items done by their due date and the customer-detected rate, each next to its target. Incidents (not maintenance, not example content) that started in the period count. Definitions: docs/metrics.md.',
      permission: 'admin:read',
      query: MetricsQuery,
      response: MetricsModel,
      async run({ deps, actor, query }) {
        return presentApiMetrics(await incidentMetrics(deps, actor, parseMetricsPeriod(query)));
      },
    }),
  ];
}
