import { describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../../src/domain/calendar.js';
import { createApp } from '../../src/app.js';
import { apiCall, apiToken } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { expectError, iso, NOON } from './helpers.js';

async function setup() {
  const deps = await createTestDeps({ now: NOON });
  const token = await apiToken(deps, 'owner');
  return { deps, token, call: (method: string, path: string, body?: unknown) => apiCall(deps, method, path, token, body) };
}

describe('invalid input', () => {
  it('answers 400, not 500, for field names that exist on every object', async () => {
    const deps = await createTestDeps({ now: NOON });
    const token = await apiToken(deps, 'admin');
    for (const body of ['{"constructor":1}', '{"__proto__":{"x":1}}', '{"toString":"x","hasOwnProperty":2}']) {
      const res = await createApp(deps).request('/api/v1/components', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body,
      });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_input');
    }
  });

  it('answers 400 with messages per field, in the API spelling', async () => {
    const { deps, call } = await setup();
    const error = expectError(
      await call('POST', '/api/v1/incidents', {
        severity: 7,
        body: '   ',
        components: [{ component_id: 'NOPE!', status: 'on_fire' }],
        started_at: '23/11/2026 14:00',
        next_update_at: '2026-11-23T14:00:00',
        sevirity: 1,
      }),
      400,
      'invalid_input',
    );
    expect(error.fields).toEqual({
      title: ['is required'],
      severity: [expect.any(String)],
      body: ['is required'],
      'components.0.component_id': ['must be a Herald id'],
      'components.0.status': [expect.stringContaining('operational')],
      started_at: [expect.stringContaining('ISO 8601')],
      next_update_at: [expect.stringContaining('ISO 8601')],
      sevirity: ['is not a field of this request'],
    });
    expect(error.message).toContain('title: is required');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });

  it('names the field when a service refuses the input', async () => {
    const { deps, call } = await setup();
    const maintenance = expectError(
      await call('POST', '/api/v1/maintenance', {
        title: 'Upgrade',
        body: 'Planned.',
        scheduled_for: iso(NOON + DAY),
        scheduled_until: iso(NOON + DAY - HOUR),
      }),
      400,
      'invalid_input',
    );
    expect(maintenance.fields).toEqual({ scheduled_until: ['must be after the start of the window'] });
    expect(maintenance.message).toContain('scheduled_until');
    expect(maintenance.message).not.toContain('scheduledUntil');

    const unknown = expectError(
      await call('POST', '/api/v1/maintenance', {
        title: 'Upgrade',
        body: 'Planned.',
        scheduled_for: iso(NOON + DAY),
        scheduled_until: iso(NOON + DAY + HOUR),
        component_ids: ['abcdef123456'],
      }),
      400,
      'invalid_input',
    );
    expect(unknown.fields).toEqual({ component_ids: ['contains an unknown id'] });

    const future = expectError(
      await call('POST', '/api/v1/incidents/backfill', {
        title: 'Past',
        severity: 3,
        body: 'It broke.',
        resolution_body: 'It was fixed.',
        started_at: iso(NOON - HOUR),
        resolved_at: iso(NOON + HOUR),
      }),
      400,
      'invalid_input',
    );
    expect(future.fields).toEqual({ resolved_at: ['must be in the past'] });

    const resolved = await makeIncident(deps, { status: 'resolved' });
    const lifecycle = expectError(
      await call('POST', `/api/v1/incidents/${resolved}/updates`, { status: 'investigating', body: 'It is back.' }),
      400,
      'invalid_input',
    );
    expect(lifecycle.fields?.status?.[0]).toContain('cannot move to investigating');

    const group = expectError(await call('POST', '/api/v1/components', { name: 'Search', group_id: 'abcdef123456' }), 400, 'invalid_input');
    expect(group.fields).toEqual({ group_id: ['no such group'] });

    const settings = expectError(
      await call('PATCH', '/api/v1/settings', { time_zone: 'Mars/Olympus', logo_url: 'http://insecure.example/logo.png', accent_color: 'blue' }),
      400,
      'invalid_input',
    );
    expect(Object.keys(settings.fields ?? {}).sort()).toEqual(['accent_color', 'logo_url', 'time_zone']);

    const malformed = expectError(
      await call('POST', '/api/v1/templates', { name: 'Bad', kind: 'incident', status: 'investigating', body: 'Hello {{affected service}}' }),
      400,
      'invalid_input',
    );
    expect(malformed.fields?.body?.[0]).toContain('{{affected service}} is not a valid placeholder');
    const mismatch = expectError(
      await call('POST', '/api/v1/templates', { name: 'Bad', kind: 'maintenance', status: 'investigating', body: 'Hello' }),
      400,
      'invalid_input',
    );
    expect(mismatch.fields).toEqual({ status: ['Investigating is not a step of a maintenance'] });
  });

  it('validates query parameters', async () => {
    const { call } = await setup();
    const error = expectError(await call('GET', '/api/v1/incidents?status=closed&per_page=1000&page=0'), 400, 'invalid_input');
    expect(Object.keys(error.fields ?? {}).sort()).toEqual(['page', 'per_page', 'status']);
  });

  it('answers 400 invalid_json for a body that is not JSON, and asks for an object', async () => {
    const { deps, token } = await setup();
    const send = (body: string) =>
      createApp(deps).request('/api/v1/incidents', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body,
      });
    const broken = await send('{"title": "Outage",');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as any).error.code).toBe('invalid_json');

    const empty = await send('');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as any).error).toMatchObject({ code: 'invalid_input', fields: { _: ['is required'] } });

    const list = await send('[1, 2]');
    expect(list.status).toBe(400);
    expect(((await list.json()) as any).error).toMatchObject({ code: 'invalid_input', fields: { _: ['must be a JSON object'] } });
  });
});

