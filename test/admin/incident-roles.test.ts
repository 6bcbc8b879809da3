import { describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../src/domain/calendar.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { postInternalUpdate } from '../../src/services/incidents/internal-updates.js';
import { changeSeverity } from '../../src/services/incidents/manage.js';
import { setIncidentRoles, updateIncidentLinks } from '../../src/services/incidents/roles.js';
import { ForbiddenError, ValidationError } from '../../src/lib/errors.js';
import { snapshotDatabase } from '../security/support.js';
import { memberActor } from '../support/actors.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeDestination, makeIncident } from '../support/factories.js';
import { get } from '../support/http.js';

/*
 * Issue 15: the people who run an incident (roles), its links, the pinned
 * header and internal-only updates, through the admin; the severity and
 * role change messages queued for the team's channels in the same write.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

async function setup(): Promise<{ deps: TestDeps; lead: TestSession; api: string }> {
  const deps = await createTestDeps({ now: NOON });
  const api = await makeComponent(deps, { name: 'API', startedAt: NOON - 30 * DAY });
  const lead = await signIn(deps, 'comms');
  return { deps, lead, api };
}


/** What was queued for a destination, oldest first. */
async function queued(deps: TestDeps, destinationId: string) {
  return (await deps.repos.destinations.deliveriesOf(destinationId, 100))
    .reverse().map((d) => ({ kind: d.kind, message: d.message as Record<string, unknown> & { extraFacts: { label: string; value: string }[] } }));
}

const incidentIdFrom = (location: string | null): string => /\/admin\/incidents\/([a-z0-9]+)/.exec(location ?? '')![1]!;

async function auditOf(deps: TestDeps, action: string) {
  return (await deps.repos.audit.list({ limit: 100 })).filter((e) => e.action === action);
}

describe('declaring with roles', () => {
  it('makes the person declaring Incident Commander and Comms Lead by default', async () => {
    const { deps, lead } = await setup();
    const id = await declareIncident(deps, { title: 'Checkout down', severity: 1, body: 'Looking.' }, { kind: 'user', id: lead.userId, label: 'Test comms', role: 'comms' });
    const roles = await deps.repos.roles.rolesOf(id);
    expect(roles.map((r) => [r.role, r.userId, r.name]).sort()).toEqual([
      ['comms_lead', lead.userId, 'Test comms'],
      ['incident_commander', lead.userId, 'Test comms'],
    ]);
  });

  it('the declare form defaults IC and Comms Lead to me, and takes roles, free-text names and links', async () => {
    const { deps, lead } = await setup();
    const ops = await signIn(deps, 'viewer');
    const form = await adminGet(deps, '/admin/incidents/new', lead);
    expect(form.status).toBe(200);
    // The person declaring is selected for IC and Comms Lead; Ops Lead and Scribe are unassigned.
    expect(form.text).toMatch(new RegExp(`id="role_incident_commander"[^]*?<option value="${lead.userId}" selected>`));
    expect(form.text).toMatch(new RegExp(`id="role_comms_lead"[^]*?<option value="${lead.userId}" selected>`));
    expect(form.text).toMatch(/id="role_ops_lead" name="role_ops_lead">\s*<option value="" selected>Unassigned/);
    expect(form.text).toContain('id="war_room_url"');
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish',
      title: 'Payments failing',
      severity: '1',
      body: 'Card payments fail.',
      notify: 'auto',
      role_incident_commander: lead.userId,
      role_comms_lead: '_name',
      role_comms_lead_name: '@grace',
      role_ops_lead: ops.userId,
      role_scribe: '',
      role_scribe_name: '',
      war_room_url: 'https://meet.example.com/war-room',
      runbook_url: '',
      dashboard_url: 'https://grafana.example.com/d/payments',
    });
    expect(res.status).toBe(303);
    const id = incidentIdFrom(res.headers.get('location'));
    const roles = Object.fromEntries((await deps.repos.roles.rolesOf(id)).map((r) => [r.role, { userId: r.userId, name: r.name }]));
    expect(roles).toEqual({
      incident_commander: { userId: lead.userId, name: 'Test comms' },
      comms_lead: { userId: null, name: '@grace' },
      ops_lead: { userId: ops.userId, name: 'Test viewer' },
    });
    expect(await deps.repos.incidents.findById(id)).toMatchObject({ warRoomUrl: 'https://meet.example.com/war-room', runbookUrl: null, dashboardUrl: 'https://grafana.example.com/d/payments' });
  });

  it('refuses an unknown member with a clear message naming the role, and publishes nothing', async () => {
    const { deps, lead } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish', title: 'Payments failing', severity: '1', body: 'Card payments fail.', notify: 'auto',
      role_incident_commander: 'nosuchmember0000', war_room_url: '', runbook_url: '', dashboard_url: '',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('a role names someone who is not on the team');
    expect(res.text).toContain('Incident Commander: is not a team member');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
    const badLink = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish', title: 'Payments failing', severity: '1', body: 'Card payments fail.', notify: 'auto', war_room_url: 'javascript:alert(1)',
    });
    expect(badLink.status).toBe(400);
    expect(badLink.text).toContain('War room URL: must be an http(s) URL');
  });
});

