import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, expectPreviewFirst, signIn, type TestSession } from '../support/admin.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { get, textOf } from '../support/http.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

async function setup(): Promise<{ deps: TestDeps; lead: TestSession; api: string; web: string }> {
  const deps = await createTestDeps({ now: NOON });
  const api = await makeComponent(deps, { name: 'API', startedAt: NOON - 30 * DAY });
  const web = await makeComponent(deps, { name: 'Web', startedAt: NOON - 30 * DAY });
  const lead = await signIn(deps, 'comms');
  return { deps, lead, api, web };
}

const incidentIdFrom = (location: string | null): string => /\/admin\/incidents\/([a-z0-9]+)/.exec(location ?? '')![1]!;

describe('declaring an incident', () => {
  it('publishes in one form: title, severity, components, message and next update time', async () => {
    const { deps, lead, api } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish',
      title: 'Payments failing',
      severity: '1',
      body: 'Card payments fail for most customers. Next update by {{next_update_time}}.',
      [`component_${api}`]: 'major_outage',
      next_update: '12:15',
      notify: 'auto',
    });
    expect(res.status).toBe(303);
    const id = incidentIdFrom(res.headers.get('location'));
    const page = textOf((await get(deps, '/')).text);
    expect(page).toContain('Major system outage');
    expect(page).toContain('Payments failing');
    expect(page).toContain('Card payments fail for most customers. Next update by 12:15 UTC.');
    const incident = (await deps.repos.incidents.findById(id))!;
    expect(incident).toMatchObject({ severity: 1, notify: true, nextUpdateAt: NOON + 15 * MINUTE, status: 'investigating' });
  });

  it('shows a preview of exactly what customers will see, and publishes nothing', async () => {
    const { deps, lead, api } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'preview',
      title: 'Slow dashboard',
      severity: '3',
      body: '**Loading** is slow.',
      [`component_${api}`]: 'degraded_performance',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Preview: what customers will see');
    expect(res.text).toContain('<strong>Loading</strong> is slow.');
    expect(res.text).toContain('API: Operational → Degraded performance');
    expect(res.text).toContain('value="Slow dashboard"');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });

  it('shows the preview first, jumped to with #preview, with Publish right under it', async () => {
    const { deps, lead, api } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'preview', title: 'Slow dashboard', severity: '3', body: 'Loading is slow.', [`component_${api}`]: 'degraded_performance',
    });
    expect(res.status).toBe(200);
    expectPreviewFirst(res.text, 'incident-form', 'Publish');
    // Unfilled placeholders: no Publish under the preview, a way back to the fields instead.
    const unfilled = await adminPost(deps, '/admin/incidents/new', lead, { action: 'preview', title: 'Slow', severity: '3', body: 'We see {{impact}}.' });
    expect(unfilled.text).toContain('Not ready to publish: fill in {{impact}}.');
    expect(unfilled.text).not.toContain('form="incident-form" name="action" value="publish"');
    expect(unfilled.text).toContain('<a href="#incident-form">Fill them in below</a>');
  });

  it('refuses to publish while a placeholder is unfilled, naming it, and keeps everything typed', async () => {
    const { deps, lead } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish',
      title: 'Problems with {{affected_service}}',
      severity: '2',
      body: 'We are looking into {{impact}}.',
      ph_affected_service: 'Search',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('unfilled placeholders ({{impact}})');
    expect(res.text).toContain('We are looking into {{impact}}.');
    expect(res.text).toContain('name="ph_impact"');
    expect(res.text).toMatch(/name="ph_affected_service" type="text" value="Search"/);
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });

  it('fills placeholders from their fields when publishing', async () => {
    const { deps, lead } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish',
      title: 'Problems with {{affected_service}}',
      severity: '2',
      body: 'Customers see {{impact}}.',
      ph_affected_service: 'Search',
      ph_impact: 'empty results',
    });
    expect(res.status).toBe(303);
    expect(textOf((await get(deps, '/')).text)).toContain('Problems with Search');
  });

  it('explains what is missing when the form is incomplete', async () => {
    const { deps, lead } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, { action: 'publish', title: '', body: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Title: is required');
    expect(res.text).toContain('Severity: choose one, from 1 (the most severe) to 4');
    expect(res.text).toContain('Message to customers: is required');
    expect(res.text).not.toContain('Invalid input');
    expect(res.text).not.toMatch(/\b(title|severity|body): /);
  });

  it('is refused to viewers and to anonymous visitors', async () => {
    const { deps } = await setup();
    const viewer = await signIn(deps, 'viewer');
    expect((await adminGet(deps, '/admin/incidents/new', viewer)).status).toBe(403);
    expect((await adminPost(deps, '/admin/incidents/new', viewer, { action: 'publish', title: 'x', severity: '1', body: 'x' })).status).toBe(403);
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });
});

