import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import type { Role } from '../../src/domain/constants.js';
import { addSubscribers, outboxRows } from '../mail/support.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeGroup, makeIncident, makeMaintenance } from '../support/factories.js';
import { alertmanagerPayload } from '../fixtures/alerts/alertmanager.js';
import { grafanaFiring } from '../fixtures/alerts/grafana.js';
import { kumaDown } from '../fixtures/alerts/uptime-kuma.js';
import { allOperations, client, iso, NOON } from './helpers.js';
import { addChannelSubscriber } from '../admin/channel-fixtures.js';

/*
 * The happy path of every operation, through createApp(deps).request with a
 * bearer token. Every answer is checked against the operation's documented
 * response model; the last test checks that no operation was left out.
 */

const seen = new Set<string>();

/** An update's webhook and chat messages when it has none. */
const NONE = { queued: 0, sending: 0, sent: 0, failed: 0 };
const NO_CHANNEL_MESSAGES = { webhook: NONE, slack: NONE, teams: NONE, discord: NONE };

async function setup(role: Role = 'owner') {
  const deps = await createTestDeps({ now: NOON });
  const group = await makeGroup(deps, 'Platform');
  const api = await makeComponent(deps, { name: 'API', groupId: group, position: 0 });
  const web = await makeComponent(deps, { name: 'Web', groupId: group, position: 1 });
  const cdn = await makeComponent(deps, { name: 'CDN', position: 2 });
  const c = await client(deps, role, seen);
  return { deps, group, api, web, cdn, ...c };
}

