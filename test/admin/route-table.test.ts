import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { DAY } from '../../src/domain/calendar.js';
import type { Role } from '../../src/domain/constants.js';
import { createUser } from '../../src/services/auth/accounts.js';
import { createApiToken } from '../../src/services/auth/api-tokens.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { apiCall, apiToken, signIn, type TestResponse, type TestSession } from '../support/admin.js';
import { makeComponent, makeGroup, makeIncident, makeMaintenance } from '../support/factories.js';
import { addSubscribers } from '../mail/support.js';
import { LOWEST_ROLE, ROUTE_POLICY_ROLES, permits, type Who } from '../support/route-policy.js';

/**
 * Walks Hono's route table against the hand-written policy in
 * test/support/route-policy.ts: every route under /admin and /api/v1 is
 * classified there, and is probed anonymously and as every role (a session
 * for /admin, a token of that scope for /api/v1). Below its lowest role it
 * must refuse and leak nothing; at and above it, it must not refuse.
 */

const SECRET_TITLE = 'Secret internal incident title';
const SECRET_COMPONENT = 'Hidden billing backend';
const SECRET_SUBSCRIBER = 'secret-subscriber@example.com';
/** The double-submit form token of the pre-sign-in forms: the `herald_form` cookie must equal the `_csrf` field. */
const FORM_TOKEN = 'route-walk-form-token';

interface Fixture {
  deps: TestDeps;
  routes: string[];
  ids: Record<string, string>;
}

async function fixture(): Promise<Fixture> {
  const deps = await createTestDeps();
  const group = await makeGroup(deps, 'Internal group');
  const component = await makeComponent(deps, { name: SECRET_COMPONENT, hidden: true, groupId: group });
  const [subscriber] = await addSubscribers(deps, [SECRET_SUBSCRIBER]);
  const incident = await makeIncident(deps, { title: SECRET_TITLE, notify: true, components: [{ componentId: component, status: 'major_outage' }] });
  const update = (await deps.repos.incidents.findById(incident))!.updates[0]!.id;
  const maintenance = await makeMaintenance(deps, { title: SECRET_TITLE, scheduledFor: deps.clock.now() + DAY, scheduledUntil: deps.clock.now() + 2 * DAY, componentIds: [component] });
  const template = (await deps.repos.templates.list())[0]!.id;
  const { user } = await createUser(deps, FIXTURE_ACTOR, { email: 'member@example.com', name: 'Member', role: 'viewer' });
  const { row: token } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'fixture-bot', scope: 'viewer' });
  const seen = new Set<string>();
  for (const r of createApp(deps).routes) {
    if (r.method !== 'ALL' && (r.path.startsWith('/admin') || r.path.startsWith('/api/v1'))) seen.add(`${r.method} ${r.path}`);
  }
  return { deps, routes: [...seen], ids: { group, component, subscriber: subscriber!, incident, maintenance, update, template, member: user.id, token: token.id } };
}

/** Fills :params with the ids of real rows of the right kind, so a leak would show real data. */
function concrete(path: string, ids: Record<string, string>): string {
  return path.replace(/\/([a-z-]+)\/:([a-zA-Z_]+)/g, (_, area: string, name: string) => {
    const id = /update/i.test(name)
      ? ids.update
      : /token/.test(name)
        ? 'a'.repeat(43)
        : ({ subscribers: ids.subscriber, components: ids.component, groups: ids.group, 'component-groups': ids.group, templates: ids.template, team: ids.member, tokens: ids.token, incidents: ids.incident, maintenance: ids.maintenance } as Record<string, string | undefined>)[area];
    return `/${area}/${id ?? 'aaaaaaaaaaaa'}`;
  });
}

