import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { HOUR, MINUTE } from '../../src/domain/calendar.js';
import { ROLES, type Role } from '../../src/domain/constants.js';
import { constantTimeEqual, sha256Hex } from '../../src/lib/crypto.js';
import { apiV1Operations } from '../../src/routes/api-v1/index.js';
import { honoPath } from '../../src/routes/api-v1/registry.js';
import { createApiToken, revokeApiToken } from '../../src/services/auth/api-tokens.js';
import { createUser } from '../../src/services/auth/accounts.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, apiCall, apiToken, signIn, TEST_PASSWORD, type TestSession } from '../support/admin.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { snapshotDatabase } from './support.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { LOWEST_ROLE, permits } from '../support/route-policy.js';

/*
 * Attacks on sign-in, sessions, CSRF, API tokens and roles. The basics
 * (cookie flags, throttling, idle expiry, sign-out, open redirects, the
 * route table's role checks) are in test/admin/auth.test.ts,
 * test/admin/route-table.test.ts and test/api-v1/auth.test.ts; these go
 * further, the way an attacker would.
 */

const FORM = 'application/x-www-form-urlencoded';

/** The sign-in form as a browser gets it: its pre-auth cookie and form token. */
async function loginForm(deps: TestDeps, cookie?: string): Promise<{ cookies: string; token: string }> {
  const res = await createApp(deps).request('/admin/login', cookie ? { headers: { Cookie: cookie } } : {});
  const set = res.headers.get('set-cookie');
  const formCookie = set ? set.split(';')[0]! : '';
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!;
  return { cookies: [cookie, formCookie].filter(Boolean).join('; '), token };
}

async function submitLogin(deps: TestDeps, email: string, cookie?: string): Promise<Response> {
  const form = await loginForm(deps, cookie);
  return createApp(deps).request('/admin/login', {
    method: 'POST',
    headers: { Cookie: form.cookies, 'Content-Type': FORM },
    body: new URLSearchParams({ _csrf: form.token, email, password: TEST_PASSWORD }),
  });
}

const sessionCookieOf = (res: Response): string | undefined =>
  /herald_session=([^;]*)/.exec(res.headers.getSetCookie().find((c) => c.startsWith('herald_session=')) ?? '')?.[1];

/** POSTs a form with whatever cookie and CSRF token the attacker has. */
function forgedPost(deps: TestDeps, path: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return createApp(deps).request(path, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': FORM, ...headers },
    body: new URLSearchParams(fields),
  });
}

describe('session fixation and forged cookies', () => {
  it('issues a new session at sign-in, whatever session cookie the browser already had', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'owner', 'victim@example.com');
    const attacker = await signIn(deps, 'viewer', 'attacker@example.com');
    for (const planted of [attacker.cookie, 'herald_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await submitLogin(deps, 'victim@example.com', planted);
      expect(res.status).toBe(303);
      const issued = sessionCookieOf(res);
      expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(`herald_session=${issued}`).not.toBe(planted);
      // The planted cookie did not become the victim's session.
      const withPlanted = await adminGet(deps, '/admin/team', { ...attacker, cookie: planted });
      expect(withPlanted.status).not.toBe(200);
      const withIssued = await adminGet(deps, '/admin/team', { ...attacker, cookie: `herald_session=${issued}` });
      expect(withIssued.status).toBe(200);
    }
  });

  it('never accepts a forged, stolen-from-the-database or misplaced value as a session', async () => {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner', 'owner@example.com');
    const token = owner.cookie.slice('herald_session='.length);
    const preAuth = (await loginForm(deps)).cookies.split('=')[1]!;
    const apiSecret = await apiToken(deps, 'owner');
    const forged = [
      'A'.repeat(43),
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      // The table stores SHA-256 of the token: a leaked row must not work as a cookie.
      await sha256Hex(token),
      owner.csrf,
      preAuth,
      apiSecret,
      `${token}x`,
      token.toLowerCase(),
      "' OR '1'='1",
      'x'.repeat(5_000),
      '',
    ];
    for (const value of forged) {
      const res = await createApp(deps).request('/admin/team', { headers: { Cookie: `herald_session=${encodeURIComponent(value)}` } });
      expect(res.status, value.slice(0, 50)).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/admin\/login/);
      const post = await forgedPost(deps, '/admin/tokens', `herald_session=${encodeURIComponent(value)}`, { _csrf: owner.csrf, name: 'x', scope: 'owner' });
      expect(post.status, value.slice(0, 50)).toBe(401);
    }
    // A session token is not an API token, and an API token is not a session.
    expect((await apiCall(deps, 'GET', '/api/v1/incidents', token)).status).toBe(401);
    expect((await createApp(deps).request('/api/v1/incidents', { headers: { Cookie: owner.cookie } })).status).toBe(401);
    expect((await createApp(deps).request(`/api/v1/incidents?token=${apiSecret}`)).status).toBe(401);
    expect((await deps.repos.accounts.listApiTokens()).filter((t) => t.name === 'x')).toEqual([]);
  });

  it('gives every sign-in its own unguessable session and CSRF token', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'comms', 'lead@example.com');
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const issued = sessionCookieOf(await submitLogin(deps, 'lead@example.com'))!;
      expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits
      tokens.add(issued);
    }
    expect(tokens.size).toBe(20);
    const sessions = await Promise.all([...tokens].map(async (t) => (await deps.repos.accounts.findSession(await sha256Hex(t), deps.clock.now()))!.session));
    expect(new Set(sessions.map((s) => s.csrfToken)).size).toBe(20);
    for (const session of sessions) expect(tokens.has(session.tokenHash)).toBe(false);
  });
});

