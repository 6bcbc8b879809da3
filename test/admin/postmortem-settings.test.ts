import { describe, expect, it } from 'vitest';
import { DEFAULT_POSTMORTEM_TEMPLATE, postmortemDueTable } from '../../src/services/postmortems/postmortems.js';
import { updateSettings } from '../../src/services/settings/update.js';
import { userActor } from '../../src/services/auth/sessions.js';
import { ForbiddenError } from '../../src/lib/errors.js';
import { adminGet, adminPost, signIn } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { client, expectError } from '../api-v1/helpers.js';

const page = { name: 'Test Cloud', url: '', timeZone: 'UTC', logoUrl: '', accentColor: '#2563eb' };
const dueFields = (hours: Record<number, string>) => Object.fromEntries([1, 2, 3, 4].map((s) => [`postmortemDueHours.${s}`, hours[s] ?? '']));

describe('postmortem settings in the admin', () => {
  it('shows the due hours (defaults 48/72/168/none) and the default template', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const res = await adminGet(deps, '/admin/settings', admin);
    expect(res.status).toBe(200);
    expect(res.text).toContain('name="postmortemDueHours.1" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value="48"');
    expect(res.text).toContain('name="postmortemDueHours.3" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value="168"');
    expect(res.text).toContain('name="postmortemDueHours.4" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" autocomplete="off" value=""');
    expect(res.text).toContain('# Postmortem: {{title}}');
    expect(res.text).toContain("(Herald&#39;s default)");
  });

  it('saves due hours (blank: not required) and a custom template, and new postmortems use them', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const template = '# PM {{title}}\r\n\r\n{{timeline}}\r\n<script>alert(1)</script>';
    const res = await adminPost(deps, '/admin/settings', admin, { ...page, ...dueFields({ 1: '24', 2: '' , 3: '100' }), postmortemTemplate: template });
    expect(res.status, res.text).toBe(303);
    const saved = (await deps.repos.settings.get())!;
    expect(saved.postmortemDueHours).toEqual({ 1: 24, 3: 100 });
    expect(postmortemDueTable(saved.postmortemDueHours)).toEqual({ 1: 24, 2: null, 3: 100, 4: null });
    expect(saved.postmortemTemplate).toBe('# PM {{title}}\n\n{{timeline}}\n<script>alert(1)</script>');
    const shown = await adminGet(deps, '/admin/settings', admin);
    expect(shown.text).toContain('value="24"');
    expect(shown.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(shown.text).not.toContain('<script>alert(1)');
    expect(shown.text).toContain('(customized)');
    const [entry] = (await deps.repos.audit.list({ limit: 10 })).filter((row) => row.action === 'settings.update');
    expect(JSON.parse(String(entry!.details))).toMatchObject({ after: { postmortemDueHours: { 1: 24, 2: null, 3: 100, 4: null }, postmortemTemplate: 'custom' } });
  });

  it("resets the template to Herald's default with its button", async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    await adminPost(deps, '/admin/settings', admin, { ...page, ...dueFields({ 1: '48', 2: '72', 3: '168' }), postmortemTemplate: '# Ours' });
    expect((await deps.repos.settings.get())!.postmortemTemplate).toBe('# Ours');
    const res = await adminPost(deps, '/admin/settings', admin, {
      ...page,
      ...dueFields({ 1: '48', 2: '72', 3: '168' }),
      postmortemTemplate: '# Ours, edited',
      postmortemTemplateReset: '1',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/settings?done=template-reset');
    const saved = (await deps.repos.settings.get())!;
    expect(saved.postmortemTemplate).toBeNull();
    // The defaults saved unchanged stay "the defaults".
    expect(saved.postmortemDueHours).toBeNull();
    expect((await adminGet(deps, '/admin/settings?done=template-reset', admin)).text).toContain('postmortem template is Herald&#39;s default again');
  });

  it('refuses hours out of range with a message on the field, keeping what was typed', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    for (const bad of ['0', '-4', '1.5', 'soon', '9000']) {
      const res = await adminPost(deps, '/admin/settings', admin, { ...page, ...dueFields({ 1: bad }), postmortemTemplate: '# Kept' });
      expect(res.status, bad).toBe(400);
      expect(res.text).toContain('id="postmortem-due-1-error"');
      expect(res.text).toContain('# Kept');
    }
    expect((await deps.repos.settings.get())!.postmortemDueHours).toBeNull();
  });

  it('keeps the postmortem settings when an older form without them is posted', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    await updateSettings(deps, FIXTURE_ACTOR, { ...page, postmortemDueHours: { 1: 12 }, postmortemTemplate: '# Ours' });
    expect((await adminPost(deps, '/admin/settings', admin, { ...page, name: 'Renamed' })).status).toBe(303);
    expect(await deps.repos.settings.get()).toMatchObject({ name: 'Renamed', postmortemDueHours: { 1: 12, 2: 72, 3: 168 }, postmortemTemplate: '# Ours' });
  });

  it('is for admins only', async () => {
    const deps = await createTestDeps();
    const comms = await signIn(deps, 'comms');
    expect((await adminPost(deps, '/admin/settings', comms, { ...page, ...dueFields({ 1: '1' }) })).status).toBe(403);
    const user = (await deps.repos.accounts.findUserById(comms.userId))!;
    await expect(updateSettings(deps, userActor(user), { ...page, postmortemTemplate: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('postmortem settings in the API', () => {
  it('reads and changes postmortem_due_hours and postmortem_template, null resetting each', async () => {
    const deps = await createTestDeps();
    const { call, raw } = await client(deps, 'owner');
    const before = await call('GET', '/api/v1/settings');
    expect(before).toMatchObject({
      postmortem_due_hours: { 1: 48, 2: 72, 3: 168, 4: null },
      postmortem_due_hours_is_default: true,
      postmortem_template: DEFAULT_POSTMORTEM_TEMPLATE,
      postmortem_template_is_default: true,
    });
    const changed = await call('PATCH', '/api/v1/settings', { postmortem_due_hours: { 2: null, 4: 240 }, postmortem_template: '# Ours {{title}}' });
    expect(changed).toMatchObject({
      name: 'Test Cloud',
      postmortem_due_hours: { 1: 48, 2: null, 3: 168, 4: 240 },
      postmortem_due_hours_is_default: false,
      postmortem_template: '# Ours {{title}}',
      postmortem_template_is_default: false,
    });
    const reset = await call('PATCH', '/api/v1/settings', { postmortem_due_hours: null, postmortem_template: null });
    expect(reset).toMatchObject({ postmortem_due_hours: { 1: 48, 2: 72, 3: 168, 4: null }, postmortem_due_hours_is_default: true, postmortem_template_is_default: true });

    const error = expectError(await raw('PATCH', '/api/v1/settings', { postmortem_due_hours: { 1: 0, 5: 3 } }), 400, 'invalid_input');
    expect(Object.keys(error.fields ?? {}).join(' ')).toMatch(/postmortem_due_hours/);
    expectError(await raw('PATCH', '/api/v1/settings', { postmortem_template: 'x'.repeat(50_001) }), 400, 'invalid_input');
  });
});
