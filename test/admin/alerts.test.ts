import { describe, expect, it } from 'vitest';
import { destinationDeliveries } from '../../src/db/schema.js';
import { MINUTE } from '../../src/domain/calendar.js';
import type { IncomingAlert } from '../../src/domain/alerts.js';
import { parseMatchers } from '../../src/presenters/admin-alert-rules.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { acknowledgeDraft, dismissDraft } from '../../src/services/alerts/drafts.js';
import { createRule } from '../../src/services/alerts/rules.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeDestination } from '../support/factories.js';
import { get, textOf as tagsRemoved } from '../support/http.js';

/*
 * The Comms Lead's alert screens, through the real app with a signed-in
 * session: the drafts alerts open, acknowledging (the chat link asks before
 * it acts), dismissing, the rules, declaring from a draft and the incident's
 * alert history.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
const STARTED = NOON - 2 * MINUTE;

interface Fixture {
  deps: TestDeps;
  lead: TestSession;
  payments: string;
  internal: string;
}

async function setup(): Promise<Fixture> {
  const deps = await createTestDeps({ now: NOON });
  const payments = await makeComponent(deps, { name: 'Payments' });
  const internal = await makeComponent(deps, { name: 'Ledger database', hidden: true });
  await createRule(deps, FIXTURE_ACTOR, { name: 'Payments critical', matchers: { service: 'payments' }, componentIds: [payments, internal], severity: 1 });
  const lead = await signIn(deps, 'comms', 'lead@example.com');
  return { deps, lead, payments, internal };
}

function alert(fields: Partial<IncomingAlert> = {}): IncomingAlert {
  return {
    source: 'alertmanager',
    key: 'fp-payments-5xx',
    status: 'firing',
    summary: 'HighErrorRate: Payments API 5xx above 5%',
    description: 'Error ratio 7.2% over 5 minutes.\nSee the runbook.',
    labels: { alertname: 'HighErrorRate', service: 'payments', severity: 'critical' },
    links: [
      { label: 'Source', url: 'https://prometheus.example/graph?g0.expr=rate' },
      { label: 'Runbook', url: 'javascript:alert(1)' },
    ],
    severity: null,
    component: null,
    startsAt: STARTED,
    endsAt: null,
    groupKey: '{}:{alertname="HighErrorRate"}',
    ...fields,
  };
}

/** Ingests one alert (as the API would) and returns the draft it is on. */
async function fire(deps: TestDeps, fields: Partial<IncomingAlert> = {}): Promise<string> {
  const result = await ingestAlerts(deps, FIXTURE_ACTOR, [alert(fields)]);
  return result.drafts[0]!;
}

/** An unmapped alert: its own draft (one per source group). */
const unmapped = (name: string): Partial<IncomingAlert> => ({
  key: `fp-${name}`,
  summary: name,
  labels: { alertname: name },
  groupKey: `{}:{alertname="${name}"}`,
});

/** A page's text as read: tags removed, entities decoded. */
const textOf = (html: string): string =>
  tagsRemoved(html).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

const draftRow = async (deps: TestDeps, id: string) => (await deps.repos.alerts.findDraft(id))!;

