import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/domain/calendar.js';
import { createApiToken, revokeApiToken } from '../../src/services/auth/api-tokens.js';
import type { Actor } from '../../src/services/auth/actor.js';
import { apiCall, apiToken } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { get } from '../support/http.js';
import { makeComponent, makeGroup, makeIncident } from '../support/factories.js';
import { expectError, NOON } from './helpers.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const owner: Actor = { kind: 'user', id: 'owner-1', label: 'Test Owner <owner@example.com>', role: 'owner' };
const declare = { title: 'Outage', severity: 1, body: 'Investigating.' };

describe('management API authentication', () => {
  it('answers 401 JSON without a token, with a malformed one and with an unknown one', async () => {
    const deps = await createTestDeps({ now: NOON });
    const noToken = expectError(await apiCall(deps, 'GET', '/api/v1/incidents', null), 401, 'unauthorized');
    expect(noToken.message).toContain('Authorization: Bearer');
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-token', `Bearer hrld_${'x'.repeat(43)}`]) {
      const res = await get(deps, '/api/v1/incidents', { Authorization: header });
      expectError(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    // Writes are refused before their body is even read.
    expectError(await apiCall(deps, 'POST', '/api/v1/incidents', null, declare), 401, 'unauthorized');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });

  it('answers 401 once a token is revoked', async () => {
    const deps = await createTestDeps({ now: NOON });
    const { token, row } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'deploy bot', scope: 'comms' });
    expect((await apiCall(deps, 'GET', '/api/v1/incidents', token)).status).toBe(200);
    await revokeApiToken(deps, owner, row.id);
    const error = expectError(await apiCall(deps, 'GET', '/api/v1/incidents', token), 401, 'unauthorized');
    expect(error.message).toContain('revoked');
    expectError(await apiCall(deps, 'POST', '/api/v1/incidents', token, declare), 401, 'unauthorized');
  });

  it('records when a token was last used, at most once a minute', async () => {
    const deps = await createTestDeps({ now: NOON });
    const { token, row } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'monitoring', scope: 'viewer' });
    const lastUsed = async () => (await deps.repos.accounts.listApiTokens()).find((t) => t.id === row.id)!.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await apiCall(deps, 'GET', '/api/v1/components', token);
    expect(await lastUsed()).toBe(NOON);
    deps.clock.advance(30_000);
    await apiCall(deps, 'GET', '/api/v1/components', token);
    expect(await lastUsed()).toBe(NOON);
    deps.clock.advance(2 * MINUTE);
    await apiCall(deps, 'GET', '/api/v1/components', token);
    expect(await lastUsed()).toBe(NOON + 30_000 + 2 * MINUTE);
  });
});

describe('management API scopes', () => {
  it('lets a viewer token read but not write', async () => {
    const deps = await createTestDeps({ now: NOON });
    const viewer = await apiToken(deps, 'viewer');
    const id = await makeIncident(deps);
    expect((await apiCall(deps, 'GET', '/api/v1/incidents', viewer)).status).toBe(200);
    expect((await apiCall(deps, 'GET', `/api/v1/incidents/${id}`, viewer)).status).toBe(200);
    expect((await apiCall(deps, 'GET', '/api/v1/settings', viewer)).status).toBe(200);

    const refused = await apiCall(deps, 'POST', '/api/v1/incidents', viewer, declare);
    const error = expectError(refused, 403, 'forbidden');
    expect(error.message).toContain('viewer');
    expect(error.message).toContain('comms');
    expectError(await apiCall(deps, 'POST', `/api/v1/incidents/${id}/updates`, viewer, { status: 'resolved', body: 'Fixed.' }), 403, 'forbidden');
    expectError(await apiCall(deps, 'POST', '/api/v1/templates', viewer, { name: 'x', kind: 'incident', status: 'investigating', body: 'x' }), 403, 'forbidden');
    expect((await deps.repos.incidents.listOpenIncidents()).map((i) => i.id)).toEqual([id]);
    expect((await deps.repos.incidents.findById(id))!.status).toBe('investigating');
  });

  it('lets a comms token run incidents but not manage components or settings', async () => {
    const deps = await createTestDeps({ now: NOON });
    const comms = await apiToken(deps, 'comms');
    const group = await makeGroup(deps);
    const component = await makeComponent(deps, { groupId: group });
    expect((await apiCall(deps, 'POST', '/api/v1/incidents', comms, declare)).status).toBe(201);

    const refused: [string, string, unknown?][] = [
      ['POST', '/api/v1/components', { name: 'Search' }],
      ['PATCH', `/api/v1/components/${component}`, { name: 'Renamed' }],
      ['PUT', `/api/v1/components/${component}/status`, { status: 'major_outage' }],
      ['PUT', '/api/v1/components/order', { ordered_ids: [component] }],
      ['DELETE', `/api/v1/components/${component}`],
      ['POST', '/api/v1/component-groups', { name: 'Edge' }],
      ['PATCH', `/api/v1/component-groups/${group}`, { name: 'Renamed' }],
      ['DELETE', `/api/v1/component-groups/${group}`],
      ['PATCH', '/api/v1/settings', { name: 'Hijacked' }],
    ];
    for (const [method, path, body] of refused) {
      expectError(await apiCall(deps, method, path, comms, body), 403, 'forbidden');
    }
    const [row] = await deps.repos.components.findByIds([component]);
    expect(row).toMatchObject({ status: 'operational', groupId: group });
    expect((await deps.repos.settings.get())!.name).toBe('Test Cloud');
  });

  it('lets an admin token manage components and settings', async () => {
    const deps = await createTestDeps({ now: NOON });
    const admin = await apiToken(deps, 'admin');
    expect((await apiCall(deps, 'POST', '/api/v1/components', admin, { name: 'Search' })).status).toBe(201);
    expect((await apiCall(deps, 'PATCH', '/api/v1/settings', admin, { name: 'Acme' })).status).toBe(200);
  });
});
