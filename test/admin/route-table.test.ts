import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Role } from '../../src/domain/constants.js';
import { can } from '../../src/domain/roles.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, apiCall, apiToken, signIn, type TestSession } from '../support/admin.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { addSubscribers } from '../mail/support.js';
import { operationFor } from '../api-v1/helpers.js';

/**
 * Walks Hono's route table: every route under /admin and /api/v1 must refuse
 * anonymous requests and requests from a role below its permission, and the
 * refusals must carry none of the page's private data.
 */

/** Routes anyone may call: signing in, first-owner setup, password links, "Forgot your password?", the API description. */
const PUBLIC = new Set([
  'GET /admin/login',
  'POST /admin/login',
  'GET /admin/setup/:token',
  'POST /admin/setup/:token',
  'GET /admin/reset/:token',
  'POST /admin/reset/:token',
  'GET /admin/forgot',
  'POST /admin/forgot',
  'GET /api/v1/openapi.json',
]);

/** Pages a viewer may read (read-only role), including an incident's email delivery progress. Everything else needs more. */
const VIEWER_READABLE = /^GET \/admin(\/(incidents|maintenance|components|groups|templates)(\/:[a-zA-Z]+)?|\/incidents\/:[a-zA-Z]+\/deliveries)?$/;
/** The subscriber list: comms and up (subscribers:read). */
const COMMS_READABLE = /^GET \/admin\/subscribers$/;
/** Subscriber import, export and removal: admins and owners only (subscribers:write). */
const ADMIN_ONLY = /^(GET|POST) \/admin\/subscribers\/./;
/** Only owners: team, tokens, audit log. Only admins and owners: settings and component writes. */
const OWNER_ONLY = /^(GET|POST) \/admin\/(team|tokens|audit)/;

const SECRET_TITLE = 'Secret internal incident title';
const SECRET_SUBSCRIBER = 'secret-subscriber@example.com';

async function fixture(): Promise<{ deps: TestDeps; routes: { method: string; path: string }[]; ids: Record<string, string> }> {
  const deps = await createTestDeps();
  const component = await makeComponent(deps, { name: 'Hidden billing backend', hidden: true });
  const [subscriber] = await addSubscribers(deps, [SECRET_SUBSCRIBER]);
  const incident = await makeIncident(deps, { title: SECRET_TITLE, notify: true, components: [{ componentId: component, status: 'major_outage' }] });
  const app = createApp(deps);
  const seen = new Set<string>();
  const routes = app.routes
    .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/admin') || r.path.startsWith('/api/v1')))
    .map((r) => ({ method: r.method, path: r.path }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { deps, routes, ids: { component, incident, subscriber: subscriber! } };
}

/** Fills :params with the ids of real rows, so a leak would show real data. */
function concrete(path: string, ids: Record<string, string>): string {
  return path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    if (/subscriber/i.test(name)) return ids.subscriber!;
    if (/incident|^id$/i.test(name)) return ids.incident!;
    if (/component/i.test(name)) return ids.component!;
    return 'aaaaaaaaaaaa';
  });
}