/** One request to `key` as `who`: a session for /admin (with a fresh one for sign-out), a token for /api/v1. */
async function probe(f: Fixture, key: string, who: Who, sessions: Record<Role, TestSession>, tokens: Record<Role, string>): Promise<TestResponse> {
  const [method, pattern] = key.split(' ') as [string, string];
  const path = concrete(pattern, f.ids);
  if (pattern.startsWith('/api/v1')) {
    return apiCall(f.deps, method, path, who === 'anonymous' ? null : tokens[who], method === 'GET' || method === 'DELETE' ? undefined : {});
  }
  const session = who === 'anonymous' ? null : key === 'POST /admin/logout' ? await signIn(f.deps, who) : sessions[who];
  const csrf = session?.csrf ?? FORM_TOKEN;
  // The pre-sign-in forms' double-submit cookie carries the same value as the session's CSRF token, so one `_csrf` passes both checks.
  const cookie = [session?.cookie, `herald_form=${csrf}`].filter(Boolean).join('; ');
  const init: RequestInit =
    method === 'GET'
      ? { headers: { Cookie: cookie } }
      : { method, headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf }) };
  const res = await createApp(f.deps).request(path, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function everyone(deps: TestDeps): Promise<{ sessions: Record<Role, TestSession>; tokens: Record<Role, string> }> {
  const sessions = {} as Record<Role, TestSession>;
  const tokens = {} as Record<Role, string>;
  for (const role of ROUTE_POLICY_ROLES) {
    sessions[role] = await signIn(deps, role);
    tokens[role] = await apiToken(deps, role);
  }
  return { sessions, tokens };
}

describe('the route table against the hand-written policy', () => {
  it('classifies every route under /admin and /api/v1, and names no route that is gone', async () => {
    const { routes } = await fixture();
    const classified = Object.keys(LOWEST_ROLE);
    expect(routes.filter((key) => !(key in LOWEST_ROLE)), 'routes missing from test/support/route-policy.ts').toEqual([]);
    expect(classified.filter((key) => !routes.includes(key)), 'routes in test/support/route-policy.ts that no longer exist').toEqual([]);
    expect(routes.length).toBeGreaterThan(100);
  });

  it('refuses every route to everyone below its lowest role, leaking nothing', async () => {
    const f = await fixture();
    const { sessions, tokens } = await everyone(f.deps);
    let refusals = 0;
    for (const key of f.routes) {
      const lowest = LOWEST_ROLE[key];
      if (!lowest) continue; // reported by the classification test
      for (const who of ['anonymous', ...ROUTE_POLICY_ROLES] as const) {
        if (permits(lowest, who)) continue;
        // Soft assertions: one run lists every route that breaks the policy, not only the first.
        const res = await probe(f, key, who, sessions, tokens);
        const label = `${who} ${key} (lowest: ${lowest})`;
        if (who === 'anonymous' && key.startsWith('GET /admin')) {
          expect.soft(res.status, label).toBe(303);
          expect.soft(res.headers.get('location'), label).toMatch(/^\/admin\/login\?next=/);
        } else {
          expect.soft(res.status, label).toBe(who === 'anonymous' ? 401 : 403);
        }
        expect.soft(res.text, label).not.toContain(SECRET_TITLE);
        expect.soft(res.text, label).not.toContain(SECRET_COMPONENT);
        expect.soft(res.text, label).not.toContain(SECRET_SUBSCRIBER);
        expect.soft(res.headers.get('content-disposition'), label).toBeNull();
        refusals++;
      }
    }
    expect(refusals).toBeGreaterThan(200);
  });

  it('lets every route through for its lowest role and everyone above it', async () => {
    const f = await fixture();
    const { sessions, tokens } = await everyone(f.deps);
    for (const key of f.routes) {
      const lowest = LOWEST_ROLE[key];
      if (!lowest) continue;
      for (const who of ['anonymous', ...ROUTE_POLICY_ROLES] as const) {
        if (!permits(lowest, who)) continue;
        const res = await probe(f, key, who, sessions, tokens);
        const label = `${who} ${key} (lowest: ${lowest}): ${res.status} ${res.text.slice(0, 200)}`;
        expect.soft([401, 403], label).not.toContain(res.status);
        expect.soft(res.status, label).toBeLessThan(500);
        if (who !== 'anonymous') expect.soft(res.headers.get('location') ?? '', label).not.toMatch(/^\/admin\/login\?next=/);
      }
    }
  });

  it('shows the private data to the roles allowed to see it, so the leak checks above have something to find', async () => {
    const f = await fixture();
    const { sessions, tokens } = await everyone(f.deps);
    const page = (key: string, who: Who) => probe(f, key, who, sessions, tokens);
    expect((await page('GET /admin/incidents/:id', 'viewer')).text).toContain(SECRET_TITLE);
    expect((await page('GET /admin/components', 'viewer')).text).toContain(SECRET_COMPONENT);
    expect((await page('GET /admin/subscribers', 'comms')).text).toContain(SECRET_SUBSCRIBER);
    expect((await page('GET /api/v1/subscribers', 'comms')).text).toContain(SECRET_SUBSCRIBER);
    expect((await page('GET /api/v1/incidents/:id', 'viewer')).text).toContain(SECRET_TITLE);
    const csv = await page('POST /admin/subscribers/export.csv', 'admin');
    expect(csv.text).toContain(SECRET_SUBSCRIBER);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment/);
  });
});