describe('the declare form\'s "next update by" prefill', () => {
  const nextUpdateValue = (html: string): string | undefined => /name="next_update"[^>]*value="([^"]*)"/.exec(html)?.[1];
  const suggestedValue = (html: string): string | undefined => /name="next_update_suggested" value="([^"]*)"/.exec(html)?.[1];

  it('starts at SEV-2\'s cadence and follows SEV-1 through a preview, a refusal and the publish', async () => {
    const { deps, lead } = await setup();
    const form = await adminGet(deps, '/admin/incidents/new', lead);
    expect(nextUpdateValue(form.text)).toBe('12:30');
    expect(suggestedValue(form.text)).toBe('12:30');
    const typed = { title: 'Payments failing', severity: '1', body: 'Payments fail. Next update by {{next_update_time}}.', next_update: '12:30', next_update_suggested: '12:30' };

    const preview = await adminPost(deps, '/admin/incidents/new', lead, { ...typed, action: 'preview' });
    expect(preview.status).toBe(200);
    expect(nextUpdateValue(preview.text)).toBe('12:15');
    expect(textOf(preview.text)).toContain('Payments fail. Next update by 12:15 UTC.');

    const refused = await adminPost(deps, '/admin/incidents/new', lead, { ...typed, action: 'publish', body: 'Payments fail for {{impact}}.' });
    expect(refused.status).toBe(400);
    expect(nextUpdateValue(refused.text)).toBe('12:15');
    expect(suggestedValue(refused.text)).toBe('12:15');

    // Published straight from the first form, never previewed: the untouched prefill still follows SEV-1.
    const res = await adminPost(deps, '/admin/incidents/new', lead, { ...typed, action: 'publish' });
    expect(res.status).toBe(303);
    const incident = (await deps.repos.incidents.findById(incidentIdFrom(res.headers.get('location'))))!;
    expect(incident.nextUpdateAt).toBe(NOON + 15 * MINUTE);
    expect(textOf((await get(deps, '/')).text)).toContain('Payments fail. Next update by 12:15 UTC.');
  });

  it('follows a change of severity on the next round trip, and the clock too', async () => {
    const { deps, lead } = await setup();
    const first = await adminPost(deps, '/admin/incidents/new', lead, { action: 'preview', title: 'Slow', severity: '1', body: 'Slow.', next_update: '12:30', next_update_suggested: '12:30' });
    expect(nextUpdateValue(first.text)).toBe('12:15');
    deps.clock.advance(5 * MINUTE);
    const second = await adminPost(deps, '/admin/incidents/new', lead, { action: 'preview', title: 'Slow', severity: '3', body: 'Slow.', next_update: '12:15', next_update_suggested: '12:15' });
    expect(nextUpdateValue(second.text)).toBe('14:05');
  });

  it('keeps a time the person typed, whatever the severity', async () => {
    const { deps, lead } = await setup();
    const typed = { title: 'Slow', severity: '1', body: 'Slow.', next_update: '12:40', next_update_suggested: '12:30' };
    const preview = await adminPost(deps, '/admin/incidents/new', lead, { ...typed, action: 'preview' });
    expect(nextUpdateValue(preview.text)).toBe('12:40');
    expect(suggestedValue(preview.text)).toBe('12:30');
    const res = await adminPost(deps, '/admin/incidents/new', lead, { ...typed, action: 'publish' });
    expect(res.status).toBe(303);
    expect((await deps.repos.incidents.findById(incidentIdFrom(res.headers.get('location'))))!.nextUpdateAt).toBe(NOON + 40 * MINUTE);
  });
});