describe('the alerts list', () => {
  it('shows waiting drafts first, the unacknowledged ones on top and marked in words and colour, then recent ones', async () => {
    const { deps, lead } = await setup();
    const acknowledged = await fire(deps, unmapped('DiskFilling'));
    await acknowledgeDraft(deps, FIXTURE_ACTOR, acknowledged);
    deps.clock.advance(MINUTE);
    const dismissed = await fire(deps, unmapped('LoadTest'));
    await dismissDraft(deps, FIXTURE_ACTOR, dismissed, { reason: 'Planned load test' });
    const quiet = await fire(deps, unmapped('Flapping'));
    await ingestAlerts(deps, FIXTURE_ACTOR, [alert({ ...unmapped('Flapping'), status: 'resolved', endsAt: NOON + MINUTE })]);
    const payments = await fire(deps);
    deps.clock.advance(7 * MINUTE);

    const res = await adminGet(deps, '/admin/alerts', lead);
    expect(res.status).toBe(200);
    const waiting = res.text.slice(res.text.indexOf('Waiting for a person'), res.text.indexOf('<h2>Recent</h2>'));
    // The unacknowledged payments draft (newer) comes before the acknowledged one (older).
    expect(waiting.indexOf(`/admin/alerts/${payments}"`)).toBeGreaterThan(-1);
    expect(waiting.indexOf(`/admin/alerts/${payments}"`)).toBeLessThan(waiting.indexOf(`/admin/alerts/${acknowledged}"`));
    expect(waiting).toContain('<article class="card unack"');
    expect(waiting).toContain('<p class="overdue">Unacknowledged for 7 min</p>');
    const text = textOf(waiting);
    expect(text).toContain('HighErrorRate: Payments API 5xx above 5%');
    expect(text).toContain('SEV-1 (suggested) · Payments and Ledger database');
    expect(text).toContain('Prometheus Alertmanager · 1 alert, 1 firing · detected 23 Nov 2026, 11:58 UTC');
    expect(text).toContain('No severity suggested · No components (no rule matched)');
    expect(text).toContain('Acknowledged by Test owner <owner@example.com>, 23 Nov 2026, 12:00 UTC');
    const recent = textOf(res.text.slice(res.text.indexOf('<h2>Recent</h2>')));
    expect(recent).toContain('LoadTest');
    expect(recent).toContain('Dismissed: Planned load test');
    expect(recent).toContain('Flapping');
    expect(recent).toContain('Every alert resolved before anyone declared it');
    expect(res.text).not.toContain(`/admin/alerts/${quiet}/acknowledge`);
    // The count of unacknowledged drafts beside "Alerts" in the navigation.
    expect(res.text).toMatch(/<a href="\/admin\/alerts" aria-current="page">Alerts&nbsp;<span class="pill overdue">1<span class="vh"> unacknowledged<\/span>/);
  });

  it('links a declared draft to its incident', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    const declared = await adminPost(deps, '/admin/incidents/new', lead, { action: 'publish', alert_draft_id: draft, title: 'Payments failing', severity: '1', body: 'Card payments fail.' });
    expect(declared.status).toBe(303);
    const incident = /\/admin\/incidents\/([a-z0-9]+)/.exec(declared.headers.get('location')!)![1]!;
    const res = await adminGet(deps, '/admin/alerts', lead);
    expect(res.text).toContain(`<a href="/admin/incidents/${incident}">Declared: open the incident`);
  });
});

describe('a draft', () => {
  it('shows its alerts: summary, description, labels, web links only, status with start and end', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    await fire(deps, { key: 'fp-payments-latency', summary: 'Payments latency high', labels: { service: 'payments', alertname: 'Latency' }, startsAt: STARTED + MINUTE });
    await ingestAlerts(deps, FIXTURE_ACTOR, [alert({ key: 'fp-payments-latency', status: 'resolved', labels: { service: 'payments', alertname: 'Latency' }, endsAt: NOON + 3 * MINUTE })]);
    const res = await adminGet(deps, `/admin/alerts/${draft}`, lead);
    expect(res.status).toBe(200);
    const text = textOf(res.text);
    expect(text).toContain('HighErrorRate: Payments API 5xx above 5%');
    expect(text).toContain('2 alerts, 1 firing');
    expect(res.text).toContain('Error ratio 7.2% over 5 minutes.\nSee the runbook.');
    expect(res.text).toContain('<code>service=payments</code>');
    expect(res.text).toContain('<a href="https://prometheus.example/graph?g0.expr=rate" target="_blank" rel="noopener noreferrer">Source</a>');
    expect(res.text).not.toContain('javascript:');
    expect(text).toContain('Firing Started 23 Nov 2026, 11:58 UTC');
    expect(text).toContain('Resolved Started 23 Nov 2026, 11:59 UTC · ended 23 Nov 2026, 12:03 UTC');
    expect(res.text).toContain(`action="/admin/alerts/${draft}/acknowledge"`);
    expect(res.text).toContain(`href="/admin/incidents/new?alert=${draft}"`);
    expect(res.text).toContain(`action="/admin/alerts/${draft}/dismiss"`);
    expect(text).not.toContain('All alerts resolved');
  });

  it('says so when every alert has resolved', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    await acknowledgeDraft(deps, FIXTURE_ACTOR, draft);
    await ingestAlerts(deps, FIXTURE_ACTOR, [alert({ status: 'resolved', endsAt: NOON + 4 * MINUTE })]);
    const text = textOf((await adminGet(deps, `/admin/alerts/${draft}`, lead)).text);
    expect(text).toContain('All alerts resolved (the last at 12:04 UTC)');
    expect(text).toContain('1 alert, resolved');
  });

  it('answers 404 for a draft that does not exist', async () => {
    const { deps, lead } = await setup();
    expect((await adminGet(deps, '/admin/alerts/nosuchdraft1', lead)).status).toBe(404);
    expect((await adminGet(deps, '/admin/alerts/nosuchdraft1/acknowledge', lead)).status).toBe(404);
    expect((await adminGet(deps, '/admin/incidents/new?alert=nosuchdraft1', lead)).status).toBe(404);
  });
});

