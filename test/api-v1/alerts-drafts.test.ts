import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/domain/calendar.js';
import { apiCall, apiToken } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeDestination, makeIncident, makeMaintenance } from '../support/factories.js';
import { alertmanagerPayload, type AmAlert } from '../fixtures/alerts/alertmanager.js';
import { client, expectError, iso, json, NOON } from './helpers.js';

/*
 * What people do with alerts through the API: read, acknowledge and dismiss
 * drafts, declare an incident from one (detected_at, acknowledged_at and
 * detection_source recorded), correct a detection source, manage the rules.
 */

const STARTED = '2026-11-23T11:56:00Z';

const checkout: AmAlert = {
  labels: { alertname: 'CheckoutErrors', service: 'payments', severity: 'critical' },
  annotations: { summary: 'Checkout 5xx above 5%' },
  startsAt: STARTED,
  fingerprint: 'd000000000000001',
};

async function setup() {
  const deps = await createTestDeps({ now: NOON });
  const payments = await makeComponent(deps, { name: 'Payments' });
  const destination = await makeDestination(deps);
  const alertsToken = await apiToken(deps, 'alerts');
  const comms = await client(deps, 'comms');
  const ingest = async (alerts: AmAlert[]) => {
    const res = await apiCall(deps, 'POST', '/api/v1/alerts/alertmanager', alertsToken, alertmanagerPayload(alerts));
    expect(res.status, res.text).toBe(200);
    return json(res) as { opened: string[]; drafts: string[]; repeated: number };
  };
  const draftId = async () => (await ingest([checkout])).opened[0]!;
  const kinds = async () => (await deps.repos.destinations.deliveriesOf(destination, 20)).map((d) => d.kind).reverse();
  return { deps, payments, comms, ingest, draftId, kinds };
}

describe('alert drafts', () => {
  it('lists waiting drafts first (oldest first), then recent closed ones', async () => {
    const { deps, comms, ingest, draftId } = await setup();
    const first = await draftId();
    deps.clock.advance(MINUTE);
    const second = (await ingest([{ ...checkout, labels: { alertname: 'DiskFull' }, fingerprint: 'd000000000000002' }])).opened[0]!;
    await comms.call('POST', `/api/v1/alerts/drafts/${first}/dismiss`, { reason: 'Load test' }, 200);
    const list = await comms.call('GET', '/api/v1/alerts/drafts');
    expect(list.waiting.map((d: { id: string }) => d.id)).toEqual([second]);
    expect(list.recent.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([[first, 'dismissed']]);
    const viewer = await client(deps, 'viewer');
    expect((await viewer.call('GET', '/api/v1/alerts/drafts')).waiting).toHaveLength(1);
    expect((await viewer.call('GET', `/api/v1/alerts/drafts/${second}`)).id).toBe(second);
  });

  it('acknowledges a draft once: who and when, announced to the destinations; again changes nothing', async () => {
    const { deps, comms, draftId, kinds } = await setup();
    const id = await draftId();
    deps.clock.advance(2 * MINUTE);
    const acked = await comms.call('POST', `/api/v1/alerts/drafts/${id}/acknowledge`, undefined, 200);
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledged_at: iso(NOON + 2 * MINUTE), acknowledged_by: 'token: test comms' });
    expect(await kinds()).toEqual(['alert', 'alert_acknowledged']);
    const audit = await deps.repos.audit.list({ limit: 1 });
    expect(audit[0]).toMatchObject({ action: 'alert.acknowledge', targetId: id, actor: 'token: test comms' });

    deps.clock.advance(MINUTE);
    const again = await comms.call('POST', `/api/v1/alerts/drafts/${id}/acknowledge`, undefined, 200);
    expect(again.acknowledged_at).toBe(iso(NOON + 2 * MINUTE));
    expect(await kinds()).toEqual(['alert', 'alert_acknowledged']);
  });

  it('dismisses a draft with a reason (required); its alerts’ repeats change nothing; a new alert opens a new draft', async () => {
    const { comms, ingest, draftId } = await setup();
    const id = await draftId();
    const refused = expectError(await comms.raw('POST', `/api/v1/alerts/drafts/${id}/dismiss`, { reason: '  ' }), 400, 'invalid_input');
    expect(refused.fields).toEqual({ reason: ['say why it is not an incident'] });
    expect(expectError(await comms.raw('POST', `/api/v1/alerts/drafts/${id}/dismiss`, {}), 400, 'invalid_input').fields).toEqual({ reason: ['is required'] });

    const dismissed = await comms.call('POST', `/api/v1/alerts/drafts/${id}/dismiss`, { reason: 'A load test in staging' }, 200);
    expect(dismissed).toMatchObject({ status: 'dismissed', dismissed_reason: 'A load test in staging', closed_at: iso(NOON), acknowledged_by: 'token: test comms' });
    expect(await ingest([checkout])).toMatchObject({ repeated: 1, opened: [] });
    const other = await ingest([{ ...checkout, fingerprint: 'd000000000000009' }]);
    expect(other.opened).toHaveLength(1);
    expect(other.opened[0]).not.toBe(id);
  });

  it('answers 404 for unknown or malformed ids and 403 to a viewer acting on a draft', async () => {
    const { deps, comms, draftId } = await setup();
    const id = await draftId();
    for (const path of ['/api/v1/alerts/drafts/abcdef123456', '/api/v1/alerts/drafts/NOT-AN-ID', '/api/v1/alerts/rules/abcdef123456']) {
      expectError(await comms.raw('GET', path), 404, 'not_found');
    }
    expectError(await comms.raw('POST', '/api/v1/alerts/drafts/abcdef123456/acknowledge'), 404, 'not_found');
    const viewer = await apiToken(deps, 'viewer');
    expectError(await apiCall(deps, 'POST', `/api/v1/alerts/drafts/${id}/acknowledge`, viewer), 403, 'forbidden');
    expectError(await apiCall(deps, 'POST', `/api/v1/alerts/drafts/${id}/dismiss`, viewer, { reason: 'no' }), 403, 'forbidden');
    expect((await comms.call('GET', `/api/v1/alerts/drafts/${id}`)).status).toBe('open');
  });
});

