import { beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError, ValidationError } from '../../src/lib/errors.js';
import { escalationCandidates } from '../../src/services/settings/escalation.js';
import { updateSettings } from '../../src/services/settings/update.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { adminGet, adminPost, apiCall, apiToken, signIn, type TestSession } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

/*
 * The escalation settings (issue 16): minutes (1..120) and the members
 * emailed (null: every owner), through the settings service, the management
 * API's settings operation and the admin settings page.
 */

const PAGE = { name: 'Test Cloud', url: 'http://status.test', timeZone: 'UTC', logoUrl: '', accentColor: '#2563eb' };
const json = (text: string) => JSON.parse(text) as Record<string, any>;

async function settingsError(deps: TestDeps, input: Record<string, unknown>): Promise<ValidationError> {
  const error = await updateSettings(deps, FIXTURE_ACTOR, { ...PAGE, ...input }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('escalation settings in the service', () => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps();
  });

  it('starts at 5 minutes and every owner', async () => {
    expect(await deps.repos.settings.get()).toMatchObject({ alertEscalationMinutes: 5, alertEscalationUserIds: null });
  });

  it('takes whole minutes from 1 to 120, as numbers or form text', async () => {
    expect((await updateSettings(deps, FIXTURE_ACTOR, { ...PAGE, alertEscalationMinutes: 1 })).alertEscalationMinutes).toBe(1);
    expect((await updateSettings(deps, FIXTURE_ACTOR, { ...PAGE, alertEscalationMinutes: ' 120 ' })).alertEscalationMinutes).toBe(120);
    for (const bad of [0, 121, 1.5, -3, '', 'five', '1e2']) {
      expect((await settingsError(deps, { alertEscalationMinutes: bad })).fields, String(bad)).toEqual({ alertEscalationMinutes: ['must be whole minutes from 1 to 120'] });
    }
    expect((await deps.repos.settings.get())!.alertEscalationMinutes).toBe(120);
  });

  it('takes a list of members who can acknowledge (each once), or null for every owner, audited', async () => {
    const comms = await signIn(deps, 'comms', 'comms@example.com');
    const admin = await signIn(deps, 'admin', 'admin@example.com');
    const saved = await updateSettings(deps, FIXTURE_ACTOR, { ...PAGE, alertEscalationUserIds: [comms.userId, admin.userId, comms.userId] });
    expect(saved.alertEscalationUserIds).toEqual([comms.userId, admin.userId]);
    expect((await deps.repos.settings.get())!.alertEscalationUserIds).toEqual([comms.userId, admin.userId]);
    await updateSettings(deps, FIXTURE_ACTOR, { ...PAGE, alertEscalationUserIds: null });
    expect((await deps.repos.settings.get())!.alertEscalationUserIds).toBeNull();
    const entries = (await deps.repos.audit.list({ limit: 5 })).filter((e) => e.action === 'settings.update').map((e) => JSON.parse(e.details!));
    expect(entries[0]).toEqual({ before: { alertEscalationUserIds: [comms.userId, admin.userId] }, after: { alertEscalationUserIds: null } });
    // Saving the same again changes (and audits) nothing.
    await updateSettings(deps, FIXTURE_ACTOR, { ...PAGE, alertEscalationUserIds: null, alertEscalationMinutes: 5 });
    expect((await deps.repos.audit.list({ limit: 5 })).filter((e) => e.action === 'settings.update')).toHaveLength(2);
  });

  it('refuses unknown ids and viewers, naming them, and saves nothing', async () => {
    const viewer = await signIn(deps, 'viewer', 'viewer@example.com');
    const before = await deps.repos.settings.get();
    const unknown = await settingsError(deps, { alertEscalationUserIds: ['nosuchmember1'], alertEscalationMinutes: 9 });
    expect(unknown.message).toBe('Escalation list: no member has the id nosuchmember1.');
    expect(unknown.fields).toEqual({ alertEscalationUserIds: ['no member has the id nosuchmember1'] });
    const viewing = await settingsError(deps, { alertEscalationUserIds: [viewer.userId] });
    expect(viewing.fields).toEqual({
      alertEscalationUserIds: ['viewer@example.com can only view and cannot acknowledge an alert (make them Comms or above first)'],
    });
    expect((await settingsError(deps, { alertEscalationUserIds: ['../x'] })).fields).toEqual({ 'alertEscalationUserIds.0': ['must be a Herald id'] });
    expect((await settingsError(deps, { alertEscalationUserIds: 'everyone' })).fields).toEqual({
      alertEscalationUserIds: ['must be a list of member ids, or null for every owner'],
    });
    expect(await deps.repos.settings.get()).toEqual(before);
  });

  it('offers the members who can acknowledge, to admins and owners only', async () => {
    await signIn(deps, 'viewer', 'viewer@example.com');
    const comms = await signIn(deps, 'comms', 'comms@example.com');
    const owner = await signIn(deps, 'owner', 'owner@example.com');
    const candidates = await escalationCandidates(deps, memberActor('admin'));
    expect(candidates.map((c) => [c.id, c.role, c.disabled])).toEqual([
      [comms.userId, 'comms', false],
      [owner.userId, 'owner', false],
    ]);
    await expect(escalationCandidates(deps, memberActor('comms'))).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('escalation settings in the management API', () => {
  let deps: TestDeps;
  let token: string;
  beforeEach(async () => {
    deps = await createTestDeps();
    token = await apiToken(deps, 'admin');
  });

  it('shows and changes the minutes and the list', async () => {
    const comms = await signIn(deps, 'comms', 'comms@example.com');
    const got = json((await apiCall(deps, 'GET', '/api/v1/settings', token)).text);
    expect(got).toMatchObject({ alert_escalation_minutes: 5, alert_escalation_user_ids: null });

    const res = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { alert_escalation_minutes: 10, alert_escalation_user_ids: [comms.userId] });
    expect(res.status).toBe(200);
    expect(json(res.text)).toMatchObject({ alert_escalation_minutes: 10, alert_escalation_user_ids: [comms.userId], name: 'Test Cloud' });

    // Other fields leave them as they are; null goes back to every owner.
    await apiCall(deps, 'PATCH', '/api/v1/settings', token, { name: 'Acme' });
    expect(await deps.repos.settings.get()).toMatchObject({ name: 'Acme', alertEscalationMinutes: 10, alertEscalationUserIds: [comms.userId] });
    const back = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { alert_escalation_user_ids: null });
    expect(json(back.text).alert_escalation_user_ids).toBeNull();
  });

  it('answers 400 naming the field for unknown members and minutes out of range', async () => {
    const unknown = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { alert_escalation_user_ids: ['nosuchmember1'] });
    expect(unknown.status).toBe(400);
    expect(json(unknown.text).error).toMatchObject({
      code: 'invalid_input',
      message: 'Escalation list: no member has the id nosuchmember1.',
      fields: { alert_escalation_user_ids: ['no member has the id nosuchmember1'] },
    });
    for (const minutes of [0, 121, 2.5, '5']) {
      const res = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { alert_escalation_minutes: minutes });
      expect(res.status, String(minutes)).toBe(400);
      expect(json(res.text).error.fields).toEqual({ alert_escalation_minutes: ['must be whole minutes from 1 to 120'] });
    }
    expect(await deps.repos.settings.get()).toMatchObject({ alertEscalationMinutes: 5, alertEscalationUserIds: null });
  });

  it('lets only admins and owners change them', async () => {
    const res = await apiCall(deps, 'PATCH', '/api/v1/settings', await apiToken(deps, 'comms'), { alert_escalation_minutes: 10 });
    expect(res.status).toBe(403);
    expect((await deps.repos.settings.get())!.alertEscalationMinutes).toBe(5);
  });
});