describe('the route table', () => {
  it('has admin and management API routes to check', async () => {
    const { routes } = await fixture();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.some((r) => r.path.startsWith('/api/v1/'))).toBe(true);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    for (const key of [
      'GET /admin/subscribers',
      'GET /admin/subscribers/import',
      'POST /admin/subscribers/import',
      'POST /admin/subscribers/export.csv',
      'GET /admin/subscribers/:subscriberId/remove',
      'POST /admin/subscribers/:subscriberId/remove',
      'GET /admin/incidents/:id/deliveries',
      'GET /api/v1/subscribers',
      'POST /api/v1/subscribers/import',
      'DELETE /api/v1/subscribers/:id',
      'GET /api/v1/outbox',
      'GET /api/v1/incidents/:id/deliveries',
      'GET /api/v1/maintenance/:id/deliveries',
    ]) {
      expect(keys, key).toContain(key);
    }
  });

  it('answers nothing under /admin or /api/v1 to an anonymous request with data', async () => {
    const { deps, routes, ids } = await fixture();
    const app = createApp(deps);
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      if (PUBLIC.has(key)) continue;
      const path = concrete(route.path, ids);
      const res = await app.request(path, { method: route.method, headers: { 'Content-Type': 'application/json' }, ...(route.method === 'GET' ? {} : { body: '{}' }) });
      const text = await res.text();
      if (route.path.startsWith('/admin') && route.method === 'GET') {
        expect(res.status, key).toBe(303);
        expect(res.headers.get('location'), key).toMatch(/^\/admin\/login\?next=/);
      } else {
        expect(res.status, key).toBe(401);
      }
      expect(text, key).not.toContain(SECRET_TITLE);
      expect(text, key).not.toContain('Hidden billing backend');
      expect(text, key).not.toContain(SECRET_SUBSCRIBER);
    }
  });

  it('refuses every admin write and every restricted page to roles below their permission', async () => {
    const { deps, routes, ids } = await fixture();
    const sessions: Record<Role, TestSession> = {
      viewer: await signIn(deps, 'viewer'),
      comms: await signIn(deps, 'comms'),
      admin: await signIn(deps, 'admin'),
      owner: await signIn(deps, 'owner'),
    };
    for (const route of routes.filter((r) => r.path.startsWith('/admin'))) {
      const key = `${route.method} ${route.path}`;
      if (PUBLIC.has(key) || key === 'POST /admin/logout') continue;
      const path = concrete(route.path, ids);
      const probe = (session: TestSession) =>
        route.method === 'GET' ? adminGet(deps, path, session) : adminPost(deps, path, session, {});
      if (!VIEWER_READABLE.test(key)) {
        const res = await probe(sessions.viewer);
        expect(res.status, `viewer ${key}`).toBe(403);
        expect(res.text, key).not.toContain(SECRET_TITLE);
        expect(res.text, key).not.toContain(SECRET_SUBSCRIBER);
      }
      if (ADMIN_ONLY.test(key)) {
        const res = await probe(sessions.comms);
        expect(res.status, `comms ${key}`).toBe(403);
        expect(res.text, key).not.toContain(SECRET_SUBSCRIBER);
        expect(res.headers.get('content-disposition'), key).toBeNull();
      }
      if (COMMS_READABLE.test(key)) expect((await probe(sessions.comms)).status, `comms ${key}`).toBe(200);
      if (VIEWER_READABLE.test(key) && key.endsWith('/deliveries')) expect((await probe(sessions.viewer)).status, `viewer ${key}`).toBe(200);
      if (OWNER_ONLY.test(key)) {
        for (const role of ['comms', 'admin'] as const) {
          const res = await probe(sessions[role]);
          expect(res.status, `${role} ${key}`).toBe(403);
        }
      }
    }
  });

  it('refuses every management API route to tokens below its permission, reads included, leaking nothing', async () => {
    const { deps, routes, ids } = await fixture();
    const tokens = {
      viewer: await apiToken(deps, 'viewer'),
      comms: await apiToken(deps, 'comms'),
      admin: await apiToken(deps, 'admin'),
    };
    let refusals = 0;
    for (const route of routes.filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')) {
      const key = `${route.method} ${route.path}`;
      const path = concrete(route.path, ids);
      const op = operationFor(route.method, path);
      for (const role of ['viewer', 'comms', 'admin'] as const) {
        const res = await apiCall(deps, route.method, path, tokens[role], route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
        if (can(role, op.permission)) {
          expect(res.status, `${role} ${key}: ${res.text}`).not.toBe(403);
          expect(res.status, `${role} ${key}: ${res.text}`).toBeLessThan(500);
          continue;
        }
        refusals++;
        expect(res.status, `${role} ${key}`).toBe(403);
        expect(res.text, key).not.toContain(SECRET_SUBSCRIBER);
        expect(res.text, key).not.toContain(SECRET_TITLE);
      }
    }
    expect(refusals).toBeGreaterThan(30);
    // The subscriber list and the outbox are not for viewers; an incident's delivery progress is, as in the admin.
    const viewerGet = (path: string) => apiCall(deps, 'GET', path, tokens.viewer);
    expect((await viewerGet('/api/v1/subscribers')).status).toBe(403);
    expect((await viewerGet('/api/v1/outbox')).status).toBe(403);
    expect((await viewerGet(`/api/v1/incidents/${ids.incident}/deliveries`)).status).toBe(200);
    expect((await apiCall(deps, 'GET', '/api/v1/subscribers', tokens.comms)).text).toContain(SECRET_SUBSCRIBER);
  });

  it('refuses every management API write to a viewer token, and everything to no token', async () => {
    const { deps, routes, ids } = await fixture();
    const viewer = await apiToken(deps, 'viewer');
    for (const route of routes.filter((r) => r.path.startsWith('/api/v1') && r.method !== 'GET')) {
      const res = await apiCall(deps, route.method, concrete(route.path, ids), viewer, {});
      expect(res.status, `${route.method} ${route.path}`).toBe(403);
    }
  });
});