describe('expired and ended sessions', () => {
  it('refuse a write after the session expired, even with its CSRF token, and writing nothing', async () => {
    const deps = await createTestDeps();
    const comms = await signIn(deps, 'comms');
    deps.clock.advance(12 * HOUR + MINUTE);
    const before = await snapshotDatabase(deps);
    const res = await adminPost(deps, '/admin/incidents/new', comms, { title: 'Late', severity: '2', body: 'x' });
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('Late');
    // Nothing written, and the expired session was not extended by the attempt (its row is unchanged).
    expect((await adminGet(deps, '/admin', comms)).status).toBe(303);
    expect(await snapshotDatabase(deps)).toEqual(before);
  });

  it('end when the account is disabled, and a disabled account cannot sign in', async () => {
    const deps = await createTestDeps();
    const comms = await signIn(deps, 'comms', 'gone@example.com');
    expect((await adminGet(deps, '/admin', comms)).status).toBe(200);
    await deps.db.atomic([deps.repos.accounts.updateUser(comms.userId, { disabledAt: deps.clock.now(), updatedAt: deps.clock.now() })]);
    expect((await adminGet(deps, '/admin', comms)).status).toBe(303);
    expect((await adminPost(deps, '/admin/logout', comms, {})).status).toBe(401);
    const again = await submitLogin(deps, 'gone@example.com');
    expect(again.status).toBe(400);
    expect(sessionCookieOf(again)).toBeUndefined();
  });

  it('end at sign-out on the server too: replaying the cookie, or its CSRF token, does nothing', async () => {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner');
    const res = await adminPost(deps, '/admin/logout', owner, {});
    expect(res.headers.getSetCookie().some((c) => /^herald_session=;/.test(c) && /Max-Age=0/i.test(c))).toBe(true);
    const replay = await adminPost(deps, '/admin/tokens', owner, { name: 'after logout', scope: 'owner' });
    expect(replay.status).toBe(401);
    expect(await deps.repos.accounts.listApiTokens()).toEqual([]);
  });

  it('use a password link once; a used or replaced link is worthless', async () => {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner');
    const invite = await adminPost(deps, '/admin/team', owner, { name: 'New', email: 'new@example.com', role: 'comms' });
    const path = /\/admin\/reset\/[A-Za-z0-9_-]{43}/.exec(invite.text)![0];
    const use = async () => {
      const page = await createApp(deps).request(path);
      if (page.status !== 200) return page.status;
      const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      return (await forgedPost(deps, path, cookie, { _csrf: csrf, password: 'a long enough password' })).status;
    };
    expect(await use()).toBe(303);
    expect(await use()).toBe(404);
    // A link with the form token of another browser is refused.
    const other = await loginForm(deps);
    const fresh = /\/admin\/reset\/[A-Za-z0-9_-]{43}/.exec((await adminPost(deps, `/admin/team/${(await deps.repos.accounts.findUserByEmail('new@example.com'))!.id}/reset`, owner, {})).text)![0];
    const page = await createApp(deps).request(fresh);
    const mine = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    expect(mine).not.toBe(other.token);
    expect((await forgedPost(deps, fresh, other.cookies, { _csrf: mine, password: 'another long password' })).status).toBe(403);
  });
});

