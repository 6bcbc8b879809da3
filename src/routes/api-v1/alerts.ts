import type { z } from 'zod';
import {
  AlertmanagerPayload,
  fromAlertmanager,
  fromGeneric,
  fromGrafana,
  fromUptimeKuma,
  GenericPayload,
  GrafanaPayload,
  UptimeKumaPayload,
  type IncomingAlert,
} from '../../domain/alerts.js';
import { AlertIntakeResultModel, presentIntakeResult } from '../../presenters/api-v1-alert-models.js';
import { ingestAlerts } from '../../services/alerts/intake.js';
import { operation, type Operation, type RunContext } from './registry.js';

/** Alert intake bodies may be larger than the rest of the API's: a group of many alerts. */
export const ALERT_BODY_BYTES = 1024 * 1024;

const TAG = 'Alerts';

function intake<B extends z.ZodType>(spec: {
  operationId: string;
  path: string;
  summary: string;
  description: string;
  body: B;
  alertsOf(body: z.output<B>, now: number): IncomingAlert[] | { test: true };
}): Operation {
  return operation({
    operationId: spec.operationId,
    method: 'post',
    path: spec.path,
    tag: TAG,
    summary: spec.summary,
    description: `${spec.description} Authenticate with a token of scope \`alerts\` (it can do nothing else). Firing alerts open or join a draft incident (never public, never emailed) and are announced to the internal destinations; repeats change nothing; resolved alerts end their episode.`,
    permission: 'alerts:ingest',
    body: spec.body,
    maxBodyBytes: ALERT_BODY_BYTES,
    response: AlertIntakeResultModel,
    async run({ deps, actor, body, now }: RunContext<unknown, unknown, z.output<B>>) {
      const alerts = spec.alertsOf(body, now);
      if (!Array.isArray(alerts)) return presentIntakeResult({ received: 0, firing: 0, repeated: 0, resolved: 0, ignored: 0, opened: [], drafts: [] }, true);
      const result = await ingestAlerts(deps, actor, alerts);
      return presentIntakeResult(result);
    },
  });
}

export function alertOperations(): Operation[] {
  return [
    intake({
      operationId: 'ingestAlertmanager',
      path: '/alerts/alertmanager',
      summary: 'Receive a Prometheus Alertmanager webhook notification',
      description: 'The body Alertmanager\'s webhook_config sends (version "4"). Deduplicates on each alert\'s fingerprint.',
      body: AlertmanagerPayload,
      alertsOf: (body) => fromAlertmanager(body),
    }),
    intake({
      operationId: 'ingestGrafana',
      path: '/alerts/grafana',
      summary: 'Receive a Grafana Alerting webhook notification',
      description: "The body Grafana's webhook contact point sends. Deduplicates on each alert's fingerprint.",
      body: GrafanaPayload,
      alertsOf: (body) => fromGrafana(body),
    }),
    intake({
      operationId: 'ingestUptimeKuma',
      path: '/alerts/uptime-kuma',
      summary: 'Receive an Uptime Kuma webhook notification',
      description:
        "The JSON body Uptime Kuma's Webhook notification sends. Down fires the monitor's alert, Up resolves it (deduplicated on the monitor id); pending and maintenance beats change nothing; the Test button is accepted and records nothing.",
      body: UptimeKumaPayload,
      alertsOf: (body) => fromUptimeKuma(body),
    }),
    intake({
      operationId: 'ingestAlerts',
      path: '/alerts',
      summary: 'Receive alerts in Herald\'s generic JSON',
      description:
        'One alert object, or {"alerts": [...]}: key (deduplicates), status (firing or resolved), summary, and optionally description, severity (1-4), component (id or name), labels, started_at, url. For anything that can POST JSON: a CI job, a cron script, a custom checker.',
      body: GenericPayload,
      alertsOf: (body, now) => fromGeneric(body, now),
    }),
  ];
}
