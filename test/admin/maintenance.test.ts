import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { automaticUpdateId } from '../../src/domain/maintenance-clock.js';
import { runBackgroundTick } from '../../src/services/background.js';
import { advanceMaintenance } from '../../src/services/maintenance/clock.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, expectPreviewFirst, signIn, type TestSession } from '../support/admin.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { get, textOf } from '../support/http.js';
import { CLOCK } from '../support/actors.js';

/** 2026-11-23 12:00 UTC = 13:00 in Berlin (CET, UTC+1). */
const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
/** The window used below: 24 Nov 02:00-03:00 Berlin time = 01:00-02:00 UTC. */
const WINDOW = { starts: '2026-11-24T02:00', ends: '2026-11-24T03:00' };
const FROM = Date.UTC(2026, 10, 24, 1, 0);
const UNTIL = Date.UTC(2026, 10, 24, 2, 0);

async function setup(): Promise<{ deps: TestDeps; lead: TestSession; api: string; web: string }> {
  const deps = await createTestDeps({ now: NOON, config: { initialTimeZone: 'Europe/Berlin' } });
  const api = await makeComponent(deps, { name: 'API', startedAt: NOON - 30 * DAY });
  const web = await makeComponent(deps, { name: 'Web', startedAt: NOON - 30 * DAY });
  const lead = await signIn(deps, 'comms');
  return { deps, lead, api, web };
}