describe('incidents', () => {
  it('declares an incident with its first update, component changes and promised next update', async () => {
    const { deps, api, call } = await setup('comms');
    const incident = await call('POST', '/api/v1/incidents', {
      title: 'Elevated API errors',
      severity: 1,
      body: 'We are investigating elevated error rates.',
      components: [{ component_id: api, status: 'major_outage' }],
      next_update_at: '2026-11-23T13:30:00+01:00',
    });
    expect(incident).toMatchObject({
      kind: 'incident',
      title: 'Elevated API errors',
      status: 'investigating',
      severity: 1,
      impact: 'critical',
      notify: true,
      next_update_at: iso(NOON + 30 * MINUTE),
      started_at: iso(NOON),
      resolved_at: null,
      scheduled_for: null,
      url: `http://status.test/incidents/${incident.id}`,
      component_ids: [api],
    });
    expect(incident.updates).toHaveLength(1);
    expect(incident.updates[0]).toMatchObject({
      status: 'investigating',
      body: 'We are investigating elevated error rates.',
      at: iso(NOON),
      component_changes: [{ component_id: api, old_status: 'operational', new_status: 'major_outage' }],
    });
    expect((await deps.repos.components.findById(api))!.status).toBe('major_outage');
    const audit = await deps.repos.audit.list({ limit: 5 });
    expect(audit[0]).toMatchObject({ action: 'incident.declare', actor: 'token: test comms', targetId: incident.id });
  });

  it('gets one incident with its updates, severity, notify and next update', async () => {
    const { deps, api, call } = await setup();
    const id = await makeIncident(deps, { title: 'Slow API', severity: 3, components: [{ componentId: api, status: 'degraded_performance' }] });
    const incident = await call('GET', `/api/v1/incidents/${id}`);
    expect(incident).toMatchObject({ id, title: 'Slow API', severity: 3, impact: 'minor', notify: false, next_update_at: null });
    expect(incident.updates[0].component_changes).toEqual([
      { component_id: api, old_status: 'operational', new_status: 'degraded_performance' },
    ]);
  });

  it('lists open incidents first, then the rest newest first, a page at a time', async () => {
    const { deps, call } = await setup();
    deps.clock.set(NOON - 3 * DAY);
    const oldOpen = await makeIncident(deps, { title: 'Old but open' });
    deps.clock.set(NOON - 2 * DAY);
    const resolved = await makeIncident(deps, { title: 'Resolved', status: 'resolved' });
    deps.clock.set(NOON - DAY);
    const newer = await makeIncident(deps, { title: 'Newer resolved', status: 'resolved' });
    await makeMaintenance(deps, { scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + HOUR });
    deps.clock.set(NOON);

    const all = await call('GET', '/api/v1/incidents');
    expect(all.data.map((i: { id: string }) => i.id)).toEqual([oldOpen, newer, resolved]);
    expect(all.pagination).toEqual({ page: 1, per_page: 20, has_more: false, next_page: null });

    const first = await call('GET', '/api/v1/incidents?per_page=2');
    expect(first.data.map((i: { id: string }) => i.id)).toEqual([oldOpen, newer]);
    expect(first.pagination).toEqual({ page: 1, per_page: 2, has_more: true, next_page: 2 });
    const second = await call('GET', '/api/v1/incidents?per_page=2&page=2');
    expect(second.data.map((i: { id: string }) => i.id)).toEqual([resolved]);
    expect(second.pagination.has_more).toBe(false);

    const open = await call('GET', '/api/v1/incidents?status=open');
    expect(open.data.map((i: { id: string }) => i.id)).toEqual([oldOpen]);
  });

  it('posts an update that moves the lifecycle and changes components', async () => {
    const { deps, api, call } = await setup('comms');
    const id = await makeIncident(deps, { severity: 2, components: [{ componentId: api, status: 'major_outage' }] });
    deps.clock.advance(20 * MINUTE);
    const { update, incident } = await call('POST', `/api/v1/incidents/${id}/updates`, {
      status: 'monitoring',
      body: 'A fix is deployed; we are watching.',
      components: [{ component_id: api, status: 'operational' }],
      next_update_at: iso(NOON + HOUR),
    });
    expect(update).toMatchObject({
      status: 'monitoring',
      body: 'A fix is deployed; we are watching.',
      at: iso(NOON + 20 * MINUTE),
      component_changes: [{ component_id: api, old_status: 'major_outage', new_status: 'operational' }],
    });
    expect(incident).toMatchObject({ id, status: 'monitoring', monitoring_at: iso(NOON + 20 * MINUTE), next_update_at: iso(NOON + HOUR) });
    expect(incident.updates.map((u: { id: string }) => u.id)).toContain(update.id);

    const resolved = await call('POST', `/api/v1/incidents/${id}/updates`, { status: 'resolved', body: 'All good.' });
    expect(resolved.incident).toMatchObject({ status: 'resolved', resolved_at: iso(NOON + 20 * MINUTE), next_update_at: null });
  });

  it('resolving sets the affected components back to operational, except those it names, unless restore_components is false', async () => {
    const { deps, api, web, cdn, call } = await setup('comms');
    const id = await makeIncident(deps, {
      severity: 1,
      components: [{ componentId: api, status: 'major_outage' }, { componentId: web, status: 'partial_outage' }],
    });
    deps.clock.advance(30 * MINUTE);
    const { update, incident } = await call('POST', `/api/v1/incidents/${id}/updates`, {
      status: 'resolved',
      body: 'Fixed.',
      components: [{ component_id: web, status: 'degraded_performance' }],
    });
    expect(incident.status).toBe('resolved');
    expect(update.component_changes).toEqual(
      expect.arrayContaining([
        { component_id: web, old_status: 'partial_outage', new_status: 'degraded_performance' },
        { component_id: api, old_status: 'major_outage', new_status: 'operational' },
      ]),
    );
    expect((await deps.repos.components.findById(api))!.status).toBe('operational');
    expect((await deps.repos.components.findById(web))!.status).toBe('degraded_performance');
    expect((await deps.repos.components.findById(cdn))!.status).toBe('operational');

    const kept = await makeIncident(deps, { severity: 2, components: [{ componentId: cdn, status: 'partial_outage' }] });
    deps.clock.advance(MINUTE);
    const other = await call('POST', `/api/v1/incidents/${kept}/updates`, { status: 'resolved', body: 'Resolved; the CDN stays degraded for now.', restore_components: false });
    expect(other.update.component_changes).toEqual([]);
    expect((await deps.repos.components.findById(cdn))!.status).toBe('partial_outage');
  });

  it('corrects the text of an update, keeping its time and status', async () => {
    const { deps, call } = await setup();
    const id = await makeIncident(deps, { body: 'We are investigatng.' });
    const [first] = (await deps.repos.incidents.findById(id))!.updates;
    deps.clock.advance(5 * MINUTE);
    const incident = await call('PATCH', `/api/v1/incidents/${id}/updates/${first!.id}`, { body: 'We are investigating.' });
    expect(incident.updates[0]).toMatchObject({
      id: first!.id,
      body: 'We are investigating.',
      status: 'investigating',
      at: iso(NOON),
      updated_at: iso(NOON + 5 * MINUTE),
    });
  });

  it('deletes an update and replays the status from the ones left', async () => {
    const { deps, call } = await setup();
    const id = await makeIncident(deps);
    deps.clock.advance(MINUTE);
    const { update } = await call('POST', `/api/v1/incidents/${id}/updates`, { status: 'resolved', body: 'Fixed.' });
    const incident = await call('DELETE', `/api/v1/incidents/${id}/updates/${update.id}`);
    expect(incident).toMatchObject({ status: 'investigating', resolved_at: null });
    expect(incident.updates).toHaveLength(1);
  });

  it('changes the severity with a reason', async () => {
    const { deps, call } = await setup();
    const id = await makeIncident(deps, { severity: 3 });
    const incident = await call('PUT', `/api/v1/incidents/${id}/severity`, { severity: 1, reason: 'Customers cannot log in' });
    expect(incident.severity).toBe(1);
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'incident.change_severity', targetId: id });
    expect(JSON.parse(entry!.details!)).toEqual({ from: 3, to: 1, reason: 'Customers cannot log in' });
  });

  it('sets the roles and links and posts and lists internal updates (issue 15; the details in incident-roles.test.ts)', async () => {
    const { deps, call } = await setup('comms');
    const id = await makeIncident(deps);
    const roles = await call('PUT', `/api/v1/incidents/${id}/roles`, { incident_commander: { name: '@ada' } });
    expect(roles).toMatchObject({ incident_commander: { user_id: null, name: '@ada' }, comms_lead: null });
    const links = await call('PUT', `/api/v1/incidents/${id}/links`, { war_room_url: 'https://meet.example.com/ops' });
    expect(links).toEqual({ war_room_url: 'https://meet.example.com/ops', runbook_url: null, dashboard_url: null });
    const update = await call('POST', `/api/v1/incidents/${id}/internal-updates`, { body: 'Rolling back.' });
    expect(update).toMatchObject({ incident_id: id, body: 'Rolling back.', status: 'investigating' });
    expect((await call('GET', `/api/v1/incidents/${id}/internal-updates`)).data).toEqual([update]);
  });

  it('backfills a past incident, resolved and unnotified', async () => {
    const { deps, cdn, call } = await setup();
    const incident = await call('POST', '/api/v1/incidents/backfill', {
      title: 'CDN outage last week',
      severity: 2,
      body: 'Images failed to load.',
      resolution_body: 'A configuration change was rolled back.',
      components: [{ component_id: cdn, status: 'partial_outage' }],
      started_at: iso(NOON - 7 * DAY),
      resolved_at: iso(NOON - 7 * DAY + 2 * HOUR),
    });
    expect(incident).toMatchObject({
      title: 'CDN outage last week',
      status: 'resolved',
      notify: false,
      started_at: iso(NOON - 7 * DAY),
      resolved_at: iso(NOON - 7 * DAY + 2 * HOUR),
      component_ids: [cdn],
    });
    expect(incident.updates.map((u: { status: string }) => u.status)).toEqual(['resolved', 'investigating']);
    expect((await deps.repos.components.findById(cdn))!.status).toBe('operational');
  });
});

