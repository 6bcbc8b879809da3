import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { DAY, HOUR } from '../../src/domain/calendar.js';
import type { Role } from '../../src/domain/constants.js';
import { ForbiddenError } from '../../src/lib/errors.js';
import { userActor } from '../../src/services/auth/sessions.js';
import { createComponent } from '../../src/services/components/components.js';
import { createGroup } from '../../src/services/components/groups.js';
import { describeComponentDeletion } from '../../src/services/components/reads.js';
import { reorderComponents, setComponentStatus } from '../../src/services/components/components.js';
import { reorderGroups } from '../../src/services/components/groups.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeGroup, makeIncident } from '../support/factories.js';
import { get, textOf } from '../support/http.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

async function setup(role: Role = 'admin'): Promise<{ deps: TestDeps; me: TestSession }> {
  const deps = await createTestDeps();
  return { deps, me: await signIn(deps, role) };
}

/** Names of the components on the public page, in order. */
function publicNames(html: string): string[] {
  return [...html.matchAll(/<li class="component">\s*<div class="row"><h3>([^<]+)/g)].map((m) => m[1]!);
}

/** Component names on the admin list, in order. */
function adminNames(html: string): string[] {
  return [...html.matchAll(/<a href="\/admin\/components\/[a-z0-9]+"><strong>([^<]+)<\/strong>/g)].map((m) => m[1]!);
}

/** The component actions in the audit log, leaving out the rows the fixtures wrote. */
async function auditActions(deps: TestDeps): Promise<string[]> {
  return (await deps.repos.audit.list({ limit: 100 }))
    .filter((row) => row.actorId !== FIXTURE_ACTOR.id)
    .map((row) => row.action)
    .filter((action) => action.startsWith('component'));
}