describe('acknowledging', () => {
  it('asks on GET (the chat link) and changes nothing: chat apps prefetch links', async () => {
    const { deps, lead } = await setup();
    await makeDestination(deps);
    const draft = await fire(deps);
    const deliveries = () => deps.db.orm.select().from(destinationDeliveries).all();
    const before = { draft: await draftRow(deps, draft), audit: await deps.repos.audit.list({ limit: 100 }), deliveries: await deliveries() };
    expect(before.deliveries).toHaveLength(1);
    const res = await adminGet(deps, `/admin/alerts/${draft}/acknowledge`, lead);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Acknowledge: HighErrorRate: Payments API 5xx above 5%</h1>');
    expect(res.text).toMatch(new RegExp(`<form method="post" action="/admin/alerts/${draft}/acknowledge">\\s*<input type="hidden" name="_csrf" value="${lead.csrf}">`));
    expect(res.text).toContain('<button type="submit">Acknowledge</button>');
    expect(await draftRow(deps, draft)).toEqual(before.draft);
    expect(await deps.repos.audit.list({ limit: 100 })).toEqual(before.audit);
    expect(await deliveries()).toEqual(before.deliveries);
  });

  it('sends a signed-out person to sign in, and back to the acknowledge page after', async () => {
    const { deps } = await setup();
    const draft = await fire(deps);
    const res = await get(deps, `/admin/alerts/${draft}/acknowledge`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(`/admin/alerts/${draft}/acknowledge`)}`);
    const login = await get(deps, res.headers.get('location')!);
    expect(login.text).toContain(`name="next" value="/admin/alerts/${draft}/acknowledge"`);
    expect((await draftRow(deps, draft)).acknowledgedAt).toBeNull();
  });

  it('records who and when on POST, and keeps the first acknowledgement', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    deps.clock.advance(3 * MINUTE);
    const res = await adminPost(deps, `/admin/alerts/${draft}/acknowledge`, lead, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/alerts/${draft}?done=acknowledged`);
    const row = await draftRow(deps, draft);
    expect(row).toMatchObject({ status: 'acknowledged', acknowledgedAt: NOON + 3 * MINUTE, acknowledgedBy: 'Test comms <lead@example.com>' });
    const page = textOf((await adminGet(deps, res.headers.get('location')!, lead)).text);
    expect(page).toContain('Acknowledged: the team’s channels are told you have it.');
    expect(page).toContain('by Test comms <lead@example.com>, 23 Nov 2026, 12:03 UTC');
    expect(page).not.toContain('Unacknowledged for');

    const other = await signIn(deps, 'comms', 'other@example.com');
    deps.clock.advance(MINUTE);
    const again = await adminPost(deps, `/admin/alerts/${draft}/acknowledge`, other, {});
    expect(again.headers.get('location')).toBe(`/admin/alerts/${draft}?done=already-acknowledged`);
    expect(await draftRow(deps, draft)).toMatchObject({ acknowledgedAt: NOON + 3 * MINUTE, acknowledgedBy: 'Test comms <lead@example.com>' });
    const confirm = textOf((await adminGet(deps, `/admin/alerts/${draft}/acknowledge`, other)).text);
    expect(confirm).toContain('Already acknowledged by Test comms <lead@example.com>, 23 Nov 2026, 12:03 UTC');
  });

  it('refuses a POST without the form token, and a viewer', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    const forged = await adminPost(deps, `/admin/alerts/${draft}/acknowledge`, lead, {}, { csrf: false });
    expect(forged.status).toBe(403);
    const viewer = await signIn(deps, 'viewer');
    expect((await adminPost(deps, `/admin/alerts/${draft}/acknowledge`, viewer, {})).status).toBe(403);
    expect((await adminPost(deps, `/admin/alerts/${draft}/dismiss`, viewer, { reason: 'x' })).status).toBe(403);
    expect((await draftRow(deps, draft)).acknowledgedAt).toBeNull();
    // A viewer reads the draft but is offered no buttons.
    const page = await adminGet(deps, `/admin/alerts/${draft}`, viewer);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(`action="/admin/alerts/${draft}/acknowledge"`);
  });
});