describe('maintenance', () => {
  it('schedules maintenance, lists and gets it, and moves it through its phases', async () => {
    const { deps, web, call } = await setup('comms');
    const maintenance = await call('POST', '/api/v1/maintenance', {
      title: 'Database upgrade',
      body: 'We will upgrade the database.',
      scheduled_for: iso(NOON + DAY),
      scheduled_until: iso(NOON + DAY + 2 * HOUR),
      component_ids: [web],
    });
    expect(maintenance).toMatchObject({
      kind: 'maintenance',
      title: 'Database upgrade',
      status: 'scheduled',
      severity: null,
      impact: 'maintenance',
      notify: true,
      scheduled_for: iso(NOON + DAY),
      scheduled_until: iso(NOON + DAY + 2 * HOUR),
      component_ids: [web],
    });
    expect(await call('GET', `/api/v1/maintenance/${maintenance.id}`)).toEqual(maintenance);

    const list = await call('GET', '/api/v1/maintenance?status=open');
    expect(list.data.map((m: { id: string }) => m.id)).toEqual([maintenance.id]);
    expect((await call('GET', '/api/v1/incidents')).data).toEqual([]);

    deps.clock.set(NOON + DAY);
    // Without `components`, the components move with the step as in the admin.
    const started = await call('POST', `/api/v1/maintenance/${maintenance.id}/updates`, {
      status: 'in_progress',
      body: 'The upgrade has started.',
    });
    expect(started.incident.status).toBe('in_progress');
    expect((await deps.repos.components.findById(web))!.status).toBe('under_maintenance');
    expect(started.update.component_changes).toEqual([{ component_id: web, old_status: 'operational', new_status: 'under_maintenance' }]);

    const edited = await call('PATCH', `/api/v1/maintenance/${maintenance.id}/updates/${started.update.id}`, {
      body: 'The upgrade has started on time.',
    });
    expect(edited.updates[0].body).toBe('The upgrade has started on time.');

    deps.clock.advance(HOUR);
    const done = await call('POST', `/api/v1/maintenance/${maintenance.id}/updates`, {
      status: 'completed',
      body: 'Done.',
      components: [{ component_id: web, status: 'operational' }],
    });
    expect(done.incident.status).toBe('completed');
    expect(done.update.component_changes).toEqual([{ component_id: web, old_status: 'under_maintenance', new_status: 'operational' }]);
    const undone = await call('DELETE', `/api/v1/maintenance/${maintenance.id}/updates/${done.update.id}`);
    expect(undone.status).toBe('in_progress');
  });
});

