import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { HOUR } from '../../src/domain/calendar.js';
import { UnauthorizedError } from '../../src/lib/errors.js';
import { authenticateBearer, createApiToken } from '../../src/services/auth/api-tokens.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { textOf } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { systemActor } from '../../src/services/auth/actor.js';

async function setup(): Promise<{ deps: TestDeps; owner: TestSession }> {
  const deps = await createTestDeps();
  const owner = await signIn(deps, 'owner', 'ada@example.com');
  return { deps, owner };
}

const secretIn = (html: string): string => /(hrld_[A-Za-z0-9_-]{43})/.exec(html)![1]!;

describe('API tokens page access', () => {
  it('refuses admin, comms and viewer with 403 and no data', async () => {
    const { deps } = await setup();
    const { row } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'deploy-bot', scope: 'comms' });
    for (const role of ['admin', 'comms', 'viewer'] as const) {
      const member = await signIn(deps, role);
      const page = await adminGet(deps, '/admin/tokens', member);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain('deploy-bot');
      const create = await adminPost(deps, '/admin/tokens', member, { name: 'sneaky', scope: 'owner' });
      expect(create.status).toBe(403);
      expect(create.text).not.toContain('hrld_');
      expect((await adminGet(deps, `/admin/tokens/${row.id}/revoke`, member)).status).toBe(403);
      expect((await adminPost(deps, `/admin/tokens/${row.id}/revoke`, member, {})).status).toBe(403);
    }
    const tokens = await deps.repos.accounts.listApiTokens();
    expect(tokens.map((t) => t.name)).toEqual(['deploy-bot']);
    expect(tokens[0]!.revokedAt).toBeNull();
  });

  it('sends anonymous GETs to sign-in and refuses anonymous POSTs with 401', async () => {
    const { deps } = await setup();
    const page = await createApp(deps).request('/admin/tokens');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Ftokens');
    const post = await createApp(deps).request('/admin/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'x', scope: 'owner' }),
    });
    expect(post.status).toBe(401);
    expect(await deps.repos.accounts.listApiTokens()).toEqual([]);
  });

  it('refuses forms without the CSRF token', async () => {
    const { deps, owner } = await setup();
    const { row } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'deploy-bot', scope: 'comms' });
    expect((await adminPost(deps, '/admin/tokens', owner, { name: 'x', scope: 'owner' }, { csrf: false })).status).toBe(403);
    expect((await adminPost(deps, `/admin/tokens/${row.id}/revoke`, owner, {}, { csrf: false })).status).toBe(403);
    const tokens = await deps.repos.accounts.listApiTokens();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.revokedAt).toBeNull();
  });
});

describe('creating and revoking tokens', () => {
  it('shows the secret once; it works until revoked after confirmation', async () => {
    const { deps, owner } = await setup();
    const res = await adminPost(deps, '/admin/tokens', owner, { name: 'deploy-bot', scope: 'comms' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const secret = secretIn(res.text);
    const text = textOf(res.text);
    expect(text).toContain('acts with the Comms role');
    expect(text).toContain('this is the only time it is shown');

    const actor = await authenticateBearer(deps, `Bearer ${secret}`);
    expect(actor).toMatchObject({ kind: 'token', role: 'comms', label: 'token: deploy-bot' });

    deps.clock.advance(HOUR);
    const list = await adminGet(deps, '/admin/tokens', owner);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(secret);
    const listed = textOf(list.text);
    expect(listed).toContain('deploy-bot');
    expect(listed).toContain('Scope: Comms');
    expect(listed).toContain('Created 23 Nov 2026, 12:00 UTC by Test owner &lt;ada@example.com&gt;');
    expect(listed).toContain('Last used: 23 Nov 2026, 12:00 UTC');

    const [row] = await deps.repos.accounts.listApiTokens();
    const confirm = await adminGet(deps, `/admin/tokens/${row!.id}/revoke`, owner);
    expect(confirm.status).toBe(200);
    expect(textOf(confirm.text)).toContain('Revoke deploy-bot?');
    expect(await authenticateBearer(deps, `Bearer ${secret}`)).toBeTruthy();

    const revoke = await adminPost(deps, `/admin/tokens/${row!.id}/revoke`, owner, {});
    expect(revoke.status).toBe(303);
    expect(revoke.headers.get('location')).toBe('/admin/tokens?done=revoked');
    await expect(authenticateBearer(deps, `Bearer ${secret}`)).rejects.toBeInstanceOf(UnauthorizedError);

    const after = textOf((await adminGet(deps, '/admin/tokens?done=revoked', owner)).text);
    expect(after).toContain('Token revoked.');
    expect(after).toContain('Revoked 23 Nov 2026, 13:00 UTC');
    expect(after).not.toContain('Revoke…');
    // Revoking again is harmless.
    expect((await adminPost(deps, `/admin/tokens/${row!.id}/revoke`, owner, {})).status).toBe(303);
  });

  it('lists never-used tokens and tokens created on the command line', async () => {
    const { deps, owner } = await setup();
    await createApiToken(deps, systemActor('command line'), { name: 'ci', scope: 'viewer' });
    const text = textOf((await adminGet(deps, '/admin/tokens', owner)).text);
    expect(text).toContain('by system: command line');
    expect(text).toContain('Last used: never');
  });

  it('re-renders the form with errors and the input kept', async () => {
    const { deps, owner } = await setup();
    const res = await adminPost(deps, '/admin/tokens', owner, { name: '<i>bot</i>', scope: 'superuser' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="&lt;i&gt;bot&lt;/i&gt;"');
    expect(res.text).not.toContain('<i>bot</i>');
    expect(textOf(res.text)).toContain('Choose a scope.');
    expect(res.text).not.toMatch(/hrld_[A-Za-z0-9_-]{43}/);
    const blank = await adminPost(deps, '/admin/tokens', owner, { name: '  ', scope: 'viewer' });
    expect(blank.status).toBe(400);
    expect(textOf(blank.text)).toContain('Name is required');
    expect(blank.text).toMatch(/value="viewer" required checked/);
    expect(await deps.repos.accounts.listApiTokens()).toEqual([]);
  });

  it('answers 404 for tokens that do not exist', async () => {
    const { deps, owner } = await setup();
    expect((await adminGet(deps, '/admin/tokens/nosuchtoken/revoke', owner)).status).toBe(404);
    expect((await adminPost(deps, '/admin/tokens/nosuchtoken/revoke', owner, {})).status).toBe(404);
  });
});