const idFrom = (location: string | null): string => /\/admin\/maintenance\/([a-z0-9]+)/.exec(location ?? '')![1]!;
const text = (html: string): string => textOf(html).replace(/&quot;/g, '"').replace(/&#39;/g, "'");

async function statusOf(deps: TestDeps, id: string): Promise<string> {
  return (await deps.repos.components.findByIds([id]))[0]!.status;
}

/** The component's pill on the public page. */
async function publicStatus(deps: TestDeps, name: string): Promise<string> {
  const html = (await get(deps, '/')).text;
  return new RegExp(`<h3>${name}</h3><span class="pill s-[a-z_]+">([^<]+)</span>`).exec(html)![1]!;
}

/** Schedules the window above on API and Web through the admin form, with the default template. */
async function publishMaintenance(deps: TestDeps, lead: TestSession, api: string, web: string): Promise<string> {
  const res = await adminPost(deps, '/admin/maintenance/new', lead, {
    action: 'publish',
    template: 'defaultmaintscheduled',
    title: 'Planned maintenance on {{affected_service}}',
    ...WINDOW,
    components: [api, web],
    body: 'We will carry out planned maintenance on {{affected_service}} from {{start_time}} to {{end_time}} ({{duration}}).\n\nWhat to expect: {{impact}}',
    ph_impact: 'API requests may fail for up to 5 minutes.',
    notify: 'on',
  });
  expect(res.status).toBe(303);
  return idFrom(res.headers.get('location'));
}

describe('scheduling maintenance', () => {
  it('offers the maintenance template, its placeholders as fields, and says which time zone the window is in', async () => {
    const { deps, lead } = await setup();
    const res = await adminGet(deps, '/admin/maintenance/new', lead);
    expect(res.status).toBe(200);
    expect(res.text).toContain('value="Planned maintenance on {{affected_service}}"');
    expect(res.text).toContain('We will carry out planned maintenance on {{affected_service}}');
    expect(res.text).toContain('type="datetime-local"');
    expect(text(res.text)).toContain('Times are in Europe/Berlin (CET), the page\'s time zone.');
    for (const name of ['affected_service', 'start_time', 'end_time', 'duration', 'impact']) expect(res.text).toContain(`name="ph_${name}"`);
    expect(res.text).toMatch(/<input type="checkbox" name="notify" checked>/);
    const blank = await adminGet(deps, '/admin/maintenance/new?template=none', lead);
    expect(blank.text).toContain('<textarea id="body" name="body" required></textarea>');
  });

  it('previews exactly what customers will see, filling window and components, and publishes nothing', async () => {
    const { deps, lead, api, web } = await setup();
    const res = await adminPost(deps, '/admin/maintenance/new', lead, {
      action: 'preview',
      title: 'Planned maintenance on {{affected_service}}',
      ...WINDOW,
      components: [api, web],
      body: 'Work on {{affected_service}} from {{start_time}} to {{end_time}} ({{duration}}). **Expect** {{impact}}',
      ph_impact: 'short API errors.',
      notify: 'on',
    });
    expect(res.status).toBe(200);
    const page = text(res.text);
    expect(page).toContain('Preview: what customers will see');
    expect(page).toContain('Planned maintenance on API and Web');
    expect(res.text).toContain('Work on API and Web from 24 Nov 2026, 02:00 CET to 24 Nov 2026, 03:00 CET (1 h). <strong>Expect</strong> short API errors.');
    expect(page).toContain('Scheduled 24 Nov 2026, 02:00 CET to 24 Nov 2026, 03:00 CET');
    expect(page).toContain('Affects: API, Web');
    expect(page).not.toContain('Not ready to publish');
    expectPreviewFirst(res.text, 'maintenance-form', 'Publish');
    // What was typed stays in the form.
    expect(res.text).toContain('value="2026-11-24T02:00"');
    expect(res.text).toContain('name="ph_impact" type="text" value="short API errors."');
    expect(res.text).toMatch(new RegExp(`value="${api}" checked`));
    expect(await deps.repos.incidents.listRecent({ kind: 'maintenance', limit: 10 })).toEqual([]);
  });

  it('warns in the preview and refuses to publish while a placeholder is unfilled, keeping everything typed', async () => {
    const { deps, lead, api } = await setup();
    const fields = {
      title: 'Database upgrade',
      ...WINDOW,
      components: [api],
      body: 'During the window {{impact}}. Reason: {{what_we_are_doing}}',
      ph_what_we_are_doing: 'a database upgrade',
    };
    const preview = await adminPost(deps, '/admin/maintenance/new', lead, { ...fields, action: 'preview' });
    expect(text(preview.text)).toContain('Not ready to publish: fill in {{impact}}.');
    const res = await adminPost(deps, '/admin/maintenance/new', lead, { ...fields, action: 'publish' });
    expect(res.status).toBe(400);
    const page = text(res.text);
    expect(page).toContain('unfilled placeholders ({{impact}})');
    expect(page).toContain('Message to customers: fill in {{impact}}');
    expect(res.text).toContain('value="Database upgrade"');
    expect(res.text).toContain('During the window {{impact}}. Reason: {{what_we_are_doing}}</textarea>');
    expect(res.text).toContain('name="ph_what_we_are_doing" type="text" value="a database upgrade"');
    expect(res.text).toContain('value="2026-11-24T03:00"');
    expect(res.text).toMatch(new RegExp(`value="${api}" checked`));
    // The notify box was left unticked: it stays unticked.
    expect(res.text).toMatch(/<input type="checkbox" name="notify">/);
    expect(await deps.repos.incidents.listRecent({ kind: 'maintenance', limit: 10 })).toEqual([]);
  });

  it('refuses a missing or reversed window with a clear message', async () => {
    const { deps, lead } = await setup();
    const missing = await adminPost(deps, '/admin/maintenance/new', lead, { action: 'publish', title: 'X', starts: '', ends: 'soon', body: 'Text' });
    expect(missing.status).toBe(400);
    expect(text(missing.text)).toContain('Starts: enter a date and time such as 2026-11-23T13:00');
    expect(text(missing.text)).toContain('Ends: enter a date and time');
    expect(missing.text).toContain('value="soon"');
    const reversed = await adminPost(deps, '/admin/maintenance/new', lead, {
      action: 'publish',
      title: 'X',
      starts: WINDOW.ends,
      ends: WINDOW.starts,
      body: 'Text',
    });
    expect(reversed.status).toBe(400);
    expect(text(reversed.text)).toContain('Ends: must be after the start of the window');
    expect(await deps.repos.incidents.listRecent({ kind: 'maintenance', limit: 10 })).toEqual([]);
  });

  it('publishes: the window converted from the page time zone, placeholders filled, on the public page', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await publishMaintenance(deps, lead, api, web);
    const m = (await deps.repos.incidents.findById(id))!;
    expect(m).toMatchObject({
      kind: 'maintenance',
      status: 'scheduled',
      title: 'Planned maintenance on API and Web',
      scheduledFor: FROM,
      scheduledUntil: UNTIL,
      notify: true,
    });
    expect(m.componentIds.sort()).toEqual([api, web].sort());
    expect(m.updates[0]!.body).toBe(
      'We will carry out planned maintenance on API and Web from 24 Nov 2026, 02:00 CET to 24 Nov 2026, 03:00 CET (1 h).\n\nWhat to expect: API requests may fail for up to 5 minutes.',
    );
    const publicPage = text((await get(deps, '/')).text);
    expect(publicPage).toContain('Scheduled maintenance Planned maintenance on API and Web Scheduled 24 Nov 2026, 02:00 CET');
    expect(await publicStatus(deps, 'API')).toBe('Operational');
    const shown = await adminGet(deps, `/admin/maintenance/${id}?published=1`, lead);
    expect(text(shown.text)).toContain('Published. It is on the public page now.');
    const list = text((await adminGet(deps, '/admin/maintenance', lead)).text);
    expect(list).toMatch(/Upcoming Planned maintenance on API and Web Scheduled 24 Nov 2026, 02:00 CET to 24 Nov 2026, 03:00 CET · (API, Web|Web, API) Recently/);
  });
});