describe('changing roles', () => {
  it('records who changed what and when, and queues "IC handover: A → B" to a destination that wants the incident', async () => {
    const { deps, lead } = await setup();
    const sev1Only = await makeDestination(deps, { severities: [1] });
    const all = await makeDestination(deps);
    const id = await makeIncident(deps, { severity: 2, roles: { incident_commander: { name: 'Ada' } } });
    deps.clock.advance(5 * MINUTE);
    const res = await adminPost(deps, `/admin/incidents/${id}/roles`, lead, {
      role_incident_commander: '_name', role_incident_commander_name: 'Grace',
      role_comms_lead: lead.userId, role_ops_lead: '', role_scribe: '',
    });
    expect(res.status).toBe(303);
    const [entry] = await auditOf(deps, 'incident.roles');
    expect(entry).toMatchObject({ actor: expect.stringContaining('Test comms'), at: NOON + 5 * MINUTE, targetId: id });
    expect(JSON.parse(entry!.details!)).toEqual({
      changes: { incident_commander: { from: 'Ada', to: 'Grace' }, comms_lead: { from: null, to: 'Test comms' } },
    });
    const row = (await deps.repos.roles.rolesOf(id)).find((r) => r.role === 'incident_commander')!;
    expect(row).toMatchObject({ name: 'Grace', assignedAt: NOON + 5 * MINUTE, assignedBy: expect.stringContaining('Test comms') });
    const messages = await queued(deps, all);
    expect(messages.map((m) => m.kind)).toEqual(['declaration', 'role_change']);
    const change = messages[1]!.message;
    expect(change.text).toBe('IC handover: Ada → Grace\nComms Lead: (none) → Test comms');
    expect(change.roles).toEqual({ incidentCommander: 'Grace', commsLead: 'Test comms' });
    expect(change.postedOnStatusPage).toBe(false);
    // The SEV-1-only channel does not want a SEV-2.
    expect(await queued(deps, sev1Only)).toEqual([]);
  });

  it('writes nothing when nothing changes, and unassigns a role', async () => {
    const { deps, lead } = await setup();
    const all = await makeDestination(deps);
    const id = await makeIncident(deps, { roles: { incident_commander: { name: 'Ada' }, scribe: { name: 'Sam' } } });
    const before = await snapshotDatabase(deps);
    await setIncidentRoles(deps, id, { incident_commander: { name: 'Ada' } }, memberActor('comms'));
    await adminPost(deps, `/admin/incidents/${id}/links`, lead, { war_room_url: '', runbook_url: '', dashboard_url: '' });
    expect(await snapshotDatabase(deps)).toEqual(before);
    await setIncidentRoles(deps, id, { scribe: null }, memberActor('comms'));
    expect((await deps.repos.roles.rolesOf(id)).map((r) => r.role)).toEqual(['incident_commander']);
    expect((await queued(deps, all)).at(-1)!.message.text).toBe('Scribe: Sam → (none)');
  });

  it('refuses a member who is not on the team with a 400 naming the role, saving nothing', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps);
    const res = await adminPost(deps, `/admin/incidents/${id}/roles`, lead, { role_incident_commander: 'nosuchmember0000', role_comms_lead: '_name', role_comms_lead_name: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Nothing was saved');
    await expect(setIncidentRoles(deps, id, { ops_lead: { userId: 'nosuchmember0000' } }, memberActor('comms'))).rejects.toMatchObject({
      fields: { 'roles.ops_lead': ['is not a team member'] },
    });
    await expect(setIncidentRoles(deps, id, { ops_lead: {} }, memberActor('comms'))).rejects.toBeInstanceOf(ValidationError);
    expect(await deps.repos.roles.rolesOf(id)).toEqual([]);
  });

  it('keeps a holder whose account was disabled when the form is saved again (shown as a typed name)', async () => {
    const { deps, lead } = await setup();
    const gone = await signIn(deps, 'comms');
    const id = await makeIncident(deps, { roles: { ops_lead: { userId: gone.userId } } });
    await deps.db.atomic([deps.repos.accounts.updateUser(gone.userId, { disabledAt: NOON })]);
    const page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(page.text).not.toContain(`<option value="${gone.userId}"`);
    expect(page.text).toMatch(/id="role_ops_lead"[^]*?<option value="_name" selected>[^]*?name="role_ops_lead_name" type="text" maxlength="100" value="Test comms"/);
    await adminPost(deps, `/admin/incidents/${id}/roles`, lead, { role_ops_lead: '_name', role_ops_lead_name: 'Test comms' });
    expect((await deps.repos.roles.rolesOf(id)).find((r) => r.role === 'ops_lead')).toMatchObject({ name: 'Test comms' });
  });

  it('updates the links, audited with before and after', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { warRoomUrl: 'https://meet.example.com/old' });
    const res = await adminPost(deps, `/admin/incidents/${id}/links`, lead, { war_room_url: 'https://meet.example.com/new', runbook_url: 'https://wiki.example.com/runbooks/payments', dashboard_url: '' });
    expect(res.status).toBe(303);
    expect(await deps.repos.incidents.findById(id)).toMatchObject({ warRoomUrl: 'https://meet.example.com/new', runbookUrl: 'https://wiki.example.com/runbooks/payments', dashboardUrl: null });
    const [entry] = await auditOf(deps, 'incident.links');
    expect(JSON.parse(entry!.details!)).toEqual({
      changes: { warRoomUrl: { from: 'https://meet.example.com/old', to: 'https://meet.example.com/new' }, runbookUrl: { from: null, to: 'https://wiki.example.com/runbooks/payments' } },
    });
    const bad = await adminPost(deps, `/admin/incidents/${id}/links`, lead, { war_room_url: 'ftp://example.com/x' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('War room URL: must be an http(s) URL');
  });
});

