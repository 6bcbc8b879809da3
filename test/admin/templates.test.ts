import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { placeholdersIn } from '../../src/domain/templates.js';
import {
  DEFAULT_TEMPLATES,
  DEFAULT_TEMPLATES_META_KEY,
  ensureDefaultTemplates,
} from '../../src/services/settings/default-templates.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { placeholderSyntaxProblems } from '../../src/services/settings/templates.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, signIn } from '../support/admin.js';
import { textOf } from '../support/http.js';

const STEPS = {
  incident: ['investigating', 'identified', 'monitoring', 'resolved'],
  maintenance: ['scheduled', 'in_progress', 'completed'],
} as const;

/** The public templates: the internal defaults (test/admin/internal-templates.test.ts) are counted apart. */
async function publicTemplateRows(deps: TestDeps) {
  return (await deps.repos.templates.list()).filter((t) => t.audience === 'public');
}

async function auditActions(deps: TestDeps): Promise<string[]> {
  return (await deps.repos.audit.list({ limit: 100 })).map((row) => row.action);
}

describe('default templates', () => {
  it('a new page has one for every lifecycle step, all well formed', async () => {
    const deps = await createTestDeps();
    const rows = await publicTemplateRows(deps);
    expect(rows).toHaveLength(DEFAULT_TEMPLATES.length);
    for (const [kind, statuses] of Object.entries(STEPS)) {
      for (const status of statuses) expect(rows.some((t) => t.kind === kind && t.status === status), `${kind}:${status}`).toBe(true);
    }
    // Two for "investigating": the first update and the "no news yet" cadence update.
    expect(rows.filter((t) => t.kind === 'incident' && t.status === 'investigating')).toHaveLength(2);
    for (const t of rows) {
      expect(placeholderSyntaxProblems(`${t.title ?? ''}\n${t.body}`), t.name).toEqual([]);
      expect(t.body).not.toMatch(/\bSEV\b/);
    }
    // The first update of an incident and of a maintenance carries a title.
    expect(rows.find((t) => t.id === 'defaultinvestigating')!.title).toContain('{{affected_service}}');
    expect(rows.find((t) => t.id === 'defaultmaintscheduled')!.title).toContain('{{affected_service}}');
  });

  it('every open-step template says when the next update comes, and the closing ones say it is the last', () => {
    for (const t of DEFAULT_TEMPLATES) {
      if (t.status === 'resolved' || t.status === 'completed') expect(t.body, t.name).toMatch(/last update/);
      else expect(t.body, t.name).toMatch(/next update/i);
    }
    const names = new Set(DEFAULT_TEMPLATES.flatMap((t) => placeholdersIn(`${t.title ?? ''}\n${t.body}`)));
    for (const name of ['affected_service', 'impact', 'what_we_know', 'what_we_are_doing', 'next_update_time', 'duration', 'start_time', 'end_time']) {
      expect(names.has(name), name).toBe(true);
    }
  });

  it('are added once: restarts add nothing, and deleted ones do not come back', async () => {
    const deps = await createTestDeps();
    expect(await ensureDefaultTemplates(deps)).toEqual({ added: 0 });
    await initializePage(deps);
    expect(await publicTemplateRows(deps)).toHaveLength(DEFAULT_TEMPLATES.length);
    await deps.db.atomic([deps.repos.templates.delete('defaultresolved')]);
    await initializePage(deps);
    const rows = await publicTemplateRows(deps);
    expect(rows).toHaveLength(DEFAULT_TEMPLATES.length - 1);
    expect(rows.some((t) => t.id === 'defaultresolved')).toBe(false);
  });

  it('reach an existing page that predates them, once, even when two starts race', async () => {
    const deps = await createTestDeps();
    // A page from before the defaults existed: no templates, no marker.
    await deps.db.atomic([
      ...DEFAULT_TEMPLATES.map((t) => deps.repos.templates.delete(t.id)),
      deps.repos.settings.setMeta(DEFAULT_TEMPLATES_META_KEY, ''),
    ]);
    expect(await publicTemplateRows(deps)).toEqual([]);
    const results = await Promise.all([ensureDefaultTemplates(deps), ensureDefaultTemplates(deps)]);
    expect(results.map((r) => r.added).sort()).toEqual([0, DEFAULT_TEMPLATES.length]);
    expect(await publicTemplateRows(deps)).toHaveLength(DEFAULT_TEMPLATES.length);
  });
});

