import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeGroup, makeIncident, makeMaintenance } from '../support/factories.js';
import { get } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

const PAGE_KEYS = ['id', 'name', 'url', 'time_zone', 'updated_at'];
const COMPONENT_KEYS = [
  'id', 'name', 'status', 'created_at', 'updated_at', 'position', 'description', 'showcase',
  'start_date', 'group_id', 'page_id', 'group', 'only_show_if_degraded',
];
const INCIDENT_KEYS = [
  'id', 'name', 'status', 'created_at', 'updated_at', 'monitoring_at', 'resolved_at', 'impact',
  'shortlink', 'postmortem_body', 'postmortem_body_last_updated_at', 'postmortem_published_at',
  'started_at', 'page_id', 'incident_updates', 'components',
];
const UPDATE_KEYS = [
  'id', 'status', 'body', 'incident_id', 'created_at', 'updated_at', 'display_at',
  'affected_components', 'deliver_notifications', 'custom_tweet', 'tweet_id',
];

async function json(deps: TestDeps, path: string): Promise<any> {
  const res = await get(deps, path);
  expect(res.status, `${path}: ${res.text}`).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return JSON.parse(res.text);
}

/** A page with a group, a hidden component, an open incident, a resolved one and two maintenances. */
async function fixture() {
  const deps = await createTestDeps({ now: NOON - 30 * DAY });
  const settings = (await deps.repos.settings.get())!;
  const group = await makeGroup(deps, 'Platform');
  const api = await makeComponent(deps, { name: 'API', description: 'REST API', groupId: group, position: 0 });
  const web = await makeComponent(deps, { name: 'Web', groupId: group, position: 1 });
  const cdn = await makeComponent(deps, { name: 'CDN', position: 2 });
  const secret = await makeComponent(deps, { name: 'Internal', hidden: true });
  deps.clock.set(NOON - 2 * DAY);
  const old = await makeIncident(deps, { title: 'Old slowness', severity: 3, components: [{ componentId: cdn, status: 'degraded_performance' }] });
  deps.clock.advance(HOUR);
  await postUpdate(deps, { incidentId: old, status: 'resolved', body: 'Fixed.', components: [{ componentId: cdn, status: 'operational' }] }, FIXTURE_ACTOR);
  deps.clock.set(NOON - 30 * MINUTE);
  const open = await makeIncident(deps, {
    title: 'API errors',
    severity: 1,
    body: 'Investigating.',
    components: [
      { componentId: api, status: 'major_outage' },
      { componentId: secret, status: 'major_outage' },
    ],
  });
  deps.clock.advance(10 * MINUTE);
  await postUpdate(deps, { incidentId: open, status: 'monitoring', body: 'Watching.' }, FIXTURE_ACTOR);
  const upcoming = await makeMaintenance(deps, { title: 'Upgrade', scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + HOUR, componentIds: [web] });
  const active = await makeMaintenance(deps, { title: 'Patching', scheduledFor: NOON - 5 * MINUTE, scheduledUntil: NOON + HOUR, componentIds: [cdn] });
  deps.clock.set(NOON);
  return { deps, settings, group, api, web, cdn, secret, old, open, upcoming, active };
}

