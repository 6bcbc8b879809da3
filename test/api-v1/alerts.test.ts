import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/domain/calendar.js';
import type { TestDeps } from '../support/deps.js';
import { createTestDeps } from '../support/deps.js';
import { apiCall, apiToken } from '../support/admin.js';
import { makeComponent, makeDestination } from '../support/factories.js';
import { alertmanagerPayload, type AmAlert } from '../fixtures/alerts/alertmanager.js';
import { grafanaFiring, grafanaResolved } from '../fixtures/alerts/grafana.js';
import { kumaDown, kumaPending, kumaTest, kumaUp } from '../fixtures/alerts/uptime-kuma.js';
import { client, iso, json, NOON } from './helpers.js';

/*
 * Alert intake through the management API (createApp(deps).request, real
 * SQLite): each source's payload, deduplication, grouping and resolution.
 * Every answer is checked against its documented model (helpers.client).
 */

async function setup() {
  const deps = await createTestDeps({ now: NOON });
  const payments = await makeComponent(deps, { name: 'Payments' });
  const search = await makeComponent(deps, { name: 'Search' });
  const destination = await makeDestination(deps);
  const alertsToken = await apiToken(deps, 'alerts');
  const owner = await client(deps, 'owner');
  /** Posts with the alerts token; expects 200 and returns the answer. */
  const ingest = async (path: string, body: unknown) => {
    const res = await apiCall(deps, 'POST', `/api/v1/alerts${path}`, alertsToken, body);
    expect(res.status, res.text).toBe(200);
    return json(res);
  };
  return { deps, payments, search, destination, owner, ingest, alertsToken };
}

/** Everything an intake could have written: drafts, alerts, deliveries, incidents, component statuses. */
async function snapshot(deps: TestDeps, destination: string) {
  const drafts = await deps.repos.alerts.listRecentDrafts(100);
  const alerts = (await Promise.all(drafts.map((d) => deps.repos.alerts.alertsOf(d.id)))).flat();
  return {
    drafts,
    alerts,
    deliveries: await deps.repos.destinations.deliveriesOf(destination, 100),
    incidents: await deps.repos.incidents.listOpenIncidents(),
    components: (await deps.repos.components.list()).map((c) => [c.name, c.status]),
  };
}

const paymentsAlerts: AmAlert[] = [
  {
    labels: { alertname: 'CheckoutErrors', service: 'payments', severity: 'critical', instance: 'api-1' },
    annotations: { summary: 'Checkout 5xx above 5%', description: '7.2% of checkout requests fail', runbook_url: 'https://runbooks.example.com/checkout' },
    startsAt: '2026-11-23T11:58:00Z',
    fingerprint: 'a1b2c3d4e5f60001',
  },
  {
    labels: { alertname: 'CheckoutErrors', service: 'payments', severity: 'critical', instance: 'api-2' },
    annotations: { summary: 'Checkout 5xx above 5%', description: '6.1% of checkout requests fail' },
    startsAt: '2026-11-23T11:57:30Z',
    fingerprint: 'a1b2c3d4e5f60002',
  },
];