describe('revoked API tokens', () => {
  it('are refused by every management API route, revoked from the admin page', async () => {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner');
    const { token, row } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'deploy', scope: 'owner' });
    const id = await makeIncident(deps);
    expect((await apiCall(deps, 'GET', '/api/v1/incidents', token)).status).toBe(200);
    expect((await adminPost(deps, `/admin/tokens/${row.id}/revoke`, owner, {})).status).toBe(303);
    const before = await snapshotDatabase(deps);
    for (const op of apiV1Operations()) {
      const path = `/api/v1${honoPath(op.path)}`.replace(/:[a-z_]+/g, id);
      const res = await apiCall(deps, op.method.toUpperCase(), path, token, op.method === 'get' || op.method === 'delete' ? undefined : {});
      expect(res.status, `${op.method} ${path}`).toBe(401);
      expect(JSON.parse(res.text).error.message).toContain('revoked');
    }
    expect(await snapshotDatabase(deps)).toEqual(before);
  });

  it('stay revoked: revoking again changes nothing, and no new token reuses the secret', async () => {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner');
    const { token, row } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'ci', scope: 'comms' });
    await revokeApiToken(deps, { kind: 'user', id: owner.userId, label: 'o', role: 'owner' }, row.id);
    await revokeApiToken(deps, { kind: 'user', id: owner.userId, label: 'o', role: 'owner' }, row.id);
    const again = await createApiToken(deps, FIXTURE_ACTOR, { name: 'ci', scope: 'comms' });
    expect(again.token).not.toBe(token);
    expect((await apiCall(deps, 'GET', '/api/v1/incidents', token)).status).toBe(401);
    expect((await apiCall(deps, 'GET', '/api/v1/incidents', again.token)).status).toBe(200);
  });
});