describe('escalation settings on the admin settings page', () => {
  let deps: TestDeps;
  let admin: TestSession;
  beforeEach(async () => {
    deps = await createTestDeps();
    admin = await signIn(deps, 'admin', 'admin@example.com');
  });

  const form = (escalation: Record<string, string | string[]>) => ({ ...PAGE, logoUrl: '', ...escalation });

  it('shows the minutes, "every owner" by default, and the members who can acknowledge (escaped)', async () => {
    await signIn(deps, 'viewer', 'viewer@example.com');
    const comms = await signIn(deps, 'comms', 'comms@example.com');
    await deps.db.atomic([deps.repos.accounts.updateUser(comms.userId, { name: '<b>Grace</b>', updatedAt: deps.clock.now() })]);
    const page = (await adminGet(deps, '/admin/settings', admin)).text;
    expect(page).toContain('<legend>Alert escalation</legend>');
    expect(page).toContain('name="alertEscalationMinutes" type="text" inputmode="numeric"');
    expect(page).toMatch(/name="alertEscalationMinutes"[^>]*value="5"/);
    expect(page).toContain('<input type="radio" name="alertEscalationTo" value="owners" checked>');
    expect(page).toContain(`<input type="checkbox" name="alertEscalationUserIds" value="${comms.userId}"> &lt;b&gt;Grace&lt;/b&gt;`);
    expect(page).toContain(`value="${admin.userId}"`);
    expect(page).not.toContain('viewer@example.com');
    expect(page).not.toContain('<b>Grace</b>');
  });

  it('saves the minutes and the members ticked, and "every owner" as no list', async () => {
    const comms = await signIn(deps, 'comms', 'comms@example.com');
    const res = await adminPost(deps, '/admin/settings', admin, form({ alertEscalationMinutes: '15', alertEscalationTo: 'members', alertEscalationUserIds: [comms.userId, admin.userId] }));
    expect(res.status).toBe(303);
    expect(await deps.repos.settings.get()).toMatchObject({ alertEscalationMinutes: 15, alertEscalationUserIds: [comms.userId, admin.userId] });
    const page = (await adminGet(deps, '/admin/settings', admin)).text;
    expect(page).toContain('<input type="radio" name="alertEscalationTo" value="members" checked>');
    expect(page).toContain(`<input type="checkbox" name="alertEscalationUserIds" value="${comms.userId}" checked>`);

    // One box ticked arrives as a single value.
    await adminPost(deps, '/admin/settings', admin, form({ alertEscalationMinutes: '15', alertEscalationTo: 'members', alertEscalationUserIds: comms.userId }));
    expect((await deps.repos.settings.get())!.alertEscalationUserIds).toEqual([comms.userId]);
    // None ticked: nobody is emailed.
    await adminPost(deps, '/admin/settings', admin, form({ alertEscalationMinutes: '15', alertEscalationTo: 'members' }));
    expect((await deps.repos.settings.get())!.alertEscalationUserIds).toEqual([]);
    // Every owner, whatever boxes are still ticked.
    await adminPost(deps, '/admin/settings', admin, form({ alertEscalationMinutes: '15', alertEscalationTo: 'owners', alertEscalationUserIds: comms.userId }));
    expect((await deps.repos.settings.get())!.alertEscalationUserIds).toBeNull();
  });

  it('answers 400 with the form kept and the field marked, and saves nothing', async () => {
    const res = await adminPost(deps, '/admin/settings', admin, form({ alertEscalationMinutes: '0', alertEscalationTo: 'owners' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Nothing was saved. Check the fields marked below.');
    expect(res.text).toContain('<p class="field-error" id="alert-escalation-minutes-error">must be whole minutes from 1 to 120</p>');
    expect(res.text).toMatch(/name="alertEscalationMinutes"[^>]*value="0" aria-invalid="true"/);

    const tampered = await adminPost(deps, '/admin/settings', admin, form({ alertEscalationMinutes: '5', alertEscalationTo: 'members', alertEscalationUserIds: ['nosuchmember1', '"><x'] }));
    expect(tampered.status).toBe(400);
    expect(tampered.text).toContain('id="alert-escalation-members-error"');
    expect(tampered.text).toContain('must be a Herald id');
    expect(tampered.text).not.toContain('"><x');
    expect(await deps.repos.settings.get()).toMatchObject({ alertEscalationMinutes: 5, alertEscalationUserIds: null });
  });

  it('leaves them as they are when an older page without the fields is saved', async () => {
    const comms = await signIn(deps, 'comms', 'comms@example.com');
    await updateSettings(deps, FIXTURE_ACTOR, { ...PAGE, alertEscalationMinutes: 30, alertEscalationUserIds: [comms.userId] });
    expect((await adminPost(deps, '/admin/settings', admin, { ...PAGE, name: 'Renamed' })).status).toBe(303);
    expect(await deps.repos.settings.get()).toMatchObject({ name: 'Renamed', alertEscalationMinutes: 30, alertEscalationUserIds: [comms.userId] });
  });
});