describe('refusals name the fields as the forms label them', () => {
  it('names "Message to customers" and "Title", not body and title, when a placeholder is unfilled on the declare form', async () => {
    const { deps, lead } = await setup();
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish',
      title: 'Problems with {{affected_service}}',
      severity: '2',
      body: 'We are looking into {{impact}}.',
    });
    expect(res.status).toBe(400);
    const text = textOf(res.text);
    expect(text).toContain('Message to customers: fill in {{impact}}');
    expect(text).toContain('Title: fill in {{affected_service}}');
    expect(text).not.toContain('body: fill in');
    expect(text).not.toContain('title: fill in');
  });

  it('names "Message to customers" and "Status" on the update form', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { severity: 2 });
    let res = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'identified', body: 'Customers see {{impact}}.' });
    expect(res.status).toBe(400);
    expect(textOf(res.text)).toContain('Message to customers: fill in {{impact}}');
    expect(textOf(res.text)).not.toContain('body:');
    res = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'identified', body: '' });
    expect(res.status).toBe(400);
    expect(textOf(res.text)).toContain('Message to customers: is required');
    expect(textOf(res.text)).not.toContain('Invalid input (body');
  });

  it('names the backfill and fix-text fields as their forms do', async () => {
    const { deps, lead } = await setup();
    let res = await adminPost(deps, '/admin/incidents/backfill', lead, {
      title: 'Past', severity: '3', started_at: '2026-11-21T10:00', resolved_at: '2026-11-21T11:00', body: '', resolution: 'Fixed.',
    });
    expect(res.status).toBe(400);
    expect(textOf(res.text)).toContain('What happened: is required');
    const id = await makeIncident(deps, { body: 'Typo here.' });
    const updateId = (await deps.repos.incidents.findById(id))!.updates[0]!.id;
    res = await adminPost(deps, `/admin/incidents/${id}/updates/${updateId}/edit`, lead, { body: 'Now with {{impact}}' });
    expect(res.status).toBe(400);
    expect(textOf(res.text)).toContain('Message: fill in {{impact}}');
    expect(textOf(res.text)).not.toContain('body:');
  });
});