describe('dismissing', () => {
  it('needs a reason, and keeps what was typed when refused', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    const refused = await adminPost(deps, `/admin/alerts/${draft}/dismiss`, lead, { reason: '   ' });
    expect(refused.status).toBe(400);
    expect(textOf(refused.text)).toContain('Reason: say why it is not an incident');
    expect((await draftRow(deps, draft)).status).toBe('open');

    const res = await adminPost(deps, `/admin/alerts/${draft}/dismiss`, lead, { reason: 'Synthetic check misconfigured' });
    expect(res.status).toBe(303);
    expect(await draftRow(deps, draft)).toMatchObject({ status: 'dismissed', dismissedReason: 'Synthetic check misconfigured' });
    const page = textOf((await adminGet(deps, res.headers.get('location')!, lead)).text);
    expect(page).toContain('Dismissed. Nothing was published.');
    expect(page).toContain('Dismissed: Synthetic check misconfigured');
  });

  it('refuses to dismiss a declared draft with a 409 page', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    await adminPost(deps, '/admin/incidents/new', lead, { action: 'publish', alert_draft_id: draft, title: 'Payments failing', severity: '1', body: 'Card payments fail.' });
    const res = await adminPost(deps, `/admin/alerts/${draft}/dismiss`, lead, { reason: 'never mind' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('An incident was declared from this draft');
  });
});

describe('matchers as typed', () => {
  it('reads one label=value per line and names every mistake by its line', () => {
    expect(parseMatchers('service=payments\n\n  env = prod \nurl=a=b\ntag=')).toEqual({ matchers: { service: 'payments', env: 'prod', url: 'a=b', tag: '' }, errors: [] });
    expect(parseMatchers('service payments\n=x\nmy label=x\nservice=a\nservice=b').errors).toEqual([
      'Line 1 ("service payments"): write label=value, e.g. service=payments',
      'Line 2: the label name before "=" is missing',
      'Line 3: the label name "my label" has a space in it',
      'Line 5: service is already matched on line 4',
    ]);
    expect(Object.keys(parseMatchers('constructor=x\ntoString=y').matchers)).toEqual(['constructor', 'toString']);
    expect(parseMatchers('__proto__=y').errors).toEqual(['Line 1: __proto__ cannot be a label name']);
  });
});

