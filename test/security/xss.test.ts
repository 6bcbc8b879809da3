import ICAL from 'ical.js';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { SCRIBE_SCRIPT } from '../../src/routes/admin/scribe-script.js';
import { DAY, HOUR } from '../../src/domain/calendar.js';
import { createViews } from '../../src/lib/views.js';
import { markdownCell } from '../../src/domain/timeline.js';
import { renderMarkdown } from '../../src/presenters/markdown.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, apiCall, apiToken, signIn, type TestResponse, type TestSession } from '../support/admin.js';
import { asHtmlText, inspectHtml, inspectXml, jsonStrings } from './support.js';
import { mailOutbox } from '../../src/db/schema.js';
import type { MailTransport, OutgoingEmail } from '../../src/mail/transport.js';
import { composeInviteEmail, composePasswordResetEmail } from '../../src/mail/compose.js';
import { createDrainer } from '../../src/services/notifications/outbox.js';
import { subscriberToken } from '../../src/services/subscribers/subscriptions.js';
import { addSubscribers } from '../mail/support.js';
import { composeChannelAlreadySubscribedEmail, composeChannelConfirmEmail } from '../../src/mail/channel-subscriber-mail.js';
import { channelSubscriberToken } from '../../src/services/customer-channels/subscriptions.js';
import { randomToken } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import { createApiToken } from '../../src/services/auth/api-tokens.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createActionItem } from '../../src/services/postmortems/action-items.js';
import { addChannelSubscriber, addDelivery, addUpdateNotice } from '../admin/channel-fixtures.js';

