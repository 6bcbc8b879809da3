import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AlertmanagerPayload,
  draftOpenKey,
  firstMatchingRule,
  fromAlertmanager,
  fromGeneric,
  fromGrafana,
  fromUptimeKuma,
  GenericPayload,
  GrafanaPayload,
  isWorse,
  MAX_ALERTS_PER_REQUEST,
  mostSevere,
  ruleMatches,
  UptimeKumaPayload,
  type IncomingAlert,
  type RuleMatch,
} from '../../src/domain/alerts.js';

/*
 * The pure half of alert intake (domain/alerts.ts): each source's payload
 * checked and turned into IncomingAlert, rule matching, the key a draft is
 * open under, and the comparisons of statuses and severities.
 */

const NOW = Date.UTC(2026, 11, 5, 14, 10, 0);
const STARTED = '2026-12-05T14:03:00Z';
const STARTED_MS = Date.UTC(2026, 11, 5, 14, 3, 0);

/** An Alertmanager alert as its webhook sends it (version 4). */
function managerAlert(fields: Record<string, unknown> = {}) {
  return {
    status: 'firing',
    labels: { alertname: 'HighErrorRate', service: 'payments', severity: 'critical' },
    annotations: { summary: 'Payments API errors above 5%', description: 'Error ratio 7.2% for 5m', runbook_url: 'https://runbooks.example.com/payments' },
    startsAt: STARTED,
    // Alertmanager's "zero time": a firing alert has no end yet.
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=rate',
    fingerprint: 'c6a0e2d7b1f3a4e5',
    ...fields,
  };
}

function managerPayload(alerts: unknown[], fields: Record<string, unknown> = {}) {
  return {
    version: '4',
    groupKey: '{}/{severity="critical"}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'herald',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    alerts,
    ...fields,
  };
}