describe('updating an incident', () => {
  it('shows the preview of an update first, jumped to with #preview, with Publish update right under it', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { severity: 2 });
    const res = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'preview', status: 'identified', body: 'Found a bad deploy.' });
    expect(res.status).toBe(200);
    expect(textOf(res.text)).toContain('Found a bad deploy.');
    expectPreviewFirst(res.text, 'update-form', 'Publish update');
    expect((await deps.repos.incidents.findById(id))!.updates).toHaveLength(1);
  });

  it('moves through Identified and Resolved, restoring the affected components', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await makeIncident(deps, { severity: 2, components: [{ componentId: api, status: 'major_outage' }, { componentId: web, status: 'degraded_performance' }] });
    deps.clock.advance(10 * MINUTE);
    let res = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'identified', body: 'Found a bad deploy.', next_update: '12:45' });
    expect(res.status).toBe(303);
    expect(textOf((await get(deps, '/')).text)).toContain('Found a bad deploy.');
    deps.clock.advance(20 * MINUTE);
    res = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'resolved', body: 'Rolled back; all good.', restore: 'on' });
    expect(res.status).toBe(303);
    const incident = (await deps.repos.incidents.findById(id))!;
    expect(incident.status).toBe('resolved');
    expect(incident.nextUpdateAt).toBeNull();
    const components = await deps.repos.components.list();
    expect(components.map((c) => c.status)).toEqual(['operational', 'operational']);
    expect(textOf((await get(deps, '/')).text)).toContain('All systems operational');
  });

  it('resolves without touching the components when "set back to Operational" is unticked, and previews what it will do', async () => {
    const { deps, lead, api, web } = await setup();
    const id = await makeIncident(deps, { severity: 2, components: [{ componentId: api, status: 'major_outage' }, { componentId: web, status: 'partial_outage' }] });
    deps.clock.advance(10 * MINUTE);
    const preview = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'preview', status: 'resolved', body: 'Fixed.', restore: 'on' });
    expect(textOf(preview.text)).toContain('API: Major outage → Operational');
    const unticked = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'preview', status: 'resolved', body: 'Fixed.' });
    expect(textOf(unticked.text)).not.toContain('API: Major outage → Operational');
    const res = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'resolved', body: 'Fixed; Web stays slow for a while.' });
    expect(res.status).toBe(303);
    expect((await deps.repos.incidents.findById(id))!.status).toBe('resolved');
    expect((await deps.repos.components.list()).map((c) => c.status)).toEqual(['major_outage', 'partial_outage']);
  });

  it('carries the placeholder values used earlier forward into the Identified and Resolved templates, the latest winning', async () => {
    const { deps, lead } = await setup();
    const phValue = (html: string, name: string): string | undefined => new RegExp(`name="ph_${name}" type="text" value="([^"]*)"`).exec(html)?.[1];
    const declared = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish',
      template: 'defaultinvestigating',
      title: 'Problems with {{affected_service}}',
      severity: '2',
      body: 'You may see {{impact}} when using {{affected_service}}.',
      ph_affected_service: 'Checkout',
      ph_impact: 'failed card payments',
    });
    expect(declared.status).toBe(303);
    const id = incidentIdFrom(declared.headers.get('location'));

    const identified = await adminGet(deps, `/admin/incidents/${id}?template=defaultidentified`, lead);
    expect(phValue(identified.text, 'affected_service')).toBe('Checkout');
    expect(phValue(identified.text, 'impact')).toBe('failed card payments');
    expect(phValue(identified.text, 'what_we_know')).toBe('');

    deps.clock.advance(10 * MINUTE);
    const posted = await adminPost(deps, `/admin/incidents/${id}/updates`, lead, {
      action: 'publish',
      template: 'defaultidentified',
      status: 'identified',
      body: 'We have found what is causing {{impact}} on {{affected_service}}: {{what_we_know}}',
      ph_affected_service: 'Checkout',
      ph_impact: 'declined card payments',
      ph_what_we_know: 'a faulty release.',
    });
    expect(posted.status).toBe(303);
    const resolved = await adminGet(deps, `/admin/incidents/${id}?template=defaultresolved`, lead);
    expect(phValue(resolved.text, 'affected_service')).toBe('Checkout');
    expect(phValue(resolved.text, 'impact')).toBe('declined card payments');
    // Customers never see the stored values themselves, only the text they filled.
    expect(textOf((await get(deps, `/incidents/${id}`)).text)).toContain('We have found what is causing declined card payments on Checkout: a faulty release.');
  });

  it('shows when the next update is due and turns overdue', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { severity: 1 });
    let page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(page.text).toContain('Next public update by 12:15 UTC (due in 15 min)');
    deps.clock.advance(20 * MINUTE);
    page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(page.text).toContain('class="overdue"');
    expect(page.text).toContain('overdue by 5 min');
    expect((await adminGet(deps, '/admin', lead)).text).toContain('overdue by 5 min');
  });

  it('pre-fills "next update by" from the severity cadence', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { severity: 3 });
    const page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(page.text).toMatch(/name="next_update"[^>]*value="14:00"/);
  });

  it('shows the promised next update on the public incident', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { severity: 2 });
    await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'investigating', body: 'Still looking.', next_update: '12:30' });
    expect(textOf((await get(deps, '/')).text)).toContain('Next update by 12:30 UTC');
    expect(textOf((await get(deps, `/incidents/${id}`)).text)).toContain('Next update by 12:30 UTC');
  });

  it('fixes the text of an update without changing its time, and deletes one', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { body: 'We are investigatign.' });
    deps.clock.advance(HOUR);
    await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'monitoring', body: 'Fix deployed.' });
    const [latest, first] = (await deps.repos.incidents.findById(id))!.updates;
    expect((await adminPost(deps, `/admin/incidents/${id}/updates/${first!.id}/edit`, lead, { body: 'We are investigating.' })).status).toBe(303);
    let incident = (await deps.repos.incidents.findById(id))!;
    expect(incident.updates[1]).toMatchObject({ body: 'We are investigating.', at: first!.at });
    expect((await adminPost(deps, `/admin/incidents/${id}/updates/${latest!.id}/delete`, lead, {})).status).toBe(303);
    incident = (await deps.repos.incidents.findById(id))!;
    expect(incident.updates).toHaveLength(1);
    expect(incident.status).toBe('investigating');
    expect(incident.monitoringAt).toBeNull();
  });

  it('changes severity and records who did it and why', async () => {
    const { deps, lead } = await setup();
    const id = await makeIncident(deps, { severity: 3 });
    expect((await adminPost(deps, `/admin/incidents/${id}/severity`, lead, { severity: '1', reason: 'Spreading to all regions' })).status).toBe(303);
    expect((await deps.repos.incidents.findById(id))!.severity).toBe(1);
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'incident.change_severity', targetId: id, actorId: lead.userId });
    expect(JSON.parse(entry!.details!)).toEqual({ from: 3, to: 1, reason: 'Spreading to all regions' });
  });
});

describe('backfilling a past incident', () => {
  it('records it with its times so the uptime recomputes', async () => {
    const { deps, lead, api } = await setup();
    const res = await adminPost(deps, '/admin/incidents/backfill', lead, {
      title: 'Weekend outage',
      severity: '2',
      started_at: '2026-11-21T10:00',
      resolved_at: '2026-11-21T16:00',
      [`component_${api}`]: 'major_outage',
      body: 'The API was down.',
      resolution: 'Restored.',
    });
    expect(res.status).toBe(303);
    const page = (await get(deps, '/')).text;
    expect(page).toContain('21 Nov 2026: major outage for 6 h');
    expect((await deps.repos.components.list()).find((c) => c.id === api)!.status).toBe('operational');
  });

  it('refuses an end before the start, keeping the input', async () => {
    const { deps, lead } = await setup();
    const res = await adminPost(deps, '/admin/incidents/backfill', lead, {
      title: 'Oops', severity: '3', started_at: '2026-11-21T10:00', resolved_at: '2026-11-21T09:00', body: 'x', resolution: 'y',
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('must be after the start');
    expect(res.text).toContain('value="Oops"');
  });
});