/*
 * The XSS suite: every hostile string goes into every field that reaches a
 * page, a feed, a badge, the embed, the JSON APIs and the admin pages, through
 * the same forms and API calls people use. Then every route that shows them is
 * fetched and checked as a browser would read it (parse5 for HTML, an XML
 * validator for feeds and SVG, JSON.parse for the APIs): no script, no event
 * handler, no javascript:/data: URL, no broken markup, and the text comes back
 * as text (exactly, in JSON).
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

interface Hostile {
  label: string;
  text: string;
}

/** Each at most 100 characters (the shortest field limit) and without leading or trailing space (fields are trimmed). */
const HOSTILE: Hostile[] = [
  { label: 'script tag', text: '<script>alert(1)</script>' },
  { label: 'img onerror', text: '<img src=x onerror=alert(1)>' },
  { label: 'svg onload', text: '<svg onload=alert(1)>' },
  { label: 'svg script', text: '<svg><script>alert(1)</script></svg>' },
  { label: 'svg animate href', text: '<svg><a><animate attributeName=href values=javascript:alert(1) /><text>x</text></a></svg>' },
  { label: 'math mglyph', text: '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>' },
  { label: 'javascript URL', text: 'javascript:alert(1)' },
  { label: 'data URL', text: 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==' },
  { label: 'markdown javascript link', text: '[click me](javascript:alert(1)) [x](JaVaScRiPt:alert(1))' },
  { label: 'markdown data link', text: '[x](data:text/html,<script>alert(1)</script>) ![i](x" onerror="alert(1))' },
  { label: 'attribute break double', text: '"><script>alert(1)</script>' },
  { label: 'attribute break single', text: "'><img src=x onerror=alert(1)>" },
  { label: 'unquoted attribute break', text: 'x onmouseover=alert(1) y' },
  { label: 'textarea break', text: '</textarea><script>alert(1)</script>' },
  { label: 'title break', text: '</title><script>alert(1)</script>' },
  { label: 'style break', text: '</style><script>alert(1)</script>' },
  { label: 'comment and CDATA', text: '<!-- --> ]]> <![CDATA[ x ]]> -->' },
  { label: 'broken markup', text: '<b><i>unclosed <a href="x' },
  { label: 'iframe', text: '<iframe src="javascript:alert(1)"></iframe>' },
  { label: 'entities', text: '&lt;script&gt; &amp; &#x3C;script&#x3E; &quot;' },
  { label: 'RTL override', text: 'Payments \u202Eelif.exe\u202C outage' },
  { label: 'zero-width', text: 'A\u200Bp\u200Ci\u200D\u2060\uFEFFdown' },
  { label: 'template syntax', text: '${7*7} <%= it %> <%~ it.body %> {{7*7}}' },
  { label: 'placeholder', text: 'Impact: {{impact}} on {{constructor}} and {{toString}}' },
  { label: 'CRLF', text: 'line one\r\nBEGIN:VEVENT\r\nSUMMARY:injected\r\nEND:VEVENT' },
  { label: 'control characters', text: 'bell\u0007 escape\u001B[31m form\u000C feed' },
  { label: 'emoji and astral', text: 'Database 🔥💥 𝕏 outage' },
];

/** Publishing refuses placeholders (and says so): incidents and maintenance get the text with them broken up. */
const publishable = (text: string): string => text.replace(/\{\{/g, '{ {').replace(/\}\}/g, '} }');

interface Fixture {
  deps: TestDeps;
  owner: TestSession;
  token: string;
  ids: {
    subscriber: string;
    /** The subscriber's link token, URL-encoded. */
    subscriberLink: string;
    group: string;
    component: string;
    incident: string;
    update: string;
    resolved: string;
    maintenance: string;
    template: string;
    maintenanceTemplate: string;
    member: string;
    apiToken: string;
    resetToken: string;
    destination: string;
    /** An alert draft waiting for a person, one declared (its incident), and an alert rule. */
    draft: string;
    declared: string;
    rule: string;
    /** A failing Slack subscriber whose last failure and delivery error hold the text (issue 18). */
    channelSubscriber: string;
  };
  /** Pages rendered in answer to a form (a preview, a refusal, a one-time link). */
  formPages: { what: string; res: TestResponse }[];
  /** A disabled webhook subscription's link token (URL-encoded), its last failure the hostile text. */
  channelLink: string;
}

function expectOk(res: TestResponse, what: string, status = 200): void {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBe(status);
}

async function json(res: TestResponse, what: string, status = 200): Promise<any> {
  expectOk(res, what, status);
  return JSON.parse(res.text);
}

/** A page where every field holds `text`, written through the management API and the admin forms. */
async function hostileFixture(text: string): Promise<Fixture> {
  const deps = await createTestDeps({ now: NOON - 2 * DAY });
  const token = await apiToken(deps, 'owner');
  const pub = publishable(text);

  await json(await apiCall(deps, 'PATCH', '/api/v1/settings', token, { name: text }), 'settings');
  const group = (await json(await apiCall(deps, 'POST', '/api/v1/component-groups', token, { name: text, description: text }), 'group', 201)).id;
  const component = (
    await json(await apiCall(deps, 'POST', '/api/v1/components', token, { name: text, description: text, group_id: group }), 'component', 201)
  ).id;
  await json(await apiCall(deps, 'POST', '/api/v1/components', token, { name: `${text} (alone)`.slice(0, 100), description: text }), 'ungrouped', 201);

  const resolved = (
    await json(
      await apiCall(deps, 'POST', '/api/v1/incidents', token, { title: pub, severity: 3, body: pub, components: [{ component_id: component, status: 'degraded_performance' }] }),
      'first incident',
      201,
    )
  ).id;
  deps.clock.advance(HOUR);
  await json(await apiCall(deps, 'POST', `/api/v1/incidents/${resolved}/updates`, token, { status: 'resolved', body: pub, components: [{ component_id: component, status: 'operational' }] }), 'resolve', 201);

  deps.clock.advance(HOUR);
  const incident = (
    await json(
      await apiCall(deps, 'POST', '/api/v1/incidents', token, { title: pub, severity: 1, body: pub, components: [{ component_id: component, status: 'major_outage' }] }),
      'incident',
      201,
    )
  ).id;
  deps.clock.advance(HOUR);
  const update = (await json(await apiCall(deps, 'POST', `/api/v1/incidents/${incident}/updates`, token, { status: 'identified', body: pub }), 'update', 201)).update.id;
  // Issue 15: roles held by free-text names and an internal-only update (the admin's pinned header and timeline).
  await json(await apiCall(deps, 'PUT', `/api/v1/incidents/${incident}/roles`, token, { incident_commander: { name: text.slice(0, 100) }, scribe: { name: text.slice(0, 100) } }), 'roles');
  await json(await apiCall(deps, 'POST', `/api/v1/incidents/${incident}/internal-updates`, token, { body: pub }), 'internal update', 201);
  // Issue 17: a scribe note, a key time correction, the postmortem document, an action item, and the customer postmortem on the page.
  await json(await apiCall(deps, 'POST', `/api/v1/incidents/${incident}/timeline`, token, { text, who: text.slice(0, 200) }), 'timeline note', 201);
  await json(await apiCall(deps, 'PUT', `/api/v1/incidents/${incident}/key-times/impact_started`, token, { at: new Date(NOON - 2 * DAY).toISOString(), reason: text }), 'key time');
  await json(await apiCall(deps, 'POST', `/api/v1/incidents/${incident}/postmortem`, token), 'postmortem', 201);
  await json(await apiCall(deps, 'PUT', `/api/v1/incidents/${incident}/postmortem`, token, { body: pub, base_revision: 0 }), 'postmortem saved');
  await json(await apiCall(deps, 'POST', `/api/v1/incidents/${incident}/action-items`, token, { title: text, owner_name: text.slice(0, 100) }), 'action item', 201);
  await json(await apiCall(deps, 'POST', `/api/v1/incidents/${resolved}/postmortem`, token), 'resolved postmortem', 201);
  await json(await apiCall(deps, 'PUT', `/api/v1/incidents/${resolved}/postmortem`, token, { public_body: pub }), 'public postmortem');

  const maintenance = (
    await json(
      await apiCall(deps, 'POST', '/api/v1/maintenance', token, {
        title: pub,
        body: pub,
        scheduled_for: new Date(NOON + DAY).toISOString(),
        scheduled_until: new Date(NOON + DAY + 2 * HOUR).toISOString(),
        component_ids: [component],
      }),
      'maintenance',
      201,
    )
  ).id;

  // Templates keep placeholders ("{{constructor}}" included) when their syntax is valid.
  const templateText = (await apiCall(deps, 'POST', '/api/v1/templates', token, { name: 'probe', kind: 'incident', status: 'identified', body: text })).status === 201 ? text : pub;
  const template = (
    await json(await apiCall(deps, 'POST', '/api/v1/templates', token, { name: text, kind: 'incident', status: 'investigating', title: templateText, body: `${templateText}\n\n{{affected_service}}` }), 'template', 201)
  ).id;
  const maintenanceTemplate = (
    await json(await apiCall(deps, 'POST', '/api/v1/templates', token, { name: text, kind: 'maintenance', status: 'scheduled', title: templateText, body: `${templateText} {{start_time}}` }), 'maintenance template', 201)
  ).id;
  deps.clock.set(NOON);
  const owner = await signIn(deps, 'owner');
  // The signed-in member's own name is on every admin page.
  await deps.db.atomic([deps.repos.accounts.updateUser(owner.userId, { name: text, updatedAt: deps.clock.now() })]);

  const formPages: Fixture['formPages'] = [];
  const form = async (what: string, path: string, fields: Record<string, string | string[]>, status: number) => {
    const res = await adminPost(deps, path, owner, fields);
    expectOk(res, what, status);
    formPages.push({ what, res });
    return res;
  };

  const invite = await form('team member added', '/admin/team', { name: text, email: 'new.member@example.com', role: 'comms' }, 200);
  const resetToken = /\/admin\/reset\/([A-Za-z0-9_-]+)/.exec(invite.text)![1]!;
  const member = (await deps.repos.accounts.findUserByEmail('new.member@example.com'))!.id;
  await form('token created', '/admin/tokens', { name: text, scope: 'viewer' }, 200);
  const apiTokenId = (await deps.repos.accounts.listApiTokens()).find((t) => t.name === text)!.id;

  await form('incident preview', '/admin/incidents/new', { title: text, severity: '2', body: text, [`component_${component}`]: 'major_outage', action: 'preview' }, 200);
  await form('incident refused', '/admin/incidents/new', { title: text, severity: '', body: text }, 400);
  await form('update preview', `/admin/incidents/${incident}/updates`, { status: 'monitoring', body: text, action: 'preview' }, 200);
  await form('maintenance preview', '/admin/maintenance/new', { title: text, body: text, starts: '2026-11-25T10:00', ends: '2026-11-25T11:00', components: component, action: 'preview' }, 200);
  await form('maintenance update preview', `/admin/maintenance/${maintenance}/updates`, { status: 'in_progress', body: text, action: 'preview' }, 200);
  await form('component refused', '/admin/components', { name: text, description: 'x'.repeat(501) }, 400);
  await form('group refused', '/admin/groups', { name: text, description: 'x'.repeat(501) }, 400);
  await form('template refused', '/admin/templates/new', { name: text, step: 'incident:investigating', title: text, body: '' }, 400);
  await form('settings refused', '/admin/settings', { name: text, url: '', timeZone: 'UTC', logoUrl: 'javascript:alert(1)', accentColor: '#2563eb' }, 400);
  await form('update edit refused', `/admin/incidents/${incident}/updates/${update}/edit`, { body: '' }, 400);
  await form('member refused', '/admin/team', { name: text, email: 'not an email', role: 'comms' }, 400);
  await form('token refused', '/admin/tokens', { name: text, scope: 'superuser' }, 400);
  await form('destination refused', '/admin/destinations/new', { name: text.slice(0, 100), type: 'slack', url: 'http://example.com/x', severityScope: 'all', componentScope: 'all' }, 400);
  const destination = (
    await json(await apiCall(deps, 'POST', '/api/v1/destinations', token, { name: text.slice(0, 100), type: 'webhook', url: 'https://hooks.example.com/in/x' }), 'destination', 201)
  ).id;

  // Issue 16: a rule (through its form), alerts from Alertmanager (through the intake API) with the text in
  // every field, one draft declared from through the declare form, the other left waiting.
  await form('alert rule refused', '/admin/alerts/rules/new', { name: text.slice(0, 100), matchers: text, severity: '9' }, 400);
  await adminPost(deps, '/admin/alerts/rules/new', owner, { name: text.slice(0, 100), matchers: 'team=herald', componentIds: component, severity: '2', enabled: 'on' });
  const rule = (await deps.repos.alerts.listRules()).find((r) => r.name === text.slice(0, 100).trim())!.id;
  const alertsToken = (await createApiToken(deps, FIXTURE_ACTOR, { name: 'alerts', scope: 'alerts' })).token;
  const fire = async (fingerprint: string, labels: Record<string, string>, status = 'firing') =>
    json(
      await apiCall(deps, 'POST', '/api/v1/alerts/alertmanager', alertsToken, {
        version: '4',
        groupKey: `{}:{alertname="${fingerprint}"}`,
        status,
        alerts: [
          {
            status,
            // No alertname: the draft's title is then the summary exactly (the API returns it as typed).
            labels: { hostile: text, ...labels },
            annotations: { summary: text, description: text, runbook_url: text, dashboard_url: `https://grafana.example/d/x?q=${text}` },
            startsAt: new Date(NOON - HOUR).toISOString(),
            endsAt: status === 'resolved' ? new Date(NOON).toISOString() : '0001-01-01T00:00:00Z',
            generatorURL: `https://prometheus.example/graph?g0.expr=${text}`,
            fingerprint,
          },
        ],
      }),
      `alert ${fingerprint}`,
    );
  const mapped = (await fire('mapped', { team: 'herald' })).drafts[0] as string;
  const draft = (await fire('unmapped', {})).drafts[0] as string;
  const declaredRes = await adminPost(deps, '/admin/incidents/new', owner, { action: 'publish', alert_draft_id: mapped, title: pub, severity: '2', body: pub });
  expectOk(declaredRes, 'declared from an alert', 303);
  const declared = /\/admin\/incidents\/([a-z0-9]+)/.exec(declaredRes.headers.get('location')!)![1]!;
  // The pages below show these rows (a missing id would only be a 404 page, checked for nothing).
  expect((await deps.repos.incidents.findById(declared))!.alertDraftId).toBe(mapped);
  expect((await deps.repos.alerts.findDraft(draft))!.title).toBe(text);
  await fire('mapped', { team: 'herald' }, 'resolved');
  await form('alert dismiss refused', `/admin/alerts/${draft}/dismiss`, { reason: '' }, 400);
  await form('declare from an alert refused', '/admin/incidents/new', { action: 'publish', alert_draft_id: draft, title: '', severity: '2', body: text }, 400);

  // Issue 17: a scribe note, a key time's reason, the postmortem document, its customer text and an action item hold the text.
  await form('timeline note', `/admin/incidents/${incident}/timeline/notes`, { text, who: text }, 303);
  await form('timeline note refused', `/admin/incidents/${incident}/timeline/notes`, { text, when: 'not a time', who: text }, 400);
  // Before the incident was declared (impact usually starts before anyone notices).
  const earlier = new Date(NOON - 3 * DAY).toISOString().slice(0, 16);
  await form('key time corrected', `/admin/incidents/${incident}/timeline/key-times`, { marker: 'impact_started', at: earlier, reason: text, action: 'set' }, 303);
  await form('key time refused', `/admin/incidents/${incident}/timeline/key-times`, { marker: 'detected', at: '', reason: text, action: 'set' }, 400);
  await form('postmortem saved', `/admin/incidents/${resolved}/postmortem`, { body: text, base_revision: '0', owner: 'keep' }, 303);
  await form('postmortem conflict', `/admin/incidents/${resolved}/postmortem`, { body: text, base_revision: '0', owner: 'keep' }, 409);
  await form('postmortem published for customers', `/admin/incidents/${resolved}/postmortem/public`, { action: 'publish', public_body: pub }, 303);
  await form('action item', `/admin/incidents/${resolved}/action-items`, { title: text, owner: '', owner_name: text, priority: 'P1', due: '', url: '' }, 303);
  await form('action item refused', `/admin/incidents/${resolved}/action-items`, { title: text, owner: '', owner_name: text, priority: 'P1', due: '', url: 'javascript:alert(1)' }, 400);
  // Issue 17: an overdue P0 action item and the resolved incident's postmortem owned by the text (the dashboard and
  // /admin/action-items show both).
  await createActionItem(deps, FIXTURE_ACTOR, incident, { title: text.slice(0, 300), ownerName: text.slice(0, 100), priority: 'P0', dueAt: deps.clock.now() - HOUR });
  await deps.db.atomic([deps.repos.postmortems.update(resolved, { ownerName: text.slice(0, 100), updatedAt: deps.clock.now() })]);
  expect((await deps.repos.postmortems.find(resolved))!.dueAt).not.toBeNull();

  // A subscriber who chose the hostile component: it is named on their pages and in their emails.
  const [subscriber] = await addSubscribers(deps, ['hostile.reader@example.com'], { componentIds: [component] });
  const subscriberLink = encodeURIComponent(subscriberToken((await deps.repos.subscribers.findById(subscriber!))!));
  // A webhook subscription that chose the hostile component and failed with the hostile text; and the form refusing a hostile URL.
  const channel = { id: newId(), secret: randomToken(24) };
  await deps.db.atomic([deps.repos.channelSubscribers.insert({ ...channel, type: 'webhook', url: 'https://hooks.customer.example/in', contactEmail: 'hostile.hook@example.com', status: 'disabled', allComponents: false, componentIds: [component], groupIds: [group], createdAt: NOON, updatedAt: NOON, lastFailureAt: NOON, lastFailureStatus: 500, lastFailureError: text.slice(0, 500), failingSince: NOON - DAY, disabledAt: NOON })]);
  const channelLink = encodeURIComponent(channelSubscriberToken(channel));
  await form('channel subscription refused', '/subscribe/channels', { type: 'webhook', url: `https://hooks.customer.example/${text}`, contactEmail: text, scope: 'some', componentIds: [component] }, 400);
  await form('channel subscription scope saved', `/subscribe/channels/manage/${channelLink}`, { scope: 'some', componentIds: [component], groupIds: [group] }, 200);
  // Issue 18: a failing chat subscriber whose receiver answered with the text (its last failure, a delivery's error).
  const channelSubscriber = await addChannelSubscriber(deps, { type: 'slack', lastFailureAt: NOON, lastFailureStatus: 400, lastFailureError: text, failingSince: NOON });
  await addDelivery(deps, await addUpdateNotice(deps, update), channelSubscriber, 'failed', { responseStatus: 400, error: text });

  return {
    deps,
    owner,
    token,
    ids: { subscriber: subscriber!, subscriberLink, group, component, incident, update, resolved, maintenance, template, maintenanceTemplate, member, apiToken: apiTokenId, resetToken, destination, draft, declared, rule, channelSubscriber },
    formPages,
    channelLink,
  };
}

/** Public and management API reads, with the ids of the hostile rows. */
function publicPaths(f: Fixture, text: string): { path: string; route: string }[] {
  const { ids } = f;
  const label = encodeURIComponent(labelOf(text));
  return [
    { route: '/', path: '/' },
    { route: '/incidents/:id', path: `/incidents/${ids.incident}` },
    { route: '/incidents/:id', path: `/incidents/${ids.maintenance}` },
    { route: '/incidents/:id', path: `/incidents/${ids.resolved}` },
    { route: '/history', path: '/history' },
    { route: '/history.atom', path: '/history.atom' },
    { route: '/history.rss', path: '/history.rss' },
    { route: '/components/:id/history.atom', path: `/components/${ids.component}/history.atom` },
    { route: '/components/:id/history.rss', path: `/components/${ids.component}/history.rss` },
    { route: '/maintenance.ics', path: '/maintenance.ics' },
    { route: '/badge.svg', path: '/badge.svg' },
    { route: '/badge.svg', path: `/badge.svg?label=${label}&style=for-the-badge` },
    { route: '/badge.json', path: '/badge.json' },
    { route: '/badge.json', path: `/badge.json?label=${label}` },
    { route: '/badge/:file', path: `/badge/${ids.component}.svg` },
    { route: '/badge/:file', path: `/badge/${encodeURIComponent(text)}.svg?metric=uptime` },
    { route: '/badge/:file', path: `/badge/${encodeURIComponent(text)}.json` },
    { route: '/badge/:file', path: `/badge/${ids.component}.json?label=${label}` },
    { route: '/embed', path: '/embed' },
    { route: '/embed', path: '/embed?theme=dark' },
    { route: '/embed.js', path: '/embed.js' },
    { route: '/robots.txt', path: '/robots.txt' },
    { route: '/favicon.svg', path: '/favicon.svg' },
    { route: '/favicon.ico', path: '/favicon.ico' },
    { route: '/api/v2/summary.json', path: '/api/v2/summary.json' },
    { route: '/api/v2/status.json', path: '/api/v2/status.json' },
    { route: '/api/v2/components.json', path: '/api/v2/components.json' },
    { route: '/api/v2/incidents.json', path: '/api/v2/incidents.json' },
    { route: '/api/v2/incidents/unresolved.json', path: '/api/v2/incidents/unresolved.json' },
    { route: '/api/v2/scheduled-maintenances.json', path: '/api/v2/scheduled-maintenances.json' },
    { route: '/api/v2/scheduled-maintenances/upcoming.json', path: '/api/v2/scheduled-maintenances/upcoming.json' },
    { route: '/api/v2/scheduled-maintenances/active.json', path: '/api/v2/scheduled-maintenances/active.json' },
    { route: '/api/v1/openapi.json', path: '/api/v1/openapi.json' },
    { route: '/api/v1/incidents', path: '/api/v1/incidents' },
    { route: '/api/v1/incidents/:id', path: `/api/v1/incidents/${ids.incident}` },
    { route: '/api/v1/maintenance', path: '/api/v1/maintenance' },
    { route: '/api/v1/maintenance/:id', path: `/api/v1/maintenance/${ids.maintenance}` },
    { route: '/api/v1/components', path: '/api/v1/components' },
    { route: '/api/v1/components/:id', path: `/api/v1/components/${ids.component}` },
    { route: '/api/v1/component-groups', path: '/api/v1/component-groups' },
    { route: '/api/v1/component-groups/:id', path: `/api/v1/component-groups/${ids.group}` },
    { route: '/api/v1/settings', path: '/api/v1/settings' },
    { route: '/api/v1/metrics', path: '/api/v1/metrics' },
    { route: '/api/v1/templates', path: '/api/v1/templates' },
    { route: '/api/v1/templates/:id', path: `/api/v1/templates/${ids.template}` },
    { route: '/api/v1/subscribers', path: '/api/v1/subscribers' },
    { route: '/api/v1/outbox', path: '/api/v1/outbox' },
    { route: '/api/v1/incidents/:id/deliveries', path: `/api/v1/incidents/${ids.incident}/deliveries` },
    { route: '/api/v1/incidents/:id/internal-updates', path: `/api/v1/incidents/${ids.incident}/internal-updates` },
    { route: '/api/v1/maintenance/:id/deliveries', path: `/api/v1/maintenance/${ids.maintenance}/deliveries` },
    { route: '/api/v1/destinations', path: '/api/v1/destinations' },
    { route: '/api/v1/destinations/:id', path: `/api/v1/destinations/${ids.destination}` },
    { route: '/api/v1/channel-subscribers', path: '/api/v1/channel-subscribers' },
    { route: '/api/v1/channel-subscribers/:id', path: `/api/v1/channel-subscribers/${ids.channelSubscriber}` },
    { route: '/api/v1/alerts/drafts', path: '/api/v1/alerts/drafts' },
    { route: '/api/v1/alerts/drafts/:id', path: `/api/v1/alerts/drafts/${ids.draft}` },
    { route: '/api/v1/alerts/rules', path: '/api/v1/alerts/rules' },
    { route: '/api/v1/alerts/rules/:id', path: `/api/v1/alerts/rules/${ids.rule}` },
    { route: '/api/v1/incidents/:id/timeline', path: `/api/v1/incidents/${ids.incident}/timeline` },
    { route: '/api/v1/incidents/:id/timeline.md', path: `/api/v1/incidents/${ids.incident}/timeline.md` },
    { route: '/api/v1/incidents/:id/postmortem', path: `/api/v1/incidents/${ids.incident}/postmortem` },
    { route: '/api/v1/incidents/:id/postmortem', path: `/api/v1/incidents/${ids.resolved}/postmortem` },
    { route: '/api/v1/action-items', path: '/api/v1/action-items' },
    { route: '/subscribe', path: '/subscribe' },
    { route: '/subscribe/confirm/:token', path: `/subscribe/confirm/${ids.subscriberLink}` },
    { route: '/subscriptions/:token', path: `/subscriptions/${ids.subscriberLink}` },
    { route: '/unsubscribe/:token', path: `/unsubscribe/${ids.subscriberLink}` },
    { route: '/subscribe/channels/confirm/:token', path: `/subscribe/channels/confirm/${f.channelLink}` },
    { route: '/subscribe/channels/manage/:token', path: `/subscribe/channels/manage/${f.channelLink}` },
    { route: '/subscribe/channels/unsubscribe/:token', path: `/subscribe/channels/unsubscribe/${f.channelLink}` },
    { route: '/subscribe/webhooks', path: '/subscribe/webhooks' },
    // Error pages carry the page name too.
    { route: '(404)', path: '/no/such/page' },
    { route: '(400)', path: '/history?page=oops' },
  ];
}

/** Admin pages: every GET route, with its ids filled in. */
function adminPaths(f: Fixture): { path: string; route: string }[] {
  const { ids } = f;
  const fill = (route: string): string =>
    route
      .replace(/^\/admin\/incidents\/:id/, `/admin/incidents/${ids.incident}`)
      .replace(/:updateId/, ids.update)
      .replace(/^\/admin\/maintenance\/:id/, `/admin/maintenance/${ids.maintenance}`)
      .replace(/^\/admin\/components\/:id/, `/admin/components/${ids.component}`)
      .replace(/^\/admin\/groups\/:id/, `/admin/groups/${ids.group}`)
      .replace(/^\/admin\/templates\/:id/, `/admin/templates/${ids.template}`)
      .replace(/^\/admin\/team\/:id/, `/admin/team/${ids.member}`)
      .replace(/^\/admin\/tokens\/:id/, `/admin/tokens/${ids.apiToken}`)
      .replace(/^\/admin\/destinations\/:id/, `/admin/destinations/${ids.destination}`)
      .replace(/^\/admin\/channel-subscribers\/:id/, `/admin/channel-subscribers/${ids.channelSubscriber}`)
      .replace(/^\/admin\/alerts\/rules\/:id/, `/admin/alerts/rules/${ids.rule}`)
      .replace(/^\/admin\/alerts\/:id/, `/admin/alerts/${ids.draft}`)
      .replace(/^\/admin\/reset\/:token/, `/admin/reset/${ids.resetToken}`)
      .replace(/^\/admin\/setup\/:token/, '/admin/setup/no-longer-valid')
      .replace(/:subscriberId/, ids.subscriber);
  const routes = adminGetRoutes(f.deps);
  return [
    ...routes.map((route) => ({ route, path: fill(route) })),
    { route: '/admin/incidents/new', path: `/admin/incidents/new?template=${ids.template}` },
    { route: '/admin/incidents/new', path: `/admin/incidents/new?alert=${ids.draft}` },
    { route: '/admin/incidents/new', path: `/admin/incidents/new?alert=${ids.draft}&template=${ids.template}` },
    { route: '/admin/incidents/:id', path: `/admin/incidents/${ids.declared}` },
    { route: '/admin/incidents/:id/postmortem', path: `/admin/incidents/${ids.resolved}/postmortem` },
    { route: '/admin/incidents/:id/timeline', path: `/admin/incidents/${ids.resolved}/timeline` },
    { route: '/admin/action-items', path: '/admin/action-items?status=all&overdue=1' },
    { route: '/admin/maintenance/new', path: `/admin/maintenance/new?template=${ids.maintenanceTemplate}` },
    { route: '/admin/maintenance/:id', path: `/admin/maintenance/${ids.maintenance}?template=${ids.maintenanceTemplate}` },
    { route: '/admin/login', path: `/admin/login?next=${encodeURIComponent(f.deps.config.publicUrl ?? '')}` },
  ];
}

function adminGetRoutes(deps: TestDeps): string[] {
  return [...new Set(createApp(deps).routes.filter((r) => r.method === 'GET' && r.path.startsWith('/admin')).map((r) => r.path))];
}

/** Badge labels are at most 60 characters (whole characters: emoji stay whole). */
const labelOf = (text: string): string => Array.from(text).slice(0, 60).join('');

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'item', 'link'].includes(name) });

