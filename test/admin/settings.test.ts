import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ForbiddenError } from '../../src/lib/errors.js';
import { userActor } from '../../src/services/auth/sessions.js';
import { updateSettings } from '../../src/services/settings/update.js';
import { adminGet, adminPost, signIn } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';
import { get } from '../support/http.js';

const valid = {
  name: 'Acme Cloud',
  url: 'https://status.acme.example',
  timeZone: 'Europe/Berlin',
  logoUrl: 'https://cdn.acme.example/logo.svg',
  accentColor: '#0F766E',
};

describe('page settings', () => {
  it('shows the current settings in a form to an admin', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const res = await adminGet(deps, '/admin/settings', admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toContain('action="/admin/settings"');
    expect(res.text).toContain('id="name" name="name" type="text" maxlength="100" required value="Test Cloud"');
    expect(res.text).toContain('value="UTC"');
    expect(res.text).toContain('value="#2563eb"');
    expect(res.text).toContain('<option value="Europe/Berlin">');
    expect(res.text).toContain('aria-current="page">Settings</a>');
  });

  it('saves valid settings (303), and the public page uses them at once', async () => {
    const deps = await createTestDeps();
    await makeComponent(deps, { name: 'API' });
    const admin = await signIn(deps, 'admin');
    expect((await get(deps, '/')).text).toContain('Test Cloud');
    const res = await adminPost(deps, '/admin/settings', admin, valid);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/settings?done=saved');
    expect(await deps.repos.settings.get()).toMatchObject({
      name: 'Acme Cloud',
      url: 'https://status.acme.example',
      timeZone: 'Europe/Berlin',
      logoUrl: 'https://cdn.acme.example/logo.svg',
      accentColor: '#0f766e',
    });
    const page = await get(deps, '/');
    expect(page.text).toContain('<title>Acme Cloud status</title>');
    expect(page.text).toContain('--accent:#0f766e');
    expect(page.text).toContain('<img src="https://cdn.acme.example/logo.svg" alt="Acme Cloud">');
    expect((await adminGet(deps, '/admin/settings?done=saved', admin)).text).toContain('Settings saved.');

    const [entry] = (await deps.repos.audit.list({ limit: 10 })).filter((row) => row.action === 'settings.update');
    expect(JSON.parse(entry!.details!)).toEqual({
      before: { name: 'Test Cloud', url: 'http://status.test', timeZone: 'UTC', logoUrl: null, accentColor: '#2563eb' },
      after: { name: 'Acme Cloud', url: 'https://status.acme.example', timeZone: 'Europe/Berlin', logoUrl: 'https://cdn.acme.example/logo.svg', accentColor: '#0f766e' },
    });
  });

  it('normalizes what it can: no logo, trailing slash, zone spelling, short colour', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'owner');
    const res = await adminPost(deps, '/admin/settings', admin, {
      name: '  Acme  ',
      url: 'http://example.com/status/',
      timeZone: 'america/new_york',
      logoUrl: '  ',
      accentColor: '#ABC',
    });
    expect(res.status).toBe(303);
    expect(await deps.repos.settings.get()).toMatchObject({
      name: 'Acme',
      url: 'http://example.com/status',
      timeZone: 'America/New_York',
      logoUrl: null,
      accentColor: '#abc',
    });
    // An empty address is allowed: PUBLIC_URL or the visited address is used.
    expect((await adminPost(deps, '/admin/settings', admin, { ...valid, url: '' })).status).toBe(303);
    expect((await deps.repos.settings.get())!.url).toBe('');
  });

  it('re-renders with every error and everything typed, saving nothing', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const typed = {
      name: '',
      url: 'ftp://files.example.com',
      timeZone: 'Mars/Olympus_Mons',
      logoUrl: 'http://insecure.example/logo.png',
      accentColor: 'teal" onmouseover="x',
    };
    const res = await adminPost(deps, '/admin/settings', admin, typed);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Nothing was saved. Check the fields marked below.');
    expect(res.text).toContain('<p class="field-error" id="name-error">is required</p>');
    expect(res.text).toContain('<p class="field-error" id="url-error">must be an http(s) address such as https://status.example.com</p>');
    expect(res.text).toContain('<p class="field-error" id="timeZone-error">must be an IANA time zone such as Europe/Berlin or UTC</p>');
    expect(res.text).toContain('<p class="field-error" id="logoUrl-error">must be an https address of an image, or empty for no logo</p>');
    expect(res.text).toContain('<p class="field-error" id="accentColor-error">must be a colour like #2563eb or #26e</p>');
    expect(res.text).toContain('value="ftp://files.example.com"');
    expect(res.text).toContain('value="Mars/Olympus_Mons"');
    expect(res.text).toContain('value="http://insecure.example/logo.png"');
    expect(res.text).toContain('value="teal&quot; onmouseover=&quot;x"');
    expect(res.text).not.toContain('onmouseover="x');
    expect(res.text).toContain('id="url" name="url" type="url" inputmode="url" value="ftp://files.example.com" aria-invalid="true" aria-describedby="url-error"');
    expect(await deps.repos.settings.get()).toMatchObject({ name: 'Test Cloud', timeZone: 'UTC', accentColor: '#2563eb' });
  });

  it('refuses addresses with credentials, queries or no host, and javascript: logos', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    for (const url of ['https://user:pass@example.com', 'https://example.com/?x=1', 'https://example.com/#top', 'not a url', 'javascript:alert(1)']) {
      expect((await adminPost(deps, '/admin/settings', admin, { ...valid, url })).status, url).toBe(400);
    }
    for (const logoUrl of ['javascript:alert(1)', 'data:image/png;base64,AAAA', '//cdn.example/logo.png']) {
      expect((await adminPost(deps, '/admin/settings', admin, { ...valid, logoUrl })).status, logoUrl).toBe(400);
    }
    for (const accentColor of ['#12345', 'red', '#1234567', '']) {
      expect((await adminPost(deps, '/admin/settings', admin, { ...valid, accentColor })).status, accentColor).toBe(400);
    }
    expect((await deps.repos.settings.get())!.name).toBe('Test Cloud');
  });

  it('a missing field is a 400 with a message, not a 500', async () => {
    const deps = await createTestDeps();
    const admin = await signIn(deps, 'admin');
    const res = await adminPost(deps, '/admin/settings', admin, { name: 'Only a name' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="Only a name"');
  });

  for (const role of ['comms', 'viewer'] as const) {
    it(`${role}: gets neither the settings form nor the navigation link, and saving is 403`, async () => {
      const deps = await createTestDeps();
      const member = await signIn(deps, role);
      const page = await adminGet(deps, '/admin/settings', member);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('name="accentColor"');
      expect((await adminGet(deps, '/admin', member)).text).not.toContain('href="/admin/settings"');
      expect((await adminPost(deps, '/admin/settings', member, valid)).status).toBe(403);
      expect((await deps.repos.settings.get())!.name).toBe('Test Cloud');
      await expect(updateSettings(deps, userActor({ id: 'x', email: 'x@example.com', name: 'X', role } as never), valid)).rejects.toBeInstanceOf(ForbiddenError);
    });
  }

  it('anonymous POSTs get 401; a POST without the CSRF token gets 403', async () => {
    const deps = await createTestDeps();
    const anonymous = await createApp(deps).request('/admin/settings', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(valid),
    });
    expect(anonymous.status).toBe(401);
    const admin = await signIn(deps, 'admin');
    expect((await adminPost(deps, '/admin/settings', admin, valid, { csrf: false })).status).toBe(403);
    expect((await deps.repos.settings.get())!.name).toBe('Test Cloud');
  });
});