describe('CSRF', () => {
  async function writeRoutes(deps: TestDeps): Promise<string[]> {
    return [
      ...new Set(
        createApp(deps)
          .routes.filter((r) => r.method === 'POST' && r.path.startsWith('/admin/') && !/^\/admin\/(login|setup|reset|forgot)/.test(r.path))
          .map((r) => r.path),
      ),
    ];
  }

  it('refuses every signed-in form without a token, with another session\'s token (field or header), and writes nothing', async () => {
    const deps = await createTestDeps();
    const component = await makeComponent(deps, { name: 'API' });
    const incident = await makeIncident(deps);
    const owner = await signIn(deps, 'owner');
    const attacker = await signIn(deps, 'owner');
    const fill = (path: string) => path.replace(/\/incidents\/:id/, `/incidents/${incident}`).replace(/:[a-zA-Z]+/g, component);
    const routes = await writeRoutes(deps);
    expect(routes.length).toBeGreaterThan(20);
    const before = await snapshotDatabase(deps);
    const fields = { name: 'Pwned', email: 'eve@example.com', role: 'owner', scope: 'owner', title: 'Pwned', severity: '1', body: 'Pwned', status: 'major_outage' };
    for (const route of routes) {
      const path = fill(route);
      const attempts = [
        await forgedPost(deps, path, owner.cookie, fields),
        await forgedPost(deps, path, owner.cookie, { ...fields, _csrf: attacker.csrf }),
        await forgedPost(deps, path, owner.cookie, fields, { 'X-CSRF-Token': attacker.csrf }),
        await forgedPost(deps, path, owner.cookie, { ...fields, _csrf: '' }),
        await forgedPost(deps, path, owner.cookie, { ...fields, _csrf: owner.csrf.slice(0, -1) }),
      ];
      for (const res of attempts) expect(res.status, route).toBe(403);
      // A multipart form is read the same way.
      const multipart = new FormData();
      multipart.set('_csrf', attacker.csrf);
      for (const [key, value] of Object.entries(fields)) multipart.set(key, value);
      const mp = await createApp(deps).request(path, { method: 'POST', headers: { Cookie: owner.cookie }, body: multipart });
      expect(mp.status, `${route} multipart`).toBe(403);
    }
    expect(await snapshotDatabase(deps)).toEqual(before);
    // With the session's own token the same forms get through the check (a 403 there would mean the test proves nothing).
    for (const route of routes.filter((r) => r !== '/admin/logout')) {
      const res = await adminPost(deps, fill(route), owner, {});
      expect(res.status, route).not.toBe(403);
    }
  });

  it('changes nothing on any GET', async () => {
    const deps = await createTestDeps();
    const component = await makeComponent(deps, { name: 'API' });
    const incident = await makeIncident(deps);
    const owner = await signIn(deps, 'owner');
    await adminGet(deps, '/admin', owner);
    const before = await snapshotDatabase(deps);
    const gets = createApp(deps).routes.filter((r) => r.method === 'GET' && r.path.startsWith('/admin'));
    for (const route of gets) {
      const path = route.path.replace(/\/incidents\/:id/, `/incidents/${incident}`).replace(/:[a-zA-Z]+/g, component);
      await adminGet(deps, path, owner);
    }
    const after = await snapshotDatabase(deps);
    // Visiting the login page while signed in hands out a form cookie, nothing in the database.
    expect(after).toEqual(before);
  });

  it('refuses the sign-in form with the form token of another browser', async () => {
    const deps = await createTestDeps();
    await signIn(deps, 'owner', 'owner@example.com');
    const mine = await loginForm(deps);
    const theirs = await loginForm(deps);
    expect(mine.token).not.toBe(theirs.token);
    const res = await forgedPost(deps, '/admin/login', mine.cookies, { _csrf: theirs.token, email: 'owner@example.com', password: TEST_PASSWORD });
    expect(res.status).toBe(403);
    expect(sessionCookieOf(res)).toBeUndefined();
    // The pre-auth cookie cannot be read by scripts, is not sent cross-site and only to /admin.
    const set = (await createApp(deps).request('/admin/login')).headers.get('set-cookie')!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\/admin/i);
  });
});