describe('placeholderSyntaxProblems', () => {
  it('accepts well-formed placeholders and plain text', () => {
    expect(placeholderSyntaxProblems('We are looking into {{impact}} on {{ affected_service }}. Next: {{next_update_time}}')).toEqual([]);
    expect(placeholderSyntaxProblems('No placeholders at all.')).toEqual([]);
  });

  it('names each malformed placeholder', () => {
    const problems = placeholderSyntaxProblems('{{affected service}} and {{1st}} and {{}} and {{ok_name}}');
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('{{affected service}} is not a valid placeholder');
    expect(problems[1]).toContain('{{1st}}');
    expect(problems[2]).toContain('{{}}');
  });

  it('reports an unclosed {{ and a stray }}', () => {
    expect(placeholderSyntaxProblems('Next update by {{next_update_time.')).toEqual([
      expect.stringContaining('is not closed with "}}"'),
    ]);
    expect(placeholderSyntaxProblems('{{impact {{what_we_know}}')[0]).toContain('is not closed');
    expect(placeholderSyntaxProblems('oops }} here')[0]).toContain('has no opening "{{"');
  });
});

describe('/admin/templates', () => {
  it('lists the templates by kind and lifecycle step with their placeholders, for any member', async () => {
    const deps = await createTestDeps();
    const viewer = await signIn(deps, 'viewer');
    const res = await adminGet(deps, '/admin/templates', viewer);
    expect(res.status).toBe(200);
    const text = textOf(res.text);
    expect(text).toMatch(/Incidents Investigating .*Investigating: first update.*Still investigating: no news yet.* Identified .* Monitoring .* Resolved /);
    expect(text).toMatch(/Maintenance Scheduled .*Maintenance scheduled.* In progress .*Maintenance started.* Verifying .* Completed .*Maintenance completed/);
    expect(text).toContain('Placeholders: {{affected_service}} {{impact}} {{next_update_time}}');
    // A viewer reads, but is offered no way to write.
    expect(res.text).not.toContain('/admin/templates/new');
    expect(res.text).not.toContain('/delete"');
  });

  it('sends anonymous visitors to sign in, and refuses their writes', async () => {
    const deps = await createTestDeps();
    const res = await createApp(deps).request('/admin/templates');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Ftemplates');
    const post = await createApp(deps).request('/admin/templates/new', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'x', step: 'incident:investigating', body: 'x' }),
    });
    expect(post.status).toBe(401);
  });

  it('refuses viewers every write (403) and changes nothing', async () => {
    const deps = await createTestDeps();
    const viewer = await signIn(deps, 'viewer');
    expect((await adminGet(deps, '/admin/templates/new', viewer)).status).toBe(403);
    expect((await adminGet(deps, '/admin/templates/defaultresolved', viewer)).status).toBe(403);
    const create = await adminPost(deps, '/admin/templates/new', viewer, { name: 'Mine', step: 'incident:investigating', body: 'Text' });
    expect(create.status).toBe(403);
    expect((await adminPost(deps, '/admin/templates/defaultresolved/delete', viewer, {})).status).toBe(403);
    expect(await publicTemplateRows(deps)).toHaveLength(DEFAULT_TEMPLATES.length);
  });

  it('refuses a write without the CSRF token', async () => {
    const deps = await createTestDeps();
    const lead = await signIn(deps, 'comms');
    const res = await adminPost(deps, '/admin/templates/new', lead, { name: 'Mine', step: 'incident:investigating', body: 'Text' }, { csrf: false });
    expect(res.status).toBe(403);
    expect((await adminPost(deps, '/admin/templates/defaultresolved/delete', lead, {}, { csrf: false })).status).toBe(403);
    expect(await publicTemplateRows(deps)).toHaveLength(DEFAULT_TEMPLATES.length);
  });
});