describe('alert rules', () => {
  const form = (fields: Record<string, string | string[]> = {}) => ({
    name: 'Checkout down',
    source: 'alertmanager',
    matchers: 'service=checkout\nseverity=critical',
    severity: '2',
    autoComponentStatus: '',
    enabled: 'on',
    ...fields,
  });

  it('are created, edited, reordered and deleted by an admin; everyone reads them', async () => {
    const { deps, payments } = await setup();
    const admin = await signIn(deps, 'admin');
    const created = await adminPost(deps, '/admin/alerts/rules/new', admin, form({ componentIds: payments }));
    expect(created.status).toBe(303);
    const rules = await deps.repos.alerts.listRules();
    expect(rules.map((r) => r.name)).toEqual(['Payments critical', 'Checkout down']);
    const rule = rules[1]!;
    expect(rule).toMatchObject({ source: 'alertmanager', matchers: { service: 'checkout', severity: 'critical' }, componentIds: [payments], severity: 2, autoComponentStatus: null, enabled: true, position: 2 });
    expect(created.headers.get('location')).toBe(`/admin/alerts/rules?done=created#r-${rule.id}`);

    const edit = await adminGet(deps, `/admin/alerts/rules/${rule.id}/edit`, admin);
    expect(edit.text).toContain('service=checkout\nseverity=critical</textarea>');
    expect(edit.text).toContain(`value="${payments}" checked`);
    const saved = await adminPost(deps, `/admin/alerts/rules/${rule.id}/edit`, admin, form({ name: 'Checkout degraded', source: '', matchers: 'service=checkout', severity: '', autoComponentStatus: 'degraded_performance', componentIds: payments, enabled: '' }));
    expect(saved.status).toBe(303);
    expect(await deps.repos.alerts.findRule(rule.id)).toMatchObject({ name: 'Checkout degraded', source: null, matchers: { service: 'checkout' }, severity: null, autoComponentStatus: 'degraded_performance', enabled: false });

    const viewer = await signIn(deps, 'viewer');
    const list = await adminGet(deps, '/admin/alerts/rules', viewer);
    expect(list.status).toBe(200);
    const text = textOf(list.text);
    expect(text).toContain('1. Payments critical On');
    expect(text).toContain('2. Checkout degraded Off');
    expect(text).toContain('Changes the public page: while a matching alert fires, its components show Degraded performance.');
    expect(list.text).not.toContain('/move"');

    const moved = await adminPost(deps, `/admin/alerts/rules/${rule.id}/move`, admin, { direction: 'up' });
    expect(moved.status).toBe(303);
    expect((await deps.repos.alerts.listRules()).map((r) => [r.name, r.position])).toEqual([['Checkout degraded', 1], ['Payments critical', 2]]);
    await adminPost(deps, `/admin/alerts/rules/${rule.id}/move`, admin, { direction: 'up' });
    expect((await deps.repos.alerts.listRules())[0]!.id).toBe(rule.id);
    await adminPost(deps, `/admin/alerts/rules/${rule.id}/move`, admin, { direction: 'down' });
    await adminPost(deps, `/admin/alerts/rules/${rule.id}/move`, admin, { direction: 'down' });
    expect((await deps.repos.alerts.listRules()).map((r) => [r.name, r.position])).toEqual([['Payments critical', 1], ['Checkout degraded', 2]]);
    expect((await adminPost(deps, `/admin/alerts/rules/${rule.id}/move`, admin, { direction: 'sideways' })).status).toBe(400);

    const confirm = await adminGet(deps, `/admin/alerts/rules/${rule.id}/delete`, admin);
    expect(confirm.text).toContain('<h1>Delete rule Checkout degraded?</h1>');
    expect(await deps.repos.alerts.findRule(rule.id)).toBeDefined();
    const deleted = await adminPost(deps, `/admin/alerts/rules/${rule.id}/delete`, admin, {});
    expect(deleted.headers.get('location')).toBe('/admin/alerts/rules?done=deleted');
    expect((await deps.repos.alerts.listRules()).map((r) => r.name)).toEqual(['Payments critical']);
  });

  it('refuse mistakes with clear messages, keep what was typed and save nothing', async () => {
    const { deps, payments } = await setup();
    const admin = await signIn(deps, 'admin');
    const bad = await adminPost(deps, '/admin/alerts/rules/new', admin, form({ name: '', matchers: 'service checkout\nenv=prod' }));
    expect(bad.status).toBe(400);
    expect(textOf(bad.text)).toContain('Nothing was saved. Check the fields marked below.');
    expect(textOf(bad.text)).toContain('Line 1 ("service checkout"): write label=value, e.g. service=payments');
    expect(bad.text).toContain('<p class="field-error" id="name-error">is required</p>');
    expect(bad.text).toContain('service checkout\nenv=prod</textarea>');

    const noComponents = await adminPost(deps, '/admin/alerts/rules/new', admin, form({ autoComponentStatus: 'major_outage' }));
    expect(noComponents.status).toBe(400);
    expect(textOf(noComponents.text)).toContain('choose the components whose status follows the alert');
    const badSeverity = await adminPost(deps, '/admin/alerts/rules/new', admin, form({ severity: '9', componentIds: payments }));
    expect(badSeverity.status).toBe(400);
    expect(textOf(badSeverity.text)).toContain('must be 1, 2, 3 or 4');
    expect((await deps.repos.alerts.listRules()).map((r) => r.name)).toEqual(['Payments critical']);
  });

  it('are changed by admins only, and only with the form token', async () => {
    const { deps, lead } = await setup();
    const admin = await signIn(deps, 'admin');
    expect((await adminPost(deps, '/admin/alerts/rules/new', lead, form())).status).toBe(403);
    expect((await adminGet(deps, '/admin/alerts/rules/new', lead)).status).toBe(403);
    expect((await adminPost(deps, '/admin/alerts/rules/new', admin, form(), { csrf: false })).status).toBe(403);
    const [rule] = await deps.repos.alerts.listRules();
    expect((await adminPost(deps, `/admin/alerts/rules/${rule!.id}/delete`, lead, {})).status).toBe(403);
    expect((await deps.repos.alerts.listRules()).length).toBe(1);
  });
});