describe('POST /api/v1/alerts/alertmanager', () => {
  it('opens one draft for a group of alerts a rule maps to one component, announced once, never public', async () => {
    const { deps, payments, destination, owner, ingest } = await setup();
    await owner.call('POST', '/api/v1/alerts/rules', { name: 'Payments critical', matchers: { service: 'payments', severity: 'critical' }, components: [payments], severity: 1 });

    const answer = await ingest('/alertmanager', alertmanagerPayload(paymentsAlerts));
    expect(answer).toMatchObject({ received: 2, firing: 2, repeated: 0, resolved: 0, ignored: 0, test: false });
    expect(answer.opened).toHaveLength(1);
    expect(answer.drafts).toEqual(answer.opened);

    const draft = await owner.call('GET', `/api/v1/alerts/drafts/${answer.opened[0]}`);
    expect(draft).toMatchObject({
      status: 'open',
      source: 'alertmanager',
      title: 'CheckoutErrors: Checkout 5xx above 5%',
      severity: 1,
      component_ids: [payments],
      detected_at: '2026-11-23T11:57:30.000Z',
      acknowledged_at: null,
      incident_id: null,
      firing_count: 2,
      admin_url: `http://status.test/admin/alerts/${draft.id}`,
      declare_url: `http://status.test/admin/incidents/new?alert=${draft.id}`,
    });
    // Oldest first.
    expect(draft.alerts.map((a: { key: string }) => a.key)).toEqual(['a1b2c3d4e5f60002', 'a1b2c3d4e5f60001']);
    expect(draft.alerts[1]).toMatchObject({
      status: 'firing',
      description: '7.2% of checkout requests fail',
      labels: paymentsAlerts[0]!.labels,
      severity: 1,
      starts_at: '2026-11-23T11:58:00.000Z',
      ends_at: null,
      received_at: iso(NOON),
    });
    expect(draft.alerts[1].links.map((l: { label: string }) => l.label)).toEqual(['Source', 'Runbook']);

    const after = await snapshot(deps, destination);
    expect(after.deliveries.map((d) => d.kind)).toEqual(['alert']);
    expect(after.incidents).toEqual([]);
    expect(after.components).toEqual([['Payments', 'operational'], ['Search', 'operational']]);
    const page = await apiCall(deps, 'GET', '/api/v2/incidents.json', null);
    expect(page.text).not.toContain('Checkout');
  });

  it('changes nothing on a repeated notification: no new draft, alert or destination delivery', async () => {
    const { deps, destination, ingest } = await setup();
    const first = await ingest('/alertmanager', alertmanagerPayload(paymentsAlerts));
    const before = await snapshot(deps, destination);
    // Alertmanager re-sends the whole group every repeat_interval.
    deps.clock.advance(4 * 60 * MINUTE);
    const repeat = await ingest('/alertmanager', alertmanagerPayload(paymentsAlerts));
    expect(repeat).toEqual({ received: 2, firing: 0, repeated: 2, resolved: 0, ignored: 0, opened: [], drafts: first.drafts, test: false });
    expect(await snapshot(deps, destination)).toEqual(before);
  });

  it('puts alerts of different groups for the same component on one draft; unmapped groups get their own', async () => {
    const { deps, payments, destination, owner, ingest } = await setup();
    await owner.call('POST', '/api/v1/alerts/rules', { name: 'Payments', matchers: { service: 'payments' }, components: [payments] });
    const errors = await ingest('/alertmanager', alertmanagerPayload([paymentsAlerts[0]!]));
    deps.clock.advance(MINUTE);
    const latency = await ingest(
      '/alertmanager',
      alertmanagerPayload([{ labels: { alertname: 'CheckoutLatency', service: 'payments' }, startsAt: '2026-11-23T11:59:00Z', fingerprint: 'b000000000000001' }]),
    );
    expect(latency).toMatchObject({ firing: 1, opened: [], drafts: errors.opened });
    deps.clock.advance(MINUTE);
    const disk = await ingest(
      '/alertmanager',
      alertmanagerPayload([{ labels: { alertname: 'DiskFull', host: 'db-3' }, startsAt: '2026-11-23T11:59:30Z', fingerprint: 'c000000000000001' }]),
    );
    expect(disk.opened).toHaveLength(1);
    expect(disk.opened).not.toEqual(errors.opened);

    const { waiting } = await owner.call('GET', '/api/v1/alerts/drafts');
    expect(waiting.map((d: { id: string; alerts: unknown[] }) => [d.id, d.alerts.length])).toEqual([
      [errors.opened[0], 2],
      [disk.opened[0], 1],
    ]);
    expect(waiting[1].component_ids).toEqual([]);
    // One announcement per draft, not per alert.
    expect((await deps.repos.destinations.deliveriesOf(destination, 10)).map((d) => d.kind)).toEqual(['alert', 'alert']);
  });

  it('records resolutions; the draft closes when its last alert resolves; a new firing opens a new draft', async () => {
    const { owner, ingest } = await setup();
    const opened = (await ingest('/alertmanager', alertmanagerPayload(paymentsAlerts))).opened[0];
    const [one, two] = paymentsAlerts;

    const partly = await ingest('/alertmanager', alertmanagerPayload([{ ...one!, status: 'resolved', endsAt: '2026-11-23T12:04:00Z' }, two!]));
    expect(partly).toMatchObject({ received: 2, firing: 0, repeated: 1, resolved: 1, ignored: 0, opened: [] });
    let draft = await owner.call('GET', `/api/v1/alerts/drafts/${opened}`);
    expect(draft).toMatchObject({ status: 'open', firing_count: 1, closed_at: null });
    const byKey = (d: { alerts: { key: string }[] }, key: string) => d.alerts.find((a) => a.key === key);
    expect(byKey(draft, one!.fingerprint)).toMatchObject({ status: 'resolved', ends_at: '2026-11-23T12:04:00.000Z', resolved_received_at: iso(NOON) });
    expect(byKey(draft, two!.fingerprint)).toMatchObject({ status: 'firing', ends_at: null });

    const resolvedGroup = alertmanagerPayload(paymentsAlerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: '2026-11-23T12:05:00Z' })));
    expect(resolvedGroup.status).toBe('resolved');
    expect(await ingest('/alertmanager', resolvedGroup)).toMatchObject({ resolved: 1, ignored: 1 });
    draft = await owner.call('GET', `/api/v1/alerts/drafts/${opened}`);
    expect(draft).toMatchObject({ status: 'resolved', firing_count: 0, closed_at: iso(NOON) });
    // Resolved notifications repeat too: nothing left to resolve.
    expect(await ingest('/alertmanager', resolvedGroup)).toMatchObject({ resolved: 0, ignored: 2, drafts: [] });

    const again = await ingest('/alertmanager', alertmanagerPayload([{ ...one!, startsAt: '2026-11-23T13:00:00Z' }]));
    expect(again.opened).toHaveLength(1);
    expect(again.opened).not.toEqual([opened]);
  });
});

