import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { DAY, HOUR } from '../../src/domain/calendar.js';
import { login } from '../../src/services/auth/sessions.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, passwordLinkIn, signIn, TEST_PASSWORD, usePasswordLink, type TestSession } from '../support/admin.js';
import { textOf } from '../support/http.js';

async function setup(): Promise<{ deps: TestDeps; owner: TestSession }> {
  const deps = await createTestDeps();
  const owner = await signIn(deps, 'owner', 'ada@example.com');
  return { deps, owner };
}



describe('team page access', () => {
  it('lists members with role and date for owners', async () => {
    const { deps } = await setup();
    deps.clock.advance(2 * DAY);
    await signIn(deps, 'comms', 'lead@example.com');
    // A fresh session for Ada (the first one idled out over the two days).
    const { token } = await login(deps, { email: 'ada@example.com', password: TEST_PASSWORD }, '192.0.2.30');
    const res = await adminGet(deps, '/admin/team', { userId: '', email: 'ada@example.com', cookie: `herald_session=${token}`, csrf: '' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = textOf(res.text);
    expect(text).toContain('ada@example.com');
    expect(text).toContain('lead@example.com');
    expect(text).toContain('Added 23 Nov 2026');
    expect(text).toContain('Added 25 Nov 2026');
    expect(text).toContain('Test owner (you)');
    expect(text).toContain('Read-only: sees the admin pages, changes nothing.');
    expect(res.text).toContain('href="/admin/tokens"');
  });

  it('refuses admin, comms and viewer with 403 and no data', async () => {
    const { deps } = await setup();
    for (const role of ['admin', 'comms', 'viewer'] as const) {
      const member = await signIn(deps, role);
      const page = await adminGet(deps, '/admin/team', member);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('ada@example.com');
      const add = await adminPost(deps, '/admin/team', member, { name: 'Eve', email: 'eve@example.com', role: 'owner' });
      expect(add.status).toBe(403);
      expect(add.text).not.toContain('/admin/reset/');
      const other = (await deps.repos.accounts.findUserByEmail('ada@example.com'))!;
      expect((await adminPost(deps, `/admin/team/${other.id}/role`, member, { role: 'viewer' })).status).toBe(403);
      expect((await adminPost(deps, `/admin/team/${other.id}/reset`, member, {})).status).toBe(403);
      expect((await adminGet(deps, `/admin/team/${other.id}/remove`, member)).status).toBe(403);
      expect((await adminPost(deps, `/admin/team/${other.id}/remove`, member, {})).status).toBe(403);
    }
    expect(await deps.repos.accounts.findUserByEmail('eve@example.com')).toBeUndefined();
    expect((await deps.repos.accounts.findUserByEmail('ada@example.com'))!.role).toBe('owner');
  });

  it('sends anonymous GETs to sign-in and refuses anonymous POSTs with 401', async () => {
    const { deps } = await setup();
    const page = await createApp(deps).request('/admin/team');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fteam');
    const post = await createApp(deps).request('/admin/team', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Eve', email: 'eve@example.com', role: 'owner' }),
    });
    expect(post.status).toBe(401);
    expect(await deps.repos.accounts.findUserByEmail('eve@example.com')).toBeUndefined();
  });

  it('refuses forms without the CSRF token', async () => {
    const { deps, owner } = await setup();
    const lead = await signIn(deps, 'comms', 'lead@example.com');
    const add = await adminPost(deps, '/admin/team', owner, { name: 'Eve', email: 'eve@example.com', role: 'owner' }, { csrf: false });
    expect(add.status).toBe(403);
    expect(await deps.repos.accounts.findUserByEmail('eve@example.com')).toBeUndefined();
    expect((await adminPost(deps, `/admin/team/${lead.userId}/role`, owner, { role: 'owner' }, { csrf: false })).status).toBe(403);
    expect((await adminPost(deps, `/admin/team/${lead.userId}/remove`, owner, {}, { csrf: false })).status).toBe(403);
    expect((await adminPost(deps, `/admin/team/${lead.userId}/reset`, owner, {}, { csrf: false })).status).toBe(403);
    expect((await deps.repos.accounts.findUserByEmail('lead@example.com'))!.role).toBe('comms');
  });
});

describe('adding a member', () => {
  it('shows the one-time link once; the new member chooses a password with it and signs in', async () => {
    const { deps, owner } = await setup();
    const res = await adminPost(deps, '/admin/team', owner, { name: 'Grace Hopper', email: 'Grace@Example.com', role: 'comms' });
    expect(res.status).toBe(200);
    const text = textOf(res.text);
    expect(text).toContain('Grace Hopper (grace@example.com) is now on the team as Comms');
    expect(text).toContain('send this link to them');
    expect(text).toContain('only time the link is shown');
    expect(text).toContain('24 Nov 2026, 12:00 UTC');
    const link = passwordLinkIn(res.text);

    // Never shown again: not on the team page, and only its hash is stored.
    const team = await adminGet(deps, '/admin/team', owner);
    expect(team.text).toContain('grace@example.com');
    expect(team.text).not.toContain(link.split('/').pop()!);

    const set = await usePasswordLink(deps, link, 'a brand new passphrase');
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe('/admin/login?notice=password-set');
    const session = await login(deps, { email: 'grace@example.com', password: 'a brand new passphrase' }, '192.0.2.20');
    expect(session.user.role).toBe('comms');
    // The link works once.
    expect((await createApp(deps).request(new URL(link).pathname)).status).toBe(404);
  });

  it('without email, says the link is to be handed over and offers no "Email the link"', async () => {
    const { deps, owner } = await setup();
    const off = Object.assign(deps, { mail: null });
    const page = await adminGet(off, '/admin/team', owner);
    expect(textOf(page.text)).toContain('This page cannot send email: you get a one-time link to send them');
    expect(page.text).not.toContain('send_email');
    const res = await adminPost(off, '/admin/team', owner, { name: 'Grace', email: 'grace@example.com', role: 'viewer', send_email: '1' });
    expect(textOf(res.text)).toContain('No email was sent, so send this link to them yourself');
  });

  it('links live 24 hours', async () => {
    const { deps, owner } = await setup();
    const link = passwordLinkIn((await adminPost(deps, '/admin/team', owner, { name: 'Grace', email: 'grace@example.com', role: 'viewer' })).text);
    deps.clock.advance(24 * HOUR + 1);
    expect((await createApp(deps).request(new URL(link).pathname)).status).toBe(404);
  });

  it('re-renders the form with the errors and the input kept', async () => {
    const { deps, owner } = await setup();
    const res = await adminPost(deps, '/admin/team', owner, { name: 'Grace <b>Hopper</b>', email: 'not-an-email', role: 'admiral' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="Grace &lt;b&gt;Hopper&lt;/b&gt;"');
    expect(res.text).not.toContain('<b>Hopper</b>');
    expect(res.text).toContain('value="not-an-email"');
    expect(textOf(res.text)).toContain('Email must be an email address');
    expect(textOf(res.text)).toContain('Choose a role.');
    expect(res.text).not.toContain('/admin/reset/');

    // "Email the link" comes back as it was sent (unticked here).
    expect(res.text).toContain('<input type="checkbox" name="send_email" value="1">');

    const taken = await adminPost(deps, '/admin/team', owner, { name: 'Ada again', email: 'ada@example.com', role: 'viewer' });
    expect(taken.status).toBe(409);
    expect(textOf(taken.text)).toContain('There is already an account for ada@example.com.');
    expect(taken.text).toContain('value="Ada again"');
    expect(taken.text).toMatch(/value="viewer" required checked/);
  });
});

describe('managing members', () => {
  it('changes a role, and the new role applies at once', async () => {
    const { deps, owner } = await setup();
    const lead = await signIn(deps, 'comms', 'lead@example.com');
    expect((await adminGet(deps, '/admin/team', lead)).status).toBe(403);
    const res = await adminPost(deps, `/admin/team/${lead.userId}/role`, owner, { role: 'owner' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/team?done=role');
    expect(textOf((await adminGet(deps, '/admin/team?done=role', owner)).text)).toContain('Role changed.');
    expect((await adminGet(deps, '/admin/team', lead)).status).toBe(200);
  });

  it('never demotes or removes the last owner, and says why', async () => {
    const { deps, owner } = await setup();
    const demote = await adminPost(deps, `/admin/team/${owner.userId}/role`, owner, { role: 'admin' });
    expect(demote.status).toBe(400);
    expect(textOf(demote.text)).toContain('This is the last owner; make someone else owner first.');
    const confirm = await adminGet(deps, `/admin/team/${owner.userId}/remove`, owner);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.text)).toContain('This is your own account');
    const remove = await adminPost(deps, `/admin/team/${owner.userId}/remove`, owner, {});
    expect(remove.status).toBe(400);
    expect(textOf(remove.text)).toContain('This is the last owner; make someone else owner first.');
    expect((await deps.repos.accounts.findUserById(owner.userId))!.role).toBe('owner');

    // With a second owner, the first may step down.
    const second = await signIn(deps, 'owner', 'grace@example.com');
    const stepDown = await adminPost(deps, `/admin/team/${owner.userId}/role`, owner, { role: 'admin' });
    expect(stepDown.status).toBe(303);
    expect(stepDown.headers.get('location')).toBe('/admin');
    expect((await adminGet(deps, '/admin/team', owner)).status).toBe(403);
    expect((await adminPost(deps, `/admin/team/${second.userId}/role`, second, { role: 'viewer' })).status).toBe(400);
  });

  it('creates a password link for a member; their sessions end and the link works', async () => {
    const { deps, owner } = await setup();
    const lead = await signIn(deps, 'comms', 'lead@example.com');
    const res = await adminPost(deps, `/admin/team/${lead.userId}/reset`, owner, {});
    expect(res.status).toBe(200);
    expect(textOf(res.text)).toContain('A new password link for Test comms (lead@example.com). Their current sessions have ended.');
    const link = passwordLinkIn(res.text);
    expect((await adminGet(deps, '/admin', lead)).status).toBe(303);
    const page = await createApp(deps).request(new URL(link).pathname);
    expect(textOf(await page.text())).toContain('Choose a password for lead@example.com.');
    expect((await usePasswordLink(deps, link, 'another long passphrase')).status).toBe(303);
    await expect(login(deps, { email: 'lead@example.com', password: 'another long passphrase' }, '192.0.2.21')).resolves.toBeTruthy();
  });

  it('removes a member after confirmation; their session ends', async () => {
    const { deps, owner } = await setup();
    const lead = await signIn(deps, 'comms', 'lead@example.com');
    const confirm = await adminGet(deps, `/admin/team/${lead.userId}/remove`, owner);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.text)).toContain('Remove Test comms?');
    expect(confirm.text).toContain(`action="/admin/team/${lead.userId}/remove"`);
    expect(await deps.repos.accounts.findUserById(lead.userId)).toBeDefined();
    const res = await adminPost(deps, `/admin/team/${lead.userId}/remove`, owner, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/team?done=removed');
    expect(await deps.repos.accounts.findUserById(lead.userId)).toBeUndefined();
    expect((await adminGet(deps, '/admin', lead)).status).toBe(303);
    expect((await adminGet(deps, '/admin/team', owner)).text).not.toContain('lead@example.com');
  });

  it('answers 404 for members that do not exist', async () => {
    const { deps, owner } = await setup();
    expect((await adminGet(deps, '/admin/team/nosuchmember/remove', owner)).status).toBe(404);
    expect((await adminPost(deps, '/admin/team/nosuchmember/role', owner, { role: 'viewer' })).status).toBe(404);
    expect((await adminPost(deps, '/admin/team/nosuchmember/reset', owner, {})).status).toBe(404);
  });
});