describe('internal updates', () => {
  it('queue an "update" marked not posted on the status page, and appear nowhere public', async () => {
    const { deps, lead, api } = await setup();
    const all = await makeDestination(deps);
    // A subscriber, so that a leak into email would show in the outbox.
    const id = await makeIncident(deps, { severity: 1, title: 'Checkout down', components: [{ componentId: api, status: 'major_outage' }] });
    deps.clock.advance(10 * MINUTE);
    const secret = 'Rollback of build 4411 half done; suspect the payments-db failover';
    const res = await adminPost(deps, `/admin/incidents/${id}/internal-updates`, lead, { body: secret });
    expect(res.status).toBe(303);
    const [row] = await deps.repos.roles.internalUpdatesOf(id);
    expect(row).toMatchObject({ body: secret, status: 'investigating', at: NOON + 10 * MINUTE, author: expect.stringContaining('Test comms') });
    const last = (await queued(deps, all)).at(-1)!;
    expect(last.kind).toBe('update');
    expect(last.message).toMatchObject({ text: secret, postedOnStatusPage: false });
    expect(await auditOf(deps, 'incident.internal_update')).toHaveLength(1);

    // Nowhere public: the pages, the feeds, the public API (v2), and no email queued for it.
    for (const path of ['/', `/incidents/${id}`, '/history', '/history.atom', '/history.rss', '/api/v2/summary.json', '/api/v2/incidents.json', '/api/v2/incidents/unresolved.json']) {
      const page = await get(deps, path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).not.toContain('build 4411');
    }
    const dump = await snapshotDatabase(deps);
    for (const [table, rows] of Object.entries(dump)) {
      if (['internal_updates', 'destination_deliveries', '<schema>'].includes(table)) continue;
      expect(JSON.stringify(rows), table).not.toContain('build 4411');
    }
    // The admin shows it, marked Internal, and the pinned header counts it as the last update.
    deps.clock.advance(2 * MINUTE);
    const page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(page.text).toMatch(/<span class="pill">Internal<\/span> <strong>Investigating<\/strong>/);
    expect(page.text).toContain('build 4411');
    expect(page.text).toContain('12:10 UTC</time> (2 min ago, internal)');
  });

  it('refuse empty, too long or unfilled text with a 400, sending nothing', async () => {
    const { deps, lead } = await setup();
    const all = await makeDestination(deps);
    const id = await makeIncident(deps);
    for (const body of ['   ', 'x'.repeat(20_001), 'Impact: {{impact}}']) {
      const res = await adminPost(deps, `/admin/incidents/${id}/internal-updates`, lead, { body });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Internal update:');
    }
    expect(await deps.repos.roles.internalUpdatesOf(id)).toEqual([]);
    expect((await queued(deps, all)).map((m) => m.kind)).toEqual(['declaration']);
  });
});