describe('declaring an incident from a draft (POST /api/v1/incidents with alert_draft_id)', () => {
  const declare = (id: string) => ({
    title: 'Checkout errors',
    severity: 1,
    body: 'Some payments fail. We are investigating.',
    alert_draft_id: id,
  });

  it('records detected_at = the alert start, acknowledged_at and detection_source alert; a second declare is a 409', async () => {
    const { deps, comms, draftId, ingest } = await setup();
    const id = await draftId();
    deps.clock.advance(3 * MINUTE);
    const incident = await comms.call('POST', '/api/v1/incidents', { ...declare(id), detection_source: 'customer_report' });
    expect(incident).toMatchObject({
      detection_source: 'alert',
      detected_at: '2026-11-23T11:56:00.000Z',
      acknowledged_at: iso(NOON + 3 * MINUTE),
      acknowledged_by: 'token: test comms',
      alert_draft_id: id,
      status: 'investigating',
    });
    const draft = await comms.call('GET', `/api/v1/alerts/drafts/${id}`);
    expect(draft).toMatchObject({ status: 'declared', incident_id: incident.id, acknowledged_at: iso(NOON + 3 * MINUTE) });

    const again = expectError(await comms.raw('POST', '/api/v1/incidents', declare(id)), 409, 'conflict');
    expect(again.message).toContain('already declared');
    expect((await deps.repos.incidents.listOpenIncidents()).map((i) => i.id)).toEqual([incident.id]);
    expectError(await comms.raw('POST', `/api/v1/alerts/drafts/${id}/dismiss`, { reason: 'late' }), 409, 'conflict');

    // The alert resolving writes nothing public: the incident stays as people left it.
    const resolved = alertmanagerPayload([{ ...checkout, status: 'resolved', endsAt: '2026-11-23T12:20:00Z' }]);
    const alertsToken = await apiToken(deps, 'alerts');
    expect((await apiCall(deps, 'POST', '/api/v1/alerts/alertmanager', alertsToken, resolved)).status).toBe(200);
    const after = await comms.call('GET', `/api/v1/incidents/${incident.id}`);
    expect(after).toMatchObject({ status: 'investigating', resolved_at: null });
    expect(after.updates).toHaveLength(1);
    // Its incident still open, a new alert of the same group joins the declared draft.
    expect((await ingest([{ ...checkout, fingerprint: 'd000000000000003' }])).drafts).toEqual([id]);
  });

  it('keeps an earlier acknowledgement of the draft', async () => {
    const { deps, comms, draftId } = await setup();
    const id = await draftId();
    deps.clock.advance(MINUTE);
    await comms.call('POST', `/api/v1/alerts/drafts/${id}/acknowledge`, undefined, 200);
    deps.clock.advance(4 * MINUTE);
    const owner = await client(deps, 'owner');
    const incident = await owner.call('POST', '/api/v1/incidents', declare(id));
    expect(incident).toMatchObject({ acknowledged_at: iso(NOON + MINUTE), acknowledged_by: 'token: test comms', detected_at: '2026-11-23T11:56:00.000Z' });
  });

  it('refuses an unknown draft with a field message, and writes nothing', async () => {
    const { deps, comms } = await setup();
    const error = expectError(await comms.raw('POST', '/api/v1/incidents', declare('abcdef123456')), 400, 'invalid_input');
    expect(error.fields).toEqual({ alert_draft_id: ['is not an alert draft'] });
    expect(expectError(await comms.raw('POST', '/api/v1/incidents', declare('NOPE!')), 400, 'invalid_input').fields).toHaveProperty('alert_draft_id');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });
});