describe('privilege escalation', () => {
  async function team() {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner', 'owner@example.com');
    const members: Record<Exclude<Role, 'owner'>, TestSession> = {
      viewer: await signIn(deps, 'viewer', 'viewer@example.com'),
      comms: await signIn(deps, 'comms', 'comms@example.com'),
      admin: await signIn(deps, 'admin', 'admin@example.com'),
    };
    return { deps, owner, members };
  }

  it('no member below owner can make themselves (or a friend) owner through any team, token or setup route', async () => {
    const { deps, owner, members } = await team();
    const before = await snapshotDatabase(deps);
    for (const [role, member] of Object.entries(members)) {
      const attempts: [string, Record<string, string>][] = [
        [`/admin/team/${member.userId}/role`, { role: 'owner' }],
        [`/admin/team/${owner.userId}/role`, { role: 'viewer' }],
        ['/admin/team', { name: 'Friend', email: 'friend@example.com', role: 'owner' }],
        [`/admin/team/${owner.userId}/reset`, {}],
        [`/admin/team/${owner.userId}/remove`, {}],
        ['/admin/tokens', { name: 'mine', scope: 'owner' }],
        // Extra fields on forms they may use do nothing.
        ['/admin/settings', { name: 'x', url: '', timeZone: 'UTC', logoUrl: '', accentColor: '#2563eb', role: 'owner' }],
      ];
      for (const [path, fields] of attempts) {
        const res = await adminPost(deps, path, member, fields);
        if (path === '/admin/settings' && role === 'admin') continue;
        expect(res.status, `${role} ${path}`).toBe(403);
        expect(res.text, `${role} ${path}`).not.toMatch(/\/admin\/reset\/[A-Za-z0-9_-]{43}|hrld_/);
      }
      // The setup link only exists while there is no account at all.
      const setup = await forgedPost(deps, '/admin/setup/anything', member.cookie, { _csrf: member.csrf, name: 'x', email: 'x@example.com', password: 'a long enough password' });
      expect([403, 404], `${role} setup`).toContain(setup.status);
    }
    const after = await snapshotDatabase(deps);
    // Only the admin's own settings save may have changed the page name and audit log; roles never.
    expect(after.users).toEqual(before.users);
    expect(after.api_tokens).toEqual(before.api_tokens);
    expect(after.one_time_tokens).toEqual(before.one_time_tokens);
    const owners = (dump: Record<string, unknown[]>) => (dump.sessions ?? []).map((s) => (s as { user_id: string }).user_id);
    expect(owners(after)).toEqual(owners(before));
  });

  it('the management API has no way to change people, roles or tokens', async () => {
    const deps = await createTestDeps();
    const token = await apiToken(deps, 'owner');
    // Incident roles (who runs an incident: names on the incident, issue 15) grant nothing; they are not account roles.
    const INCIDENT_ROLES_PATH = '/incidents/{id}/roles';
    for (const op of apiV1Operations()) {
      if (op.path !== INCIDENT_ROLES_PATH) expect(op.path, op.operationId).not.toMatch(/user|team|member|role|token|session|password/i);
    }
    // And they cannot change an account: a role given to a member leaves their account role as it was.
    const member = (await createUser(deps, FIXTURE_ACTOR, { email: 'ic@example.com', name: 'IC', role: 'viewer' })).user;
    const incident = await makeIncident(deps);
    expect((await apiCall(deps, 'PUT', `/api/v1/incidents/${incident}/roles`, token, { incident_commander: { user_id: member.id, role: 'owner' } })).status).toBe(400);
    expect((await apiCall(deps, 'PUT', `/api/v1/incidents/${incident}/roles`, token, { incident_commander: { user_id: member.id } })).status).toBe(200);
    expect((await deps.repos.accounts.findUserById(member.id))!.role).toBe('viewer');
    for (const [method, path] of [['GET', '/api/v1/users'], ['POST', '/api/v1/users'], ['POST', '/api/v1/tokens'], ['PATCH', '/api/v1/team/x'], ['POST', '/api/v1/roles']]) {
      expect((await apiCall(deps, method!, path!, token, method === 'GET' ? undefined : { role: 'owner' })).status, `${method} ${path}`).toBe(404);
    }
    // Unknown fields are refused, not ignored: no smuggling a role into settings.
    const res = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { name: 'Acme', role: 'owner', scope: 'owner' });
    expect(res.status).toBe(400);
    expect(Object.keys(JSON.parse(res.text).error.fields)).toEqual(['role', 'scope']);
  });

  it('every management API operation refuses every token scope below its permission, before reading the body', async () => {
    const deps = await createTestDeps();
    const incident = await makeIncident(deps);
    const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await apiToken(deps, role)] as const))) as Record<Role, string>;
    const before = await snapshotDatabase(deps);
    let refused = 0;
    for (const op of apiV1Operations()) {
      const route = `/api/v1${honoPath(op.path)}`;
      const path = route.replace(/:[a-z_]+/g, incident);
      // The lowest role comes from the hand-written policy, not from the registry under test.
      const lowest = LOWEST_ROLE[`${op.method.toUpperCase()} ${route}`];
      expect(lowest, `${op.method} ${route} is missing from test/support/route-policy.ts`).toBeDefined();
      for (const role of ROLES) {
        if (permits(lowest!, role)) continue;
        // A body that would pass validation if it were read: the refusal must come first.
        const res = await apiCall(deps, op.method.toUpperCase(), path, tokens[role], op.method === 'get' || op.method === 'delete' ? undefined : { name: 'x' });
        expect(res.status, `${role} ${op.method} ${path} (lowest: ${lowest})`).toBe(403);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(20);
    // Token last-used times aside, nothing changed.
    const after = await snapshotDatabase(deps);
    expect({ ...after, api_tokens: [] }).toEqual({ ...before, api_tokens: [] });
  });

  it('the role is read from the database on every request, never from the request', async () => {
    const deps = await createTestDeps();
    const comms = await signIn(deps, 'comms');
    const attempts: Record<string, string>[] = [{ 'X-Role': 'owner' }, { Cookie: `${comms.cookie}; herald_role=owner` }];
    for (const headers of attempts) {
      const res = await createApp(deps).request('/admin/team', { headers: { Cookie: comms.cookie, ...headers } });
      expect(res.status).toBe(403);
    }
  });
});

