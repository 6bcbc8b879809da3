import { describe, expect, it } from 'vitest';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { memberActor } from '../support/actors.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { textOf } from '../support/http.js';
import { createApp } from '../../src/app.js';

/*
 * The incident timeline in the admin, through the real app: reading the
 * record, the scribe's one-field form (as a plain POST and as the page's
 * script sends it), deleting a note, correcting key times, the export.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

interface Fixture {
  deps: TestDeps;
  lead: TestSession;
  id: string;
}

async function setup(): Promise<Fixture> {
  const deps = await createTestDeps({ now: NOON });
  const payments = await makeComponent(deps, { name: 'Payments' });
  const id = await makeIncident(deps, {
    title: 'Payments failing',
    severity: 1,
    components: [{ componentId: payments, status: 'major_outage' }],
    roles: { incident_commander: { name: 'Ada Lovelace' } },
  });
  const lead = await signIn(deps, 'comms', 'lead@example.com');
  return { deps, lead, id };
}

async function fetchJson(deps: TestDeps, path: string, session: TestSession, fields: Record<string, string>) {
  const body = new URLSearchParams({ _csrf: session.csrf, ...fields });
  const response = await createApp(deps).request(path, {
    method: 'POST',
    headers: { Cookie: session.cookie, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the timeline page', () => {
  it('shows what Herald recorded with the time in the page zone and UTC, who and what kind of entry', async () => {
    const { deps, lead, id } = await setup();
    deps.clock.advance(20 * MINUTE);
    await postUpdate(deps, { incidentId: id, status: 'monitoring', body: 'A fix is rolling out.' }, memberActor('comms'));
    const page = await adminGet(deps, `/admin/incidents/${id}/timeline`, lead);
    expect(page.status).toBe(200);
    const text = textOf(page.text);
    expect(text).toContain('Declared (SEV-1): Payments failing');
    expect(text).toContain('2026-11-23 12:00:00 UTC');
    expect(text).toContain('2026-11-23 12:20:00 UTC');
    expect(text).toContain('Public update (Monitoring): A fix is rolling out.');
    expect(page.text).toMatch(/class="pill">Public update</);
    // Key times: from the data until corrected.
    expect(text).toMatch(/Mitigated\s*23 Nov 2026, 12:20 UTC/);
    expect(text).toContain('From the data');
  });

  it('allows its own inline script by hash only, and no other page gets one', async () => {
    const { deps, lead, id } = await setup();
    const page = await adminGet(deps, `/admin/incidents/${id}/timeline`, lead);
    const policy = page.headers.get('Content-Security-Policy')!;
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(policy).not.toContain('unsafe-inline\' ');
    expect(page.text).toContain('<script>(function () {');
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.text)![1]!;
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(script))).toString('base64');
    expect(policy).toContain(`'sha256-${digest}'`);
    const show = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(show.headers.get('Content-Security-Policy')).toContain("script-src 'none'");
    expect(show.text).toContain(`href="/admin/incidents/${id}/timeline"`);
    expect(show.text).toContain(`href="/admin/incidents/${id}/postmortem"`);
  });

  it('lets a viewer read it but not write, and sends anonymous readers to sign in', async () => {
    const { deps, id } = await setup();
    const viewer = await signIn(deps, 'viewer');
    const page = await adminGet(deps, `/admin/incidents/${id}/timeline`, viewer);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('id="scribe-form"');
    expect(page.text).not.toContain('<script>');
    const refused = await adminPost(deps, `/admin/incidents/${id}/timeline/notes`, viewer, { text: 'sneaky' });
    expect(refused.status).toBe(403);
    expect(await deps.repos.timeline.entriesOf(id)).toEqual([]);
    const anonymous = await createApp(deps).request(`/admin/incidents/${id}/timeline`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/admin/login');
  });

  it('answers 404 for an incident that does not exist', async () => {
    const { deps, lead } = await setup();
    expect((await adminGet(deps, '/admin/incidents/nosuchincident1/timeline', lead)).status).toBe(404);
  });
});

describe('scribe notes', () => {
  it('adds a note with a plain POST and redirects back to it', async () => {
    const { deps, lead, id } = await setup();
    deps.clock.advance(5 * MINUTE);
    const res = await adminPost(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'Rolled back deploy 4711', when: '', who: '' });
    expect(res.status).toBe(303);
    const [entry] = await deps.repos.timeline.entriesOf(id);
    expect(entry).toMatchObject({ text: 'Rolled back deploy 4711', at: NOON + 5 * MINUTE, who: null });
    expect(res.headers.get('location')).toBe(`/admin/incidents/${id}/timeline?done=added#entry-${entry!.id}`);
    const page = textOf((await adminGet(deps, res.headers.get('location')!, lead)).text);
    expect(page).toContain('Rolled back deploy 4711 — Test comms');
  });

  it('takes an earlier time in the page zone and a free-text who', async () => {
    const { deps, lead, id } = await setup();
    await deps.db.atomic([deps.repos.settings.update({ timeZone: 'Europe/Berlin', updatedAt: NOON })]);
    deps.clock.advance(30 * MINUTE);
    // 12:10 in Berlin (UTC+1 in November) is 11:10 UTC.
    await adminPost(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'Bob saw errors first', when: '2026-11-23T12:10', who: 'Bob (database team)' });
    const [entry] = await deps.repos.timeline.entriesOf(id);
    expect(entry).toMatchObject({ at: NOON - 50 * MINUTE, who: 'Bob (database team)' });
  });

  it('answers the page script with the new row, placed by its time, and the refusal as JSON', async () => {
    const { deps, lead, id } = await setup();
    const added = await fetchJson(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'Paged the <b>DB</b> team' });
    expect(added.status).toBe(201);
    expect(added.json.text).toBe('Paged the <b>DB</b> team');
    const html = added.json.html as string;
    expect(html).toMatch(/^\s*<li data-at="\d+"/);
    expect(html).toContain('Paged the &lt;b&gt;DB&lt;/b&gt; team');
    expect(html).toContain('Delete note');
    const empty = await fetchJson(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: '   ' });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.json)).toContain('write what happened');
    const future = await fetchJson(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'later', when: '2026-11-24T12:00' });
    expect(future.status).toBe(400);
    expect(JSON.stringify(future.json)).toContain('future');
    const garbage = await fetchJson(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'x', when: 'yesterday-ish' });
    expect(garbage.status).toBe(400);
    expect((await deps.repos.timeline.entriesOf(id)).length).toBe(1);
  });

  it('keeps the typed text when a plain POST is refused', async () => {
    const { deps, lead, id } = await setup();
    const res = await adminPost(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'Failover started', when: '2030-01-01T00:00', who: 'Eve' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('value="Failover started"');
    expect(res.text).toContain('value="Eve"');
    expect(textOf(res.text)).toContain('future');
  });

  it('refuses a POST without the CSRF token', async () => {
    const { deps, lead, id } = await setup();
    const res = await adminPost(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'x' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(await deps.repos.timeline.entriesOf(id)).toEqual([]);
  });

  it('deletes a note, and only a note of this incident', async () => {
    const { deps, lead, id } = await setup();
    await adminPost(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'Typo note' });
    const [entry] = await deps.repos.timeline.entriesOf(id);
    const other = await makeIncident(deps, { title: 'Other' });
    expect((await adminPost(deps, `/admin/incidents/${other}/timeline/notes/${entry!.id}/delete`, lead, {})).status).toBe(404);
    const res = await adminPost(deps, `/admin/incidents/${id}/timeline/notes/${entry!.id}/delete`, lead, {});
    expect(res.status).toBe(303);
    expect(await deps.repos.timeline.entriesOf(id)).toEqual([]);
    expect(textOf((await adminGet(deps, res.headers.get('location')!, lead)).text)).toContain('Note removed');
  });
});

describe('key times', () => {
  it('corrects a key time with its reason, shows it, and goes back to the data', async () => {
    const { deps, lead, id } = await setup();
    deps.clock.advance(HOUR);
    const res = await adminPost(deps, `/admin/incidents/${id}/timeline/key-times`, lead, {
      marker: 'impact_started',
      at: '2026-11-23T11:40',
      reason: 'Error rate rose at 11:40 on the dashboard',
      action: 'set',
    });
    expect(res.status).toBe(303);
    expect((await deps.repos.incidents.findById(id))!.markerTimes).toEqual({ impact_started: NOON - 20 * MINUTE });
    const page = textOf((await adminGet(deps, `/admin/incidents/${id}/timeline`, lead)).text);
    expect(page).toContain('Corrected: Error rate rose at 11:40 on the dashboard');
    expect(page).toMatch(/Impact started\s*23 Nov 2026, 11:40 UTC/);
    await adminPost(deps, `/admin/incidents/${id}/timeline/key-times`, lead, { marker: 'impact_started', at: '', reason: 'Wrong dashboard', action: 'reset' });
    expect((await deps.repos.incidents.findById(id))!.markerTimes).toBeNull();
    const after = textOf((await adminGet(deps, `/admin/incidents/${id}/timeline`, lead)).text);
    expect(after).not.toContain('Corrected:');
    expect(after).toContain('Impact started: back to the recorded time');
  });

  it('refuses a correction without a reason, out of order, or for an unknown key time, keeping the fields', async () => {
    const { deps, lead, id } = await setup();
    deps.clock.advance(HOUR);
    const noReason = await adminPost(deps, `/admin/incidents/${id}/timeline/key-times`, lead, { marker: 'detected', at: '2026-11-23T11:59', reason: '', action: 'set' });
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.text)).toContain('say why the time is corrected');
    const order = await adminPost(deps, `/admin/incidents/${id}/timeline/key-times`, lead, { marker: 'mitigated', at: '2026-11-23T11:00', reason: 'guess', action: 'set' });
    expect(order.status).toBe(400);
    expect(order.text).toContain('value="guess"');
    const unknown = await adminPost(deps, `/admin/incidents/${id}/timeline/key-times`, lead, { marker: 'lunch', at: '2026-11-23T12:30', reason: 'x', action: 'set' });
    expect(unknown.status).toBe(400);
    const noTime = await adminPost(deps, `/admin/incidents/${id}/timeline/key-times`, lead, { marker: 'detected', at: '', reason: 'x', action: 'set' });
    expect(noTime.status).toBe(400);
    expect((await deps.repos.incidents.findById(id))!.markerTimes).toBeNull();
  });
});

describe('the export', () => {
  it('downloads the Markdown table and shows the same text to copy', async () => {
    const { deps, lead, id } = await setup();
    await adminPost(deps, `/admin/incidents/${id}/timeline/notes`, lead, { text: 'Pipes | in | text', who: 'Bob' });
    const res = await adminGet(deps, `/admin/incidents/${id}/timeline.md`, lead);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="timeline-${id}.md"`);
    expect(res.text.split('\n')[0]).toBe('| Time (UTC) | Event | Who |');
    expect(res.text).toContain('| 2026-11-23 12:00:00 | Pipes \\| in \\| text | Bob |');
    const page = await adminGet(deps, `/admin/incidents/${id}/timeline`, lead);
    expect(page.text).toContain('| Time (UTC) | Event | Who |');
    expect(page.text).toContain('href="/admin/incidents/' + id + '/timeline.md" download>Export Markdown');
  });
});
