import { describe, expect, it } from 'vitest';
import { MINUTE } from '../../src/domain/calendar.js';
import { createApiToken } from '../../src/services/auth/api-tokens.js';
import { apiCall } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';
import { get, textOf } from '../support/http.js';
import { NOON } from './helpers.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

describe('writes through the management API reach the public page', () => {
  it('declaring and resolving an incident changes / and /api/v2/summary.json', async () => {
    const deps = await createTestDeps({ now: NOON });
    const api = await makeComponent(deps, { name: 'API' });
    const { token } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'pager bot', scope: 'comms' });

    // Warm the caches first: the write must invalidate them.
    const before = await get(deps, '/');
    expect(textOf(before.text)).not.toContain('Login failures');
    const summaryBefore = JSON.parse((await get(deps, '/api/v2/summary.json')).text);
    expect(summaryBefore.status.indicator).toBe('none');

    const declared = await apiCall(deps, 'POST', '/api/v1/incidents', token, {
      title: 'Login failures',
      severity: 1,
      body: 'Customers cannot sign in. We are investigating.',
      components: [{ component_id: api, status: 'major_outage' }],
    });
    expect(declared.status).toBe(201);
    const id = JSON.parse(declared.text).id;

    const page = textOf((await get(deps, '/')).text);
    expect(page).toContain('Login failures');
    expect(page).toContain('Customers cannot sign in.');
    const summary = JSON.parse((await get(deps, '/api/v2/summary.json')).text);
    expect(summary.status.indicator).toBe('critical');
    expect(summary.incidents.map((i: { id: string; name: string }) => [i.id, i.name])).toEqual([[id, 'Login failures']]);
    expect(summary.components.find((c: { id: string }) => c.id === api).status).toBe('major_outage');

    deps.clock.advance(30 * MINUTE);
    const resolved = await apiCall(deps, 'POST', `/api/v1/incidents/${id}/updates`, token, {
      status: 'resolved',
      body: 'Sign-in works again.',
      components: [{ component_id: api, status: 'operational' }],
    });
    expect(resolved.status).toBe(201);
    const after = JSON.parse((await get(deps, '/api/v2/summary.json')).text);
    expect(after.status.indicator).toBe('none');
    expect(after.incidents).toEqual([]);
    expect(textOf((await get(deps, `/incidents/${id}`)).text)).toContain('Sign-in works again.');
  });
});