function issuesOf(schema: z.ZodType, input: unknown): { path: string; message: string }[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the payload to be refused');
  return result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

describe('Alertmanager payloads', () => {
  it('turns a firing alert into one IncomingAlert keyed by its fingerprint, with no end (the zero endsAt)', () => {
    const [alert, ...more] = fromAlertmanager(AlertmanagerPayload.parse(managerPayload([managerAlert()])));
    expect(more).toEqual([]);
    expect(alert).toEqual({
      source: 'alertmanager',
      key: 'c6a0e2d7b1f3a4e5',
      status: 'firing',
      summary: 'HighErrorRate: Payments API errors above 5%',
      description: 'Error ratio 7.2% for 5m',
      labels: { alertname: 'HighErrorRate', service: 'payments', severity: 'critical' },
      links: [
        { label: 'Source', url: 'http://prometheus.example.com:9090/graph?g0.expr=rate' },
        { label: 'Runbook', url: 'https://runbooks.example.com/payments' },
      ],
      severity: null,
      component: null,
      startsAt: STARTED_MS,
      endsAt: null,
      groupKey: '{}/{severity="critical"}:{alertname="HighErrorRate"}',
    } satisfies IncomingAlert);
  });

  it('records the end of a resolved alert, and none when it still carries the zero time', () => {
    const payload = AlertmanagerPayload.parse(
      managerPayload(
        [
          managerAlert({ status: 'resolved', endsAt: '2026-12-05T14:20:00Z' }),
          managerAlert({ status: 'resolved', fingerprint: 'other', endsAt: '0001-01-01T00:00:00Z' }),
          managerAlert({ status: 'resolved', fingerprint: 'third', endsAt: undefined }),
        ],
        { status: 'resolved' },
      ),
    );
    expect(fromAlertmanager(payload).map((a) => [a.key, a.status, a.endsAt])).toEqual([
      ['c6a0e2d7b1f3a4e5', 'resolved', Date.UTC(2026, 11, 5, 14, 20, 0)],
      ['other', 'resolved', null],
      ['third', 'resolved', null],
    ]);
  });

  it('ignores the endsAt of a firing alert (Alertmanager sends a future one while it keeps firing)', () => {
    const [alert] = fromAlertmanager(AlertmanagerPayload.parse(managerPayload([managerAlert({ endsAt: '2026-12-05T14:30:00Z' })])));
    expect(alert!.endsAt).toBeNull();
  });

  it('accepts nanosecond times and offsets as Alertmanager writes them', () => {
    const [alert] = fromAlertmanager(AlertmanagerPayload.parse(managerPayload([managerAlert({ startsAt: '2026-12-05T16:03:00.123456789+02:00' })])));
    expect(alert!.startsAt).toBe(STARTED_MS + 123);
  });

  it('names the alert from its summary, title or alertname, without repeating the alertname', () => {
    const summaryOf = (labels: Record<string, string>, annotations: Record<string, string>) =>
      fromAlertmanager(AlertmanagerPayload.parse(managerPayload([managerAlert({ labels, annotations })])))[0]!.summary;
    expect(summaryOf({ alertname: 'DiskFull' }, { summary: 'DiskFull on db-1' })).toBe('DiskFull on db-1');
    expect(summaryOf({ alertname: 'DiskFull' }, { title: 'Disk almost full' })).toBe('DiskFull: Disk almost full');
    expect(summaryOf({ alertname: 'DiskFull' }, {})).toBe('DiskFull');
    expect(summaryOf({}, {})).toBe('Alert');
  });

  it('offers only http(s) links', () => {
    const [alert] = fromAlertmanager(
      AlertmanagerPayload.parse(
        managerPayload([managerAlert({ generatorURL: 'javascript:alert(1)', annotations: { summary: 'x', runbook_url: 'not a url', dashboard_url: 'https://grafana.example.com/d/1' } })]),
      ),
    );
    expect(alert!.links).toEqual([{ label: 'Dashboard', url: 'https://grafana.example.com/d/1' }]);
  });

  it('keeps fields it does not use (sources add fields between versions)', () => {
    expect(AlertmanagerPayload.safeParse(managerPayload([managerAlert({ somethingNew: { a: 1 } })], { alsoNew: true })).success).toBe(true);
  });

  it('refuses malformed payloads, naming each field', () => {
    expect(issuesOf(AlertmanagerPayload, managerPayload([], { version: '3' }))).toEqual([
      { path: 'version', message: 'must be "4" (Alertmanager webhook payload version 4)' },
    ]);
    expect(
      issuesOf(
        AlertmanagerPayload,
        managerPayload([managerAlert({ startsAt: 'yesterday', status: 'pending', fingerprint: '', labels: { service: 7 } })]),
      ),
    ).toEqual([
      { path: 'alerts.0.status', message: 'must be firing or resolved' },
      { path: 'alerts.0.labels.service', message: 'must be text' },
      { path: 'alerts.0.startsAt', message: 'must be an ISO 8601 time, e.g. 2026-12-05T14:03:00Z' },
      { path: 'alerts.0.fingerprint', message: 'is required' },
    ]);
    expect(issuesOf(AlertmanagerPayload, { version: '4', status: 'firing', alerts: [] })).toEqual([{ path: 'groupKey', message: 'is required' }]);
    const many = Array.from({ length: MAX_ALERTS_PER_REQUEST + 1 }, (_, i) => managerAlert({ fingerprint: `f${i}` }));
    expect(issuesOf(AlertmanagerPayload, managerPayload(many))).toEqual([{ path: 'alerts', message: `must have at most ${MAX_ALERTS_PER_REQUEST} alerts` }]);
    const labels = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`l${i}`, 'x']));
    expect(issuesOf(AlertmanagerPayload, managerPayload([managerAlert({ labels })]))).toEqual([{ path: 'alerts.0.labels', message: 'must have at most 100 entries' }]);
  });
});