/** The HTML that feed readers render: Atom content and summary, RSS description. */
function feedHtml(body: string): string[] {
  const doc = xml.parse(body);
  const textOf = (value: unknown): string => (typeof value === 'object' && value !== null ? String((value as Record<string, unknown>)['#text'] ?? '') : String(value ?? ''));
  if (doc.feed) return (doc.feed.entry ?? []).flatMap((e: any) => [textOf(e.content), textOf(e.summary)]);
  return (doc.rss.channel.item ?? []).map((i: any) => textOf(i.description));
}

function expectSafeHtml(body: string, what: string, text: string, options: { document?: boolean } = {}): void {
  const report = inspectHtml(body);
  expect(report.problems, what).toEqual([]);
  if (options.document !== false) {
    // C0 control characters (U+0007...) are kept as typed: HTML calls them a parse error but shows them as text.
    expect(report.parseErrors.filter((error) => !error.startsWith('control-character-in-input-stream')), what).toEqual([]);
    // Shown, as text: the page name is on every page.
    expect(report.text.includes(asHtmlText(text)), `${what} shows the text`).toBe(true);
  }
}

const NO_TYPED_TEXT = /^\/api\/v1\/(subscribers|outbox|(incidents|maintenance)\/[^/]+\/deliveries)$/;