describe('declaring from a draft', () => {
  it('pre-fills the form: title, suggested severity, components, the investigating template with the service filled, the draft id', async () => {
    const { deps, lead, payments, internal } = await setup();
    const draft = await fire(deps);
    const res = await adminGet(deps, `/admin/incidents/new?alert=${draft}`, lead);
    expect(res.status).toBe(200);
    expect(res.text).toContain('value="HighErrorRate: Payments API 5xx above 5%"');
    expect(res.text).toMatch(/<input type="radio" name="severity" value="1" required checked>/);
    expect(res.text).toMatch(new RegExp(`<select id="component_${payments}" name="component_${payments}">[\\s\\S]*?<option value="major_outage" selected>`));
    expect(res.text).toMatch(new RegExp(`<select id="component_${internal}" name="component_${internal}">[\\s\\S]*?<option value="major_outage" selected>`));
    expect(res.text).toContain('name="template" value="defaultinvestigating"');
    // The hidden component's name is never offered for the public text.
    expect(res.text).toContain('<input id="ph_affected_service" name="ph_affected_service" type="text" value="Payments">');
    expect(res.text).toContain('You may see {{impact}} when using {{affected_service}}.');
    expect(res.text).toContain(`<input type="hidden" name="alert_draft_id" value="${draft}">`);
    expect(res.text).not.toContain('<select id="detection_source"');
    expect(textOf(res.text)).toContain('How did we find out? An alert from monitoring');
    // Another template keeps the draft.
    expect(res.text).toContain(`href="/admin/incidents/new?alert=${draft}&amp;template=defaultstillinvestigating"`);
  });

  it('declares with the draft linked: detection from the alert, the acknowledgement kept, the draft declared', async () => {
    const { deps, lead, payments } = await setup();
    const draft = await fire(deps);
    deps.clock.advance(MINUTE);
    await adminPost(deps, `/admin/alerts/${draft}/acknowledge`, lead, {});
    deps.clock.advance(MINUTE);
    const res = await adminPost(deps, '/admin/incidents/new', lead, {
      action: 'publish',
      alert_draft_id: draft,
      template: 'defaultinvestigating',
      title: 'HighErrorRate: Payments API 5xx above 5%',
      severity: '1',
      body: 'You may see {{impact}} when using {{affected_service}}.',
      ph_impact: 'failed card payments',
      ph_affected_service: 'Payments',
      [`component_${payments}`]: 'major_outage',
      notify: 'auto',
    });
    expect(res.status).toBe(303);
    const incidentId = /\/admin\/incidents\/([a-z0-9]+)/.exec(res.headers.get('location')!)![1]!;
    const incident = (await deps.repos.incidents.findById(incidentId))!;
    expect(incident).toMatchObject({ alertDraftId: draft, detectionSource: 'alert', detectedAt: STARTED, acknowledgedAt: NOON + MINUTE, acknowledgedBy: 'Test comms <lead@example.com>', severity: 1 });
    expect(incident.updates[0]!.body).toBe('You may see failed card payments when using Payments.');
    expect((await draftRow(deps, draft)).status).toBe('declared');
    expect(textOf((await get(deps, `/incidents/${incidentId}`)).text)).toContain('You may see failed card payments when using Payments.');

    // The Declare link in an old chat message leads to the incident.
    const again = await adminGet(deps, `/admin/incidents/new?alert=${draft}`, lead);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`/admin/incidents/${incidentId}?from_alert=declared`);
    const twice = await adminPost(deps, '/admin/incidents/new', lead, { action: 'publish', alert_draft_id: draft, title: 'Again', severity: '1', body: 'Again.' });
    expect(twice.headers.get('location')).toBe(`/admin/incidents/${incidentId}?from_alert=declared`);
    expect(await deps.repos.incidents.listOpenIncidents()).toHaveLength(1);
    expect(textOf((await adminGet(deps, again.headers.get('location')!, lead)).text)).toContain('An incident was already declared from this alert: this is it.');
  });

  it('keeps the draft on a preview and on a refusal', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    const preview = await adminPost(deps, '/admin/incidents/new', lead, { action: 'preview', alert_draft_id: draft, title: 'Payments failing', severity: '1', body: 'Failing.' });
    expect(preview.text).toContain(`<input type="hidden" name="alert_draft_id" value="${draft}">`);
    const refused = await adminPost(deps, '/admin/incidents/new', lead, { action: 'publish', alert_draft_id: draft, title: '', severity: '1', body: 'Failing.' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`<input type="hidden" name="alert_draft_id" value="${draft}">`);
    expect((await draftRow(deps, draft)).status).toBe('open');
  });
});