describe('Grafana payloads', () => {
  // The shape of Grafana's webhook contact point: Alertmanager's plus title, message, state, orgId, values and URLs.
  const grafana = (alerts: unknown[], fields: Record<string, unknown> = {}) => ({
    receiver: 'herald',
    status: 'firing',
    orgId: 1,
    alerts,
    groupLabels: { alertname: 'CPU high' },
    commonLabels: { alertname: 'CPU high' },
    commonAnnotations: {},
    externalURL: 'https://grafana.example.com/',
    version: '1',
    groupKey: '{}:{alertname="CPU high"}',
    truncatedAlerts: 0,
    title: '[FIRING:1] CPU high',
    state: 'alerting',
    message: '**Firing**',
    ...fields,
  });
  const grafanaAlert = (fields: Record<string, unknown> = {}) => ({
    status: 'firing',
    labels: { alertname: 'CPU high', instance: 'web-1' },
    annotations: {},
    startsAt: STARTED,
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'https://grafana.example.com/alerting/grafana/abc/view',
    fingerprint: '57c6d9296de2ad39',
    silenceURL: 'https://grafana.example.com/alerting/silence/new',
    dashboardURL: 'https://grafana.example.com/d/xyz',
    panelURL: 'https://grafana.example.com/d/xyz?viewPanel=2',
    values: { B: 97.2 },
    valueString: "[ var='B' labels={instance=web-1} value=97.2 ]",
    ...fields,
  });

  it('turns each alert into an IncomingAlert from grafana, with its links and value as the description', () => {
    const [alert] = fromGrafana(GrafanaPayload.parse(grafana([grafanaAlert()])));
    expect(alert).toMatchObject({
      source: 'grafana',
      key: '57c6d9296de2ad39',
      status: 'firing',
      summary: 'CPU high',
      description: "[ var='B' labels={instance=web-1} value=97.2 ]",
      startsAt: STARTED_MS,
      endsAt: null,
      groupKey: '{}:{alertname="CPU high"}',
    });
    expect(alert!.links.map((l) => l.label)).toEqual(['Source', 'Dashboard', 'Panel', 'Silence']);
  });

  it('resolves with the end time Grafana sends', () => {
    const [alert] = fromGrafana(GrafanaPayload.parse(grafana([grafanaAlert({ status: 'resolved', endsAt: '2026-12-05T14:08:00Z' })], { status: 'resolved' })));
    expect(alert).toMatchObject({ status: 'resolved', endsAt: Date.UTC(2026, 11, 5, 14, 8, 0) });
  });

  it('refuses a body without alerts or with a malformed one, naming the field', () => {
    expect(issuesOf(GrafanaPayload, grafana([grafanaAlert({ fingerprint: undefined })]))).toEqual([{ path: 'alerts.0.fingerprint', message: 'is required' }]);
    expect(issuesOf(GrafanaPayload, grafana([], { status: 'alerting' }))).toEqual([{ path: 'status', message: 'must be firing or resolved' }]);
    expect(issuesOf(GrafanaPayload, { ...grafana([]), alerts: undefined })[0]!.path).toBe('alerts');
  });
});

describe('Uptime Kuma payloads', () => {
  const kuma = (status: number, fields: Record<string, unknown> = {}) => ({
    heartbeat: { monitorID: 7, status, time: '2026-12-05 14:03:00.250', msg: 'connect ECONNREFUSED 10.0.0.5:443', important: true, duration: 60 },
    monitor: {
      id: 7,
      name: 'Checkout website',
      url: 'https://shop.example.com/checkout',
      type: 'http',
      tags: [
        { name: 'service', value: 'checkout' },
        { name: 'monitor', value: 'cannot override' },
        { name: 'team', value: null },
      ],
    },
    msg: '[Checkout website] [🔴 Down] connect ECONNREFUSED',
    ...fields,
  });

  it('fires the monitor’s alert when it goes down, keyed by the monitor id, tags as labels', () => {
    const alerts = fromUptimeKuma(UptimeKumaPayload.parse(kuma(0)));
    expect(alerts).toEqual([
      {
        source: 'uptime_kuma',
        key: '7',
        status: 'firing',
        summary: 'Checkout website is down',
        description: 'connect ECONNREFUSED 10.0.0.5:443',
        labels: { monitor: 'Checkout website', monitor_id: '7', type: 'http', service: 'checkout', team: '' },
        links: [{ label: 'Monitored URL', url: 'https://shop.example.com/checkout' }],
        severity: null,
        component: null,
        // Kuma's "YYYY-MM-DD HH:mm:ss.SSS" is UTC.
        startsAt: STARTED_MS + 250,
        endsAt: null,
        groupKey: 'monitor:7',
      },
    ]);
  });

  it('resolves it when the monitor is up again, ending at the beat', () => {
    const [alert] = fromUptimeKuma(UptimeKumaPayload.parse(kuma(1, { msg: '[Checkout website] [✅ Up] 200 - OK' }))) as IncomingAlert[];
    expect(alert).toMatchObject({ key: '7', status: 'resolved', endsAt: STARTED_MS + 250 });
  });

  it('changes nothing for pending and maintenance beats', () => {
    expect(fromUptimeKuma(UptimeKumaPayload.parse(kuma(2)))).toEqual([]);
    expect(fromUptimeKuma(UptimeKumaPayload.parse(kuma(3)))).toEqual([]);
  });

  it('recognizes the Test button’s body (no monitor, no heartbeat)', () => {
    expect(fromUptimeKuma(UptimeKumaPayload.parse({ heartbeat: null, monitor: null, msg: 'Uptime Kuma Testing' }))).toEqual({ test: true, message: 'Uptime Kuma Testing' });
    expect(fromUptimeKuma(UptimeKumaPayload.parse({ msg: 'hello' }))).toEqual({ test: true, message: 'hello' });
  });

  it('accepts ISO times and nulls where Kuma leaves fields empty', () => {
    const payload = kuma(0, { monitor: { id: 7, name: 'API', url: null, type: null, tags: null, description: null } });
    payload.heartbeat.time = '2026-12-05T14:03:00Z';
    const [alert] = fromUptimeKuma(UptimeKumaPayload.parse(payload)) as IncomingAlert[];
    expect(alert).toMatchObject({ startsAt: STARTED_MS, links: [], labels: { monitor: 'API', monitor_id: '7' } });
  });

  it('refuses unknown statuses and unreadable times, naming the field', () => {
    const payload = kuma(4);
    payload.heartbeat.time = 'at noon';
    expect(issuesOf(UptimeKumaPayload, payload)).toEqual([
      { path: 'heartbeat.status', message: 'must be 0 (down), 1 (up), 2 (pending) or 3 (maintenance)' },
      { path: 'heartbeat.time', message: 'must be a time such as 2026-12-05 14:03:00' },
    ]);
    expect(issuesOf(UptimeKumaPayload, kuma(0, { monitor: { name: 'x' } }))).toEqual([{ path: 'monitor.id', message: 'Invalid input: expected number, received undefined' }]);
  });
});