describe('moving a maintenance on by hand', () => {
  it('goes Scheduled -> In progress -> Verifying -> Completed, moving the components with it', async () => {
    const { deps, lead: scheduler, api, web } = await setup();
    const id = await publishMaintenance(deps, scheduler, api, web);
    deps.clock.set(FROM - 10 * MINUTE); // starting a little early, the next night
    const lead = await signIn(deps, 'comms');

    const page = await adminGet(deps, `/admin/maintenance/${id}`, lead);
    expect(page.status).toBe(200);
    // Suggests the next step with its template, filled where Herald knows the answer.
    expect(page.text).toMatch(/name="status" value="in_progress" required checked/);
    expect(page.text).toContain('The planned maintenance on {{affected_service}} has started.');
    expect(text(page.text)).toContain('{{affected_service}} (blank: API and Web)');

    const preview = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, {
      action: 'preview',
      status: 'in_progress',
      body: 'Work on {{affected_service}} has started; done by {{end_time}}.',
      auto_components: 'on',
    });
    expect(preview.status).toBe(200);
    expect(text(preview.text)).toContain('Work on API and Web has started; done by 24 Nov 2026, 03:00 CET.');
    expect(text(preview.text)).toContain('API: Operational → Under maintenance');
    expectPreviewFirst(preview.text, 'maintenance-update-form', 'Publish update');
    expect(await statusOf(deps, api)).toBe('operational');

    const started = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, {
      action: 'publish',
      status: 'in_progress',
      body: 'Work on {{affected_service}} has started; done by {{end_time}}.',
      auto_components: 'on',
    });
    expect(started.status).toBe(303);
    expect(await statusOf(deps, api)).toBe('under_maintenance');
    expect(await statusOf(deps, web)).toBe('under_maintenance');
    expect(await publicStatus(deps, 'Web')).toBe('Under maintenance');
    let m = (await deps.repos.incidents.findById(id))!;
    expect(m).toMatchObject({ status: 'in_progress', nextUpdateAt: UNTIL });
    expect(m.updates[0]!.body).toBe('Work on API and Web has started; done by 24 Nov 2026, 03:00 CET.');

    deps.clock.set(FROM + 40 * MINUTE);
    const verifying = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, {
      action: 'publish',
      status: 'verifying',
      body: 'The work is done; we are checking that everything works.',
      auto_components: 'on',
    });
    expect(verifying.status).toBe(303);
    expect(await statusOf(deps, api)).toBe('under_maintenance');

    const completed = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, {
      action: 'publish',
      status: 'completed',
      body: 'All done. Thank you for your patience.',
      auto_components: 'on',
    });
    expect(completed.status).toBe(303);
    m = (await deps.repos.incidents.findById(id))!;
    expect(m.status).toBe('completed');
    expect(m.resolvedAt).toBe(FROM + 40 * MINUTE);
    expect(m.updates.map((u) => u.status)).toEqual(['completed', 'verifying', 'in_progress', 'scheduled']);
    expect(await statusOf(deps, api)).toBe('operational');
    expect(await publicStatus(deps, 'API')).toBe('Operational');
    const list = text((await adminGet(deps, '/admin/maintenance', lead)).text);
    expect(list).toContain('Recently completed Maintenance Window Duration Planned maintenance on API and Web');

    // The clock has nothing left to do, at the end of the window or after it.
    deps.clock.set(UNTIL + MINUTE);
    expect(await advanceMaintenance(deps, CLOCK, deps.clock.now())).toEqual({ started: [], completed: [] });
  });

  it('leaves the components alone when asked to, and refuses an unfilled placeholder with the text kept', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await publishMaintenance(deps, lead, api, web);
    const refused = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, {
      action: 'publish',
      status: 'in_progress',
      body: 'Started. Expect {{impact}}.',
      ph_impact: '',
    });
    expect(refused.status).toBe(400);
    expect(text(refused.text)).toContain('unfilled placeholders ({{impact}})');
    expect(text(refused.text)).toContain('Message to customers: fill in {{impact}}');
    expect(refused.text).toContain('Started. Expect {{impact}}.</textarea>');
    expect(refused.text).toMatch(/name="status" value="in_progress" required checked/);
    expect(refused.text).toMatch(/<input type="checkbox" name="auto_components">/);
    const ok = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, {
      action: 'publish',
      status: 'in_progress',
      body: 'Started. Expect {{impact}}.',
      ph_impact: 'short pauses',
    });
    expect(ok.status).toBe(303);
    expect(await statusOf(deps, api)).toBe('operational');
    expect((await deps.repos.incidents.findById(id))!.updates[0]!.body).toBe('Started. Expect short pauses.');
  });

  it('refuses a missing step, and answers 404 for an incident or an unknown id', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await publishMaintenance(deps, lead, api, web);
    const res = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, { action: 'publish', body: 'Text' });
    expect(res.status).toBe(400);
    expect(text(res.text)).toContain('Step:');
    const incident = await makeIncident(deps);
    expect((await adminGet(deps, `/admin/maintenance/${incident}`, lead)).status).toBe(404);
    expect((await adminGet(deps, '/admin/maintenance/nosuchthing', lead)).status).toBe(404);
  });
});