async function checkResponse(f: Fixture, path: string, res: TestResponse, text: string): Promise<void> {
  const what = `${path} (${res.status})`;
  const type = res.headers.get('content-type') ?? '';
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 300 && res.status < 400) {
    // Redirects stay on the site.
    expect(res.headers.get('location'), what).toMatch(/^\/(?!\/)/);
    return;
  }
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  if (type.startsWith('text/html')) {
    // The timeline page's one script (its exact text, allowed by its hash in the page's policy) is Herald's own; any other is injected.
    const own = `<script>${SCRIBE_SCRIPT}</script>`;
    const allowed = res.headers.get('content-security-policy')?.includes("script-src 'sha256-") === true;
    expectSafeHtml(allowed ? res.text.replace(own, '') : res.text, what, text);
  } else if (type.startsWith('image/svg+xml')) {
    const report = inspectXml(res.text);
    expect(report.errors, what).toEqual([]);
    expect(report.problems, what).toEqual([]);
  } else if (type.startsWith('application/atom+xml') || type.startsWith('application/rss+xml')) {
    const report = inspectXml(res.text);
    expect(report.errors, what).toEqual([]);
    expect(report.problems, what).toEqual([]);
    const html = feedHtml(res.text);
    expect(html.length, what).toBeGreaterThan(0);
    for (const fragment of html) expectSafeHtml(fragment, `${what} entry HTML`, text, { document: false });
    expect(xml.parse(res.text) && res.text.includes('<script'), `${what} has no raw <script`).toBe(false);
  } else if (type.startsWith('application/json')) {
    const strings = jsonStrings(JSON.parse(res.text));
    // Documents that hold no text a person typed (addresses are validated, counts are numbers).
    if (path === '/api/v1/openapi.json' || NO_TYPED_TEXT.test(path)) return;
    // Round trip: the stored string comes back exactly (the page name, a component, a title, a badge label...).
    const label = path.includes('label=') ? labelOf(text) : text;
    expect(strings.includes(label) || strings.includes(publishable(text)), `${what} returns the text exactly`).toBe(true);
  } else if (type.startsWith('text/markdown')) {
    // The timeline export: typed text stays inside its cell, on its row (pipes escaped, line breaks flattened).
    const lines = res.text.trimEnd().split('\n');
    for (const line of lines) {
      expect(line, what).toMatch(/^\| .* \|$/);
      expect(line.replace(/\\./g, '').split('|').length, `${what}: ${line}`).toBe(5);
    }
    expect(lines.some((line) => line.includes(markdownCell(text))), `${what} shows the text`).toBe(true);
  } else if (type.startsWith('text/calendar')) {
    const calendar = new ICAL.Component(ICAL.parse(res.text));
    const events = calendar.getAllSubcomponents('vevent');
    // One event: the scheduled maintenance. Nothing injected through a line break.
    expect(events.length, what).toBe(1);
    // The title comes back whole (less the control characters iCalendar cannot carry), line breaks as escaped text.
    const title = publishable(text).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '').replace(/\r\n?/g, '\n');
    expect(String(events[0]!.getFirstPropertyValue('summary')), what).toBe(`Maintenance: ${title}`);
  } else if (type.startsWith('text/plain') && path === '/robots.txt') {
    // Fixed text: nothing typed reaches it.
    expect(res.text, what).toMatch(/^User-agent: \*\n/);
  } else if (type.startsWith('text/csv')) {
    // Exports (metrics): no cell a spreadsheet would run as a formula (cells split on commas outside quotes).
    const cells = res.text.split(/\r\n/).flatMap((line) => line.match(/("(?:[^"]|"")*"|[^,]*)/g) ?? []);
    expect(cells.filter((cell) => /^"?[=+\-@\t\r]/.test(cell)), what).toEqual([]);
  } else if (type.startsWith('application/javascript')) {
    // The static widget script: it never builds HTML from the data.
    expect(res.text, what).not.toContain('innerHTML');
  } else {
    throw new Error(`${what}: unexpected content type ${type}`);
  }
}

describe('hostile text in every field', () => {
  it.each(HOSTILE)('$label: no page, feed, badge, embed or API executes it, and it comes back as text', async ({ text }) => {
    const f = await hostileFixture(text);
    const app = createApp(f.deps);
    const visited = new Set<string>();

    for (const { route, path } of publicPaths(f, text)) {
      visited.add(route);
      const headers: Record<string, string> = path.startsWith('/api/v1/') && path !== '/api/v1/openapi.json' ? { Authorization: `Bearer ${f.token}` } : {};
      const response = await app.request(path, { headers });
      await checkResponse(f, path, { status: response.status, headers: response.headers, text: await response.text() }, text);
    }

    for (const { route, path } of adminPaths(f)) {
      visited.add(route);
      const res = await adminGet(f.deps, path, f.owner);
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
      await checkResponse(f, path, res, text);
    }

    for (const { what, res } of f.formPages) await checkResponse(f, what, res, text);

    // The emails: an update, a confirmation and an "already subscribed", rendered by the real drainer.
    const now = f.deps.clock.now();
    await f.deps.db.atomic([
      f.deps.db.orm.insert(mailOutbox).values({ kind: 'update', subscriberId: f.ids.subscriber, updateId: f.ids.update, status: 'queued', dueAt: now, createdAt: now }),
      f.deps.repos.outbox.enqueue('confirm', f.ids.subscriber, now),
      f.deps.repos.outbox.enqueue('already_subscribed', f.ids.subscriber, now),
    ]);
    const emails: OutgoingEmail[] = [];
    const recorder: MailTransport = {
      name: 'recorder',
      maxBatch: 100,
      async sendBatch(batch) {
        emails.push(...batch);
        return { kind: 'accepted', results: batch.map((_, i) => ({ id: `m${i}` })) };
      },
    };
    await createDrainer({ ...f.deps, mail: recorder }).drain(10_000);
    expect(emails).toHaveLength(3);
    // The password emails (sign-in page, Team page), with the hostile page name and people's names.
    const emailPage = { name: text, baseUrl: 'http://status.test', timeZone: 'UTC', logoUrl: null, accentColor: '#2563eb' };
    const link = { token: 'T'.repeat(43), expiresAt: now + DAY, validForMs: DAY };
    emails.push(composePasswordResetEmail(f.deps.views, emailPage, 'new.member@example.com', link), composePasswordResetEmail(f.deps.views, emailPage, 'new.member@example.com', link, text));
    emails.push(composeInviteEmail(f.deps.views, emailPage, 'new.member@example.com', link, { name: text, roleLabel: 'Comms', invitedBy: text }));
    const channelTarget = { email: 'hostile.hook@example.com', token: 'T'.repeat(43), type: 'teams' as const, host: text };
    emails.push(composeChannelConfirmEmail(f.deps.views, emailPage, channelTarget, { all: false, names: [text] }), composeChannelAlreadySubscribedEmail(f.deps.views, emailPage, channelTarget));
    for (const email of emails) {
      // Safe and well-formed; the text itself may be tidied for mail (control and zero-width characters, line breaks).
      expectSafeHtml(email.html, `email "${email.subject}"`, text, { document: false });
      const parseErrors = inspectHtml(email.html).parseErrors.filter((error) => !error.startsWith('control-character-in-input-stream'));
      expect(parseErrors, `email "${email.subject}"`).toEqual([]);
      // Nothing can start a new header line.
      for (const value of [email.subject, ...Object.values(email.headers)]) expect(value, 'email header').not.toMatch(/[\r\n]/);
    }

    // Exact round trips through the management API.
    const component = JSON.parse((await apiCall(f.deps, 'GET', `/api/v1/components/${f.ids.component}`, f.token)).text);
    expect(component.name).toBe(text);
    expect(component.description).toBe(text);
    const template = JSON.parse((await apiCall(f.deps, 'GET', `/api/v1/templates/${f.ids.template}`, f.token)).text);
    expect(template.name).toBe(text);
    const incident = JSON.parse((await apiCall(f.deps, 'GET', `/api/v1/incidents/${f.ids.incident}`, f.token)).text);
    expect(incident.title).toBe(publishable(text));
    expect(incident.updates.map((u: { body: string }) => u.body)).toEqual([publishable(text), publishable(text)]);
    const settings = JSON.parse((await apiCall(f.deps, 'GET', '/api/v1/settings', f.token)).text);
    expect(settings.name).toBe(text);
    const summary = JSON.parse(await (await createApp(f.deps).request('/api/v2/summary.json')).text());
    expect(summary.page.name).toBe(text);
    expect(summary.components.map((c: { name: string }) => c.name)).toContain(text);
    expect(summary.incidents[0].name).toBe(publishable(text));
    expect(summary.incidents[0].incident_updates[0].body).toBe(publishable(text));

    // Every GET route of the app was looked at (a new page must join this suite).
    const all = createApp(f.deps).routes.filter((r) => r.method === 'GET').map((r) => r.path);
    const missing = [...new Set(all)].filter((route) => !visited.has(route) && route !== '/healthz' && route !== '/*');
    expect(missing).toEqual([]);
  }, 60_000);
});

describe('the page settings', () => {
  it('keep a hostile logo address inert and refuse script and data addresses and CSS in the colour', async () => {
    const deps = await createTestDeps();
    const owner = await signIn(deps, 'owner');
    const token = await apiToken(deps, 'owner');
    for (const logo of ['javascript:alert(1)', 'data:image/svg+xml,<svg onload=alert(1)>', 'http://insecure.example/logo.png', '//evil.example/x.png', ' javascript:alert(1)']) {
      const res = await apiCall(deps, 'PATCH', '/api/v1/settings', token, { logo_url: logo });
      expect(res.status, logo).toBe(400);
    }
    for (const colour of ['red;}</style><script>alert(1)</script>', '#fff;background:url(https://evil.example)', 'expression(alert(1))']) {
      expect((await apiCall(deps, 'PATCH', '/api/v1/settings', token, { accent_color: colour })).status, colour).toBe(400);
    }
    // An https address with markup in it is kept, percent-encoded, inside the attribute.
    const hostile = 'https://cdn.example/logo.png?"><script>alert(1)</script>&x=\' onerror=alert(1)';
    expect((await apiCall(deps, 'PATCH', '/api/v1/settings', token, { logo_url: hostile })).status).toBe(200);
    for (const path of ['/', '/history', '/embed']) {
      const res = await createApp(deps).request(path);
      const report = inspectHtml(await res.text());
      expect(report.problems, path).toEqual([]);
      expect(report.parseErrors, path).toEqual([]);
    }
    const admin = await adminGet(deps, '/admin/settings', owner);
    expect(inspectHtml(admin.text).problems).toEqual([]);
    expect(await (await createApp(deps).request('/')).text()).toContain('<img src="https://cdn.example/logo.png?%22%3E%3Cscript%3Ealert(1)%3C/script%3E&amp;x=%27%20onerror=alert(1)"');
  });
});

describe('text that is too long', () => {
  const HUGE = `${'A'.repeat(50_000)}<script>alert(1)</script>${'B'.repeat(50_000)}`;

  it('is refused with a clear 400 in every API field, never a 500', async () => {
    expect(HUGE.length).toBeGreaterThan(100_000);
    const deps = await createTestDeps({ now: NOON });
    const token = await apiToken(deps, 'owner');
    const component = JSON.parse((await apiCall(deps, 'POST', '/api/v1/components', token, { name: 'API' })).text).id;
    const group = JSON.parse((await apiCall(deps, 'POST', '/api/v1/component-groups', token, { name: 'Edge' })).text).id;
    const incident = JSON.parse((await apiCall(deps, 'POST', '/api/v1/incidents', token, { title: 'Outage', severity: 2, body: 'Looking.' })).text).id;
    const update = JSON.parse((await apiCall(deps, 'GET', `/api/v1/incidents/${incident}`, token)).text).updates[0].id;
    const template = JSON.parse((await apiCall(deps, 'POST', '/api/v1/templates', token, { name: 'T', kind: 'incident', status: 'investigating', body: 'x' })).text).id;
    const window = { scheduled_for: new Date(NOON + DAY).toISOString(), scheduled_until: new Date(NOON + DAY + HOUR).toISOString() };
    const calls: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/v1/components', { name: HUGE }, 'name'],
      ['POST', '/api/v1/components', { name: 'x', description: HUGE }, 'description'],
      ['PATCH', `/api/v1/components/${component}`, { name: HUGE }, 'name'],
      ['POST', '/api/v1/component-groups', { name: HUGE }, 'name'],
      ['PATCH', `/api/v1/component-groups/${group}`, { description: HUGE }, 'description'],
      ['POST', '/api/v1/incidents', { title: HUGE, severity: 2, body: 'x' }, 'title'],
      ['POST', '/api/v1/incidents', { title: 'x', severity: 2, body: HUGE }, 'body'],
      ['POST', `/api/v1/incidents/${incident}/updates`, { status: 'identified', body: HUGE }, 'body'],
      ['PATCH', `/api/v1/incidents/${incident}/updates/${update}`, { body: HUGE }, 'body'],
      ['PUT', `/api/v1/incidents/${incident}/severity`, { severity: 1, reason: HUGE }, 'reason'],
      ['POST', '/api/v1/maintenance', { title: HUGE, body: 'x', ...window }, 'title'],
      ['POST', '/api/v1/maintenance', { title: 'x', body: HUGE, ...window }, 'body'],
      ['POST', '/api/v1/templates', { name: HUGE, kind: 'incident', status: 'investigating', body: 'x' }, 'name'],
      ['POST', '/api/v1/templates', { name: 'x', kind: 'incident', status: 'investigating', body: HUGE }, 'body'],
      ['PATCH', `/api/v1/templates/${template}`, { title: HUGE }, 'title'],
      ['PATCH', '/api/v1/settings', { name: HUGE }, 'name'],
      ['PATCH', '/api/v1/settings', { url: `https://example.com/${HUGE}` }, 'url'],
      ['PATCH', '/api/v1/settings', { logo_url: `https://example.com/${HUGE}` }, 'logo_url'],
      ['PATCH', '/api/v1/settings', { time_zone: HUGE }, 'time_zone'],
      ['PATCH', '/api/v1/settings', { accent_color: HUGE }, 'accent_color'],
    ];
    const before = await deps.repos.audit.list({ limit: 1000 });
    for (const [method, path, body, field] of calls) {
      const res = await apiCall(deps, method, path, token, body);
      const what = `${method} ${path} ${field}`;
      expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBe(400);
      const error = JSON.parse(res.text).error;
      expect(error.code, what).toBe('invalid_input');
      expect(Object.keys(error.fields ?? {}), what).toContain(field);
      expect(error.message, what).toMatch(/at most|Invalid input/);
      // The refusal does not echo the text back.
      expect(res.text.length, what).toBeLessThan(2_000);
    }
    expect(await deps.repos.audit.list({ limit: 1000 })).toEqual(before);
  });

  it('is refused with a clear 400 page in every admin form, never a 500, and the form comes back', async () => {
    const deps = await createTestDeps({ now: NOON });
    const owner = await signIn(deps, 'owner');
    const token = await apiToken(deps, 'owner');
    const component = JSON.parse((await apiCall(deps, 'POST', '/api/v1/components', token, { name: 'API' })).text).id;
    const group = JSON.parse((await apiCall(deps, 'POST', '/api/v1/component-groups', token, { name: 'Edge' })).text).id;
    const incident = JSON.parse((await apiCall(deps, 'POST', '/api/v1/incidents', token, { title: 'Outage', severity: 2, body: 'Looking.' })).text).id;
    const update = JSON.parse((await apiCall(deps, 'GET', `/api/v1/incidents/${incident}`, token)).text).updates[0].id;
    const template = JSON.parse((await apiCall(deps, 'POST', '/api/v1/templates', token, { name: 'T', kind: 'incident', status: 'investigating', body: 'x' })).text).id;
    const maintenance = JSON.parse(
      (await apiCall(deps, 'POST', '/api/v1/maintenance', token, { title: 'Work', body: 'x', scheduled_for: new Date(NOON + DAY).toISOString(), scheduled_until: new Date(NOON + DAY + HOUR).toISOString() })).text,
    ).id;
    const forms: [string, Record<string, string>][] = [
      ['/admin/components', { name: HUGE }],
      ['/admin/components', { name: 'x', description: HUGE }],
      [`/admin/components/${component}`, { name: HUGE }],
      ['/admin/groups', { name: HUGE }],
      [`/admin/groups/${group}`, { name: 'x', description: HUGE }],
      ['/admin/incidents/new', { title: HUGE, severity: '2', body: 'x' }],
      ['/admin/incidents/new', { title: 'x', severity: '2', body: HUGE }],
      ['/admin/incidents/backfill', { title: HUGE, severity: '3', body: 'x', resolution: 'y', started_at: '2026-11-20T10:00', resolved_at: '2026-11-20T11:00' }],
      [`/admin/incidents/${incident}/updates`, { status: 'identified', body: HUGE }],
      [`/admin/incidents/${incident}/severity`, { severity: '1', reason: HUGE }],
      [`/admin/incidents/${incident}/updates/${update}/edit`, { body: HUGE }],
      ['/admin/maintenance/new', { title: HUGE, body: 'x', starts: '2026-11-25T10:00', ends: '2026-11-25T11:00' }],
      [`/admin/maintenance/${maintenance}/updates`, { status: 'in_progress', body: HUGE }],
      ['/admin/templates/new', { name: HUGE, step: 'incident:investigating', body: 'x' }],
      [`/admin/templates/${template}`, { name: 'x', step: 'incident:investigating', body: HUGE }],
      ['/admin/settings', { name: HUGE, url: '', timeZone: 'UTC', logoUrl: '', accentColor: '#2563eb' }],
      ['/admin/team', { name: HUGE, email: 'huge@example.com', role: 'viewer' }],
      ['/admin/tokens', { name: HUGE, scope: 'viewer' }],
    ];
    for (const [path, fields] of forms) {
      const res = await adminPost(deps, path, owner, fields);
      expect(res.status, `${path} ${Object.keys(fields).join(',')}: ${res.text.slice(0, 300)}`).toBe(400);
      expect(res.headers.get('content-type'), path).toContain('text/html');
      expect(res.text, path).toMatch(/at most|Too big|Nothing was (saved|published)|Check the fields/);
      expect(inspectHtml(res.text).problems, path).toEqual([]);
    }
    expect(await deps.repos.accounts.findUserByEmail('huge@example.com')).toBeUndefined();
  });

  it('is refused in the sign-in form too', async () => {
    const deps = await createTestDeps();
    const page = await createApp(deps).request('/admin/login');
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    for (const fields of [{ email: HUGE, password: 'x' }, { email: 'a@example.com', password: HUGE }]) {
      const res = await createApp(deps).request('/admin/login', {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...fields }),
      });
      expect(res.status).toBe(400);
      const report = inspectHtml(await res.text());
      expect(report.problems).toEqual([]);
    }
  });
});