describe('generic JSON payloads', () => {
  it('takes one alert object, and started_at defaults to when Herald received it', () => {
    const alerts = fromGeneric(GenericPayload.parse({ key: 'nightly-backup', status: 'firing', summary: 'Nightly backup failed' }), NOW);
    expect(alerts).toEqual([
      {
        source: 'generic',
        key: 'nightly-backup',
        status: 'firing',
        summary: 'Nightly backup failed',
        description: null,
        labels: {},
        links: [],
        severity: null,
        component: null,
        startsAt: NOW,
        endsAt: null,
        groupKey: 'key:nightly-backup',
      },
    ]);
  });

  it('takes a list, with every optional field', () => {
    const alerts = fromGeneric(
      GenericPayload.parse({
        alerts: [
          {
            key: 'ci-deploy',
            status: 'firing',
            summary: '  Deploy failed  ',
            description: 'Step 4 of 7',
            severity: 2,
            component: 'API',
            labels: { pipeline: 'main' },
            started_at: STARTED,
            url: 'https://ci.example.com/runs/42',
          },
          { key: 'cron', status: 'resolved', summary: 'Cron ok' },
        ],
      }),
      NOW,
    );
    expect(alerts[0]).toEqual({
      source: 'generic',
      key: 'ci-deploy',
      status: 'firing',
      summary: 'Deploy failed',
      description: 'Step 4 of 7',
      labels: { pipeline: 'main' },
      links: [{ label: 'Source', url: 'https://ci.example.com/runs/42' }],
      severity: 2,
      component: 'API',
      startsAt: STARTED_MS,
      endsAt: null,
      groupKey: 'key:ci-deploy',
    });
    // A resolution ends when Herald hears of it.
    expect(alerts[1]).toMatchObject({ key: 'cron', status: 'resolved', startsAt: NOW, endsAt: NOW });
  });

  it('refuses malformed alerts, naming the field (also inside a list)', () => {
    expect(issuesOf(GenericPayload, { key: 'x', status: 'firing' })).toEqual([
      { path: '', message: 'must be one alert object, or {"alerts": [...]}: summary: is required' },
    ]);
    expect(issuesOf(GenericPayload, { alerts: [{ key: 'x', status: 'firing', summary: 'ok', severity: 5 }] })).toEqual([
      { path: '', message: 'must be one alert object, or {"alerts": [...]}: alerts.0.severity: must be 1, 2, 3 or 4' },
    ]);
    expect(issuesOf(GenericPayload, { key: 'x', status: 'open', summary: 'ok', started_at: 'today' })).toEqual([
      { path: '', message: 'must be one alert object, or {"alerts": [...]}: status: must be firing or resolved; started_at: must be an ISO 8601 time, e.g. 2026-12-05T14:03:00Z' },
    ]);
    expect(issuesOf(GenericPayload, { alerts: [] })).toEqual([{ path: 'alerts', message: 'must have at least one alert' }]);
    expect(issuesOf(GenericPayload, [{ key: 'x' }])).toEqual([{ path: '', message: 'must be one alert object, or {"alerts": [...]}' }]);
    // A field Herald does not know is a mistake in a payload written for it.
    expect(issuesOf(GenericPayload, { key: 'x', status: 'firing', summary: 'ok', sevrity: 1 })).toEqual([{ path: '', message: 'Unrecognized key: "sevrity"' }]);
    // Right shape, empty values: the fields themselves are named.
    expect(issuesOf(GenericPayload, { key: '', status: 'firing', summary: '   ' })).toEqual([
      { path: 'key', message: 'is required' },
      { path: 'summary', message: 'is required' },
    ]);
  });
});

