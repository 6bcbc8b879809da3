import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MINUTE } from '../../src/domain/calendar.js';
import { createSetupLink } from '../../src/services/auth/accounts.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, signIn, TEST_PASSWORD } from '../support/admin.js';

/** Fetches the login form and returns the pre-auth cookie and its token. */
async function loginForm(deps: TestDeps): Promise<{ cookie: string; token: string }> {
  const res = await createApp(deps).request('/admin/login');
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookie, token };
}

async function submitLogin(deps: TestDeps, email: string, password: string, ip = '198.51.100.7') {
  const form = await loginForm(deps);
  return createApp(deps).request('/admin/login', {
    method: 'POST',
    headers: { Cookie: form.cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Test-Client': ip },
    body: new URLSearchParams({ _csrf: form.token, email, password, next: '/admin/incidents' }),
  });
}

describe('signing in', () => {
  it('starts a server-side session with a safe cookie and returns to the page asked for', async () => {
    const deps = await createTestDeps();
    const member = await signIn(deps, 'comms', 'lead@example.com');
    const res = await submitLogin(deps, 'LEAD@example.com', TEST_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/incidents');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^herald_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');
    expect(cookie.split(';')[0]).not.toBe(member.cookie);
  });

  it('marks the cookie Secure when the page is served over https', async () => {
    const deps = await createTestDeps({ config: { publicUrl: 'https://status.example.com' } });
    await signIn(deps, 'comms', 'lead@example.com');
    const res = await submitLogin(deps, 'lead@example.com', TEST_PASSWORD);
    expect(res.headers.get('set-cookie')).toContain('Secure');
  });

  it('refuses a wrong password with a clear message and keeps the email', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    const res = await submitLogin(deps, 'lead@example.com', 'nope');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Wrong email or password.');
    expect(html).toContain('value="lead@example.com"');
  });

  it('throttles repeated failures per account, with a message, until the window passes', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    for (let i = 0; i < 5; i++) expect((await submitLogin(deps, 'lead@example.com', 'bad', `203.0.113.${i}`)).status).toBe(400);
    const blocked = await submitLogin(deps, 'lead@example.com', TEST_PASSWORD, '203.0.113.99');
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain('Too many failed sign-ins. Wait 15 minutes');
    deps.clock.advance(16 * MINUTE);
    expect((await submitLogin(deps, 'lead@example.com', TEST_PASSWORD)).status).toBe(303);
  });

  it('throttles repeated failures from one address across accounts', async () => {
    const deps = await createTestDeps();
    for (let i = 0; i < 20; i++) await submitLogin(deps, `nobody${i}@example.com`, 'bad', '203.0.113.50');
    expect((await submitLogin(deps, 'someone@example.com', 'bad', '203.0.113.50')).status).toBe(429);
    expect((await submitLogin(deps, 'someone@example.com', 'bad', '203.0.113.51')).status).toBe(400);
  });

  it('refuses the login form without its form token', async () => {
    const deps = await createTestDeps();
    const res = await createApp(deps).request('/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'a@example.com', password: 'x' }),
    });
    expect(res.status).toBe(403);
  });

  it('never redirects off-site after sign-in', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    const form = await loginForm(deps);
    for (const next of ['https://evil.example/admin', '//evil.example', '/public-page']) {
      const res = await createApp(deps).request('/admin/login', {
        method: 'POST',
        headers: { Cookie: form.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: form.token, email: 'lead@example.com', password: TEST_PASSWORD, next }),
      });
      expect(res.headers.get('location')).toBe('/admin');
    }
  });
});

describe('sessions', () => {
  it('sends anonymous visitors to the login page and back', async () => {
    const deps = await createTestDeps();
    const res = await createApp(deps).request('/admin?x=1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%3Fx%3D1');
  });

  it('lets any member read the dashboard', async () => {
    const deps = await createTestDeps();
    const viewer = await signIn(deps, 'viewer');
    const res = await adminGet(deps, '/admin', viewer);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toContain('Dashboard');
    expect(res.text).not.toContain('Declare incident');
  });

  it('ends on sign-out, and the old cookie is worthless', async () => {
    const deps = await createTestDeps();
    const member = await signIn(deps, 'comms');
    expect((await adminPost(deps, '/admin/logout', member, {})).status).toBe(303);
    expect((await adminGet(deps, '/admin', member)).status).toBe(303);
  });

  it('expires after 12 idle hours', async () => {
    const deps = await createTestDeps();
    const member = await signIn(deps, 'comms');
    deps.clock.advance(11 * 60 * MINUTE);
    expect((await adminGet(deps, '/admin', member)).status).toBe(200);
    deps.clock.advance(11 * 60 * MINUTE);
    expect((await adminGet(deps, '/admin', member)).status).toBe(200);
    deps.clock.advance(13 * 60 * MINUTE);
    expect((await adminGet(deps, '/admin', member)).status).toBe(303);
  });

  it('refuses a signed-in form post without the CSRF token', async () => {
    const deps = await createTestDeps();
    const member = await signIn(deps, 'comms');
    const res = await adminPost(deps, '/admin/logout', member, {}, { csrf: false });
    expect(res.status).toBe(403);
    expect((await adminGet(deps, '/admin', member)).status).toBe(200);
  });
});

describe('first owner setup link', () => {
  it('creates the owner once and signs them in; the link then stops working', async () => {
    const deps = await createTestDeps();
    const token = (await createSetupLink(deps))!;
    const page = await createApp(deps).request(`/admin/setup/${token}`);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const post = (password: string) =>
      createApp(deps).request(`/admin/setup/${token}`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, name: 'Ada', email: 'ada@example.com', password }),
      });
    const short = await post('short');
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('must be at least 12 characters');
    const done = await post('a long enough password');
    expect(done.status).toBe(303);
    expect(done.headers.get('set-cookie')).toContain('herald_session=');
    expect((await deps.repos.accounts.findUserByEmail('ada@example.com'))?.role).toBe('owner');
    expect((await createApp(deps).request(`/admin/setup/${token}`)).status).toBe(404);
    expect(await createSetupLink(deps)).toBeNull();
  });

  it('shows only the message for a used or unknown setup link, not the create-owner form', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'owner', 'owner@example.com');
    for (const token of ['x'.repeat(43), 'used-or-never-issued']) {
      const res = await createApp(deps).request(`/admin/setup/${token}`);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain('This setup link has expired or was already used.');
      expect(html).not.toContain('<form');
      expect(html).not.toContain('name="password"');
      expect(html).not.toContain('Create account and sign in');
    }
  });
});

describe('password link', () => {
  it('shows only the message for a used or unknown link, not the password form', async () => {
    const deps = await createTestDeps();
    const res = await createApp(deps).request(`/admin/reset/${'y'.repeat(43)}`);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('This link has expired or was already used.');
    expect(html).not.toContain('<form');
    expect(html).not.toContain('name="password"');
    expect(html).not.toContain('Save password');
  });
});