describe('POST /api/v1/alerts/grafana', () => {
  it("takes the documented webhook payload: the group's alerts on one draft, with Grafana's links; resolved closes it", async () => {
    const { deps, destination, owner, ingest } = await setup();
    const answer = await ingest('/grafana', grafanaFiring);
    expect(answer).toMatchObject({ received: 2, firing: 2, opened: [expect.any(String)] });
    const draft = await owner.call('GET', `/api/v1/alerts/drafts/${answer.opened[0]}`);
    expect(draft).toMatchObject({
      source: 'grafana',
      title: 'High memory usage: This alert was triggered for zone us-1',
      detected_at: '2021-10-12T07:51:03.157Z',
      component_ids: [],
      severity: null,
    });
    expect(draft.alerts.map((a: { key: string; description: string }) => [a.key, a.description])).toEqual([
      ['c6eadffa33fcdf37', 'The system has high memory usage'],
      ['bc97ff14869b13e3', 'The system has high CPU usage'],
    ]);
    // Empty dashboardURL/panelURL are not links.
    expect(draft.alerts[0].links).toEqual([
      { label: 'Source', url: 'https://play.grafana.org/alerting/1afz29v7z/edit' },
      { label: 'Runbook', url: 'https://myrunbook.com/runbook/1234' },
      { label: 'Silence', url: grafanaFiring.alerts[0]!.silenceURL },
    ]);
    expect(await ingest('/grafana', grafanaFiring)).toMatchObject({ firing: 0, repeated: 2, opened: [] });
    expect(await deps.repos.destinations.deliveriesOf(destination, 10)).toHaveLength(1);

    expect(await ingest('/grafana', grafanaResolved('2021-10-12T10:20:00+02:00'))).toMatchObject({ resolved: 2 });
    expect(await owner.call('GET', `/api/v1/alerts/drafts/${answer.opened[0]}`)).toMatchObject({ status: 'resolved', firing_count: 0 });
  });
});