describe('detection source', () => {
  it('is set when declaring by hand, corrected later (audited), and cleared with null', async () => {
    const { deps, comms } = await setup();
    const incident = await comms.call('POST', '/api/v1/incidents', { title: 'Reported slowness', severity: 3, body: 'Looking into it.', detection_source: 'customer_report' });
    expect(incident).toMatchObject({ detection_source: 'customer_report', detected_at: null, acknowledged_at: null, alert_draft_id: null });

    const changed = await comms.call('PUT', `/api/v1/incidents/${incident.id}/detection-source`, { detection_source: 'internal' }, 200);
    expect(changed.detection_source).toBe('internal');
    expect((await deps.repos.audit.list({ limit: 1 }))[0]).toMatchObject({ action: 'incident.detection_source', targetId: incident.id });
    expect((await comms.call('PUT', `/api/v1/incidents/${incident.id}/detection-source`, { detection_source: null }, 200)).detection_source).toBeNull();

    const bad = expectError(await comms.raw('PUT', `/api/v1/incidents/${incident.id}/detection-source`, { detection_source: 'twitter' }), 400, 'invalid_input');
    expect(bad.fields).toEqual({ detection_source: [expect.stringContaining('customer_report')] });
    expectError(await comms.raw('POST', '/api/v1/incidents', { title: 'x', severity: 3, body: 'x', detection_source: 'psychic' }), 400, 'invalid_input');
    const maintenance = await makeMaintenance(deps, { scheduledFor: NOON + 60 * MINUTE, scheduledUntil: NOON + 120 * MINUTE });
    expectError(await comms.raw('PUT', `/api/v1/incidents/${maintenance}/detection-source`, { detection_source: 'internal' }), 404, 'not_found');
    const viewer = await apiToken(deps, 'viewer');
    expectError(await apiCall(deps, 'PUT', `/api/v1/incidents/${incident.id}/detection-source`, viewer, { detection_source: 'other' }), 403, 'forbidden');
  });

  it('is null on incidents and maintenance that never recorded one', async () => {
    const { deps, comms } = await setup();
    const id = await makeIncident(deps);
    expect(await comms.call('GET', `/api/v1/incidents/${id}`)).toMatchObject({ detection_source: null, detected_at: null, alert_draft_id: null });
  });
});