describe('components and groups', () => {
  it('lists and gets components and groups', async () => {
    const { group, api, web, cdn, call } = await setup('comms');
    const components = await call('GET', '/api/v1/components');
    expect(components.data.map((c: { id: string }) => c.id)).toEqual([api, web, cdn]);
    expect(await call('GET', `/api/v1/components/${api}`)).toMatchObject({
      id: api,
      name: 'API',
      group_id: group,
      status: 'operational',
      hidden: false,
      started_at: iso(NOON),
    });
    const groups = await call('GET', '/api/v1/component-groups');
    expect(groups.data).toEqual([expect.objectContaining({ id: group, name: 'Platform', component_ids: [api, web] })]);
    expect(await call('GET', `/api/v1/component-groups/${group}`)).toEqual(groups.data[0]);
  });

  it('creates, updates, sets the status of, reorders and deletes components', async () => {
    const { deps, group, api, web, cdn, call } = await setup('owner');
    const created = await call('POST', '/api/v1/components', {
      name: 'Search',
      description: 'Full-text search',
      group_id: group,
      started_at: iso(NOON - 30 * DAY),
    });
    expect(created).toMatchObject({ name: 'Search', description: 'Full-text search', group_id: group, hidden: false, started_at: iso(NOON - 30 * DAY) });

    const updated = await call('PATCH', `/api/v1/components/${created.id}`, { name: 'Search API', group_id: null, hidden: true });
    expect(updated).toMatchObject({ id: created.id, name: 'Search API', description: 'Full-text search', group_id: null, hidden: true });

    const degraded = await call('PUT', `/api/v1/components/${api}/status`, { status: 'degraded_performance' });
    expect(degraded.status).toBe('degraded_performance');

    const ordered = await call('PUT', '/api/v1/components/order', { ordered_ids: [cdn, web, api] });
    expect(ordered.data.map((c: { id: string }) => c.id)).toEqual([cdn, web, api, created.id]);

    await call('DELETE', `/api/v1/components/${created.id}`, undefined, 204);
    expect(await deps.repos.components.findById(created.id)).toBeUndefined();
  });

  it('creates, updates, reorders and deletes groups', async () => {
    const { deps, group, api, call } = await setup('owner');
    const created = await call('POST', '/api/v1/component-groups', { name: 'Edge', description: 'CDN and DNS' });
    expect(created).toMatchObject({ name: 'Edge', description: 'CDN and DNS', component_ids: [] });
    const updated = await call('PATCH', `/api/v1/component-groups/${created.id}`, { description: null });
    expect(updated).toMatchObject({ name: 'Edge', description: null });
    const ordered = await call('PUT', '/api/v1/component-groups/order', { ordered_ids: [created.id, group] });
    expect(ordered.data.map((g: { id: string }) => g.id)).toEqual([created.id, group]);
    await call('DELETE', `/api/v1/component-groups/${group}`, undefined, 204);
    expect((await deps.repos.components.findById(api))!.groupId).toBeNull();
  });
});

describe('settings', () => {
  it('gets and updates the page settings, changing only the fields sent', async () => {
    const { call } = await setup('owner');
    const before = await call('GET', '/api/v1/settings');
    expect(before).toMatchObject({ name: 'Test Cloud', time_zone: 'UTC', logo_url: null });
    const after = await call('PATCH', '/api/v1/settings', { name: 'Acme Status', time_zone: 'europe/berlin', accent_color: '#FF0000' });
    expect(after).toEqual({ ...before, name: 'Acme Status', time_zone: 'Europe/Berlin', accent_color: '#ff0000', updated_at: iso(NOON) });
    expect(await call('GET', '/api/v1/settings')).toEqual(after);
  });
});