describe('severity changes', () => {
  it('queue "severity_change" with the reason and old → new, to channels wanting either severity, audited', async () => {
    const { deps, lead } = await setup();
    const sev1Only = await makeDestination(deps, { severities: [1] });
    const sev3Only = await makeDestination(deps, { severities: [3] });
    const id = await makeIncident(deps, { severity: 2 });
    const res = await adminPost(deps, `/admin/incidents/${id}/severity`, lead, { severity: '1', reason: 'Every checkout fails now' });
    expect(res.status).toBe(303);
    const [message] = await queued(deps, sev1Only);
    expect(message!.kind).toBe('severity_change');
    expect(message!.message).toMatchObject({ severity: 1, severityLabel: 'SEV-1', postedOnStatusPage: false, text: 'Severity changed SEV-2 → SEV-1. Reason: Every checkout fails now' });
    expect(message!.message.extraFacts).toEqual(expect.arrayContaining([{ label: 'Severity change', value: 'SEV-2 → SEV-1' }, { label: 'Reason', value: 'Every checkout fails now' }]));
    expect(await queued(deps, sev3Only)).toEqual([]);
    const [entry] = await auditOf(deps, 'incident.change_severity');
    expect(JSON.parse(entry!.details!)).toEqual({ from: 2, to: 1, reason: 'Every checkout fails now' });
    // Back down: the SEV-1 channel hears of it too; no reason is fine.
    await changeSeverity(deps, memberActor('comms'), id, { severity: 2 });
    expect((await queued(deps, sev1Only)).map((m) => m.message.text)).toEqual(['Severity changed SEV-2 → SEV-1. Reason: Every checkout fails now', 'Severity changed SEV-1 → SEV-2.']);
    const tooLong = await adminPost(deps, `/admin/incidents/${id}/severity`, lead, { severity: '1', reason: 'x'.repeat(501) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('Reason: at most 500 characters');
  });
});

describe('who may', () => {
  it('viewers get 403 on every form and from every service', async () => {
    const { deps } = await setup();
    const viewer = await signIn(deps, 'viewer');
    const id = await makeIncident(deps);
    const before = await snapshotDatabase(deps);
    for (const [path, fields] of [
      [`/admin/incidents/${id}/roles`, { role_scribe: '_name', role_scribe_name: 'Sam' }],
      [`/admin/incidents/${id}/links`, { war_room_url: 'https://meet.example.com/x' }],
      [`/admin/incidents/${id}/internal-updates`, { body: 'Hello' }],
    ] as const) {
      expect((await adminPost(deps, path, viewer, fields)).status, path).toBe(403);
    }
    const asViewer = memberActor('viewer');
    await expect(setIncidentRoles(deps, id, { scribe: { name: 'Sam' } }, asViewer)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateIncidentLinks(deps, id, { warRoomUrl: null }, asViewer)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(postInternalUpdate(deps, id, { body: 'x' }, asViewer)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await snapshotDatabase(deps)).toEqual(before);
    // They read the page, without the forms.
    const page = await adminGet(deps, `/admin/incidents/${id}`, viewer);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('/internal-updates"');
    expect(page.text).not.toContain('name="role_scribe"');
  });
});

describe('the pinned header', () => {
  it('shows title, severity, status, the four roles, the links and the last update, escaped', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, {
      severity: 1,
      title: 'Checkout <b>down</b>',
      roles: { incident_commander: { name: '<script>alert(1)</script>' }, comms_lead: { userId: lead.userId } },
      warRoomUrl: 'https://meet.example.com/war?a=1&b=2',
      dashboardUrl: 'https://grafana.example.com/d/x',
    });
    deps.clock.advance(3 * MINUTE);
    const page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(page.status).toBe(200);
    const header = /<section class="card pinned"[^]*?<\/section>/.exec(page.text)![0];
    expect(header).toContain('<h1 id="incident-title">Checkout &lt;b&gt;down&lt;/b&gt;</h1>');
    expect(header).toContain('<span class="pill">SEV-1</span>');
    expect(header).toContain('<span class="pill">Investigating</span>');
    expect(header).toContain('<dt>Incident Commander</dt><dd>&lt;script&gt;alert(1)&lt;/script&gt;</dd>');
    expect(header).toContain('<dt>Comms Lead</dt><dd>Test comms</dd>');
    expect(header).toContain('<dt>Ops Lead</dt><dd><span class="muted">Unassigned</span></dd>');
    expect(header).toContain('<dt>Scribe</dt><dd><span class="muted">Unassigned</span></dd>');
    expect(header).toContain(`href="/incidents/${id}" target="_blank" rel="noopener">Status page</a>`);
    expect(header).toContain('href="https://meet.example.com/war?a=1&amp;b=2" target="_blank" rel="noopener">War room</a>');
    expect(header).toContain('>Dashboard</a>');
    expect(header).not.toContain('>Runbook</a>');
    expect(header).toContain('(3 min ago, on the status page)');
    expect(page.text).not.toContain('<script>alert(1)</script>');
    // The roles form is filled in with who holds them; the free-text name is kept, escaped.
    expect(page.text).toContain('id="role_incident_commander_name" name="role_incident_commander_name" type="text" maxlength="100" value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(page.text).toContain('Internal only: never on the status page or emailed');
  });
});
