import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ALERT_BODY_BYTES } from '../../src/routes/api-v1/alerts.js';
import { MAX_BODY_BYTES } from '../../src/routes/api-v1/registry.js';
import { createTestDeps } from '../support/deps.js';
import { apiCall, apiToken } from '../support/admin.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { alertmanagerPayload } from '../fixtures/alerts/alertmanager.js';
import { grafanaFiring } from '../fixtures/alerts/grafana.js';
import { kumaDown } from '../fixtures/alerts/uptime-kuma.js';
import { allOperations, expectError, NOON } from './helpers.js';

/*
 * Who may post alerts, and what a malformed or oversized body gets: a 4xx
 * with a clear message, never a 500, and nothing written.
 */

const firing = alertmanagerPayload([
  { labels: { alertname: 'CheckoutErrors', service: 'payments' }, annotations: { summary: 'Checkout 5xx above 5%' }, startsAt: '2026-11-23T11:58:00Z', fingerprint: 'f000000000000001' },
]);

/** A valid body for each intake endpoint. */
const INTAKE: [string, unknown][] = [
  ['/api/v1/alerts/alertmanager', firing],
  ['/api/v1/alerts/grafana', grafanaFiring],
  ['/api/v1/alerts/uptime-kuma', kumaDown()],
  ['/api/v1/alerts', { key: 'cron-1', status: 'firing', summary: 'Cron job failed' }],
];

async function setup() {
  const deps = await createTestDeps({ now: NOON });
  const drafts = async () => (await deps.repos.alerts.listRecentDrafts(100)).length;
  return { deps, drafts };
}