describe('comparisons of secrets', () => {
  const read = (path: string) => readFileSync(path, 'utf8');

  it('constantTimeEqual compares by value, whatever the lengths and characters', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'ab')).toBe(false);
    expect(constantTimeEqual('ab', 'abc')).toBe(false);
    expect(constantTimeEqual('abc', '')).toBe(false);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
    expect(constantTimeEqual('🔑', '🔑')).toBe(true);
    // No early exit: the loop runs over the longer input and folds every difference together.
    const source = read('src/lib/crypto.ts');
    const body = /export function constantTimeEqual[\s\S]*?\n}/.exec(source)![0];
    expect(body).not.toMatch(/return (false|true)/);
    expect(body).toMatch(/Math\.max\(left\.length, right\.length\)/);
  });

  it('uses constantTimeEqual wherever a secret is compared to what the request sent', () => {
    // The CSRF token of a session, the pre-auth form token, and a password hash.
    expect(read('src/routes/admin/context.ts')).toMatch(/constantTimeEqual\(sent, found\.session\.csrfToken\)/);
    expect(read('src/routes/admin/auth-routes.ts')).toMatch(/constantTimeEqual\(cookie, form\._csrf\)/);
    expect(read('src/lib/crypto.ts')).toMatch(/return constantTimeEqual\(toBase64Url\(hash\), hashText\)/);
    // Session cookies, API tokens and one-time links are never compared: their SHA-256 is looked up,
    // so the time a lookup takes says nothing about the stored secrets.
    expect(read('src/services/auth/sessions.ts')).toMatch(/findSession\(await sha256Hex\(token\)/);
    expect(read('src/services/auth/api-tokens.ts')).toMatch(/findApiToken\(await sha256Hex\(match\[1\]!\)\)/);
    expect(read('src/services/auth/accounts.ts')).toMatch(/findOneTime\(await sha256Hex\(token\), 'setup'/);
    expect(read('src/services/auth/accounts.ts')).toMatch(/findOneTime\(await sha256Hex\(token\), 'password_reset'/);
    // Unknown accounts cost a full password check too (no timing oracle for which emails exist).
    expect(read('src/services/auth/sessions.ts')).toMatch(/verifyPassword\(input\.password, user\?\.passwordHash \?\? UNKNOWN_USER_HASH\)/);
  });

  it('compares no secret with == or === anywhere in the source', () => {
    const files = ['src/routes/admin/context.ts', 'src/routes/admin/auth-routes.ts', 'src/lib/crypto.ts', 'src/services/auth/sessions.ts', 'src/services/auth/api-tokens.ts', 'src/services/auth/accounts.ts', 'src/routes/api-v1/registry.ts', 'src/routes/admin/team.ts', 'src/routes/admin/tokens.ts'];
    const secret = /csrf|password|secret|tokenhash|hashtext|\btoken\b|cookie/i;
    let comparisons = 0;
    for (const file of files) {
      for (const match of read(file).matchAll(/([\w.$[\]'"!?]+)\s*(===|!==|==|!=)\s*([\w.$[\]'"]+)/g)) {
        const before = read(file).slice(Math.max(0, match.index! - 7), match.index!);
        if (before.endsWith('typeof ')) continue;
        const [, left, , right] = match;
        comparisons++;
        const comparesSecret = secret.test(left!) || secret.test(right!);
        // Comparing with a fixed value (undefined, '', a status) is not comparing secrets.
        const withLiteral = /^(undefined|null|''|""|\d+|'[^']*'|"[^"]*")$/.test(right!) || /^(undefined|null|''|""|\d+)$/.test(left!);
        expect(comparesSecret && !withLiteral, `${file}: ${match[0]}`).toBe(false);
      }
    }
    expect(comparisons).toBeGreaterThan(10);
  });
});