describe('the detection source', () => {
  it('is asked on the declare form (the team noticed, unless chosen) and corrected on the incident page', async () => {
    const { deps, lead } = await setup();
    const form = await adminGet(deps, '/admin/incidents/new', lead);
    expect(form.text).toContain('<option value="internal" selected>Noticed by the team</option>');
    const res = await adminPost(deps, '/admin/incidents/new', lead, { action: 'publish', title: 'Login slow', severity: '3', body: 'Slow.', detection_source: 'customer_report' });
    const id = /\/admin\/incidents\/([a-z0-9]+)/.exec(res.headers.get('location')!)![1]!;
    expect((await deps.repos.incidents.findById(id))!.detectionSource).toBe('customer_report');
    const page = await adminGet(deps, `/admin/incidents/${id}`, lead);
    expect(textOf(page.text)).toContain('How we found out Customer report');
    expect(page.text).toContain('<option value="customer_report" selected>Customer report</option>');

    expect((await adminPost(deps, `/admin/incidents/${id}/detection-source`, lead, { detection_source: 'other' })).status).toBe(303);
    expect((await deps.repos.incidents.findById(id))!.detectionSource).toBe('other');
    expect((await adminPost(deps, `/admin/incidents/${id}/detection-source`, lead, { detection_source: '' })).status).toBe(303);
    expect((await deps.repos.incidents.findById(id))!.detectionSource).toBeNull();
    const bad = await adminPost(deps, `/admin/incidents/${id}/detection-source`, lead, { detection_source: 'psychic' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.text)).toContain('How did we find out?: must be one of alert, customer_report, internal, other');
    const viewer = await signIn(deps, 'viewer');
    expect((await adminPost(deps, `/admin/incidents/${id}/detection-source`, viewer, { detection_source: 'other' })).status).toBe(403);
    expect((await adminPost(deps, `/admin/incidents/${id}/detection-source`, lead, { detection_source: 'other' }, { csrf: false })).status).toBe(403);
    expect((await deps.repos.incidents.findById(id))!.detectionSource).toBeNull();
  });
});