describe('Statuspage API v2', () => {
  it('status.json: page and indicator, exactly', async () => {
    const f = await fixture();
    const body = await json(f.deps, '/api/v2/status.json');
    expect(body).toEqual({
      page: {
        id: f.settings.pageId,
        name: 'Test Cloud',
        url: 'http://status.test',
        time_zone: 'UTC',
        updated_at: iso(NOON - 20 * MINUTE),
      },
      status: { indicator: 'critical', description: 'Major Service Outage' },
    });
  });

  it('components.json: groups followed by their components, hidden ones left out', async () => {
    const f = await fixture();
    const body = await json(f.deps, '/api/v2/components.json');
    const base = { page_id: f.settings.pageId, showcase: true, only_show_if_degraded: false, group: false, start_date: '2026-10-24' };
    expect(body.components).toEqual([
      {
        id: f.group, name: 'Platform', status: 'major_outage', created_at: iso(NOON - 30 * DAY),
        updated_at: iso(NOON - 30 * DAY), position: 1, description: null, showcase: false, start_date: null,
        group_id: null, page_id: f.settings.pageId, group: true, only_show_if_degraded: false, components: [f.api, f.web],
      },
      { ...base, id: f.api, name: 'API', status: 'major_outage', created_at: iso(NOON - 30 * DAY), updated_at: iso(NOON - 30 * MINUTE), position: 2, description: 'REST API', group_id: f.group },
      { ...base, id: f.web, name: 'Web', status: 'operational', created_at: iso(NOON - 30 * DAY), updated_at: iso(NOON - 30 * DAY), position: 3, description: null, group_id: f.group },
      { ...base, id: f.cdn, name: 'CDN', status: 'operational', created_at: iso(NOON - 30 * DAY), updated_at: iso(NOON - 2 * DAY + HOUR), position: 4, description: null, group_id: null },
    ]);
  });

  it('incidents/unresolved.json: the open incident with updates newest first and affected components', async () => {
    const f = await fixture();
    const body = await json(f.deps, '/api/v2/incidents/unresolved.json');
    expect(body.incidents).toHaveLength(1);
    const incident = body.incidents[0];
    expect(incident).toMatchObject({
      id: f.open,
      name: 'API errors',
      status: 'monitoring',
      created_at: iso(NOON - 30 * MINUTE),
      updated_at: iso(NOON - 20 * MINUTE),
      monitoring_at: iso(NOON - 20 * MINUTE),
      resolved_at: null,
      impact: 'critical',
      shortlink: `http://status.test/incidents/${f.open}`,
      started_at: iso(NOON - 30 * MINUTE),
      page_id: f.settings.pageId,
    });
    expect(incident.incident_updates.map((u: any) => [u.status, u.body, u.display_at])).toEqual([
      ['monitoring', 'Watching.', iso(NOON - 20 * MINUTE)],
      ['investigating', 'Investigating.', iso(NOON - 30 * MINUTE)],
    ]);
    expect(incident.incident_updates[1]).toEqual({
      id: expect.stringMatching(/^[a-z0-9]{12}$/),
      status: 'investigating',
      body: 'Investigating.',
      incident_id: f.open,
      created_at: iso(NOON - 30 * MINUTE),
      updated_at: iso(NOON - 30 * MINUTE),
      display_at: iso(NOON - 30 * MINUTE),
      affected_components: [{ code: f.api, name: 'API', old_status: 'operational', new_status: 'major_outage' }],
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    });
    expect(incident.components.map((c: any) => c.id)).toEqual([f.api]);
  });

  it('incidents.json: unresolved and resolved incidents, newest first, no maintenance', async () => {
    const f = await fixture();
    const body = await json(f.deps, '/api/v2/incidents.json');
    expect(body.incidents.map((i: any) => [i.name, i.status, i.impact])).toEqual([
      ['API errors', 'monitoring', 'critical'],
      ['Old slowness', 'resolved', 'minor'],
    ]);
    expect(body.incidents[1].resolved_at).toBe(iso(NOON - 2 * DAY + HOUR));
  });

  it('scheduled-maintenances endpoints split upcoming and active by the clock', async () => {
    const f = await fixture();
    const upcoming = await json(f.deps, '/api/v2/scheduled-maintenances/upcoming.json');
    expect(upcoming.scheduled_maintenances.map((m: any) => [m.name, m.status, m.scheduled_for, m.scheduled_until, m.impact])).toEqual([
      ['Upgrade', 'scheduled', iso(NOON + DAY), iso(NOON + DAY + HOUR), 'maintenance'],
    ]);
    const active = await json(f.deps, '/api/v2/scheduled-maintenances/active.json');
    expect(active.scheduled_maintenances.map((m: any) => [m.name, m.status])).toEqual([['Patching', 'in_progress']]);
    const all = await json(f.deps, '/api/v2/scheduled-maintenances.json');
    expect(all.scheduled_maintenances.map((m: any) => m.name)).toEqual(['Upgrade', 'Patching']);
  });

  it('summary.json: page, components, unresolved incidents, active and upcoming maintenance, status', async () => {
    const f = await fixture();
    const body = await json(f.deps, '/api/v2/summary.json');
    expect(Object.keys(body)).toEqual(['page', 'components', 'incidents', 'scheduled_maintenances', 'status']);
    expect(body.incidents.map((i: any) => i.id)).toEqual([f.open]);
    expect(body.scheduled_maintenances.map((m: any) => m.id)).toEqual([f.active, f.upcoming]);
    expect(body.status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
  });

  it('uses exactly the Statuspage key sets, for strict clients', async () => {
    const f = await fixture();
    const body = await json(f.deps, '/api/v2/summary.json');
    expect(Object.keys(body.page).sort()).toEqual([...PAGE_KEYS].sort());
    for (const component of body.components) {
      const keys = component.group ? [...COMPONENT_KEYS, 'components'] : COMPONENT_KEYS;
      expect(Object.keys(component).sort()).toEqual([...keys].sort());
    }
    const maintenanceKeys = [...INCIDENT_KEYS, 'scheduled_for', 'scheduled_until'].sort();
    for (const m of body.scheduled_maintenances) expect(Object.keys(m).sort()).toEqual(maintenanceKeys);
    for (const incident of [...body.incidents, ...(await json(f.deps, '/api/v2/incidents.json')).incidents]) {
      expect(Object.keys(incident).sort()).toEqual([...INCIDENT_KEYS].sort());
      for (const update of incident.incident_updates) {
        expect(Object.keys(update).sort()).toEqual([...UPDATE_KEYS].sort());
        for (const affected of update.affected_components) {
          expect(Object.keys(affected).sort()).toEqual(['code', 'name', 'new_status', 'old_status']);
        }
      }
      for (const component of incident.components) expect(Object.keys(component).sort()).toEqual([...COMPONENT_KEYS].sort());
    }
    expect(Object.keys(await json(f.deps, '/api/v2/status.json'))).toEqual(['page', 'status']);
    expect(Object.keys(await json(f.deps, '/api/v2/components.json'))).toEqual(['page', 'components']);
  });

  it('never exposes hidden components, even where an incident touched them', async () => {
    const f = await fixture();
    for (const path of ['/api/v2/summary.json', '/api/v2/incidents.json', '/api/v2/components.json']) {
      const res = await get(f.deps, path);
      expect(res.text).not.toContain(f.secret);
      expect(res.text).not.toContain('Internal');
    }
  });

  it('answers CORS preflights and allows any origin', async () => {
    const f = await fixture();
    const res = await get(f.deps, '/api/v2/status.json', { Origin: 'https://dashboard.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const { createApp } = await import('../../src/app.js');
    const preflight = await createApp(f.deps).request('/api/v2/summary.json', {
      method: 'OPTIONS',
      headers: { Origin: 'https://x.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('supports conditional GET like the pages', async () => {
    const f = await fixture();
    const first = await get(f.deps, '/api/v2/summary.json');
    const again = await get(f.deps, '/api/v2/summary.json', { 'If-None-Match': first.headers.get('etag')! });
    expect(again.status).toBe(304);
    // Components left as they are: the indicator comes from them, not from the incident.
    await postUpdate(f.deps, { incidentId: f.open, status: 'resolved', body: 'Done.', restoreComponents: false }, FIXTURE_ACTOR);
    const after = await json(f.deps, '/api/v2/summary.json');
    expect(after.incidents).toEqual([]);
    expect(after.status.indicator).toBe('critical');
  });
});
