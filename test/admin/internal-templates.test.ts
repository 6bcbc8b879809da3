import { describe, expect, it } from 'vitest';
import { fillTemplate, placeholdersIn } from '../../src/domain/templates.js';
import { ValidationError } from '../../src/lib/errors.js';
import {
  DEFAULT_INTERNAL_TEMPLATES,
  DEFAULT_INTERNAL_TEMPLATES_META_KEY,
  DEFAULT_TEMPLATES,
  ensureDefaultInternalTemplates,
} from '../../src/services/settings/default-templates.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { createTemplate, listInternalTemplates, placeholderSyntaxProblems } from '../../src/services/settings/templates.js';
import { loadIncidentForm } from '../../src/services/incidents/reads.js';
import { loadMaintenanceForm } from '../../src/services/maintenance/reads.js';
import { assertNoPlaceholders } from '../../src/services/validation.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { adminGet, adminPost, apiCall, apiToken, signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident } from '../support/factories.js';
import { textOf } from '../support/http.js';

/* Internal templates (issue 15): the company's own channels get their own defaults, kept apart from the public pickers. */

const INTERNAL_IDS = ['defaultinternaldeclaration', 'defaultinternalupdate', 'defaultinternalresolution'];

async function internalRows(deps: TestDeps) {
  return (await deps.repos.templates.list()).filter((t) => t.audience === 'internal');
}