describe('alert rules', () => {
  it('creates, lists in order, reads, moves, updates and deletes rules (admin); others may read', async () => {
    const { deps, payments } = await setup();
    const search = await makeComponent(deps, { name: 'Search' });
    const admin = await client(deps, 'admin');
    const first = await admin.call('POST', '/api/v1/alerts/rules', { name: 'Payments', matchers: { service: 'payments' }, components: [payments], severity: 2 });
    expect(first).toMatchObject({ name: 'Payments', position: 1, source: null, matchers: { service: 'payments' }, components: [payments], severity: 2, auto_component_status: null, enabled: true, created_at: iso(NOON) });
    const second = await admin.call('POST', '/api/v1/alerts/rules', {
      name: 'Payments critical',
      source: 'alertmanager',
      matchers: { service: 'payments', severity: 'critical' },
      components: [payments],
      severity: 1,
      auto_component_status: 'partial_outage',
      position: 1,
    });
    expect(second.position).toBe(1);
    const viewer = await client(deps, 'viewer');
    expect((await viewer.call('GET', '/api/v1/alerts/rules')).data.map((r: { name: string; position: number }) => [r.name, r.position])).toEqual([
      ['Payments critical', 1],
      ['Payments', 2],
    ]);
    expect((await viewer.call('GET', `/api/v1/alerts/rules/${first.id}`)).position).toBe(2);

    deps.clock.advance(MINUTE);
    const moved = await admin.call('PATCH', `/api/v1/alerts/rules/${first.id}`, { position: 1, name: 'Payments (any)', components: [payments, search], enabled: false });
    expect(moved).toMatchObject({ position: 1, name: 'Payments (any)', components: [payments, search], enabled: false, severity: 2, updated_at: iso(NOON + MINUTE) });
    expect((await admin.call('GET', '/api/v1/alerts/rules')).data.map((r: { id: string }) => r.id)).toEqual([first.id, second.id]);

    await admin.call('DELETE', `/api/v1/alerts/rules/${first.id}`, undefined, 204);
    expect((await admin.call('GET', '/api/v1/alerts/rules')).data.map((r: { id: string; position: number }) => [r.id, r.position])).toEqual([[second.id, 1]]);
    expectError(await admin.raw('GET', `/api/v1/alerts/rules/${first.id}`), 404, 'not_found');
    expect((await deps.repos.audit.list({ limit: 1 }))[0]).toMatchObject({ action: 'alert_rule.delete', targetId: first.id });

    const comms = await apiToken(deps, 'comms');
    expectError(await apiCall(deps, 'POST', '/api/v1/alerts/rules', comms, { name: 'x', matchers: {} }), 403, 'forbidden');
    expectError(await apiCall(deps, 'PATCH', `/api/v1/alerts/rules/${second.id}`, comms, { enabled: false }), 403, 'forbidden');
    expectError(await apiCall(deps, 'DELETE', `/api/v1/alerts/rules/${second.id}`, comms), 403, 'forbidden');
  });

  it('answers 400 with messages per field, in the API spelling', async () => {
    const { deps, payments } = await setup();
    const admin = await client(deps, 'admin');
    const auto = expectError(await admin.raw('POST', '/api/v1/alerts/rules', { name: 'Auto', matchers: { a: 'b' }, auto_component_status: 'major_outage' }), 400, 'invalid_input');
    expect(auto.fields).toEqual({ auto_component_status: ['choose the components whose status follows the alert'] });
    const unknown = expectError(await admin.raw('POST', '/api/v1/alerts/rules', { name: 'Ghost', matchers: {}, components: ['abcdef123456'] }), 400, 'invalid_input');
    expect(unknown.fields).toEqual({ components: ['unknown id abcdef123456'] });
    const shape = expectError(
      await admin.raw('POST', '/api/v1/alerts/rules', { name: '', matchers: { 'bad key': 'x' }, source: 'nagios', severity: 5, auto_component_status: 'operational', colour: 1 }),
      400,
      'invalid_input',
    );
    expect(Object.keys(shape.fields!).sort()).toEqual(['auto_component_status', 'colour', 'matchers.bad key', 'name', 'severity', 'source']);
    const service = expectError(await admin.raw('POST', '/api/v1/alerts/rules', { name: '', matchers: { 'bad key': 'x' } }), 400, 'invalid_input');
    expect(service.fields).toEqual({ name: ['is required'], 'matchers.bad key': ['a label name has no spaces or "="'] });
    const rule = await admin.call('POST', '/api/v1/alerts/rules', { name: 'Payments', matchers: { service: 'payments' }, components: [payments] });
    const patch = expectError(await admin.raw('PATCH', `/api/v1/alerts/rules/${rule.id}`, { components: [], auto_component_status: 'major_outage' }), 400, 'invalid_input');
    expect(patch.fields).toEqual({ auto_component_status: ['choose the components first'] });
  });

  it("moves a mapped component's status while its alert fires when the rule opts in, and puts it back on resolution", async () => {
    const { deps, payments, ingest } = await setup();
    const admin = await client(deps, 'admin');
    await admin.call('POST', '/api/v1/alerts/rules', { name: 'Payments', matchers: { service: 'payments' }, components: [payments], auto_component_status: 'partial_outage' });
    await ingest([checkout]);
    expect((await admin.call('GET', `/api/v1/components/${payments}`)).status).toBe('partial_outage');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
    await ingest([{ ...checkout, status: 'resolved', endsAt: '2026-11-23T12:03:00Z' }]);
    expect((await admin.call('GET', `/api/v1/components/${payments}`)).status).toBe('operational');
  });
});