describe('body size', () => {
  it('answers 413 JSON for a body over 256 KB and writes nothing', async () => {
    const { deps, call } = await setup();
    const res = await call('POST', '/api/v1/incidents', { title: 'Big', severity: 1, body: 'x'.repeat(300 * 1024) });
    expectError(res, 413, 'payload_too_large');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
    // Under the limit but over the field's own maximum: a field error.
    const long = expectError(await call('POST', '/api/v1/incidents', { title: 'Long', severity: 1, body: 'x'.repeat(30_000) }), 400, 'invalid_input');
    expect(Object.keys(long.fields ?? {})).toEqual(['body']);
  });
});

describe('unfilled placeholders', () => {
  it('refuses to publish {{placeholders}}, naming each field, on declare, update and edit', async () => {
    const { deps, call } = await setup();
    const declared = expectError(
      await call('POST', '/api/v1/incidents', { title: 'Problems with {{affected_service}}', severity: 2, body: 'You may see {{impact}}.' }),
      400,
      'invalid_input',
    );
    expect(declared.fields).toEqual({ title: ['fill in {{affected_service}}'], body: ['fill in {{impact}}'] });
    expect(declared.message).toContain('{{affected_service}}');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);

    const id = await makeIncident(deps);
    const posted = expectError(
      await call('POST', `/api/v1/incidents/${id}/updates`, { status: 'identified', body: 'Next update by {{next_update_time}}.' }),
      400,
      'invalid_input',
    );
    expect(posted.fields).toEqual({ body: ['fill in {{next_update_time}}'] });

    const updateId = (await deps.repos.incidents.findById(id))!.updates[0]!.id;
    const edited = expectError(await call('PATCH', `/api/v1/incidents/${id}/updates/${updateId}`, { body: 'See {{link}}' }), 400, 'invalid_input');
    expect(edited.fields).toEqual({ body: ['fill in {{link}}'] });

    const scheduled = expectError(
      await call('POST', '/api/v1/maintenance', {
        title: '{{system}} upgrade',
        body: 'Planned.',
        scheduled_for: iso(NOON + DAY),
        scheduled_until: iso(NOON + DAY + HOUR),
      }),
      400,
      'invalid_input',
    );
    expect(scheduled.fields).toEqual({ title: ['fill in {{system}}'] });
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(1);
  });
});

describe('not found', () => {
  it('answers 404 JSON for unknown, malformed and other-kind ids and unknown paths', async () => {
    const { deps, call } = await setup();
    const maintenance = await makeMaintenance(deps, { scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + HOUR });
    const incident = await makeIncident(deps);
    const component = await makeComponent(deps);
    expectError(await call('GET', '/api/v1/incidents/abcdef123456'), 404, 'not_found');
    expectError(await call('GET', '/api/v1/incidents/NOT_AN_ID'), 404, 'not_found');
    expectError(await call('GET', `/api/v1/incidents/${maintenance}`), 404, 'not_found');
    expectError(await call('GET', `/api/v1/maintenance/${incident}`), 404, 'not_found');
    expectError(await call('POST', `/api/v1/incidents/${maintenance}/updates`, { status: 'resolved', body: 'x' }), 404, 'not_found');
    expectError(await call('PUT', `/api/v1/incidents/${maintenance}/severity`, { severity: 1 }), 404, 'not_found');
    expectError(await call('DELETE', `/api/v1/incidents/${incident}/updates/abcdef123456`), 404, 'not_found');
    expectError(await call('GET', '/api/v1/components/abcdef123456'), 404, 'not_found');
    expectError(await call('PATCH', '/api/v1/components/abcdef123456', { name: 'x' }), 404, 'not_found');
    expectError(await call('GET', '/api/v1/component-groups/abcdef123456'), 404, 'not_found');
    expectError(await call('GET', '/api/v1/templates/abcdef123456'), 404, 'not_found');
    expectError(await call('GET', '/api/v1/nothing-here'), 404, 'not_found');
    expect((await deps.repos.components.findByIds([component])).length).toBe(1);
  });

  it('refuses to delete the only update of an incident', async () => {
    const { deps, call } = await setup();
    const id = await makeIncident(deps);
    const updateId = (await deps.repos.incidents.findById(id))!.updates[0]!.id;
    expectError(await call('DELETE', `/api/v1/incidents/${id}/updates/${updateId}`), 400, 'invalid_input');
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(1);
  });
});
