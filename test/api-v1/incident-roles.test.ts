import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/domain/calendar.js';
import { newId } from '../../src/lib/ids.js';
import { apiCall, signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident, makeMaintenance } from '../support/factories.js';
import { get } from '../support/http.js';
import { client, expectError, iso, NOON } from './helpers.js';

/*
 * Issue 15 through /api/v1: roles and links on declaring, PUT roles, PUT links, internal
 * updates, the severity change message; a token names no person, so declaring
 * with a token assigns no role by default.
 */

async function setup(role: 'comms' | 'viewer' = 'comms') {
  const deps = await createTestDeps({ now: NOON });
  return { deps, ...(await client(deps, role)) };
}

async function destination(deps: TestDeps, severities: number[] | null = null): Promise<string> {
  const id = newId();
  await deps.db.atomic([
    deps.repos.destinations.insert({ id, name: `#ops-${id}`, type: 'webhook', url: 'https://hooks.example.com/herald', signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', severities, componentIds: null, createdAt: NOON, updatedAt: NOON }),
  ]);
  return id;
}

/** Oldest first. */
async function queued(deps: TestDeps, destinationId: string) {
  return (await deps.repos.destinations.deliveriesOf(destinationId, 100)).reverse().map((d) => ({ kind: d.kind, message: d.message as Record<string, any> }));
}

describe('declaring through the API', () => {
  it('with a token, assigns no role by default (a token is not a person), and takes roles and links', async () => {
    const { deps, call } = await setup();
    const member = await signIn(deps, 'comms');
    const bare = await call('POST', '/api/v1/incidents', { title: 'Checkout down', severity: 1, body: 'Looking.' });
    expect(bare.roles).toEqual({ incident_commander: null, comms_lead: null, ops_lead: null, scribe: null });
    expect(bare.links).toEqual({ war_room_url: null, runbook_url: null, dashboard_url: null });
    const full = await call('POST', '/api/v1/incidents', {
      title: 'Search slow',
      severity: 2,
      body: 'Looking.',
      roles: { incident_commander: { user_id: member.userId }, comms_lead: { name: '@grace' } },
      war_room_url: 'https://meet.example.com/search',
      dashboard_url: 'https://grafana.example.com/d/search',
    });
    expect(full.roles).toEqual({
      incident_commander: { user_id: member.userId, name: 'Test comms', assigned_at: iso(NOON), assigned_by: 'token: test comms' },
      comms_lead: { user_id: null, name: '@grace', assigned_at: iso(NOON), assigned_by: 'token: test comms' },
      ops_lead: null,
      scribe: null,
    });
    expect(full.links).toEqual({ war_room_url: 'https://meet.example.com/search', runbook_url: null, dashboard_url: 'https://grafana.example.com/d/search' });
    // The same on reading, in the list too.
    expect((await call('GET', `/api/v1/incidents/${full.id}`)).roles).toEqual(full.roles);
    const list = await call('GET', '/api/v1/incidents');
    expect(list.data.find((i: { id: string }) => i.id === full.id).roles).toEqual(full.roles);
  });

  it('refuses an unknown member with a 400 naming the role, and a bad link', async () => {
    const { deps, raw } = await setup();
    const unknown = expectError(await raw('POST', '/api/v1/incidents', { title: 'x', severity: 2, body: 'x', roles: { ops_lead: { user_id: 'nosuchmember0000' } } }), 400, 'invalid_input');
    expect(unknown.fields).toEqual({ 'roles.ops_lead': ['is not a team member'] });
    const link = expectError(await raw('POST', '/api/v1/incidents', { title: 'x', severity: 2, body: 'x', runbook_url: 'file:///etc/passwd' }), 400, 'invalid_input');
    expect(Object.keys(link.fields!)).toEqual(['runbook_url']);
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });
});

describe('PUT /api/v1/incidents/{id}/roles', () => {
  it('assigns, hands over and unassigns; audited and announced as a role change', async () => {
    const { deps, call } = await setup();
    const channel = await destination(deps);
    const id = await makeIncident(deps, { roles: { incident_commander: { name: 'Ada' }, scribe: { name: 'Sam' } } });
    deps.clock.advance(7 * MINUTE);
    const roles = await call('PUT', `/api/v1/incidents/${id}/roles`, { incident_commander: { name: 'Grace' }, scribe: null, ops_lead: { name: '@linus' } });
    expect(roles).toEqual({
      incident_commander: { user_id: null, name: 'Grace', assigned_at: iso(NOON + 7 * MINUTE), assigned_by: 'token: test comms' },
      comms_lead: null,
      ops_lead: { user_id: null, name: '@linus', assigned_at: iso(NOON + 7 * MINUTE), assigned_by: 'token: test comms' },
      scribe: null,
    });
    const [entry] = (await deps.repos.audit.list({ limit: 10 })).filter((e) => e.action === 'incident.roles');
    expect(entry).toMatchObject({ actor: 'token: test comms', at: NOON + 7 * MINUTE });
    expect(JSON.parse(entry!.details!).changes).toEqual({
      incident_commander: { from: 'Ada', to: 'Grace' },
      ops_lead: { from: null, to: '@linus' },
      scribe: { from: 'Sam', to: null },
    });
    const last = (await queued(deps, channel)).at(-1)!;
    expect(last.kind).toBe('role_change');
    expect(last.message.text).toBe('IC handover: Ada → Grace\nOps Lead: (none) → @linus\nScribe: Sam → (none)');
    // The same again: nothing changes, nothing more is queued or audited.
    const count = (await queued(deps, channel)).length;
    await call('PUT', `/api/v1/incidents/${id}/roles`, { incident_commander: { name: 'Grace' } });
    expect((await queued(deps, channel)).length).toBe(count);
    expect((await deps.repos.audit.list({ limit: 10 })).filter((e) => e.action === 'incident.roles')).toHaveLength(1);
    // The incident shows them.
    expect((await call('GET', `/api/v1/incidents/${id}`)).roles.incident_commander.name).toBe('Grace');
  });

  it('answers 400 for an unknown member or an empty assignment, 404 for an unknown incident, 403 for a viewer', async () => {
    const { deps, raw } = await setup();
    const id = await makeIncident(deps);
    expect(expectError(await raw('PUT', `/api/v1/incidents/${id}/roles`, { comms_lead: { user_id: 'nosuchmember0000' } }), 400, 'invalid_input').fields).toEqual({
      'roles.comms_lead': ['is not a team member'],
    });
    expectError(await raw('PUT', `/api/v1/incidents/${id}/roles`, { comms_lead: {} }), 400, 'invalid_input');
    expectError(await raw('PUT', `/api/v1/incidents/${id}/roles`, { chief: { name: 'x' } }), 400, 'invalid_input');
    expectError(await raw('PUT', '/api/v1/incidents/nosuchincident0/roles', { comms_lead: null }), 404, 'not_found');
    const viewer = await client(deps, 'viewer');
    expectError(await viewer.raw('PUT', `/api/v1/incidents/${id}/roles`, { comms_lead: { name: 'x' } }), 403, 'forbidden');
    expectError(await viewer.raw('POST', `/api/v1/incidents/${id}/internal-updates`, { body: 'x' }), 403, 'forbidden');
    // Viewers read them.
    expect((await viewer.call('GET', `/api/v1/incidents/${id}/internal-updates`)).data).toEqual([]);
    expect(await deps.repos.roles.rolesOf(id)).toEqual([]);
  });
});

describe('PUT /api/v1/incidents/{id}/links', () => {
  const NONE = { war_room_url: null, runbook_url: null, dashboard_url: null };

  it('sets, clears with null and leaves out what is absent; audited with before and after; the same again writes nothing', async () => {
    const { deps, call } = await setup();
    const id = await makeIncident(deps, { warRoomUrl: 'https://meet.example.com/old', runbookUrl: 'https://wiki.example.com/runbooks/api' });
    deps.clock.advance(3 * MINUTE);
    const links = await call('PUT', `/api/v1/incidents/${id}/links`, { war_room_url: 'https://meet.example.com/new', dashboard_url: 'https://grafana.example.com/d/api' });
    // runbook_url was left out: it stays.
    expect(links).toEqual({ war_room_url: 'https://meet.example.com/new', runbook_url: 'https://wiki.example.com/runbooks/api', dashboard_url: 'https://grafana.example.com/d/api' });
    expect((await call('GET', `/api/v1/incidents/${id}`)).links).toEqual(links);
    const audited = async () => (await deps.repos.audit.list({ limit: 20 })).filter((e) => e.action === 'incident.links');
    const [entry] = await audited();
    expect(entry).toMatchObject({ actor: 'token: test comms', targetType: 'incident', targetId: id, at: NOON + 3 * MINUTE });
    expect(JSON.parse(entry!.details!).changes).toEqual({
      warRoomUrl: { from: 'https://meet.example.com/old', to: 'https://meet.example.com/new' },
      dashboardUrl: { from: null, to: 'https://grafana.example.com/d/api' },
    });
    // null clears; the others stay.
    const cleared = await call('PUT', `/api/v1/incidents/${id}/links`, { runbook_url: null });
    expect(cleared).toEqual({ ...links, runbook_url: null });
    expect(await audited()).toHaveLength(2);
    // An empty body and the same values again change nothing and audit nothing.
    expect(await call('PUT', `/api/v1/incidents/${id}/links`, {})).toEqual(cleared);
    expect(await call('PUT', `/api/v1/incidents/${id}/links`, { war_room_url: 'https://meet.example.com/new', runbook_url: null })).toEqual(cleared);
    expect(await audited()).toHaveLength(2);
    // Internal: the incident's public page does not show them.
    expect((await get(deps, `/incidents/${id}`)).text).not.toContain('meet.example.com');
  });

  it('answers 400 naming the field for a bad URL or an unknown field, 404 for an unknown incident or a maintenance, 403 for a viewer', async () => {
    const { deps, raw } = await setup();
    const id = await makeIncident(deps);
    const bad = expectError(await raw('PUT', `/api/v1/incidents/${id}/links`, { war_room_url: 'https://meet.example.com/ok', runbook_url: 'javascript:alert(1)' }), 400, 'invalid_input');
    expect(bad.fields).toEqual({ runbook_url: ['must be an http(s) URL'] });
    expect(bad.message).toContain('runbook_url');
    expect(expectError(await raw('PUT', `/api/v1/incidents/${id}/links`, { dashboard_url: 'not a url' }), 400, 'invalid_input').fields).toEqual({
      dashboard_url: ['must be an http(s) URL'],
    });
    expect(expectError(await raw('PUT', `/api/v1/incidents/${id}/links`, { warRoomUrl: 'https://meet.example.com/x' }), 400, 'invalid_input').fields).toEqual({
      warRoomUrl: ['is not a field of this request'],
    });
    expectError(await raw('PUT', '/api/v1/incidents/nosuchincident0/links', { war_room_url: null }), 404, 'not_found');
    const maintenance = await makeMaintenance(deps, { scheduledFor: NOON + 60 * MINUTE, scheduledUntil: NOON + 120 * MINUTE });
    expectError(await raw('PUT', `/api/v1/incidents/${maintenance}/links`, { war_room_url: 'https://meet.example.com/x' }), 404, 'not_found');
    const viewer = await client(deps, 'viewer');
    expectError(await viewer.raw('PUT', `/api/v1/incidents/${id}/links`, { war_room_url: 'https://meet.example.com/x' }), 403, 'forbidden');
    // Nothing was saved, nothing audited.
    expect((await deps.repos.incidents.findById(id))!).toMatchObject({ warRoomUrl: null, runbookUrl: null, dashboardUrl: null });
    expect((await deps.repos.incidents.findById(maintenance))!.warRoomUrl).toBeNull();
    expect((await deps.repos.audit.list({ limit: 20 })).filter((e) => e.action === 'incident.links')).toEqual([]);
    expect((await viewer.call('GET', `/api/v1/incidents/${id}`)).links).toEqual(NONE);
  });
});

describe('internal updates through the API', () => {
  it('201 with the update; queued as an "update" not posted on the status page; nowhere public', async () => {
    const { deps, call, token } = await setup();
    const channel = await destination(deps);
    const id = await makeIncident(deps, { severity: 1 });
    deps.clock.advance(5 * MINUTE);
    const update = await call('POST', `/api/v1/incidents/${id}/internal-updates`, { body: 'Failover to **replica 2** in progress' });
    expect(update).toEqual({ id: update.id, incident_id: id, status: 'investigating', body: 'Failover to **replica 2** in progress', at: iso(NOON + 5 * MINUTE), author: 'token: test comms', created_at: iso(NOON + 5 * MINUTE) });
    const last = (await queued(deps, channel)).at(-1)!;
    expect(last).toMatchObject({ kind: 'update', message: { postedOnStatusPage: false, text: 'Failover to **replica 2** in progress' } });
    expect((await call('GET', `/api/v1/incidents/${id}/internal-updates`)).data).toEqual([update]);
    // Not part of the incident's public updates, not on the public API or the feed.
    const incident = await call('GET', `/api/v1/incidents/${id}`);
    expect(JSON.stringify(incident.updates)).not.toContain('replica 2');
    for (const path of [`/incidents/${id}`, '/api/v2/incidents.json', '/history.atom']) {
      expect((await get(deps, path)).text, path).not.toContain('replica 2');
    }
    expect((await apiCall(deps, 'GET', '/api/v1/outbox', token)).text).not.toContain('replica 2');
  });

  it('refuses an empty body, unfilled placeholders and unknown fields', async () => {
    const { deps, raw } = await setup();
    const id = await makeIncident(deps);
    expectError(await raw('POST', `/api/v1/incidents/${id}/internal-updates`, { body: '' }), 400, 'invalid_input');
    expect(expectError(await raw('POST', `/api/v1/incidents/${id}/internal-updates`, { body: 'Impact: {{impact}}' }), 400, 'invalid_input').fields).toEqual({ body: ['fill in {{impact}}'] });
    expectError(await raw('POST', `/api/v1/incidents/${id}/internal-updates`, { body: 'x', public: true }), 400, 'invalid_input');
    expect(await deps.repos.roles.internalUpdatesOf(id)).toEqual([]);
  });
});

describe('severity change through the API', () => {
  it('queues "severity_change" with the reason and SEV-3 → SEV-1', async () => {
    const { deps, call } = await setup();
    const channel = await destination(deps, [1]);
    const id = await makeIncident(deps, { severity: 3 });
    await call('PUT', `/api/v1/incidents/${id}/severity`, { severity: 1, reason: 'Customers cannot log in' });
    const [message] = await queued(deps, channel);
    expect(message).toMatchObject({ kind: 'severity_change', message: { severityLabel: 'SEV-1', text: 'Severity changed SEV-3 → SEV-1. Reason: Customers cannot log in' } });
  });
});