describe('templates', () => {
  it('lists, gets, creates, updates and deletes update templates', async () => {
    const { call } = await setup('comms');
    const defaults = await call('GET', '/api/v1/templates');
    expect(defaults.data.length).toBeGreaterThan(0);
    const first = defaults.data[0];
    expect(await call('GET', `/api/v1/templates/${first.id}`)).toEqual(first);

    const created = await call('POST', '/api/v1/templates', {
      name: 'Payments degraded',
      kind: 'incident',
      status: 'identified',
      title: '{{service}} payments failing',
      body: 'Card payments fail for {{share}} of customers.',
    });
    expect(created).toMatchObject({
      name: 'Payments degraded',
      kind: 'incident',
      status: 'identified',
      title: '{{service}} payments failing',
      placeholders: ['service', 'share'],
    });
    expect((await call('GET', '/api/v1/templates')).data).toHaveLength(defaults.data.length + 1);

    const updated = await call('PATCH', `/api/v1/templates/${created.id}`, { title: null, status: 'monitoring' });
    expect(updated).toMatchObject({ id: created.id, name: 'Payments degraded', status: 'monitoring', title: null, placeholders: ['share'] });

    await call('DELETE', `/api/v1/templates/${created.id}`, undefined, 204);
    expect((await call('GET', '/api/v1/templates')).data).toHaveLength(defaults.data.length);
  });
});

