import { z } from 'zod';
import { COMPONENT_STATUSES, type AlertSource, type AlertStatus, type ComponentStatus, type Severity } from './constants.js';

/*
 * Alerts from monitoring (issue 16): what each source's webhook sends,
 * checked with zod, and turned into one shape, `IncomingAlert`. Pure: the
 * intake service (services/alerts/intake.ts) decides what each alert does.
 *
 * The payloads are documented by their projects:
 * - Prometheus Alertmanager's webhook_config (version "4"):
 *   https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
 * - Grafana Alerting's webhook contact point (the Alertmanager shape plus
 *   title, message, state, orgId and per-alert values/dashboardURL/panelURL):
 *   https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
 * - Uptime Kuma's Webhook notification ("application/json" body: heartbeat,
 *   monitor, msg; heartbeat.status 0 down, 1 up, 2 pending, 3 maintenance).
 * - Herald's own generic JSON (docs/alerts.md).
 * Fields Herald does not use are allowed through (the sources add fields
 * between versions); the ones it uses are checked.
 */

/** Most alerts one request may carry (Alertmanager's max_alerts can cap a group below this). */
export const MAX_ALERTS_PER_REQUEST = 1000;

const Text = (max: number) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') }).max(max, { error: `must be at most ${max} characters` });
const Labels = z
  .record(Text(200), Text(2000), { error: 'must be an object of text values' })
  .refine((labels) => Object.keys(labels).length <= 100, { error: 'must have at most 100 entries' });
const IsoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2026-12-05T14:03:00Z' });

/** One alert as every source arrives at it. */
export interface IncomingAlert {
  source: AlertSource;
  /** What deduplicates it: the same key while firing is the same alert. */
  key: string;
  status: AlertStatus;
  summary: string;
  description: string | null;
  labels: Record<string, string>;
  links: { label: string; url: string }[];
  /** The payload's own severity (generic JSON only); a rule's wins. */
  severity: Severity | null;
  /** A component the payload names (generic JSON: an id or a name). */
  component: string | null;
  startsAt: number;
  endsAt: number | null;
  /** The source's grouping (Alertmanager's groupKey): alerts no rule maps join one draft per group. */
  groupKey: string;
}

/** A notification that carries no alert: Uptime Kuma's "Test" button. */
export interface TestNotification {
  test: true;
  message: string;
}

/** Alertmanager's "zero time", which it sends as endsAt of a firing alert. */
function timeOrNull(value: string | undefined): number | null {
  if (!value) return null;
  const at = Date.parse(value);
  return Number.isFinite(at) && at > 0 ? at : null;
}

function webLinks(candidates: readonly [string, string | null | undefined][]): { label: string; url: string }[] {
  const links: { label: string; url: string }[] = [];
  for (const [label, url] of candidates) {
    if (!url) continue;
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'https:' || parsed.protocol === 'http:') links.push({ label, url: parsed.toString() });
    } catch {
      // Not a URL: not offered as a link.
    }
  }
  return links;
}

/* ---- Prometheus Alertmanager and Grafana ---- */

const AlertmanagerAlert = z.looseObject({
  status: z.enum(['firing', 'resolved'], { error: 'must be firing or resolved' }),
  labels: Labels,
  annotations: Labels.default({}),
  startsAt: IsoTime,
  endsAt: z.string().max(64).optional(),
  generatorURL: Text(4000).optional(),
  fingerprint: Text(200).min(1, { error: 'is required' }),
});

