import { describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { adminGet, adminPost, apiCall, apiToken, signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident } from '../support/factories.js';
import { textOf } from '../support/http.js';

/* The internal update rhythm (issue 15): its settings (admin form and API) and the dashboard's "next internal update". */

const MIN = 60_000;

const page = { name: 'Test Cloud', url: 'http://status.test', timeZone: 'UTC', logoUrl: '', accentColor: '#2563eb' };
const cadence = (one: string, two: string, three: string, four: string) => ({
  'internalCadence.1': one,
  'internalCadence.2': two,
  'internalCadence.3': three,
  'internalCadence.4': four,
});

async function savedCadence(deps: TestDeps) {
  const row = (await deps.repos.settings.get())!;
  return { internalCadence: row.internalCadence, internalReminders: row.internalReminders };
}

describe('internal cadence in the admin settings', () => {
  it('shows the defaults (15, 30, 120, none) and reminders off', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const res = await adminGet(deps, '/admin/settings', admin);
    expect(res.text).toContain('Internal update rhythm');
    expect(res.text).toContain('name="internalCadence.1" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value="15"');
    expect(res.text).toContain('name="internalCadence.2" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value="30"');
    expect(res.text).toContain('name="internalCadence.3" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value="120"');
    expect(res.text).toContain('name="internalCadence.4" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value=""');
    expect(res.text).toContain('<input type="checkbox" name="internalReminders" value="on">');
  });

  it('saves minutes per severity, empty for none, and the reminders; audits the change', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const res = await adminPost(deps, '/admin/settings', admin, { ...page, ...cadence('10', ' 20 ', '', '1440'), internalReminders: 'on' });
    expect(res.status).toBe(303);
    expect(await savedCadence(deps)).toEqual({ internalCadence: { 1: 10, 2: 20, 4: 1440 }, internalReminders: true });
    const form = await adminGet(deps, '/admin/settings', admin);
    expect(form.text).toContain('name="internalCadence.3" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value=""');
    expect(form.text).toContain('<input type="checkbox" name="internalReminders" value="on" checked>');
    const [entry] = (await deps.repos.audit.list({ limit: 5 })).filter((e) => e.action === 'settings.update');
    expect(JSON.parse(entry!.details!)).toEqual({
      before: { internalCadence: { 1: 15, 2: 30, 3: 120, 4: null }, internalReminders: false },
      after: { internalCadence: { 1: 10, 2: 20, 3: null, 4: 1440 }, internalReminders: true },
    });

    // Unticking the box turns reminders off again.
    await adminPost(deps, '/admin/settings', admin, { ...page, ...cadence('10', '20', '', '1440') });
    expect((await savedCadence(deps)).internalReminders).toBe(false);
  });

  it('keeps "the defaults" when they are saved unchanged, and a form without the fields changes nothing', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    await adminPost(deps, '/admin/settings', admin, { ...page, ...cadence('15', '30', '120', '') });
    expect(await savedCadence(deps)).toEqual({ internalCadence: null, internalReminders: false });
    await deps.db.atomic([deps.repos.settings.update({ internalCadence: { 1: 5 }, internalReminders: true, updatedAt: deps.clock.now() })]);
    expect((await adminPost(deps, '/admin/settings', admin, { ...page, name: 'Renamed' })).status).toBe(303);
    expect(await savedCadence(deps)).toEqual({ internalCadence: { 1: 5 }, internalReminders: true });
  });

  it.each([
    { case: 'below 5 minutes', values: cadence('4', '30', '120', ''), field: 'internalCadence.1' },
    { case: 'zero', values: cadence('15', '0', '120', ''), field: 'internalCadence.2' },
    { case: 'more than a day', values: cadence('15', '30', '1441', ''), field: 'internalCadence.3' },
    { case: 'not a number', values: cadence('15', '30', '120', 'hourly'), field: 'internalCadence.4' },
    { case: 'a fraction', values: cadence('7.5', '30', '120', ''), field: 'internalCadence.1' },
    { case: 'negative', values: cadence('15', '-30', '120', ''), field: 'internalCadence.2' },
  ])('refuses $case with a message at the field (400) and saves nothing', async ({ values, field }) => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const before = await deps.repos.settings.get();
    const res = await adminPost(deps, '/admin/settings', admin, { ...page, name: 'Not saved', ...values });
    expect(res.status).toBe(400);
    const id = `internal-cadence-${field.slice(-1)}`;
    expect(res.text).toContain(`<p class="field-error" id="${id}-error">must be whole minutes from 5 to 1440, or empty for no internal cadence</p>`);
    expect(res.text).toContain(`aria-invalid="true" aria-describedby="${id}-error"`);
    // What was typed is kept.
    expect(res.text).toContain(`value="${values[field as keyof typeof values]}"`);
    expect(await deps.repos.settings.get()).toEqual(before);
  });

  it('is for admins: comms members are refused (403)', async () => {
    const deps = await createTestDeps();
    const comms = await signIn(deps, 'comms');
    expect((await adminPost(deps, '/admin/settings', comms, { ...page, ...cadence('5', '5', '5', '5') })).status).toBe(403);
    expect(await savedCadence(deps)).toEqual({ internalCadence: null, internalReminders: false });
  });
});