describe('creating, editing and deleting templates', () => {
  it('creates one (comms and above), lists it under its step, and audits it', async () => {
    const deps = await createTestDeps();
    const lead = await signIn(deps, 'comms');
    const form = await adminGet(deps, '/admin/templates/new?step=incident:monitoring', lead);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<option value="incident:monitoring" selected>');
    const res = await adminPost(deps, '/admin/templates/new', lead, {
      name: 'Monitoring: partial recovery',
      step: 'incident:monitoring',
      title: '',
      body: 'Most of {{affected_service}} works again; {{what_is_left}} is still slow. Next update by {{next_update_time}}.',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/templates?done=created');
    const created = (await publicTemplateRows(deps)).find((t) => t.name === 'Monitoring: partial recovery')!;
    expect(created).toMatchObject({ kind: 'incident', status: 'monitoring', title: null });
    expect(await auditActions(deps)).toContain('template.create');
    const list = textOf((await adminGet(deps, '/admin/templates?done=created', lead)).text);
    expect(list).toContain('Template created.');
    expect(list).toMatch(/Monitoring .*Monitoring: partial recovery.*Placeholders: {{affected_service}} {{what_is_left}} {{next_update_time}}.* Resolved /);
  });

  it('refuses a malformed placeholder, naming it, and keeps everything typed', async () => {
    const deps = await createTestDeps();
    const lead = await signIn(deps, 'comms');
    const res = await adminPost(deps, '/admin/templates/new', lead, {
      name: 'Broken one',
      step: 'incident:identified',
      title: 'Trouble with {{affected service}}',
      body: 'We found it. Next update by {{next_update_time.',
    });
    expect(res.status).toBe(400);
    const text = textOf(res.text).replace(/&quot;/g, '"');
    expect(text).toContain('Title: {{affected service}} is not a valid placeholder: use letters, digits and underscores, starting with a letter');
    expect(text).toContain('Message: "{{" near');
    expect(text).toContain('is not closed with "}}"');
    expect(res.text).toContain('value="Broken one"');
    expect(res.text).toContain('value="Trouble with {{affected service}}"');
    expect(res.text).toContain('We found it. Next update by {{next_update_time.</textarea>');
    expect(res.text).toContain('<option value="incident:identified" selected>');
    expect(await publicTemplateRows(deps)).toHaveLength(DEFAULT_TEMPLATES.length);
  });

  it('requires a name and a message, and a step of the right kind', async () => {
    const deps = await createTestDeps();
    const lead = await signIn(deps, 'comms');
    const empty = await adminPost(deps, '/admin/templates/new', lead, { name: ' ', step: 'incident:investigating', body: '' });
    expect(empty.status).toBe(400);
    expect(textOf(empty.text)).toContain('Name: is required');
    expect(textOf(empty.text)).toContain('Message: is required');
    const wrong = await adminPost(deps, '/admin/templates/new', lead, { name: 'X', step: 'incident:scheduled', body: 'Text' });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.text)).toContain('Scheduled is not a step of an incident');
    const bogus = await adminPost(deps, '/admin/templates/new', lead, { name: 'X', step: 'nonsense', body: 'Text' });
    expect(bogus.status).toBe(400);
    expect(await publicTemplateRows(deps)).toHaveLength(DEFAULT_TEMPLATES.length);
  });

  it('edits one, re-rendering refusals with what was typed', async () => {
    const deps = await createTestDeps();
    const lead = await signIn(deps, 'comms');
    const form = await adminGet(deps, '/admin/templates/defaultidentified', lead);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="Identified: working on a fix"');
    expect(form.text).toContain('<option value="incident:identified" selected>');
    const bad = await adminPost(deps, '/admin/templates/defaultidentified', lead, {
      name: 'Identified (short)',
      step: 'incident:identified',
      body: 'Cause found: {{what we know}}',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('value="Identified (short)"');
    expect(bad.text).toContain('Cause found: {{what we know}}</textarea>');
    const ok = await adminPost(deps, '/admin/templates/defaultidentified', lead, {
      name: 'Identified (short)',
      step: 'incident:identified',
      title: '',
      body: 'We found the cause of {{impact}}. Next update by {{next_update_time}}.',
    });
    expect(ok.status).toBe(303);
    expect(await deps.repos.templates.findById('defaultidentified')).toMatchObject({
      name: 'Identified (short)',
      body: 'We found the cause of {{impact}}. Next update by {{next_update_time}}.',
    });
    expect(await auditActions(deps)).toContain('template.update');
  });

  it('answers 404 for a template that does not exist', async () => {
    const deps = await createTestDeps();
    const lead = await signIn(deps, 'comms');
    expect((await adminGet(deps, '/admin/templates/nosuchtemplate', lead)).status).toBe(404);
    expect((await adminPost(deps, '/admin/templates/nosuchtemplate', lead, { name: 'x', step: 'incident:investigating', body: 'x' })).status).toBe(404);
  });

  it('deletes one after a confirmation page', async () => {
    const deps = await createTestDeps();
    const lead = await signIn(deps, 'comms');
    const confirm = await adminGet(deps, '/admin/templates/defaultmonitoring/delete', lead);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.text)).toContain('Delete this template? Monitoring: fix in place');
    expect(await deps.repos.templates.findById('defaultmonitoring')).toBeDefined();
    const res = await adminPost(deps, '/admin/templates/defaultmonitoring/delete', lead, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/templates?done=deleted');
    expect(await deps.repos.templates.findById('defaultmonitoring')).toBeUndefined();
    expect(await auditActions(deps)).toContain('template.delete');
  });
});