/** POSTs a raw body (not JSON-encoded by the helper). */
async function postRaw(deps: Awaited<ReturnType<typeof setup>>['deps'], path: string, token: string, body: string) {
  const res = await createApp(deps).request(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('alert intake authentication', () => {
  it('answers 401 without a token or with an unknown one, 403 to a viewer token; nothing is recorded', async () => {
    const { deps, drafts } = await setup();
    const viewer = await apiToken(deps, 'viewer');
    for (const [path, body] of INTAKE) {
      const anonymous = await apiCall(deps, 'POST', path, null, body);
      expectError(anonymous, 401, 'unauthorized');
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
      expectError(await apiCall(deps, 'POST', path, `hrld_${'x'.repeat(43)}`, body), 401, 'unauthorized');
      expectError(await apiCall(deps, 'POST', path, 'not-a-token', body), 401, 'unauthorized');
      const refused = expectError(await apiCall(deps, 'POST', path, viewer, body), 403, 'forbidden');
      expect(refused.message).toContain('viewer');
      expect(refused.message).toContain('alerts');
    }
    expect(await drafts()).toBe(0);
  });

  it('accepts an alerts token and a comms token on every intake endpoint', async () => {
    const { deps, drafts } = await setup();
    const alerts = await apiToken(deps, 'alerts');
    for (const [path, body] of INTAKE) expect((await apiCall(deps, 'POST', path, alerts, body)).status, path).toBe(200);
    expect(await drafts()).toBe(4);
    const comms = await apiToken(deps, 'comms');
    const generic = await apiCall(deps, 'POST', '/api/v1/alerts', comms, { key: 'by-comms', status: 'firing', summary: 'Posted by a comms token' });
    expect(generic.status).toBe(200);
  });

  it('refuses an alerts token on every other operation of the API with 403', async () => {
    const { deps } = await setup();
    const alerts = await apiToken(deps, 'alerts');
    const incident = await makeIncident(deps, { title: 'Untouchable' });
    const component = await makeComponent(deps, { name: 'API' });
    const others = allOperations.filter((op) => op.permission !== 'alerts:ingest');
    expect(others.length).toBeGreaterThan(40);
    for (const op of others) {
      // Real ids where the path has them: the refusal comes before any lookup.
      const path = `/api/v1${op.path.replace('{id}', op.path.startsWith('/components') ? component : incident).replace(/\{[a-z_]+\}/g, 'abcdef123456')}`;
      const body = op.body ? { title: 'Hijack', name: 'Hijack', severity: 1, body: 'x', status: 'resolved' } : undefined;
      const res = await apiCall(deps, op.method.toUpperCase(), path, alerts, body);
      const error = expectError(res, 403, 'forbidden');
      expect(error.message, op.operationId).toContain('(alerts)');
    }
    expect((await deps.repos.incidents.listOpenIncidents()).map((i) => [i.id, i.title, i.status])).toEqual([[incident, 'Untouchable', 'investigating']]);
    expect((await deps.repos.components.list()).map((c) => [c.name, c.status])).toEqual([['API', 'operational']]);
  });
});

describe('routing under /api/v1/alerts', () => {
  it('sends /alerts/rules and /alerts/drafts/... to their own operations, never to the generic intake', async () => {
    const { deps, drafts } = await setup();
    const alert = { key: 'routing', status: 'firing', summary: 'Not an alert rule' };
    const comms = await apiToken(deps, 'comms');
    const admin = await apiToken(deps, 'admin');
    // comms may post alerts, but not create rules: the rule operation answers.
    expectError(await apiCall(deps, 'POST', '/api/v1/alerts/rules', comms, alert), 403, 'forbidden');
    const asRule = expectError(await apiCall(deps, 'POST', '/api/v1/alerts/rules', admin, alert), 400, 'invalid_input');
    expect(asRule.fields).toMatchObject({ key: ['is not a field of this request'], matchers: ['is required'] });
    expectError(await apiCall(deps, 'POST', '/api/v1/alerts/drafts/abcdef123456/acknowledge', comms, alert), 404, 'not_found');
    expectError(await apiCall(deps, 'POST', '/api/v1/alerts/drafts', comms, alert), 404, 'not_found');
    expect(await drafts()).toBe(0);
    expect((await apiCall(deps, 'POST', '/api/v1/alerts', comms, alert)).status).toBe(200);
    expect(await drafts()).toBe(1);
  });
});

describe('alert intake bodies', () => {
  it('answers 413 above 1 MB, and accepts a group above the rest of the API’s 256 KB', async () => {
    const { deps, drafts } = await setup();
    const alerts = await apiToken(deps, 'alerts');
    const oversized = JSON.stringify({ key: 'big', status: 'firing', summary: 'Too big', description: 'x'.repeat(ALERT_BODY_BYTES) });
    for (const [path] of INTAKE) {
      const error = expectError(await postRaw(deps, path, alerts, oversized), 413, 'payload_too_large');
      expect(error.message).toContain('1 MB');
    }
    expect(await drafts()).toBe(0);

    // 600 alerts of one group: about 400 KB, more than other operations take.
    const big = alertmanagerPayload(
      Array.from({ length: 600 }, (_, i) => ({
        labels: { alertname: 'InstanceDown', job: 'node', instance: `node-${i}.example.com:9100` },
        annotations: { summary: `Instance node-${i} down`, description: 'It has been unreachable for more than 5 minutes. '.repeat(4) },
        startsAt: '2026-11-23T11:55:00Z',
        fingerprint: `ab${String(i).padStart(14, '0')}`,
      })),
    );
    const body = JSON.stringify(big);
    expect(body.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(body.length).toBeLessThan(ALERT_BODY_BYTES);
    const res = await postRaw(deps, '/api/v1/alerts/alertmanager', alerts, body);
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ received: 600, firing: 600, opened: [expect.any(String)] });
    expect(await drafts()).toBe(1);
  });

  it('answers 400 invalid_json to a body that is not JSON, and to an empty one', async () => {
    const { deps, drafts } = await setup();
    const alerts = await apiToken(deps, 'alerts');
    for (const [path] of INTAKE) {
      for (const body of ['{"version": "4", "alerts": [', 'status=firing', "{'key': 'x'}"]) {
        expect(expectError(await postRaw(deps, path, alerts, body), 400, 'invalid_json').message).toContain('not valid JSON');
      }
      expectError(await postRaw(deps, path, alerts, ''), 400, 'invalid_input');
    }
    expect(await drafts()).toBe(0);
  });

  it('answers 400 with messages per field to payloads that break the schema', async () => {
    const { deps, drafts } = await setup();
    const alerts = await apiToken(deps, 'alerts');
    const post = async (path: string, body: unknown) => expectError(await apiCall(deps, 'POST', `/api/v1/alerts${path}`, alerts, body), 400, 'invalid_input');

    const am = firing.alerts[0]!;
    expect((await post('/alertmanager', { ...firing, version: '3' })).fields).toEqual({ version: ['must be "4" (Alertmanager webhook payload version 4)'] });
    const badAlert = await post('/alertmanager', { ...firing, alerts: [{ ...am, startsAt: 'yesterday', status: 'pending', fingerprint: '' }] });
    expect(badAlert.fields).toEqual({
      'alerts.0.startsAt': [expect.stringContaining('ISO 8601')],
      'alerts.0.status': ['must be firing or resolved'],
      'alerts.0.fingerprint': ['is required'],
    });
    expect(badAlert.message).toContain('alerts.0.startsAt');
    expect((await post('/alertmanager', { ...firing, alerts: [{ ...am, labels: { service: 42 } }] })).fields).toEqual({
      'alerts.0.labels.service': [expect.any(String)],
    });
    expect((await post('/grafana', { ...grafanaFiring, groupKey: undefined })).fields).toEqual({ groupKey: ['is required'] });

    const kuma = kumaDown();
    expect((await post('/uptime-kuma', { ...kuma, heartbeat: { ...kuma.heartbeat, status: 9 } })).fields).toEqual({
      'heartbeat.status': ['must be 0 (down), 1 (up), 2 (pending) or 3 (maintenance)'],
    });
    expect((await post('/uptime-kuma', { ...kuma, heartbeat: { ...kuma.heartbeat, time: 'soon' } })).fields).toEqual({
      'heartbeat.time': [expect.stringContaining('2026-12-05 14:03:00')],
    });

    // Generic: one alert, or {"alerts": [...]}: the messages are those of the form sent.
    expect((await post('', { key: 'k', status: 'broken', summary: 'x', severity: 7, colour: 'red' })).fields).toEqual({
      status: ['must be firing or resolved'],
      severity: ['must be 1, 2, 3 or 4'],
      colour: ['is not a field of this request'],
    });
    expect((await post('', { alerts: [{ key: 'k', status: 'firing' }] })).fields).toEqual({ 'alerts.0.summary': ['is required'] });
    expect((await post('', {})).fields).toEqual({ key: ['is required'], status: [expect.any(String)], summary: ['is required'] });
    expect(await drafts()).toBe(0);
  });

  it('never answers 500 to odd JSON on any intake endpoint', async () => {
    const { deps, drafts } = await setup();
    const alerts = await apiToken(deps, 'alerts');
    const odd = ['null', '[]', '"firing"', '42', 'true', '{"alerts": null}', '{"alerts": {"0": {}}}', '{"__proto__": {"admin": true}}', '{"constructor": 1}',
      '{"heartbeat": {}, "monitor": {}}', '{"version": "4", "alerts": [null]}', `{"alerts": [${'['.repeat(500)}${']'.repeat(500)}]}`];
    for (const [path] of INTAKE) {
      for (const body of odd) {
        const res = await postRaw(deps, path, alerts, body);
        const where = `${path} ${body.slice(0, 40)}: ${res.text}`;
        // Uptime Kuma's Test button sends an object without heartbeat and monitor: accepted, nothing recorded.
        if (path.endsWith('/uptime-kuma') && body.startsWith('{') && !body.includes('heartbeat')) {
          expect(res.status, where).toBe(200);
          expect(JSON.parse(res.text)).toMatchObject({ test: true, received: 0 });
        } else {
          expect(res.status, where).toBe(400);
          expect(JSON.parse(res.text).error.message).toBeTruthy();
        }
      }
    }
    expect(await drafts()).toBe(0);
  });
});