describe('rule matching', () => {
  const alert = { source: 'alertmanager' as const, labels: { service: 'payments', severity: 'critical', env: 'prod' } };
  const rule = (fields: Partial<RuleMatch> & { id?: string } = {}) => ({ id: 'r', source: null, matchers: {}, enabled: true, ...fields });

  it('matches when every matcher equals the label, exactly', () => {
    expect(ruleMatches(rule({ matchers: { service: 'payments', severity: 'critical' } }), alert)).toBe(true);
    expect(ruleMatches(rule({ matchers: { service: 'payments', severity: 'warning' } }), alert)).toBe(false);
    expect(ruleMatches(rule({ matchers: { service: 'Payments' } }), alert)).toBe(false);
    expect(ruleMatches(rule({ matchers: { team: '' } }), alert)).toBe(false);
    // No matchers: every alert (of the source, if it names one).
    expect(ruleMatches(rule(), alert)).toBe(true);
  });

  it('matches only alerts of the source it names', () => {
    expect(ruleMatches(rule({ source: 'alertmanager', matchers: { service: 'payments' } }), alert)).toBe(true);
    expect(ruleMatches(rule({ source: 'grafana', matchers: { service: 'payments' } }), alert)).toBe(false);
  });

  it('never matches when disabled', () => {
    expect(ruleMatches(rule({ enabled: false }), alert)).toBe(false);
  });

  it('takes the first matching rule in order, skipping disabled ones', () => {
    const rules = [
      rule({ id: 'disabled', enabled: false, matchers: { service: 'payments' } }),
      rule({ id: 'grafana only', source: 'grafana' }),
      rule({ id: 'payments', matchers: { service: 'payments' } }),
      rule({ id: 'critical', matchers: { severity: 'critical' } }),
    ];
    expect(firstMatchingRule(rules, alert)?.id).toBe('payments');
    expect(firstMatchingRule(rules, { source: 'grafana', labels: {} })?.id).toBe('grafana only');
    expect(firstMatchingRule(rules, { source: 'generic', labels: { service: 'search' } })).toBeUndefined();
  });
});

describe('draftOpenKey', () => {
  it('is the same for alerts mapped to the same components, in any order', () => {
    const a = draftOpenKey(['b2', 'a1'], { source: 'alertmanager', groupKey: 'g1' });
    const b = draftOpenKey(['a1', 'b2'], { source: 'grafana', groupKey: 'g2' });
    expect(a).toBe('components:a1,b2');
    expect(b).toBe(a);
    expect(draftOpenKey(['a1'], { source: 'alertmanager', groupKey: 'g1' })).not.toBe(a);
  });

  it('groups alerts no rule maps by source and group', () => {
    expect(draftOpenKey([], { source: 'alertmanager', groupKey: 'g1' })).toBe('group:alertmanager:g1');
    expect(draftOpenKey([], { source: 'grafana', groupKey: 'g1' })).not.toBe(draftOpenKey([], { source: 'alertmanager', groupKey: 'g1' }));
  });
});

describe('isWorse and mostSevere', () => {
  it('orders component statuses by customer impact, maintenance counting as operational', () => {
    expect(isWorse('degraded_performance', 'operational')).toBe(true);
    expect(isWorse('partial_outage', 'degraded_performance')).toBe(true);
    expect(isWorse('major_outage', 'partial_outage')).toBe(true);
    expect(isWorse('operational', 'major_outage')).toBe(false);
    expect(isWorse('degraded_performance', 'degraded_performance')).toBe(false);
    expect(isWorse('degraded_performance', 'under_maintenance')).toBe(true);
    expect(isWorse('under_maintenance', 'operational')).toBe(false);
    expect(isWorse('operational', 'under_maintenance')).toBe(false);
  });

  it('takes the lowest severity number, ignoring unknowns', () => {
    expect(mostSevere(3, 1, 2)).toBe(1);
    expect(mostSevere(null, 4, undefined)).toBe(4);
    expect(mostSevere(null, undefined)).toBeNull();
    expect(mostSevere()).toBeNull();
  });
});