describe('subscribers and email delivery', () => {
  it('lists subscribers with their choices, reasons and the counts per status, a page at a time', async () => {
    const { deps, group, api, web, call } = await setup('comms');
    await addSubscribers(deps, ['b@example.com', 'a@example.com']);
    const [picky] = await addSubscribers(deps, ['c@example.com'], { componentIds: [web, api], groupIds: [group] });
    deps.clock.advance(HOUR);
    const [bounced] = await addSubscribers(deps, ['d@example.com'], { status: 'suppressed' });
    await deps.db.atomic([deps.repos.subscribers.update(bounced!, { reason: 'bounce: mailbox full', confirmedAt: null })]);

    const first = await call('GET', '/api/v1/subscribers?per_page=2');
    expect(first.data.map((s: { email: string }) => s.email)).toEqual(['a@example.com', 'b@example.com']);
    expect(first.data[0]).toMatchObject({ status: 'confirmed', reason: null, all_components: true, component_ids: [], group_ids: [] });
    expect(first.counts).toEqual({ pending: 0, confirmed: 3, unsubscribed: 0, suppressed: 1 });
    expect(first.pagination).toEqual({ per_page: 2, has_more: true, next_after: 'b@example.com' });

    const second = await call('GET', `/api/v1/subscribers?per_page=2&after=${encodeURIComponent(first.pagination.next_after)}`);
    expect(second.data).toEqual([
      {
        id: picky,
        email: 'c@example.com',
        status: 'confirmed',
        reason: null,
        source: 'import',
        all_components: false,
        component_ids: [api, web].sort(),
        group_ids: [group],
        created_at: iso(NOON),
        updated_at: iso(NOON),
        confirmed_at: iso(NOON),
      },
      {
        id: bounced,
        email: 'd@example.com',
        status: 'suppressed',
        reason: 'bounce: mailbox full',
        source: 'import',
        all_components: true,
        component_ids: [],
        group_ids: [],
        created_at: iso(NOON + HOUR),
        updated_at: iso(NOON + HOUR),
        confirmed_at: null,
      },
    ]);
    expect(second.pagination).toEqual({ per_page: 2, has_more: false, next_after: null });
    expect(JSON.stringify(second)).not.toContain('secret');
  });

  it('imports subscribers from CSV text and removes one', async () => {
    const { deps, call } = await setup('admin');
    const report = await call(
      'POST',
      '/api/v1/subscribers/import',
      { csv: 'email\nada@example.com\nGrace@Example.com,Grace Hopper\nada@example.com\nnot an address\n', consented: true },
      200,
    );
    expect(report).toEqual({
      added: 2,
      existing: 0,
      duplicates: 1,
      invalid: [{ line: 5, value: 'not an address', reason: 'not an email address' }],
      invalid_count: 1,
    });
    const ada = (await deps.repos.subscribers.findByEmail('ada@example.com'))!;
    expect(ada).toMatchObject({ status: 'confirmed', source: 'import', confirmedAt: NOON });
    expect((await deps.repos.subscribers.findByEmail('grace@example.com'))!.status).toBe('confirmed');

    await call('DELETE', `/api/v1/subscribers/${ada.id}`, undefined, 204);
    expect(await deps.repos.subscribers.findById(ada.id)).toBeUndefined();
    const [removal, imported] = await deps.repos.audit.list({ limit: 2 });
    expect(removal).toMatchObject({ action: 'subscriber.remove', actor: 'token: test admin', targetId: ada.id });
    expect(imported).toMatchObject({ action: 'subscriber.import', actor: 'token: test admin' });
  });

  it('shows the email delivery of each update of an incident or a maintenance, and the outbox', async () => {
    const { deps, api, web, call } = await setup('viewer');
    deps.mail = { name: 'resend', maxBatch: 100, sendBatch: async () => ({ kind: 'retry', error: 'unused' }) };
    await addSubscribers(deps, ['s1@example.com', 's2@example.com', 's3@example.com']);
    const id = await makeIncident(deps, { severity: 1, notify: true, components: [{ componentId: api, status: 'major_outage' }] });
    const updateId = (await deps.repos.incidents.findById(id))!.updates[0]!.id;
    // One being sent, one sent, one failed (once the drainer has written the fan-out).
    expect(await outboxRows(deps)).toHaveLength(3);
    await deps.db.atomic([deps.repos.outbox.claimQueued('batch-1', 'lease-1', NOON, NOON + MINUTE, 1)]);
    const [sent, failed] = (await outboxRows(deps)).filter((r) => r.status === 'queued');
    await deps.db.atomic([
      ...deps.repos.outbox.recordBatch([{ id: sent!.id, providerId: 'msg-1' }], NOON + 1000),
      ...deps.repos.outbox.recordBatch([{ id: failed!.id, error: '550 mailbox unavailable' }], NOON + 2000),
    ]);
    const failedEmail = (await deps.repos.subscribers.findById(failed!.subscriberId))!.email;

    expect(await call('GET', `/api/v1/incidents/${id}/deliveries`)).toEqual({
      incident_id: id,
      in_progress: true,
      transport: 'resend',
      updates: [{ update_id: updateId, status: 'investigating', at: iso(NOON), preparing: false, queued: 1, sent: 1, failed: 1, skipped: 0, total: 3, channels: NO_CHANNEL_MESSAGES }],
      // A viewer sees how delivery goes, but no subscriber's address.
      latest_failures: [{ update_id: updateId, email: null, reason: '550 mailbox unavailable', at: iso(NOON + 2000) }],
    });
    const comms = await client(deps, 'comms', seen);
    expect((await comms.call('GET', `/api/v1/incidents/${id}/deliveries`)).latest_failures).toEqual([
      { update_id: updateId, email: failedEmail, reason: '550 mailbox unavailable', at: iso(NOON + 2000) },
    ]);

    const maintenance = await makeMaintenance(deps, { scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + HOUR, componentIds: [web] });
    // Published: its recipients are still being written (the drainer has not run yet).
    const preparing = await call('GET', `/api/v1/maintenance/${maintenance}/deliveries`);
    expect(preparing).toMatchObject({ incident_id: maintenance, in_progress: true, latest_failures: [] });
    expect(preparing.updates).toEqual([expect.objectContaining({ status: 'scheduled', preparing: true, queued: 0, total: 0 })]);
    expect(await comms.call('GET', '/api/v1/outbox')).toMatchObject({ preparing: true, counts: { queued: 0 } });
    await outboxRows(deps);
    const announced = await call('GET', `/api/v1/maintenance/${maintenance}/deliveries`);
    expect(announced).toMatchObject({ incident_id: maintenance, in_progress: true, latest_failures: [] });
    expect(announced.updates).toEqual([expect.objectContaining({ status: 'scheduled', preparing: false, queued: 3, sent: 0, total: 3 })]);

    expect(await comms.call('GET', '/api/v1/outbox')).toEqual({
      counts: { queued: 3, sending: 1, sent: 1, failed: 1, skipped: 0 },
      preparing: false,
      oldest_waiting_at: iso(NOON),
      transport: 'resend',
    });
  });
});

