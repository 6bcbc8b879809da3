import { z } from 'zod';
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
import { ALERT_SOURCES, SEVERITIES } from '../../domain/constants.js';
import {
  AlertDraftListModel,
  AlertDraftModel,
  AlertIntakeResultModel,
  AlertRuleListModel,
  AlertRuleModel,
  presentApiDraft,
  presentApiRule,
  presentIntakeResult,
  type ApiAlertDraft,
} from '../../presenters/api-v1-alert-models.js';
import { draftLinks } from '../../services/alerts/announce.js';
import { acknowledgeDraft, dismissDraft, DismissDraftInput, findDraft, listDrafts, type DraftDetail } from '../../services/alerts/drafts.js';
import { ingestAlerts } from '../../services/alerts/intake.js';
import { createRule, CreateRuleInput, deleteRule, findRule, listRules, MatchersInput, updateRule } from '../../services/alerts/rules.js';
import { operation, withComponentsNamed, type Operation, type RunContext } from './registry.js';
import { IdPath } from './schemas.js';

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

/* ---- Drafts and rules: request bodies in the API's spelling ---- */

const DismissBody = z.strictObject({ reason: DismissDraftInput.shape.reason.describe('Why it is not an incident (a false alarm, a test, already handled)') });

const RuleName = CreateRuleInput.shape.name.describe('What the team calls it, e.g. "Payments critical"');
const RuleSource = z.enum(ALERT_SOURCES).nullable().describe('Only alerts from this source; null: any');
const Matchers = MatchersInput.describe('Label name -> exact value; every one must equal the alert’s label (Uptime Kuma: monitor, monitor_id, type and its tags)');
const RuleComponents = z.array(z.string()).describe('Component ids the alerts map to: their alerts join one draft');
const RuleSeverity = z
  .union(SEVERITIES.map((s) => z.literal(s)))
  .nullable()
  .describe('The severity it suggests, 1 (critical) to 4; null: none');
const AutoStatus = z
  .enum(['degraded_performance', 'partial_outage', 'major_outage'])
  .nullable()
  .describe('Opt-in: the components take this status while the alert fires and go back when it resolves (never incident text); null: off');
const Position = z.number().int().describe('1-based place in the order rules are tried; absent: last (create) or unchanged (update)');

/** API spelling (snake_case, `components`) to the service's (camelCase, `componentIds`). */
function ruleInput<T extends { components?: string[]; auto_component_status?: z.output<typeof AutoStatus> }>({ components, auto_component_status, ...rest }: T) {
  return {
    ...rest,
    ...(components !== undefined ? { componentIds: components } : {}),
    ...(auto_component_status !== undefined ? { autoComponentStatus: auto_component_status } : {}),
  };
}

const CreateRuleBody = z
  .strictObject({
    name: RuleName,
    source: RuleSource.optional(),
    matchers: Matchers,
    components: RuleComponents.optional(),
    severity: RuleSeverity.optional(),
    auto_component_status: AutoStatus.optional(),
    enabled: z.boolean().optional().describe('Defaults to true'),
    position: Position.optional(),
  })
  .transform(ruleInput);

const UpdateRuleBody = z
  .strictObject({
    name: RuleName.optional(),
    source: RuleSource.optional(),
    matchers: Matchers.optional(),
    components: RuleComponents.optional(),
    severity: RuleSeverity.optional(),
    auto_component_status: AutoStatus.optional(),
    enabled: z.boolean().optional(),
    position: Position.optional(),
  })
  .transform(ruleInput);

function draftResponse(draft: DraftDetail, base: string): ApiAlertDraft {
  return presentApiDraft(draft, draftLinks(base, draft.id));
}

