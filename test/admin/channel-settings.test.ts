import { describe, expect, it } from 'vitest';
import { createTestDeps } from '../support/deps.js';
import { adminGet, adminPost, apiCall, apiToken, signIn } from '../support/admin.js';
import { textOf } from '../support/http.js';

/** The settings form as the page sends it, with the component notification fields. */
const VALID = {
  name: 'Test Cloud',
  url: 'http://status.test',
  timeZone: 'UTC',
  logoUrl: '',
  accentColor: '#2563eb',
  componentNotifications: 'on',
  componentFlapWindowSeconds: '300',
  channelDisableAfterHours: '24',
};

describe('component status notifications on the settings page', () => {
  it('shows them off by default, with a 120 s flap window and 72 h before disabling', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const res = await adminGet(deps, '/admin/settings', admin);
    expect(res.status).toBe(200);
    expect(textOf(res.text)).toContain('Component status notifications');
    expect(res.text).toContain('name="componentNotifications" value="on">');
    expect(res.text).toContain('name="componentFlapWindowSeconds" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="4" required autocomplete="off" value="120"');
    expect(res.text).toContain('name="channelDisableAfterHours" type="text" inputmode="numeric" pattern="[0-9]*" maxlength="3" required autocomplete="off" value="72"');
  });

  it('saves them (audited), and turns them off again', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const res = await adminPost(deps, '/admin/settings', admin, VALID);
    expect(res.status).toBe(303);
    expect(await deps.repos.settings.get()).toMatchObject({ componentNotifications: true, componentFlapWindowSeconds: 300, channelDisableAfterHours: 24 });
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry!.action).toBe('settings.update');
    expect(JSON.parse(entry!.details!)).toEqual({
      before: { componentNotifications: false, componentFlapWindowSeconds: 120, channelDisableAfterHours: 72 },
      after: { componentNotifications: true, componentFlapWindowSeconds: 300, channelDisableAfterHours: 24 },
    });
    expect((await adminGet(deps, '/admin/settings', admin)).text).toContain('name="componentNotifications" value="on" checked>');
    const { componentNotifications: _, ...off } = VALID;
    expect((await adminPost(deps, '/admin/settings', admin, off)).status).toBe(303);
    expect((await deps.repos.settings.get())!.componentNotifications).toBe(false);
  });

  it('refuses values out of range with the field marked, and saves nothing', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const before = await deps.repos.settings.get();
    const cases: [Record<string, string>, string, string][] = [
      [{ componentFlapWindowSeconds: '9' }, 'componentFlapWindowSeconds', 'must be whole seconds from 10 to 3600'],
      [{ componentFlapWindowSeconds: '3601' }, 'componentFlapWindowSeconds', 'must be whole seconds from 10 to 3600'],
      [{ componentFlapWindowSeconds: '12.5' }, 'componentFlapWindowSeconds', 'must be whole seconds from 10 to 3600'],
      [{ channelDisableAfterHours: '0' }, 'channelDisableAfterHours', 'must be whole hours from 1 to 720'],
      [{ channelDisableAfterHours: '721' }, 'channelDisableAfterHours', 'must be whole hours from 1 to 720'],
      [{ channelDisableAfterHours: 'soon' }, 'channelDisableAfterHours', 'must be whole hours from 1 to 720'],
    ];
    for (const [bad, field, message] of cases) {
      const res = await adminPost(deps, '/admin/settings', admin, { ...VALID, ...bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.text).toContain(`name="${field}"`);
      expect(res.text).toMatch(new RegExp(`name="${field}"[^>]*aria-invalid="true"`));
      expect(textOf(res.text)).toContain(message);
      expect(await deps.repos.settings.get()).toEqual(before);
    }
  });

  it('is changed by admins only', async () => {
    const deps = await createTestDeps();
    const comms = await signIn(deps, 'comms');
    expect((await adminPost(deps, '/admin/settings', comms, VALID)).status).toBe(403);
    expect((await deps.repos.settings.get())!.componentNotifications).toBe(false);
  });
});

describe('component status notifications in the settings API', () => {
  it('reads and updates them; bad values are a 400 naming the field, and nothing is saved', async () => {
    const deps = await createTestDeps();
    const token = await apiToken(deps, 'admin');
    const read = JSON.parse((await apiCall(deps, 'GET', '/api/v1/settings', token)).text);
    expect(read).toMatchObject({ component_notifications: false, component_flap_window_seconds: 120, channel_disable_after_hours: 72 });
    const saved = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { component_notifications: true, component_flap_window_seconds: 60, channel_disable_after_hours: 720 });
    expect(saved.status).toBe(200);
    expect(JSON.parse(saved.text)).toMatchObject({ component_notifications: true, component_flap_window_seconds: 60, channel_disable_after_hours: 720 });
    const before = await deps.repos.settings.get();
    for (const bad of [
      { component_flap_window_seconds: 5 },
      { component_flap_window_seconds: 3601 },
      { component_flap_window_seconds: '60' },
      { channel_disable_after_hours: 0 },
      { channel_disable_after_hours: 1.5 },
      { component_notifications: 'yes' },
    ]) {
      const res = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { name: 'Changed', ...bad });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      const error = JSON.parse(res.text).error;
      expect(Object.keys(error.fields ?? {})).toContain(Object.keys(bad)[0]);
      expect(await deps.repos.settings.get()).toEqual(before);
    }
  });
});