describe('destinations', () => {
  it('creates, lists, reads, tests, rotates, updates and deletes a destination (details: destinations.test.ts)', async () => {
    const { call } = await setup('admin');
    const created = await call('POST', '/api/v1/destinations', { name: 'hooks', type: 'webhook', url: 'https://receiver.example.com/in/abc' });
    expect(created.signing_secret).toMatch(/^whsec_/);
    expect((await call('GET', '/api/v1/destinations')).data).toHaveLength(1);
    expect((await call('GET', `/api/v1/destinations/${created.id}`)).deliveries).toEqual([]);
    expect((await call('POST', `/api/v1/destinations/${created.id}/test`)).delivery.kind).toBe('test');
    expect((await call('POST', `/api/v1/destinations/${created.id}/rotate-secret`, undefined, 200)).signing_secret).toMatch(/^whsec_/);
    expect((await call('PATCH', `/api/v1/destinations/${created.id}`, { paused: true })).paused).toBe(true);
    await call('DELETE', `/api/v1/destinations/${created.id}`, undefined, 204);
  });
});

describe('webhook and chat subscribers (issue 18; details: channel-subscribers.test.ts)', () => {
  it('lists, reads, re-enables and removes a webhook or chat subscriber', async () => {
    const { deps, call } = await setup('comms');
    const id = await addChannelSubscriber(deps, { type: 'slack', status: 'disabled', disabledAt: NOON });
    expect((await call('GET', '/api/v1/channel-subscribers?type=slack&health=disabled')).data.map((s: { id: string }) => s.id)).toEqual([id]);
    expect((await call('GET', `/api/v1/channel-subscribers/${id}`)).url_masked).toBe('https://hooks.slack.com/services/…');
    expect((await call('POST', `/api/v1/channel-subscribers/${id}/enable`, undefined, 200)).status).toBe('confirmed');
    await call('DELETE', `/api/v1/channel-subscribers/${id}`, undefined, 204);
  });
});

describe('alerts', () => {
  it('takes each source\'s alerts, then reads, acknowledges and dismisses drafts (details: alerts*.test.ts)', async () => {
    const { deps, api, call } = await setup('comms');
    const intake = await client(deps, 'alerts', seen);
    const am = await intake.call(
      'POST',
      '/api/v1/alerts/alertmanager',
      alertmanagerPayload([{ labels: { alertname: 'ApiErrors', service: 'api' }, annotations: { summary: 'API 5xx' }, startsAt: iso(NOON - MINUTE), fingerprint: 'e000000000000001' }]),
      200,
    );
    expect(am).toMatchObject({ received: 1, firing: 1, opened: [expect.any(String)] });
    expect((await intake.call('POST', '/api/v1/alerts/grafana', grafanaFiring, 200)).firing).toBe(2);
    expect((await intake.call('POST', '/api/v1/alerts/uptime-kuma', kumaDown(), 200)).firing).toBe(1);
    expect((await intake.call('POST', '/api/v1/alerts', { key: 'cron', status: 'firing', summary: 'Cron failed', component: api }, 200)).firing).toBe(1);

    const { waiting } = await call('GET', '/api/v1/alerts/drafts');
    expect(waiting).toHaveLength(4);
    const id = am.opened[0];
    expect((await call('GET', `/api/v1/alerts/drafts/${id}`)).alerts).toHaveLength(1);
    expect((await call('POST', `/api/v1/alerts/drafts/${id}/acknowledge`, undefined, 200)).status).toBe('acknowledged');
    expect((await call('POST', `/api/v1/alerts/drafts/${waiting[1].id}/dismiss`, { reason: 'Known flake' }, 200)).status).toBe('dismissed');

    const incident = await call('POST', '/api/v1/incidents', { title: 'API errors', severity: 2, body: 'Investigating.', alert_draft_id: id });
    expect(incident).toMatchObject({ detection_source: 'alert', alert_draft_id: id, detected_at: iso(NOON - MINUTE) });
    expect((await call('PUT', `/api/v1/incidents/${incident.id}/detection-source`, { detection_source: 'internal' }, 200)).detection_source).toBe('internal');
  });

  it('creates, lists, reads, updates and deletes alert rules', async () => {
    const { api, call } = await setup('admin');
    const rule = await call('POST', '/api/v1/alerts/rules', { name: 'API', matchers: { service: 'api' }, components: [api], severity: 2 });
    expect((await call('GET', '/api/v1/alerts/rules')).data).toHaveLength(1);
    expect((await call('GET', `/api/v1/alerts/rules/${rule.id}`)).components).toEqual([api]);
    expect((await call('PATCH', `/api/v1/alerts/rules/${rule.id}`, { auto_component_status: 'degraded_performance' })).auto_component_status).toBe('degraded_performance');
    await call('DELETE', `/api/v1/alerts/rules/${rule.id}`, undefined, 204);
  });
});