describe('the maintenance clock', () => {
  it('starts and completes a maintenance as the clock passes the window edges, and the public page follows', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await publishMaintenance(deps, lead, api, web);

    deps.clock.set(FROM - MINUTE);
    expect((await runBackgroundTick(deps)).maintenance).toEqual({ started: [], completed: [] });
    expect(await publicStatus(deps, 'API')).toBe('Operational');

    deps.clock.set(FROM + 20_000);
    const viewer = await signIn(deps, 'viewer');
    expect(text((await adminGet(deps, '/admin/maintenance', viewer)).text)).toContain(
      'In progress Planned maintenance on API and Web In progress',
    );
    expect(text((await adminGet(deps, `/admin/maintenance/${id}`, viewer)).text)).toContain(
      'The window has started; Herald will post the automatic update within a minute.',
    );
    expect((await runBackgroundTick(deps)).maintenance).toEqual({ started: [id], completed: [] });
    expect(text((await adminGet(deps, `/admin/maintenance/${id}`, viewer)).text)).not.toContain('Herald will post the automatic update');
    let m = (await deps.repos.incidents.findById(id))!;
    expect(m.status).toBe('in_progress');
    expect(m.nextUpdateAt).toBe(UNTIL);
    expect(m.updates[0]).toMatchObject({ id: automaticUpdateId(id, 'start'), status: 'in_progress', at: FROM + 20_000 });
    expect(m.updates[0]!.body).toBe(
      'The planned maintenance on API and Web has started. As announced, you may notice some disruption while the work is under way.\n\n' +
        'We will post the next update when the work is complete, by 24 Nov 2026, 03:00 CET at the latest.',
    );
    expect(m.updates[0]!.componentChanges).toEqual(
      expect.arrayContaining([
        { componentId: api, oldStatus: 'operational', newStatus: 'under_maintenance' },
        { componentId: web, oldStatus: 'operational', newStatus: 'under_maintenance' },
      ]),
    );
    expect(await publicStatus(deps, 'API')).toBe('Under maintenance');
    expect(await publicStatus(deps, 'Web')).toBe('Under maintenance');
    const publicPage = text((await get(deps, '/')).text);
    expect(publicPage).toContain('The planned maintenance on API and Web has started.');
    const audit = (await deps.repos.audit.list({ limit: 10 })).find((a) => a.action === 'maintenance.auto_start')!;
    expect(audit).toMatchObject({ actor: 'system: maintenance clock', actorId: null, targetId: id });

    // A later tick inside the window changes nothing.
    deps.clock.advance(30_000);
    expect((await runBackgroundTick(deps)).maintenance).toEqual({ started: [], completed: [] });
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(2);

    deps.clock.set(UNTIL + 5_000);
    expect((await runBackgroundTick(deps)).maintenance).toEqual({ started: [], completed: [id] });
    m = (await deps.repos.incidents.findById(id))!;
    expect(m).toMatchObject({ status: 'completed', resolvedAt: UNTIL + 5_000, nextUpdateAt: null });
    expect(m.updates[0]!.id).toBe(automaticUpdateId(id, 'complete'));
    expect(m.updates[0]!.body).toContain('The planned maintenance on API and Web is complete.');
    expect(m.updates[0]!.body).not.toMatch(/\{\{|\}\}/);
    expect(await statusOf(deps, api)).toBe('operational');
    expect(await publicStatus(deps, 'API')).toBe('Operational');
    expect(await publicStatus(deps, 'Web')).toBe('Operational');
    expect(text((await get(deps, '/')).text)).not.toContain('Scheduled maintenance Planned maintenance');

    deps.clock.advance(HOUR);
    expect((await runBackgroundTick(deps)).maintenance).toEqual({ started: [], completed: [] });
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(3);
  });

  it('is safe to run twice at once: each step is posted exactly once', async () => {
    const { deps, api } = await setup();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await makeMaintenance(deps, { scheduledFor: FROM, scheduledUntil: UNTIL, componentIds: [api] }));
    deps.clock.set(FROM + MINUTE);
    const runs = await Promise.all([advanceMaintenance(deps, CLOCK, deps.clock.now()), advanceMaintenance(deps, CLOCK, deps.clock.now())]);
    expect(runs.flatMap((r) => r.started).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const m = (await deps.repos.incidents.findById(id))!;
      expect(m.updates.map((u) => u.status)).toEqual(['in_progress', 'scheduled']);
    }
    expect(deps.log.lines.filter((l) => l.level === 'error')).toEqual([]);
    deps.clock.set(UNTIL);
    const ends = await Promise.all([advanceMaintenance(deps, CLOCK, UNTIL), advanceMaintenance(deps, CLOCK, UNTIL), advanceMaintenance(deps, CLOCK, UNTIL)]);
    expect(ends.flatMap((r) => r.completed).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await deps.repos.incidents.findById(id))!.updates.map((u) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
    expect(await statusOf(deps, api)).toBe('operational');
  });

  it('never publishes an unfilled placeholder: falls back to a plain sentence', async () => {
    const { deps, api } = await setup();
    // The "started" template now asks for something only a person can say.
    await deps.db.atomic([deps.repos.templates.update('defaultmaintstarted', { body: 'Started. Expect {{impact}}.' })]);
    // And a maintenance without components cannot fill {{affected_service}} in "completed".
    const withComponents = await makeMaintenance(deps, { title: 'Disk swap', scheduledFor: FROM, scheduledUntil: UNTIL, componentIds: [api] });
    const without = await makeMaintenance(deps, { title: 'Network work', scheduledFor: FROM, scheduledUntil: FROM + 10 * MINUTE });
    deps.clock.set(FROM);
    await runBackgroundTick(deps);
    const started = (await deps.repos.incidents.findById(withComponents))!.updates[0]!;
    expect(started.body).toBe('The planned maintenance "Disk swap" has started. We will post the next update when the work is complete, by 24 Nov 2026, 03:00 CET at the latest.');
    deps.clock.set(FROM + 10 * MINUTE);
    await runBackgroundTick(deps);
    const done = (await deps.repos.incidents.findById(without))!.updates[0]!;
    expect(done).toMatchObject({ status: 'completed', body: 'The planned maintenance "Network work" is complete. Thank you for your patience.' });
  });

  it('completes a window that passed entirely while nothing ran, without a late "started"', async () => {
    const { deps, api } = await setup();
    const id = await makeMaintenance(deps, { scheduledFor: FROM, scheduledUntil: UNTIL, componentIds: [api] });
    deps.clock.set(UNTIL + 2 * HOUR);
    expect(await advanceMaintenance(deps, CLOCK, deps.clock.now())).toEqual({ started: [], completed: [id] });
    const m = (await deps.repos.incidents.findById(id))!;
    expect(m.updates.map((u) => u.status)).toEqual(['completed', 'scheduled']);
    expect(await statusOf(deps, api)).toBe('operational');
  });

  it('never hides an outage behind maintenance, and leaves statuses someone changed since', async () => {
    const { deps, api, web } = await setup();
    await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }] });
    const id = await makeMaintenance(deps, { scheduledFor: FROM, scheduledUntil: UNTIL, componentIds: [api, web] });
    deps.clock.set(FROM);
    await advanceMaintenance(deps, CLOCK, FROM);
    expect(await statusOf(deps, api)).toBe('major_outage');
    expect(await statusOf(deps, web)).toBe('under_maintenance');
    expect(await publicStatus(deps, 'API')).toBe('Major outage');
    await advanceMaintenance(deps, CLOCK, UNTIL);
    expect(await statusOf(deps, api)).toBe('major_outage');
    expect(await statusOf(deps, web)).toBe('operational');
    expect((await deps.repos.incidents.findById(id))!.status).toBe('completed');
  });
});