/** Drafts (read: any member's token; act: comms and above) and rules (write: admin and above). */
function managementOperations(): Operation[] {
  return [
    operation({
      operationId: 'listAlertDrafts',
      method: 'get',
      path: '/alerts/drafts',
      tag: TAG,
      summary: 'List alert drafts',
      description:
        'The drafts waiting for a person (open: unacknowledged, and acknowledged), oldest first; then the 50 most recent others (declared, dismissed, resolved on their own), newest first. Each with its alerts.',
      permission: 'admin:read',
      response: AlertDraftListModel,
      async run({ deps, actor, baseUrl }) {
        const { waiting, recent } = await listDrafts(deps, actor);
        const base = await baseUrl();
        return { waiting: waiting.map((d) => draftResponse(d, base)), recent: recent.map((d) => draftResponse(d, base)) };
      },
    }),
    operation({
      operationId: 'getAlertDraft',
      method: 'get',
      path: '/alerts/drafts/{id}',
      tag: TAG,
      summary: 'Get one alert draft with its alerts',
      permission: 'admin:read',
      params: IdPath,
      response: AlertDraftModel,
      async run({ deps, actor, params, baseUrl }) {
        return draftResponse(await findDraft(deps, actor, params.id), await baseUrl());
      },
    }),
    operation({
      operationId: 'acknowledgeAlertDraft',
      method: 'post',
      path: '/alerts/drafts/{id}/acknowledge',
      tag: TAG,
      summary: 'Acknowledge an alert draft',
      description:
        'Records who took it on and when (acknowledged_at, for the metrics; also on its incident if one was declared) and tells the destinations. Acknowledging again changes nothing: the first acknowledgement stays.',
      permission: 'incidents:write',
      params: IdPath,
      response: AlertDraftModel,
      async run({ deps, actor, params, baseUrl }) {
        return draftResponse(await acknowledgeDraft(deps, actor, params.id), await baseUrl());
      },
    }),
    operation({
      operationId: 'dismissAlertDraft',
      method: 'post',
      path: '/alerts/drafts/{id}/dismiss',
      tag: TAG,
      summary: 'Dismiss an alert draft: not an incident',
      description:
        'Closes the draft with the reason (audited). Its alerts stay firing until their source resolves them; their repeats change nothing. 409 when an incident was declared from it. Dismissing again changes nothing.',
      permission: 'incidents:write',
      params: IdPath,
      body: DismissBody,
      response: AlertDraftModel,
      async run({ deps, actor, params, body, baseUrl }) {
        return draftResponse(await dismissDraft(deps, actor, params.id, body), await baseUrl());
      },
    }),
    operation({
      operationId: 'listAlertRules',
      method: 'get',
      path: '/alerts/rules',
      tag: TAG,
      summary: 'List alert rules',
      description: 'In the order they are tried: the first enabled rule whose source and matchers all match an alert maps it.',
      permission: 'admin:read',
      response: AlertRuleListModel,
      run: async ({ deps, actor }) => ({ data: (await listRules(deps, actor)).map(presentApiRule) }),
    }),
    operation({
      operationId: 'getAlertRule',
      method: 'get',
      path: '/alerts/rules/{id}',
      tag: TAG,
      summary: 'Get one alert rule',
      permission: 'admin:read',
      params: IdPath,
      response: AlertRuleModel,
      run: async ({ deps, actor, params }) => presentApiRule(await findRule(deps, actor, params.id)),
    }),
    operation({
      operationId: 'createAlertRule',
      method: 'post',
      path: '/alerts/rules',
      tag: TAG,
      summary: 'Create an alert rule',
      description:
        'Maps alerts whose labels equal every matcher (e.g. {"service": "payments", "severity": "critical"}) to components and a suggested severity. auto_component_status needs components. Placed at position (the others move down), or last.',
      permission: 'components:write',
      body: CreateRuleBody,
      status: 201,
      response: AlertRuleModel,
      run: async ({ deps, actor, body }) => presentApiRule(await withComponentsNamed(() => createRule(deps, actor, body))),
    }),
    operation({
      operationId: 'updateAlertRule',
      method: 'patch',
      path: '/alerts/rules/{id}',
      tag: TAG,
      summary: 'Update an alert rule',
      description: 'Only the fields sent change; a new position moves the others. Alerts already received keep what they were mapped to.',
      permission: 'components:write',
      params: IdPath,
      body: UpdateRuleBody,
      response: AlertRuleModel,
      run: async ({ deps, actor, params, body }) => presentApiRule(await withComponentsNamed(() => updateRule(deps, actor, params.id, body))),
    }),
    operation({
      operationId: 'deleteAlertRule',
      method: 'delete',
      path: '/alerts/rules/{id}',
      tag: TAG,
      summary: 'Delete an alert rule',
      description: 'The rules after it move up. Alerts and drafts it mapped keep their components and severity.',
      permission: 'components:write',
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await deleteRule(deps, actor, params.id);
      },
    }),
  ];
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
    ...managementOperations(),
  ];
}