export const AlertmanagerPayload = z.looseObject({
  version: z.literal('4', { error: 'must be "4" (Alertmanager webhook payload version 4)' }),
  groupKey: Text(4000),
  status: z.enum(['firing', 'resolved'], { error: 'must be firing or resolved' }),
  groupLabels: Labels.default({}),
  commonLabels: Labels.default({}),
  commonAnnotations: Labels.default({}),
  externalURL: Text(4000).optional(),
  alerts: z.array(AlertmanagerAlert).max(MAX_ALERTS_PER_REQUEST, { error: `must have at most ${MAX_ALERTS_PER_REQUEST} alerts` }),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayload>;

const GrafanaAlert = AlertmanagerAlert.extend({
  dashboardURL: Text(4000).optional(),
  panelURL: Text(4000).optional(),
  silenceURL: Text(4000).optional(),
  valueString: Text(4000).optional(),
});

export const GrafanaPayload = z.looseObject({
  version: Text(10).optional(),
  groupKey: Text(4000),
  status: z.enum(['firing', 'resolved'], { error: 'must be firing or resolved' }),
  orgId: z.number().int().optional(),
  title: Text(2000).optional(),
  message: Text(20_000).optional(),
  state: Text(50).optional(),
  groupLabels: Labels.default({}),
  commonLabels: Labels.default({}),
  commonAnnotations: Labels.default({}),
  externalURL: Text(4000).optional(),
  alerts: z.array(GrafanaAlert).max(MAX_ALERTS_PER_REQUEST, { error: `must have at most ${MAX_ALERTS_PER_REQUEST} alerts` }),
});
export type GrafanaPayload = z.infer<typeof GrafanaPayload>;

type AnyManagerAlert = z.infer<typeof GrafanaAlert>;

function fromManagerAlert(source: AlertSource, groupKey: string, alert: AnyManagerAlert): IncomingAlert {
  const summary = alert.annotations.summary || alert.annotations.title || alert.labels.alertname || 'Alert';
  const startsAt = Date.parse(alert.startsAt);
  const endsAt = alert.status === 'resolved' ? (timeOrNull(alert.endsAt) ?? null) : null;
  return {
    source,
    key: alert.fingerprint,
    status: alert.status,
    summary: alert.labels.alertname && !summary.includes(alert.labels.alertname) ? `${alert.labels.alertname}: ${summary}` : summary,
    description: alert.annotations.description || alert.valueString || null,
    labels: alert.labels,
    links: webLinks([
      ['Source', alert.generatorURL],
      ['Dashboard', alert.dashboardURL ?? alert.annotations.dashboard_url],
      ['Panel', alert.panelURL],
      ['Runbook', alert.annotations.runbook_url],
      ['Silence', alert.silenceURL],
    ]),
    severity: null,
    component: null,
    startsAt,
    endsAt,
    groupKey,
  };
}

export function fromAlertmanager(payload: AlertmanagerPayload): IncomingAlert[] {
  return payload.alerts.map((alert) => fromManagerAlert('alertmanager', payload.groupKey, alert));
}

export function fromGrafana(payload: GrafanaPayload): IncomingAlert[] {
  return payload.alerts.map((alert) => fromManagerAlert('grafana', payload.groupKey, alert));
}

/* ---- Uptime Kuma ---- */

const KUMA_DOWN = 0;
const KUMA_UP = 1;

/** "2026-12-05 14:03:00.123" in UTC (how Kuma sends heartbeat.time), or ISO 8601. */
const KumaTime = Text(64).refine((value) => Number.isFinite(kumaTime(value)), { error: 'must be a time such as 2026-12-05 14:03:00' });

function kumaTime(value: string): number {
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  return Date.parse(iso);
}

export const UptimeKumaPayload = z.looseObject({
  heartbeat: z
    .looseObject({
      monitorID: z.number().int().optional(),
      status: z.number().int().min(0).max(3, { error: 'must be 0 (down), 1 (up), 2 (pending) or 3 (maintenance)' }),
      time: KumaTime,
      msg: Text(4000).nullish(),
    })
    .nullish(),
  monitor: z
    .looseObject({
      id: z.number().int(),
      name: Text(500),
      url: Text(4000).nullish(),
      type: Text(100).nullish(),
      description: Text(4000).nullish(),
      tags: z
        .array(z.looseObject({ name: Text(200), value: Text(2000).nullish() }))
        .max(100)
        .nullish(),
    })
    .nullish(),
  msg: Text(4000).nullish(),
});
export type UptimeKumaPayload = z.infer<typeof UptimeKumaPayload>;

/**
 * Down opens (or repeats) the monitor's alert, Up resolves it. Pending and
 * maintenance beats change nothing; a body without a monitor is Kuma's test.
 */
export function fromUptimeKuma(payload: UptimeKumaPayload): IncomingAlert[] | TestNotification {
  const { heartbeat, monitor } = payload;
  if (!monitor || !heartbeat) return { test: true, message: payload.msg ?? '' };
  if (heartbeat.status !== KUMA_DOWN && heartbeat.status !== KUMA_UP) return [];
  const at = kumaTime(heartbeat.time);
  const labels: Record<string, string> = { monitor: monitor.name, monitor_id: String(monitor.id) };
  if (monitor.type) labels.type = monitor.type;
  for (const tag of monitor.tags ?? []) if (!(tag.name in labels)) labels[tag.name] = tag.value ?? '';
  const firing = heartbeat.status === KUMA_DOWN;
  return [
    {
      source: 'uptime_kuma',
      key: String(monitor.id),
      status: firing ? 'firing' : 'resolved',
      summary: `${monitor.name} is down`,
      description: heartbeat.msg || null,
      labels,
      links: webLinks([['Monitored URL', monitor.url]]),
      severity: null,
      component: null,
      startsAt: at,
      endsAt: firing ? null : at,
      groupKey: `monitor:${monitor.id}`,
    },
  ];
}

/* ---- Generic JSON ---- */

const GenericAlert = z.strictObject({
  key: Text(200).min(1, { error: 'is required' }).describe('Deduplicates: the same key while firing is the same alert'),
  status: z.enum(['firing', 'resolved'], { error: 'must be firing or resolved' }).describe('firing opens or repeats; resolved ends it'),
  summary: Text(500).trim().min(1, { error: 'is required' }).describe('One line: what is wrong'),
  description: Text(4000).optional().describe('More detail (shown to the team only)'),
  severity: z
    .union([1, 2, 3, 4].map((s) => z.literal(s)), { error: 'must be 1, 2, 3 or 4' })
    .optional()
    .describe('The suggested severity, 1 (worst) to 4; a matching rule overrides it'),
  component: Text(200).optional().describe("A component's id or exact name"),
  labels: Labels.optional().describe('Text labels that rules match on'),
  started_at: IsoTime.optional().describe('When it began (ISO 8601); defaults to when Herald received it'),
  url: Text(4000).optional().describe('A link to the source (a CI run, a graph)'),
});

const GENERIC_SHAPE = 'must be one alert object, or {"alerts": [...]}';

/**
 * A union names no field when both of its shapes fail; this says what is
 * wrong with the shape the body was meant to have (a list when it has
 * "alerts"), field by field ("alerts.0.summary: is required").
 */
function genericPayloadError(issue: { code?: string; input?: unknown; errors?: readonly (readonly { path: PropertyKey[]; message: string }[])[] }): string {
  const input = issue.input;
  if (issue.code !== 'invalid_union' || !issue.errors?.length || typeof input !== 'object' || input === null || Array.isArray(input)) return GENERIC_SHAPE;
  const meant = issue.errors['alerts' in input ? 1 : 0] ?? [];
  if (!meant.length) return GENERIC_SHAPE;
  return `${GENERIC_SHAPE}: ${meant.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ')}`;
}

export const GenericPayload = z.union(
  [
    GenericAlert,
    z.strictObject({
      alerts: z.array(GenericAlert).min(1, { error: 'must have at least one alert' }).max(MAX_ALERTS_PER_REQUEST, { error: `must have at most ${MAX_ALERTS_PER_REQUEST} alerts` }),
    }),
  ],
  { error: genericPayloadError },
);
export type GenericPayload = z.infer<typeof GenericPayload>;
export { GenericAlert };

export function fromGeneric(payload: GenericPayload, now: number): IncomingAlert[] {
  const list = 'alerts' in payload ? payload.alerts : [payload];
  return list.map((alert) => {
    const startsAt = alert.started_at ? Date.parse(alert.started_at) : now;
    return {
      source: 'generic',
      key: alert.key,
      status: alert.status,
      summary: alert.summary,
      description: alert.description ?? null,
      labels: alert.labels ?? {},
      links: webLinks([['Source', alert.url]]),
      severity: (alert.severity ?? null) as Severity | null,
      component: alert.component ?? null,
      startsAt,
      endsAt: alert.status === 'resolved' ? now : null,
      groupKey: `key:${alert.key}`,
    };
  });
}

/* ---- Rules ---- */

/** What a rule needs to match an alert. */
export interface RuleMatch {
  source: AlertSource | null;
  matchers: Record<string, string>;
  enabled: boolean;
}

/** Whether a rule matches: the source (when it names one) and every matcher equal to the alert's label. */
export function ruleMatches(rule: RuleMatch, alert: Pick<IncomingAlert, 'source' | 'labels'>): boolean {
  if (!rule.enabled) return false;
  if (rule.source !== null && rule.source !== alert.source) return false;
  return Object.entries(rule.matchers).every(([name, value]) => alert.labels[name] === value);
}

/** The first rule (in order) that matches, if any. */
export function firstMatchingRule<R extends RuleMatch>(rules: readonly R[], alert: Pick<IncomingAlert, 'source' | 'labels'>): R | undefined {
  return rules.find((rule) => ruleMatches(rule, alert));
}

/**
 * The key a draft is open under: alerts for the same components share one
 * draft, and alerts nothing maps share one per source group.
 */
export function draftOpenKey(componentIds: readonly string[], alert: Pick<IncomingAlert, 'source' | 'groupKey'>): string {
  if (componentIds.length) return `components:${[...componentIds].sort().join(',')}`;
  return `group:${alert.source}:${alert.groupKey}`;
}

const STATUS_RANK: Record<ComponentStatus, number> = Object.fromEntries(COMPONENT_STATUSES.map((s, i) => [s, i])) as Record<
  ComponentStatus,
  number
>;
STATUS_RANK.under_maintenance = 0;

/** Whether `status` is worse for customers than `than` (maintenance counts as operational here). */
export function isWorse(status: ComponentStatus, than: ComponentStatus): boolean {
  return STATUS_RANK[status] > STATUS_RANK[than];
}

/** The most severe of the severities given (1 is the worst); null when none. */
export function mostSevere(...severities: (number | null | undefined)[]): Severity | null {
  const known = severities.filter((s): s is number => typeof s === 'number');
  return known.length ? (Math.min(...known) as Severity) : null;
}