describe('components: create', () => {
  it('lists groups and components with status, position and hidden, with forms for an admin', async () => {
    const { deps, me } = await setup();
    const core = await makeGroup(deps, 'Core');
    await makeComponent(deps, { name: 'API', groupId: core, status: 'degraded_performance' });
    await makeComponent(deps, { name: 'Legacy', hidden: true });
    const res = await adminGet(deps, '/admin/components', me);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = textOf(res.text);
    expect(text).toContain('1. Core (group)');
    expect(text).toContain('1. API Degraded performance');
    expect(text).toContain('Not in a group');
    expect(text).toContain('1. Legacy Hidden Operational');
    expect(res.text).toContain('action="/admin/components"');
    expect(res.text).toContain('action="/admin/groups"');
    expect(res.text).toMatch(/action="\/admin\/components\/[a-z0-9]+\/status"/);
    expect(res.text).toMatch(/action="\/admin\/components\/[a-z0-9]+\/move"/);
  });

  it('creates a group and a component in it (303 back to the list), at the end, audited', async () => {
    const { deps, me } = await setup();
    await makeComponent(deps, { name: 'Existing' });
    const g = await adminPost(deps, '/admin/groups', me, { name: 'Platform', description: 'Core services' });
    expect(g.status).toBe(303);
    expect(g.headers.get('location')).toMatch(/^\/admin\/components\?done=group-created#g-[a-z0-9]+$/);
    const [group] = await deps.repos.components.listGroups();
    expect(group).toMatchObject({ name: 'Platform', description: 'Core services' });

    const c = await adminPost(deps, '/admin/components', me, {
      name: 'Web app',
      description: '',
      groupId: group!.id,
      status: 'partial_outage',
      hidden: 'on',
    });
    expect(c.status).toBe(303);
    const id = /#c-([a-z0-9]+)$/.exec(c.headers.get('location')!)![1]!;
    const created = (await deps.repos.components.findById(id))!;
    expect(created).toMatchObject({ name: 'Web app', description: null, groupId: group!.id, status: 'partial_outage', hidden: true, position: 1 });
    expect((await deps.repos.components.historySince([id], 0)).get(id)).toEqual([{ status: 'partial_outage', at: deps.clock.now() }]);

    const list = await adminGet(deps, c.headers.get('location')!, me);
    expect(list.text).toContain('Component created.');
    expect(await auditActions(deps)).toEqual(['component.create', 'component_group.create']);
  });

  it('re-renders the create forms with their errors and everything typed', async () => {
    const { deps, me } = await setup();
    const group = await makeGroup(deps, 'Core');
    const res = await adminPost(deps, '/admin/components', me, {
      name: '   ',
      description: 'Our <public> API',
      groupId: group,
      status: 'major_outage',
      hidden: 'on',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Nothing was saved. Check the fields marked below.');
    expect(res.text).toContain('<p class="field-error" id="new-name-error">is required</p>');
    expect(res.text).toContain('aria-invalid="true" aria-describedby="new-name-error"');
    expect(res.text).toContain('value="Our &lt;public&gt; API"');
    expect(res.text).toMatch(new RegExp(`<option value="${group}" selected>Core</option>`));
    expect(res.text).toContain('<option value="major_outage" selected>Major outage</option>');
    expect(res.text).toMatch(/name="hidden" value="on" checked/);
    expect(await deps.repos.components.list()).toEqual([]);

    const g = await adminPost(deps, '/admin/groups', me, { name: '', description: 'kept text' });
    expect(g.status).toBe(400);
    expect(g.text).toContain('<p class="field-error" id="group-name-error">is required</p>');
    expect(g.text).toContain('value="kept text"');

    const tooLong = await adminPost(deps, '/admin/components', me, { name: 'x'.repeat(101), status: 'operational' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('must be at most 100 characters');
    expect(tooLong.text).toContain(`value="${'x'.repeat(101)}"`);
  });

  it('refuses an unknown group or status with a 400, not a 500', async () => {
    const { deps, me } = await setup();
    const unknownGroup = await adminPost(deps, '/admin/components', me, { name: 'API', groupId: 'nosuchgroup1', status: 'operational' });
    expect(unknownGroup.status).toBe(400);
    expect(unknownGroup.text).toContain('no such group');
    const badStatus = await adminPost(deps, '/admin/components', me, { name: 'API', status: 'on_fire' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.text).toContain('value="API"');
  });

  it('escapes names everywhere', async () => {
    const { deps, me } = await setup();
    const group = await makeGroup(deps, '<b>Group</b>');
    const id = await makeComponent(deps, { name: '<script>alert(1)</script>', groupId: group });
    for (const path of ['/admin/components', `/admin/components/${id}`, `/admin/components/${id}/delete`, `/admin/groups/${group}`, `/admin/groups/${group}/delete`]) {
      const res = await adminGet(deps, path, me);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(res.text).not.toContain('<b>Group</b>');
    }
  });
});

describe('components: edit', () => {
  it('edits name, description, group and hidden; the public page follows', async () => {
    const { deps, me } = await setup();
    const group = await makeGroup(deps, 'Core');
    const id = await makeComponent(deps, { name: 'API' });
    const page = await adminGet(deps, `/admin/components/${id}`, me);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`action="/admin/components/${id}"`);
    expect(page.text).toContain('value="API"');

    const res = await adminPost(deps, `/admin/components/${id}`, me, { name: 'Public API', description: 'REST and GraphQL', groupId: group });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/components/${id}?done=component-saved`);
    expect(await deps.repos.components.findById(id)).toMatchObject({ name: 'Public API', description: 'REST and GraphQL', groupId: group, hidden: false });
    let pub = await get(deps, '/');
    expect(publicNames(pub.text)).toEqual(['Public API']);
    expect(pub.text).toContain('<span class="name">Core</span>');

    // Hide it (the checkbox is absent when unticked... and present when ticked).
    await adminPost(deps, `/admin/components/${id}`, me, { name: 'Public API', description: 'REST and GraphQL', groupId: group, hidden: 'on' });
    expect((await deps.repos.components.findById(id))!.hidden).toBe(true);
    pub = await get(deps, '/');
    expect(publicNames(pub.text)).toEqual([]);
    expect((await adminGet(deps, '/admin/components', me)).text).toMatch(/Public API<\/strong><\/a> <span class="pill muted">Hidden<\/span>/);

    // Unhide, out of the group.
    await adminPost(deps, `/admin/components/${id}`, me, { name: 'Public API', description: '', groupId: '' });
    expect(await deps.repos.components.findById(id)).toMatchObject({ hidden: false, groupId: null, description: null });
    expect(publicNames((await get(deps, '/')).text)).toEqual(['Public API']);
    const audit = (await deps.repos.audit.list({ limit: 10 })).filter((row) => row.action === 'component.update');
    expect(audit).toHaveLength(3);
    expect(JSON.parse(audit[2]!.details!)).toEqual({
      before: { name: 'API', description: null, groupId: null },
      after: { name: 'Public API', description: 'REST and GraphQL', groupId: group },
    });
  });

  it('re-renders the edit form with errors and the typed input', async () => {
    const { deps, me } = await setup();
    const id = await makeComponent(deps, { name: 'API' });
    const res = await adminPost(deps, `/admin/components/${id}`, me, { name: '', description: 'New words', groupId: 'nosuchgroup1', hidden: 'on' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<p class="field-error" id="name-error">is required</p>');
    expect(res.text).toContain('>New words</textarea>');
    expect(res.text).toMatch(/name="hidden" value="on" checked/);
    expect((await deps.repos.components.findById(id))!.name).toBe('API');
  });

  it('answers 404 for an unknown component or group', async () => {
    const { deps, me } = await setup();
    for (const path of ['/admin/components/nosuchthing1', '/admin/components/nosuchthing1/delete', '/admin/groups/nosuchthing1', '/admin/groups/nosuchthing1/delete']) {
      expect((await adminGet(deps, path, me)).status).toBe(404);
    }
    expect((await adminPost(deps, '/admin/components/nosuchthing1', me, { name: 'x' })).status).toBe(404);
    expect((await adminPost(deps, '/admin/components/nosuchthing1/status', me, { status: 'major_outage' })).status).toBe(404);
    expect((await adminPost(deps, '/admin/components/nosuchthing1/move', me, { direction: 'up' })).status).toBe(404);
    expect((await adminPost(deps, '/admin/components/nosuchthing1/delete', me, {})).status).toBe(404);
    expect((await adminPost(deps, '/admin/groups/nosuchthing1/delete', me, {})).status).toBe(404);
  });

  it('edits a group and shows its components', async () => {
    const { deps, me } = await setup();
    const group = await makeGroup(deps, 'Core');
    await makeComponent(deps, { name: 'API', groupId: group });
    const page = await adminGet(deps, `/admin/groups/${group}`, me);
    expect(textOf(page.text)).toContain('Components in this group API · Operational');
    const bad = await adminPost(deps, `/admin/groups/${group}`, me, { name: ' ', description: 'typed' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('>typed</textarea>');
    const ok = await adminPost(deps, `/admin/groups/${group}`, me, { name: 'Platform', description: 'typed' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/admin/groups/${group}?done=group-saved`);
    expect(await deps.repos.components.findGroup(group)).toMatchObject({ name: 'Platform', description: 'typed' });
    expect((await get(deps, '/')).text).toContain('<span class="name">Platform</span>');
  });
});

describe('components: status', () => {
  it('a quick status change shows on the public page and in its uptime history', async () => {
    const { deps, me } = await setup();
    const id = await makeComponent(deps, { name: 'API', startedAt: deps.clock.now() - 10 * DAY });
    deps.clock.advance(HOUR);
    const res = await adminPost(deps, `/admin/components/${id}/status`, me, { status: 'major_outage' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/components?done=status-set#c-${id}`);
    expect((await deps.repos.components.findById(id))!.status).toBe('major_outage');

    deps.clock.advance(2 * HOUR);
    const pub = await get(deps, '/');
    expect(pub.text).toContain('<span class="pill s-major_outage">Major outage</span>');
    expect(pub.text).toMatch(/class="banner s-major_outage"/);
    // Today's bar cell and the text alternative of the bar both have the outage.
    const cells = [...pub.text.matchAll(/<li class="s-([a-z_]+)" title="([^"]+)"><\/li>/g)];
    expect(cells.at(-1)![1]).toBe('major_outage');
    expect(cells.at(-1)![2]).toBe('23 Nov 2026: major outage for 2 h');
    expect(pub.text).toContain('Last 90 days: 23 Nov 2026: major outage for 2 h; other days without downtime.');
    const history = (await deps.repos.components.historySince([id], 0)).get(id)!;
    expect(history.map((h) => h.status)).toEqual(['operational', 'major_outage']);
    expect(await auditActions(deps)).toEqual(['component.set_status']);

    // From the component's page, it returns there.
    const back = await adminPost(deps, `/admin/components/${id}/status`, me, { status: 'operational', from: 'component' });
    expect(back.headers.get('location')).toBe(`/admin/components/${id}?done=status-set`);
    expect((await get(deps, '/')).text).toContain('<span class="pill s-operational">Operational</span>');
  });

  it('setting the status it already has records nothing', async () => {
    const { deps, me } = await setup();
    const id = await makeComponent(deps, { name: 'API' });
    expect((await adminPost(deps, `/admin/components/${id}/status`, me, { status: 'operational' })).status).toBe(303);
    expect((await describeComponentDeletion(deps, id)).statusChanges).toBe(1);
    expect(await auditActions(deps)).toEqual([]);
  });

  it('refuses an unknown status with a 400 on the list page', async () => {
    const { deps, me } = await setup();
    const id = await makeComponent(deps, { name: 'API' });
    const res = await adminPost(deps, `/admin/components/${id}/status`, me, { status: 'on_fire' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Status not changed: must be one of operational');
    expect((await deps.repos.components.findById(id))!.status).toBe('operational');
  });
});

describe('components: order', () => {
  it('moves components up and down within their group, without JavaScript', async () => {
    const { deps, me } = await setup();
    const group = await makeGroup(deps, 'Core');
    // Created outside the admin (all at position 0): the first move puts them in order.
    const a = await makeComponent(deps, { name: 'Alpha', groupId: group });
    const b = await makeComponent(deps, { name: 'Bravo', groupId: group });
    const c = await makeComponent(deps, { name: 'Charlie', groupId: group });
    const solo = await makeComponent(deps, { name: 'Solo' });
    const list = await adminGet(deps, '/admin/components', me);
    expect(adminNames(list.text)).toEqual(['Alpha', 'Bravo', 'Charlie', 'Solo']);
    expect(list.text).toContain('aria-label="Move Alpha up" disabled');
    expect(list.text).toContain('aria-label="Move Charlie down" disabled');

    const res = await adminPost(deps, `/admin/components/${c}/move`, me, { direction: 'up' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/components?done=moved#c-${c}`);
    expect(adminNames((await adminGet(deps, '/admin/components', me)).text)).toEqual(['Alpha', 'Charlie', 'Bravo', 'Solo']);
    await adminPost(deps, `/admin/components/${a}/move`, me, { direction: 'down' });
    expect(publicNames((await get(deps, '/')).text)).toEqual(['Charlie', 'Alpha', 'Bravo', 'Solo']);

    // At the end of its group already: nothing changes (Solo is alone, ungrouped).
    await adminPost(deps, `/admin/components/${b}/move`, me, { direction: 'down' });
    await adminPost(deps, `/admin/components/${solo}/move`, me, { direction: 'up' });
    expect(publicNames((await get(deps, '/')).text)).toEqual(['Charlie', 'Alpha', 'Bravo', 'Solo']);
    expect((await adminPost(deps, `/admin/components/${b}/move`, me, { direction: 'sideways' })).status).toBe(400);
    expect(await auditActions(deps)).toEqual(['component.reorder', 'component.reorder']);
  });

  it('moves groups, and the public page follows', async () => {
    const { deps, me } = await setup();
    const first = await makeGroup(deps, 'First');
    const second = await makeGroup(deps, 'Second');
    await makeComponent(deps, { name: 'In first', groupId: first });
    await makeComponent(deps, { name: 'In second', groupId: second });
    expect(publicNames((await get(deps, '/')).text)).toEqual(['In first', 'In second']);
    const res = await adminPost(deps, `/admin/groups/${second}/move`, me, { direction: 'up' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/components?done=moved#g-${second}`);
    expect(publicNames((await get(deps, '/')).text)).toEqual(['In second', 'In first']);
    expect(textOf((await adminGet(deps, '/admin/components', me)).text)).toMatch(/1\. Second \(group\).*2\. First \(group\)/);
  });

  it('reorders from a list of ids (the API shape), refusing unknown and repeated ids', async () => {
    const deps = await createTestDeps();
    const admin = userActor({ id: 'u1', email: 'a@example.com', name: 'A', role: 'admin' } as never);
    const [a, b, c] = [await makeComponent(deps, { name: 'A' }), await makeComponent(deps, { name: 'B' }), await makeComponent(deps, { name: 'C' })];
    await reorderComponents(deps, admin, [c, a]);
    expect((await deps.repos.components.list()).map((x) => x.name)).toEqual(['C', 'A', 'B']);
    await expect(reorderComponents(deps, admin, [a, a])).rejects.toMatchObject({ status: 400 });
    await expect(reorderComponents(deps, admin, ['nosuchthing1'])).rejects.toMatchObject({ status: 400 });
    await expect(reorderComponents(deps, admin, 'nope')).rejects.toMatchObject({ status: 400 });
    const [g1, g2] = [await makeGroup(deps, 'G1'), await makeGroup(deps, 'G2')];
    await reorderGroups(deps, admin, [g2, g1]);
    expect((await deps.repos.components.listGroups()).map((x) => x.name)).toEqual(['G2', 'G1']);
    void b;
  });
});

describe('components: delete', () => {
  it('confirms exactly what history goes with a component, then deletes it', async () => {
    const { deps, me } = await setup();
    const id = await makeComponent(deps, { name: 'API', startedAt: deps.clock.now() - 30 * DAY });
    const other = await makeComponent(deps, { name: 'Web' });
    // 3 incidents name it (one only through an update), 1 names only the other component.
    const i1 = await makeIncident(deps, { components: [{ componentId: id, status: 'major_outage' }], startedAt: deps.clock.now() - 20 * DAY });
    await postUpdate(deps, { incidentId: i1, status: 'resolved', body: 'Fixed.', at: deps.clock.now() - 20 * DAY + HOUR, components: [{ componentId: id, status: 'operational' }] }, FIXTURE_ACTOR);
    await makeIncident(deps, { components: [{ componentId: id, status: 'partial_outage' }, { componentId: other, status: 'partial_outage' }] });
    const i3 = await makeIncident(deps, { components: [{ componentId: other, status: 'degraded_performance' }] });
    await postUpdate(deps, { incidentId: i3, status: 'identified', body: 'Spreading.', components: [{ componentId: id, status: 'degraded_performance' }] }, FIXTURE_ACTOR);
    await makeIncident(deps, { components: [{ componentId: other, status: 'major_outage' }] });
    // History: opening + 2 (incident 1) + 1 (incident 2) + 1 (incident 3's update) = 5.
    expect(await describeComponentDeletion(deps, id)).toMatchObject({ statusChanges: 5, incidents: 3 });

    const edit = await adminGet(deps, `/admin/components/${id}`, me);
    expect(edit.text).toContain(`href="/admin/components/${id}/delete"`);
    const confirm = await adminGet(deps, `/admin/components/${id}/delete`, me);
    expect(confirm.status).toBe(200);
    const text = textOf(confirm.text);
    expect(text).toContain('Delete API?');
    expect(text).toContain('5 status changes and 3 incidents mention it.');
    expect(text).toContain('the component\'s uptime history is deleted for good');
    expect(text).toContain('The incidents stay on the page and in the history, but will no longer name this component.');
    expect(confirm.text).toContain(`action="/admin/components/${id}/delete"`);
    // The GET changed nothing.
    expect(await deps.repos.components.findById(id)).toBeDefined();

    const res = await adminPost(deps, `/admin/components/${id}/delete`, me, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/components?done=component-deleted');
    expect(await deps.repos.components.findById(id)).toBeUndefined();
    expect((await deps.repos.components.historySince([id], 0)).get(id)).toEqual([]);
    expect(publicNames((await get(deps, '/')).text)).toEqual(['Web']);
    const incident = (await deps.repos.incidents.findById(i3))!;
    expect(incident.componentIds).toEqual([other]);
    expect(incident.updates.flatMap((u) => u.componentChanges.map((c) => c.componentId))).toEqual([other]);
    expect((await get(deps, `/incidents/${i1}`)).status).toBe(200);
    expect(await describeComponentDeletion(deps, other)).toMatchObject({ incidents: 3 });
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'component.delete', targetId: id });
    expect(JSON.parse(entry!.details!)).toMatchObject({ name: 'API', statusChanges: 5, incidents: 3 });
  });

  it('uses the singular for one of each, and says nothing about incidents when there are none', async () => {
    const { deps, me } = await setup();
    const id = await makeComponent(deps, { name: 'API' });
    let text = textOf((await adminGet(deps, `/admin/components/${id}/delete`, me)).text);
    expect(text).toContain('1 status change and 0 incidents mention it.');
    expect(text).not.toContain('The incidents stay');
    await makeIncident(deps, { components: [{ componentId: id, status: 'major_outage' }] });
    text = textOf((await adminGet(deps, `/admin/components/${id}/delete`, me)).text);
    expect(text).toContain('2 status changes and 1 incident mention it.');
    expect(text).toContain('The incident stays on the page');
  });

  it('deletes a group after saying its components become ungrouped', async () => {
    const { deps, me } = await setup();
    const group = await makeGroup(deps, 'Core');
    const keep = await makeGroup(deps, 'Other');
    const a = await makeComponent(deps, { name: 'API', groupId: group });
    const b = await makeComponent(deps, { name: 'DB', groupId: group });
    await makeComponent(deps, { name: 'CDN', groupId: keep });
    expect((await adminGet(deps, `/admin/groups/${group}`, me)).text).toContain(`href="/admin/groups/${group}/delete"`);
    const confirm = await adminGet(deps, `/admin/groups/${group}/delete`, me);
    const text = textOf(confirm.text);
    expect(text).toContain('Delete the group Core?');
    expect(text).toContain('Its 2 components become ungrouped: they stay on the public page with their uptime history, listed without a group. API DB');
    const res = await adminPost(deps, `/admin/groups/${group}/delete`, me, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/components?done=group-deleted');
    expect(await deps.repos.components.findGroup(group)).toBeUndefined();
    expect(await deps.repos.components.findByIds([a, b])).toEqual([
      expect.objectContaining({ groupId: null }),
      expect.objectContaining({ groupId: null }),
    ]);
    const pub = await get(deps, '/');
    expect(pub.text).not.toContain('<span class="name">Core</span>');
    expect(publicNames(pub.text).sort()).toEqual(['API', 'CDN', 'DB']);
    expect((await adminGet(deps, '/admin/components?done=group-deleted', me)).text).toContain('Group deleted. Its components are now ungrouped.');

    const empty = await makeGroup(deps, 'Empty');
    expect(textOf((await adminGet(deps, `/admin/groups/${empty}/delete`, me)).text)).toContain('The group has no components.');
  });
});

describe('components: who may change them', () => {
  async function fixture(deps: TestDeps) {
    const group = await makeGroup(deps, 'Core');
    const id = await makeComponent(deps, { name: 'API', groupId: group });
    return { group, id };
  }

  const writes = (group: string, id: string): [string, Record<string, string>][] => [
    ['/admin/components', { name: 'New', status: 'operational' }],
    ['/admin/groups', { name: 'New group' }],
    [`/admin/components/${id}`, { name: 'Renamed' }],
    [`/admin/components/${id}/status`, { status: 'major_outage' }],
    [`/admin/components/${id}/move`, { direction: 'up' }],
    [`/admin/components/${id}/delete`, {}],
    [`/admin/groups/${group}`, { name: 'Renamed' }],
    [`/admin/groups/${group}/move`, { direction: 'down' }],
    [`/admin/groups/${group}/delete`, {}],
  ];

  for (const role of ['comms', 'viewer'] as const) {
    it(`${role}: reads the lists without edit forms, and every write is 403`, async () => {
      const { deps, me } = await setup(role);
      const { group, id } = await fixture(deps);
      const revision = await deps.repos.settings.revision();
      for (const [path, fields] of writes(group, id)) {
        const res = await adminPost(deps, path, me, fields);
        expect(res.status, path).toBe(403);
      }
      expect(await deps.repos.settings.revision()).toBe(revision);
      expect(await deps.repos.components.findById(id)).toMatchObject({ name: 'API', status: 'operational' });

      const list = await adminGet(deps, '/admin/components', me);
      expect(list.status).toBe(200);
      expect(textOf(list.text)).toContain('1. API Operational');
      // The only form is the layout's sign-out.
      expect([...list.text.matchAll(/<form /g)]).toHaveLength(1);
      expect(list.text).not.toContain('<select');
      for (const path of [`/admin/components/${id}`, `/admin/groups/${group}`]) {
        const page = await adminGet(deps, path, me);
        expect(page.status).toBe(200);
        expect([...page.text.matchAll(/<form /g)]).toHaveLength(1);
        expect(page.text).not.toContain('/delete"');
      }
      for (const path of [`/admin/components/${id}/delete`, `/admin/groups/${group}/delete`]) {
        expect((await adminGet(deps, path, me)).status).toBe(403);
      }
    });
  }

  it('the services refuse too, whoever calls them', async () => {
    const deps = await createTestDeps();
    const comms = userActor({ id: 'u1', email: 'c@example.com', name: 'C', role: 'comms' } as never);
    const id = await makeComponent(deps);
    await expect(setComponentStatus(deps, comms, id, 'major_outage')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createComponent(deps, { name: 'X' }, comms)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createGroup(deps, { name: 'X' }, comms)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('anonymous POSTs get 401 and change nothing', async () => {
    const deps = await createTestDeps();
    const { group, id } = await fixture(deps);
    for (const [path, fields] of writes(group, id)) {
      const res = await createApp(deps).request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
      });
      expect(res.status, path).toBe(401);
    }
    expect(await deps.repos.components.findById(id)).toMatchObject({ name: 'API' });
    // Anonymous GETs go to the login page.
    const res = await createApp(deps).request('/admin/components');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fcomponents');
  });

  it('a POST without the CSRF token gets 403, even from an admin', async () => {
    const { deps, me } = await setup('owner');
    const { group, id } = await fixture(deps);
    for (const [path, fields] of writes(group, id)) {
      expect((await adminPost(deps, path, me, fields, { csrf: false })).status, path).toBe(403);
    }
    expect(await deps.repos.components.findById(id)).toMatchObject({ name: 'API' });
    expect(await auditActions(deps)).toEqual([]);
  });
});