describe('internal cadence in /api/v1/settings', () => {
  it('reads the effective cadence and the reminders, merges a PATCH per severity, and null restores the defaults', async () => {
    const deps = await createTestDeps();
    const token = await apiToken(deps, 'admin');
    const read = JSON.parse((await apiCall(deps, 'GET', '/api/v1/settings', token)).text);
    expect(read).toMatchObject({ internal_cadence: { 1: 15, 2: 30, 3: 120, 4: null }, internal_cadence_is_default: true, internal_reminders: false });

    const patched = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { internal_cadence: { 1: 10, 3: null }, internal_reminders: true });
    expect(patched.status).toBe(200);
    expect(JSON.parse(patched.text)).toMatchObject({
      internal_cadence: { 1: 10, 2: 30, 3: null, 4: null },
      internal_cadence_is_default: false,
      internal_reminders: true,
    });
    expect(await savedCadence(deps)).toEqual({ internalCadence: { 1: 10, 2: 30 }, internalReminders: true });

    // Other fields alone leave the cadence as it is.
    await apiCall(deps, 'PATCH', '/api/v1/settings', token, { name: 'Acme' });
    expect((await savedCadence(deps)).internalCadence).toEqual({ 1: 10, 2: 30 });

    const reset = JSON.parse((await apiCall(deps, 'PATCH', '/api/v1/settings', token, { internal_cadence: null })).text);
    expect(reset).toMatchObject({ internal_cadence: { 1: 15, 2: 30, 3: 120, 4: null }, internal_cadence_is_default: true });
  });

  it.each([
    { case: 'too short', body: { internal_cadence: { 1: 2 } }, field: 'internal_cadence.1' },
    { case: 'too long', body: { internal_cadence: { 2: 10_000 } }, field: 'internal_cadence.2' },
    { case: 'a fraction', body: { internal_cadence: { 3: 12.5 } }, field: 'internal_cadence.3' },
    { case: 'a string', body: { internal_cadence: { 4: '15' } }, field: 'internal_cadence.4' },
    { case: 'a severity that does not exist', body: { internal_cadence: { 5: 15 } }, field: 'internal_cadence.5' },
    { case: 'not an object', body: { internal_cadence: 15 }, field: 'internal_cadence' },
    { case: 'reminders not a boolean', body: { internal_reminders: 'yes' }, field: 'internal_reminders' },
  ])('refuses $case with 400 and a message for $field', async ({ body, field }) => {
    const deps = await createTestDeps();
    const token = await apiToken(deps, 'admin');
    const res = await apiCall(deps, 'PATCH', '/api/v1/settings', token, body);
    expect(res.status).toBe(400);
    const error = JSON.parse(res.text).error as { code: string; fields: Record<string, string[]> };
    expect(error.code).toBe('invalid_input');
    expect(Object.keys(error.fields)).toEqual([field]);
    expect(await savedCadence(deps)).toEqual({ internalCadence: null, internalReminders: false });
  });
});

describe('the dashboard: next internal update', () => {
  it('shows when the next internal update is due beside the public one, and says in words when it is late', async () => {
    const deps = await createTestDeps();
    const viewer = await signIn(deps, 'viewer');
    const sev1 = await makeIncident(deps, { severity: 1, title: 'Checkout down' });
    await makeIncident(deps, { severity: 4, title: 'Typo on the docs' });

    let text = textOf((await adminGet(deps, '/admin', viewer)).text);
    expect(text).toContain('Next internal update due 12:15 UTC (in 15 min)');
    expect(text).toMatch(/Next public update by/);
    // SEV-4 has no internal cadence: no line for it.
    expect(text.match(/Next internal update/g)).toHaveLength(1);

    deps.clock.advance(27 * MIN);
    const html = (await adminGet(deps, '/admin', viewer)).text;
    expect(html).toContain('<p class="overdue internal-due"><strong>Late:</strong> Next internal update was due 12:15 UTC: late by 12 min</p>');

    // An internal update starts a new period: due 15 minutes after it.
    const now = deps.clock.now();
    await deps.db.atomic([
      deps.repos.roles.insertInternalUpdate({ id: newId(), incidentId: sev1, status: 'investigating', body: 'Still on it.', at: now, author: 'x', createdAt: now }),
    ]);
    text = textOf((await adminGet(deps, '/admin', viewer)).text);
    expect(text).toContain('Next internal update due 12:42 UTC (in 15 min)');

    // So does a public update, and the configured cadence is used.
    await deps.db.atomic([deps.repos.settings.update({ internalCadence: { 1: 60 }, updatedAt: now })]);
    deps.clock.advance(5 * MIN);
    await postUpdate(deps, { incidentId: sev1, status: 'identified', body: 'Found it.' }, FIXTURE_ACTOR);
    text = textOf((await adminGet(deps, '/admin', viewer)).text);
    expect(text).toContain('Next internal update due 13:32 UTC (in 60 min)');
  });
});

describe('the dashboard: who runs each incident', () => {
  it('names the Incident Commander and the Comms Lead of each open incident, escaped', async () => {
    const deps = await createTestDeps();
    const viewer = await signIn(deps, 'viewer');
    await makeIncident(deps, { severity: 1, title: 'Checkout down', roles: { incident_commander: { name: '<b>@ada</b>' }, comms_lead: { name: '@grace' } } });
    await makeIncident(deps, { severity: 3, title: 'Slow search' });

    const html = (await adminGet(deps, '/admin', viewer)).text;
    expect(html).toContain('Incident Commander: <strong>&lt;b&gt;@ada&lt;/b&gt;</strong> · Comms Lead: <strong>@grace</strong>');
    // The fixture actor has no account, so the second incident has nobody to name.
    expect(textOf(html).match(/Incident Commander:/g)).toHaveLength(1);
  });
});