describe('default internal templates', () => {
  it('a new page has the declaration, the internal update and the resolution, all internal and well formed', async () => {
    const deps = await createTestDeps();
    const rows = await internalRows(deps);
    expect(rows.map((t) => t.id).sort()).toEqual([...INTERNAL_IDS].sort());
    for (const t of rows) {
      expect(t.kind).toBe('incident');
      expect(placeholderSyntaxProblems(`${t.title ?? ''}\n${t.body}`), t.name).toEqual([]);
    }
    // The public defaults are still all public.
    const publicIds = (await deps.repos.templates.list()).filter((t) => t.audience === 'public').map((t) => t.id);
    expect(publicIds.sort()).toEqual(DEFAULT_TEMPLATES.map((t) => t.id).sort());
  });

  it('carry the facts the issue names, as placeholders', () => {
    const byId = new Map(DEFAULT_INTERNAL_TEMPLATES.map((t) => [t.id, t]));
    const names = (id: string) => placeholdersIn(byId.get(id)!.body);
    expect(names('defaultinternaldeclaration')).toEqual([
      'severity', 'what', 'impact', 'started', 'incident_commander', 'comms_lead', 'status', 'war_room', 'dashboard', 'runbook',
    ]);
    expect(names('defaultinternalupdate')).toEqual(['status', 'what_we_know', 'what_we_are_doing', 'impact', 'next_update_time', 'duration']);
    expect(byId.get('defaultinternalupdate')!.body).toMatch(/Status.*What we know.*What we're doing.*Impact.*Next update.*Duration so far/s);
    expect(names('defaultinternalresolution')).toEqual(['duration', 'what_happened', 'mitigation', 'customer_impact', 'postmortem_due']);
    expect(byId.get('defaultinternalresolution')!.body).toContain('Postmortem due {{postmortem_due}}');
  });

  it('are added once: restarts add nothing, and a deleted one does not come back', async () => {
    const deps = await createTestDeps();
    expect(await ensureDefaultInternalTemplates(deps)).toEqual({ added: 0 });
    await deps.db.atomic([deps.repos.templates.delete('defaultinternalupdate')]);
    await initializePage(deps);
    expect((await internalRows(deps)).map((t) => t.id).sort()).toEqual(['defaultinternaldeclaration', 'defaultinternalresolution']);
  });

  it('reach an existing page that predates them once, after its own templates, even when two starts race', async () => {
    const deps = await createTestDeps();
    // A page from before internal templates: its public ones (one of its own too), no internal ones, no marker.
    await createTemplate(deps, FIXTURE_ACTOR, { name: 'Our own', kind: 'incident', status: 'identified', body: 'Found it.' });
    await deps.db.atomic([
      ...INTERNAL_IDS.map((id) => deps.repos.templates.delete(id)),
      deps.repos.settings.setMeta(DEFAULT_INTERNAL_TEMPLATES_META_KEY, ''),
    ]);
    expect(await internalRows(deps)).toEqual([]);
    const results = await Promise.all([initializePage(deps), initializePage(deps), ensureDefaultInternalTemplates(deps)]);
    expect(results.every((r) => 'created' in r ? r.created === false : true)).toBe(true);
    const rows = await deps.repos.templates.list();
    expect(rows.filter((t) => t.audience === 'internal')).toHaveLength(DEFAULT_INTERNAL_TEMPLATES.length);
    const lastPublic = Math.max(...rows.filter((t) => t.audience === 'public').map((t) => t.position));
    expect(Math.min(...rows.filter((t) => t.audience === 'internal').map((t) => t.position))).toBeGreaterThan(lastPublic);
    // The public ones were left as they were.
    expect(rows.filter((t) => t.audience === 'public')).toHaveLength(DEFAULT_TEMPLATES.length + 1);
  });
});

describe('the unfilled-placeholder guard on internal templates', () => {
  it('refuses to save an internal template with a malformed placeholder, naming it', async () => {
    const deps = await createTestDeps();
    const error = await createTemplate(deps, FIXTURE_ACTOR, {
      name: 'Broken',
      audience: 'internal',
      kind: 'incident',
      status: 'identified',
      body: 'Status: {{war room}}',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields!.body![0]).toContain('{{war room}} is not a valid placeholder');
  });

  it('refuses text from an internal template while a placeholder is unfilled, and lets it through once all are', () => {
    const update = DEFAULT_INTERNAL_TEMPLATES.find((t) => t.id === 'defaultinternalupdate')!;
    const half = fillTemplate(update.body, { status: 'Identified', what_we_know: 'A bad deploy.' });
    expect(() => assertNoPlaceholders({ body: half })).toThrow(/\{\{what_we_are_doing\}\}.*\{\{impact\}\}.*\{\{next_update_time\}\}.*\{\{duration\}\}/);
    const full = fillTemplate(update.body, {
      status: 'Identified',
      what_we_know: 'A bad deploy.',
      what_we_are_doing: 'Rolling back.',
      impact: 'Checkout fails for 30%.',
      next_update_time: '14:30 UTC',
      duration: '25 min',
    });
    expect(() => assertNoPlaceholders({ body: full })).not.toThrow();
  });

  it('does not take an internal maintenance template (maintenance is not announced inside)', async () => {
    const deps = await createTestDeps();
    await expect(
      createTemplate(deps, FIXTURE_ACTOR, { name: 'x', audience: 'internal', kind: 'maintenance', status: 'scheduled', body: 'x' }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('public pickers offer only public templates', () => {
  it('the declare, update and maintenance forms leave the internal ones out', async () => {
    const deps = await createTestDeps();
    expect((await loadIncidentForm(deps)).templates.every((t) => t.audience === 'public')).toBe(true);
    expect((await loadMaintenanceForm(deps)).templates.every((t) => t.audience === 'public')).toBe(true);
    const comms = await signIn(deps, 'comms');
    const declare = await adminGet(deps, '/admin/incidents/new', comms);
    expect(declare.text).toContain('?template=defaultinvestigating');
    for (const id of INTERNAL_IDS) expect(declare.text).not.toContain(id);
    // Asking for an internal one by id does not fill the public form with it.
    const asked = await adminGet(deps, '/admin/incidents/new?template=defaultinternaldeclaration', comms);
    expect(asked.text).not.toContain('{{war_room}}');
    const incident = await makeIncident(deps);
    const update = await adminGet(deps, `/admin/incidents/${incident}?template=defaultinternalupdate`, comms);
    expect(update.status).toBe(200);
    expect(update.text).not.toContain('{{what_we_are_doing}}</textarea>');
    for (const id of INTERNAL_IDS) expect(update.text).not.toContain(`?template=${id}`);
    const maintenance = await adminGet(deps, '/admin/maintenance/new?template=defaultinternalresolution', comms);
    expect(maintenance.text).not.toContain('{{postmortem_due}}');
  });

  it('listInternalTemplates offers the internal ones, to every member', async () => {
    const deps = await createTestDeps();
    const rows = await listInternalTemplates(deps, memberActor('viewer'));
    expect(rows.map((t) => t.id)).toEqual(INTERNAL_IDS);
  });
});

describe('/admin/templates with audiences', () => {
  it('lists the internal templates apart, after the public ones', async () => {
    const deps = await createTestDeps();
    const viewer = await signIn(deps, 'viewer');
    const res = await adminGet(deps, '/admin/templates', viewer);
    const text = textOf(res.text);
    expect(text).toMatch(/Public templates .*Investigating: first update.* Internal templates .*Declaration Internal · Investigating.*Internal update Internal · Identified.*Resolution Internal · Resolved/);
    // The internal ones are not offered as a way to start a public incident.
    expect(res.text).not.toContain('/admin/incidents/new?template=defaultinternal');
  });

  it('creates and edits an internal template through the form, keeping its audience', async () => {
    const deps = await createTestDeps();
    const comms = await signIn(deps, 'comms');
    const form = await adminGet(deps, '/admin/templates/new?audience=internal', comms);
    expect(form.text).toContain('<option value="internal" selected>');
    const created = await adminPost(deps, '/admin/templates/new', comms, {
      name: 'Exec summary',
      audience: 'internal',
      step: 'incident:identified',
      title: '',
      body: '{{severity}}: {{what}}. Customers: {{impact}}.',
    });
    expect(created.status).toBe(303);
    const row = (await internalRows(deps)).find((t) => t.name === 'Exec summary')!;
    expect(row).toMatchObject({ audience: 'internal', kind: 'incident', status: 'identified' });
    const [entry] = (await deps.repos.audit.list({ limit: 5 })).filter((e) => e.action === 'template.create');
    expect(JSON.parse(entry!.details!)).toMatchObject({ name: 'Exec summary', audience: 'internal' });

    const edit = await adminGet(deps, `/admin/templates/${row.id}`, comms);
    expect(edit.text).toContain('<option value="internal" selected>');
    await adminPost(deps, `/admin/templates/${row.id}`, comms, {
      name: 'Exec summary v2',
      audience: 'internal',
      step: 'incident:identified',
      title: '',
      body: '{{severity}}: {{what}}.',
    });
    expect(await deps.repos.templates.findById(row.id)).toMatchObject({ name: 'Exec summary v2', audience: 'internal' });

    const bad = await adminPost(deps, '/admin/templates/new', comms, { name: 'x', audience: 'secret', step: 'incident:identified', title: '', body: 'x' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.text)).toContain('Audience: must be public or internal');
  });
});

describe('/api/v1/templates audience', () => {
  it('exposes the audience, creates public by default, and keeps an internal one internal on a PATCH without it', async () => {
    const deps = await createTestDeps();
    const token = await apiToken(deps, 'comms');
    const list = await apiCall(deps, 'GET', '/api/v1/templates', token);
    const data = (JSON.parse(list.text) as { data: { id: string; audience: string }[] }).data;
    expect(data.find((t) => t.id === 'defaultinternalupdate')!.audience).toBe('internal');
    expect(data.find((t) => t.id === 'defaultinvestigating')!.audience).toBe('public');

    const plain = await apiCall(deps, 'POST', '/api/v1/templates', token, { name: 'Old client', kind: 'incident', status: 'identified', body: 'Found.' });
    expect(plain.status).toBe(201);
    expect(JSON.parse(plain.text)).toMatchObject({ audience: 'public' });

    const internal = await apiCall(deps, 'POST', '/api/v1/templates', token, {
      name: 'Handover',
      audience: 'internal',
      kind: 'incident',
      status: 'identified',
      body: 'IC is now {{incident_commander}}.',
    });
    expect(internal.status).toBe(201);
    const id = (JSON.parse(internal.text) as { id: string }).id;
    const patched = await apiCall(deps, 'PATCH', `/api/v1/templates/${id}`, token, { name: 'IC handover' });
    expect(JSON.parse(patched.text)).toMatchObject({ name: 'IC handover', audience: 'internal' });

    const bad = await apiCall(deps, 'POST', '/api/v1/templates', token, { name: 'x', audience: 'everyone', kind: 'incident', status: 'identified', body: 'x' });
    expect(bad.status).toBe(400);
    expect((JSON.parse(bad.text) as { error: { fields: Record<string, string[]> } }).error.fields).toHaveProperty('audience');
  });
});