describe('POST /api/v1/alerts/uptime-kuma', () => {
  it("opens a draft when a monitor goes down (mapped by its tag), ignores repeats and pending beats, resolves on up", async () => {
    const { deps, payments, destination, owner, ingest } = await setup();
    await owner.call('POST', '/api/v1/alerts/rules', { name: 'Checkout monitor', source: 'uptime_kuma', matchers: { service: 'payments' }, components: [payments], severity: 2 });

    expect(await ingest('/uptime-kuma', kumaPending())).toEqual({ received: 0, firing: 0, repeated: 0, resolved: 0, ignored: 0, opened: [], drafts: [], test: false });
    const down = await ingest('/uptime-kuma', kumaDown());
    expect(down).toMatchObject({ received: 1, firing: 1, opened: [expect.any(String)] });
    const draft = await owner.call('GET', `/api/v1/alerts/drafts/${down.opened[0]}`);
    expect(draft).toMatchObject({ source: 'uptime_kuma', title: 'Checkout API is down', severity: 2, component_ids: [payments], detected_at: '2026-11-23T11:58:30.123Z' });
    expect(draft.alerts[0]).toMatchObject({
      key: '7',
      description: 'Request failed with status code 503',
      labels: { monitor: 'Checkout API', monitor_id: '7', type: 'http', service: 'payments' },
      links: [{ label: 'Monitored URL', url: 'https://checkout.example.com/health' }],
    });

    // Kuma re-sends Down every resendInterval: the same episode.
    expect(await ingest('/uptime-kuma', kumaDown('2026-11-23 12:05:30.000'))).toMatchObject({ firing: 0, repeated: 1, opened: [] });
    expect(await deps.repos.destinations.deliveriesOf(destination, 10)).toHaveLength(1);

    expect(await ingest('/uptime-kuma', kumaUp())).toMatchObject({ resolved: 1 });
    const resolved = await owner.call('GET', `/api/v1/alerts/drafts/${down.opened[0]}`);
    expect(resolved).toMatchObject({ status: 'resolved' });
    expect(resolved.alerts[0]).toMatchObject({ status: 'resolved', ends_at: '2026-11-23T12:10:30.456Z' });
  });

  it('accepts the Test button (no heartbeat, no monitor) and records nothing', async () => {
    const { deps, destination, ingest } = await setup();
    const before = await snapshot(deps, destination);
    expect(await ingest('/uptime-kuma', kumaTest)).toEqual({ received: 0, firing: 0, repeated: 0, resolved: 0, ignored: 0, opened: [], drafts: [], test: true });
    expect(await snapshot(deps, destination)).toEqual(before);
  });
});

describe('POST /api/v1/alerts (generic JSON)', () => {
  it('takes one alert: the component by name, its severity, its start and link', async () => {
    const { payments, owner, ingest } = await setup();
    const answer = await ingest('', {
      key: 'nightly-backup',
      status: 'firing',
      summary: 'Nightly backup failed',
      description: 'pg_dump exited with 1',
      severity: 3,
      component: 'payments',
      started_at: '2026-11-23T03:00:00+01:00',
      url: 'https://ci.example.com/jobs/4711',
    });
    expect(answer).toMatchObject({ received: 1, firing: 1, opened: [expect.any(String)] });
    const draft = await owner.call('GET', `/api/v1/alerts/drafts/${answer.opened[0]}`);
    expect(draft).toMatchObject({ source: 'generic', title: 'Nightly backup failed', severity: 3, component_ids: [payments], detected_at: '2026-11-23T02:00:00.000Z' });
    expect(draft.alerts[0]).toMatchObject({ key: 'nightly-backup', links: [{ label: 'Source', url: 'https://ci.example.com/jobs/4711' }] });
    expect(await ingest('', { key: 'nightly-backup', status: 'resolved', summary: 'Nightly backup failed' })).toMatchObject({ resolved: 1 });
    expect(await owner.call('GET', `/api/v1/alerts/drafts/${answer.opened[0]}`)).toMatchObject({ status: 'resolved' });
  });

  it('takes {"alerts": [...]}: alerts for one component share a draft, others do not; start defaults to now', async () => {
    const { search, owner, ingest } = await setup();
    const answer = await ingest('', {
      alerts: [
        { key: 'search-5xx', status: 'firing', summary: 'Search 5xx', component: search },
        { key: 'search-slow', status: 'firing', summary: 'Search p99 over 2 s', component: 'Search' },
        { key: 'cert-expiry', status: 'firing', summary: 'Certificate expires in 3 days', labels: { host: 'www' } },
        { key: 'gone', status: 'resolved', summary: 'Never fired here' },
      ],
    });
    expect(answer).toMatchObject({ received: 4, firing: 3, resolved: 0, ignored: 1 });
    expect(answer.opened).toHaveLength(2);
    const [searchDraft, certDraft] = await Promise.all(answer.opened.map((id: string) => owner.call('GET', `/api/v1/alerts/drafts/${id}`)));
    expect(searchDraft).toMatchObject({ component_ids: [search], detected_at: iso(NOON) });
    expect(searchDraft.alerts.map((a: { key: string }) => a.key).sort()).toEqual(['search-5xx', 'search-slow']);
    expect(certDraft).toMatchObject({ component_ids: [], title: 'Certificate expires in 3 days' });
    expect(certDraft.alerts[0].labels).toEqual({ host: 'www' });
  });
});