describe('the incident page', () => {
  it('shows the alert history, and suggests Monitoring or Resolved once every alert resolved, posting nothing', async () => {
    const { deps, lead } = await setup();
    const draft = await fire(deps);
    const res = await adminPost(deps, '/admin/incidents/new', lead, { action: 'publish', alert_draft_id: draft, title: 'Payments failing', severity: '1', body: 'Card payments fail.' });
    const id = /\/admin\/incidents\/([a-z0-9]+)/.exec(res.headers.get('location')!)![1]!;
    let page = textOf((await adminGet(deps, `/admin/incidents/${id}`, lead)).text);
    expect(page).toContain('Alert history Declared from HighErrorRate: Payments API 5xx above 5%');
    expect(page).toContain('Firing Started 23 Nov 2026, 11:58 UTC');
    expect(page).toContain('Detected 23 Nov 2026, 11:58 UTC');
    expect(page).toContain('Acknowledged 23 Nov 2026, 12:00 UTC by Test comms <lead@example.com>');
    expect(page).toContain('How we found out Alert from monitoring');
    expect(page).not.toContain('All alerts resolved');

    deps.clock.advance(10 * MINUTE);
    await ingestAlerts(deps, FIXTURE_ACTOR, [alert({ status: 'resolved', endsAt: NOON + 9 * MINUTE })]);
    page = textOf((await adminGet(deps, `/admin/incidents/${id}`, lead)).text);
    expect(page).toContain('All alerts resolved at 12:09 UTC. Consider posting Monitoring or Resolved.');
    expect(page).toContain('Resolved Started 23 Nov 2026, 11:58 UTC · ended 23 Nov 2026, 12:09 UTC');
    const incident = (await deps.repos.incidents.findById(id))!;
    expect(incident.status).toBe('investigating');
    expect(incident.updates).toHaveLength(1);

    await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'monitoring', body: 'A fix is out.' });
    page = textOf((await adminGet(deps, `/admin/incidents/${id}`, lead)).text);
    expect(page).toContain('All alerts resolved at 12:09 UTC. Consider posting Resolved.');
    await adminPost(deps, `/admin/incidents/${id}/updates`, lead, { action: 'publish', status: 'resolved', body: 'Fixed.' });
    page = textOf((await adminGet(deps, `/admin/incidents/${id}`, lead)).text);
    expect(page).not.toContain('Consider posting');
    expect(page).toContain('Alert history');
  });
});

describe('the dashboard', () => {
  it('shows the drafts waiting for a person at the top, unacknowledged in words and red', async () => {
    const { deps, lead } = await setup();
    await fire(deps);
    deps.clock.advance(4 * MINUTE);
    const res = await adminGet(deps, '/admin', lead);
    expect(res.text.indexOf('Alerts waiting for a person')).toBeGreaterThan(-1);
    expect(res.text.indexOf('Alerts waiting for a person')).toBeLessThan(res.text.indexOf('Active incidents'));
    expect(res.text).toContain('<p class="overdue">Unacknowledged for 4 min</p>');
    expect(res.text).toContain('<button type="submit">Acknowledge<span class="vh">: HighErrorRate: Payments API 5xx above 5%</span></button>');
    const quiet = await createTestDeps({ now: NOON });
    const member = await signIn(quiet, 'viewer');
    expect((await adminGet(quiet, '/admin', member)).text).not.toContain('Alerts waiting for a person');
  });
});