describe('timeline, postmortem and action items (issue 17; the details in postmortems.test.ts)', () => {
  it('reads the timeline as JSON and Markdown, adds a note, corrects a key time', async () => {
    const { deps, call } = await setup('comms');
    const id = await makeIncident(deps, { title: 'API errors', severity: 2 });
    deps.clock.advance(5 * MINUTE);
    const note = await call('POST', `/api/v1/incidents/${id}/timeline`, { text: 'Rolled back the deploy', who: 'Bob' });
    expect(note).toMatchObject({ incident_id: id, kind: 'note', text: 'Rolled back the deploy', who: 'Bob', at: iso(NOON + 5 * MINUTE) });
    const timeline = await call('GET', `/api/v1/incidents/${id}/timeline`);
    expect(timeline.items.map((i: { type: string }) => i.type)).toEqual(['declared', 'note']);
    expect(timeline.key_times.detected).toEqual({ at: iso(NOON), corrected: false });
    const markdown = await call('GET', `/api/v1/incidents/${id}/timeline.md`);
    expect(markdown).toContain('| Time (UTC) | Event | Who |');
    expect(markdown).toContain('Rolled back the deploy');
    const keyTimes = await call('PUT', `/api/v1/incidents/${id}/key-times/impact_started`, { at: iso(NOON - 10 * MINUTE), reason: 'Errors began before the alert' });
    expect(keyTimes.impact_started).toEqual({ at: iso(NOON - 10 * MINUTE), corrected: true });
  });

  it('starts, reads, saves and publishes a postmortem; adds, lists, updates and deletes action items', async () => {
    const { deps, call } = await setup('comms');
    // notify: its updates are emailed, so its postmortem can be (email_subscribers below).
    const id = await makeIncident(deps, { title: 'API errors', severity: 4, notify: true });
    deps.clock.advance(HOUR);
    await call('POST', `/api/v1/incidents/${id}/updates`, { status: 'resolved', body: 'Fixed.' });
    const started = await call('POST', `/api/v1/incidents/${id}/postmortem`);
    expect(started).toMatchObject({ incident_id: id, state: 'draft', due_at: null, revision: 0, public_body: null, action_items: [] });
    expect(started.body).toContain('# Postmortem: API errors');
    expect((await call('GET', `/api/v1/incidents/${id}/postmortem`)).revision).toBe(0);
    const saved = await call('PUT', `/api/v1/incidents/${id}/postmortem`, { body: started.body, base_revision: 0, state: 'in_review', public_body: 'What happened.' });
    expect(saved).toMatchObject({ revision: 1, state: 'in_review', public_body: 'What happened.', public_published_at: iso(NOON + HOUR), emailed_at: null });
    const emailed = await call('PUT', `/api/v1/incidents/${id}/postmortem`, { public_body: 'What happened.', email_subscribers: true });
    expect(emailed.emailed_at).toBe(iso(NOON + HOUR));

    const item = await call('POST', `/api/v1/incidents/${id}/action-items`, { title: 'Add an alert', priority: 'P0', due_at: iso(NOON + DAY) });
    expect(item).toMatchObject({ incident_id: id, title: 'Add an alert', priority: 'P0', status: 'open', overdue: false });
    const list = await call('GET', '/api/v1/action-items?status=open');
    expect(list.data.map((i: { id: string; incident_title: string }) => [i.id, i.incident_title])).toEqual([[item.id, 'API errors']]);
    expect((await call('PATCH', `/api/v1/action-items/${item.id}`, { status: 'done' })).done_at).toBe(iso(NOON + HOUR));
    await call('DELETE', `/api/v1/action-items/${item.id}`, undefined, 204);
  });
});

describe('metrics', () => {
  it('gets the response metrics of a period (the figures themselves: test/metrics/api.test.ts)', async () => {
    const { call } = await setup('viewer');
    expect(await call('GET', '/api/v1/metrics?days=30')).toMatchObject({ incidents: 0, period: { days: 30, month: null } });
  });
});

describe('coverage', () => {
  it('exercised every registered operation above', () => {
    const missing = allOperations.map((op) => op.operationId).filter((id) => !seen.has(id));
    expect(missing).toEqual([]);
  });
});