describe('pathological Markdown', () => {
  // The bound is for catastrophic backtracking (minutes), far above a busy machine's slowest render.
  it('renders at the length limit in bounded time, with nothing executable', () => {
    const cases = ['['.repeat(20_000), '*a'.repeat(10_000), '*_[`<'.repeat(4_000), 'http://a.'.repeat(2_000), '[a]('.repeat(5_000), '!['.repeat(10_000), '&#'.repeat(10_000), '<'.repeat(20_000)];
    for (const source of cases) {
      const started = performance.now();
      const html = renderMarkdown(source);
      expect(performance.now() - started, source.slice(0, 10)).toBeLessThan(10_000);
      expect(inspectHtml(html).problems, source.slice(0, 10)).toEqual([]);
    }
  });
});

describe('placeholder-looking text in the admin forms', () => {
  it('never reaches what every object inherits: {{constructor}} is an unfilled placeholder, not a 500', async () => {
    const deps = await createTestDeps({ now: NOON });
    const comms = await signIn(deps, 'comms');
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      const body = `Affected: {{${name}}}`;
      const preview = await adminPost(deps, '/admin/incidents/new', comms, { title: 'T', severity: '2', body, action: 'preview' });
      expect(preview.status, name).toBe(200);
      expect(preview.text, name).not.toContain('[native code]');
      const refused = await adminPost(deps, '/admin/incidents/new', comms, { title: 'T', severity: '2', body });
      expect(refused.status, name).toBe(400);
      expect(refused.text, name).toContain(`{{${name}}}`);
      const filled = await adminPost(deps, '/admin/incidents/new', comms, { title: 'T', severity: '2', body, [`ph_${name}`]: 'the API' });
      expect(filled.status, name).toBe(303);
      const maintenance = await adminPost(deps, '/admin/maintenance/new', comms, { title: 'T', body, starts: '2026-11-25T10:00', ends: '2026-11-25T11:00', action: 'preview' });
      expect(maintenance.status, name).toBe(200);
      expect(maintenance.text, name).not.toContain('[native code]');
    }
    const published = await deps.repos.incidents.listOpenIncidents();
    expect(published).toHaveLength(4);
    expect(deps.log.lines.filter((line) => line.level === 'error')).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find what a browser would run', () => {
    const page = (body: string) => `<!doctype html><html lang="en"><head><title>t</title></head><body>${body}</body></html>`;
    const bad = [
      '<p><script>alert(1)</script></p>',
      '<img src=x onerror=alert(1)>',
      '<svg onload=alert(1)>',
      '<a href=" java\tscript:alert(1)">x</a>',
      '<a href="data:text/html,<script>alert(1)</script>">x</a>',
      '<form action="https://evil.example/steal"><button>x</button></form>',
      '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
      '<div style="background:url(https://evil.example/)">x</div>',
      '<base href="https://evil.example/">',
      '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    ];
    for (const body of bad) expect(inspectHtml(page(body)).problems, body).not.toEqual([]);
    expect(inspectHtml(page('<p>fine <a href="/incidents/abc">link</a> <a href="data:image/png;base64,AAAA">png</a></p>')).problems).toEqual([]);
    expect(inspectHtml(page('<textarea>x')).parseErrors).not.toEqual([]);
    expect(inspectXml('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').problems).not.toEqual([]);
    expect(inspectXml('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>').problems).not.toEqual([]);
    expect(inspectXml('<feed><title>a & b</title></feed>').errors).not.toEqual([]);
  });

  it('would catch a view that printed a field raw', () => {
    const views = createViews({ page: '<!doctype html><html lang="en"><head><title><%= it.name %></title></head><body><p><%~ it.name %></p></body></html>' });
    const caught = HOSTILE.filter(({ text }) => inspectHtml(views.render('page', { name: text })).problems.length > 0).map((h) => h.label);
    expect(caught).toEqual(expect.arrayContaining(['script tag', 'img onerror', 'svg onload', 'svg script', 'math mglyph', 'attribute break double', 'textarea break', 'iframe']));
  });
});