describe('who may do what', () => {
  it('lets viewers read the maintenance pages but not write (403)', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await publishMaintenance(deps, lead, api, web);
    const viewer = await signIn(deps, 'viewer');
    expect((await adminGet(deps, '/admin/maintenance', viewer)).status).toBe(200);
    const detail = await adminGet(deps, `/admin/maintenance/${id}`, viewer);
    expect(detail.status).toBe(200);
    expect(detail.text).not.toContain('Post an update');
    expect((await adminGet(deps, '/admin/maintenance/new', viewer)).status).toBe(403);
    const create = await adminPost(deps, '/admin/maintenance/new', viewer, { action: 'publish', title: 'X', ...WINDOW, body: 'Text' });
    expect(create.status).toBe(403);
    const update = await adminPost(deps, `/admin/maintenance/${id}/updates`, viewer, { action: 'publish', status: 'in_progress', body: 'Go' });
    expect(update.status).toBe(403);
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(1);
  });

  it('sends anonymous visitors to sign in (GET) and refuses their posts (401)', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await publishMaintenance(deps, lead, api, web);
    const app = createApp(deps);
    const list = await app.request('/admin/maintenance');
    expect(list.status).toBe(303);
    expect(list.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fmaintenance');
    expect((await app.request(`/admin/maintenance/${id}`)).status).toBe(303);
    const post = await app.request(`/admin/maintenance/${id}/updates`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ status: 'in_progress', body: 'Go' }),
    });
    expect(post.status).toBe(401);
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(1);
  });

  it('refuses posts without the CSRF token', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await publishMaintenance(deps, lead, api, web);
    const create = await adminPost(deps, '/admin/maintenance/new', lead, { action: 'publish', title: 'X', ...WINDOW, body: 'Text' }, { csrf: false });
    expect(create.status).toBe(403);
    const update = await adminPost(deps, `/admin/maintenance/${id}/updates`, lead, { action: 'publish', status: 'in_progress', body: 'Go' }, { csrf: false });
    expect(update.status).toBe(403);
    expect(await deps.repos.incidents.listRecent({ kind: 'maintenance', limit: 10 })).toHaveLength(1);
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(1);
  });
});
