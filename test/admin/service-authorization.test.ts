import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOUR } from '../../src/domain/calendar.js';
import type { Role } from '../../src/domain/constants.js';
import { ForbiddenError } from '../../src/lib/errors.js';
import { listSubscriberPage } from '../../src/routes/api-v1/reads.js';
import { changeRole, createOwner, createResetLink, createResetLinkForEmail, createUser, findMember, listTeam, removeUser } from '../../src/services/auth/accounts.js';
import { listAuditLog, systemActor, type Actor } from '../../src/services/auth/actor.js';
import { createApiToken, findApiToken, listApiTokens, revokeApiToken } from '../../src/services/auth/api-tokens.js';
import { createComponent, deleteComponent, moveComponent, reorderComponents, setComponentStatus, updateComponent } from '../../src/services/components/components.js';
import { createGroup, deleteGroup, moveGroup, reorderGroups, updateGroup } from '../../src/services/components/groups.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import {
  createDestination,
  deleteDestination,
  pauseDestination,
  resumeDestination,
  rotateSigningSecret,
  sendTestMessage,
  updateDestination,
} from '../../src/services/destinations/manage.js';
import { findDestination, listDestinations } from '../../src/services/destinations/reads.js';
import { backfillIncident, changeSeverity, deleteUpdate, editUpdate, setDetectionSource } from '../../src/services/incidents/manage.js';
import { acknowledgeDraft, dismissDraft, draftOfIncident, findDraft, listDrafts } from '../../src/services/alerts/drafts.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { createRule, deleteRule, findRule, listRules, updateRule } from '../../src/services/alerts/rules.js';
import { escalationCandidates } from '../../src/services/settings/escalation.js';
import { createActionItem, deleteActionItem, findActionItem, listActionItems, updateActionItem } from '../../src/services/postmortems/action-items.js';
import { actionItemOwners, postmortemsAtAGlance } from '../../src/services/postmortems/overview.js';
import { loadPostmortem, publishPublicPostmortem, savePostmortem, setPostmortemState, startPostmortem } from '../../src/services/postmortems/postmortems.js';
import { addTimelineNote, deleteTimelineNote, incidentTimeline, setKeyTime } from '../../src/services/timeline/timeline.js';
import { postInternalUpdate } from '../../src/services/incidents/internal-updates.js';
import { setIncidentRoles, updateIncidentLinks } from '../../src/services/incidents/roles.js';
import { postMaintenanceUpdate } from '../../src/services/maintenance/post-update.js';
import { createTemplate, deleteTemplate, updateTemplate } from '../../src/services/settings/templates.js';
import { updateSettings } from '../../src/services/settings/update.js';
import { exportSubscribersCsv, importSubscribers, listSubscribers, removeSubscriber } from '../../src/services/subscribers/manage.js';
import { addSubscribers } from '../mail/support.js';
import { enableChannelSubscriber, removeChannelSubscriber } from '../../src/services/customer-channels/manage.js';
import { channelDeliveryCounts, findChannelSubscriber, listChannelSubscribers } from '../../src/services/customer-channels/reads.js';
import { addChannelSubscriber } from './channel-fixtures.js';
import { removeExampleContent, seedExampleContent } from '../../src/services/settings/example-page.js';
import { advanceMaintenance } from '../../src/services/maintenance/clock.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { scheduleMaintenance } from '../../src/services/maintenance/schedule.js';
import { snapshotDatabase } from '../security/support.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident, makeMaintenance } from '../support/factories.js';

/*
 * Services check the actor themselves, whatever the route did (issue 12: an
 * optional actor let a route skip the check). The lowest role of each service
 * is written here by hand, not read from domain/roles.ts, so that lowering a
 * permission there fails this file too.
 */

const ROLES_LOW_TO_HIGH: Role[] = ['viewer', 'comms', 'admin', 'owner'];
const below = (role: Role): Role[] => ROLES_LOW_TO_HIGH.slice(0, ROLES_LOW_TO_HIGH.indexOf(role));

interface Fixture {
  deps: TestDeps;
  incident: string;
  updateId: string;
  maintenance: string;
  memberId: string;
  memberEmail: string;
  group: string;
  component: string;
  subscriber: string;
  template: string;
  token: string;
  destination: string;
  draft: string;
  rule: string;
  /** On `incident`: a scribe note, an action item; its postmortem is started. */
  note: string;
  actionItem: string;
  /** A disabled webhook subscriber (issue 18), so that re-enabling it can work. */
  channelSubscriber: string;
}

/** An alert as a monitoring tool posts it (generic JSON, normalized). */
const ALERT = {
  source: 'generic' as const,
  key: 'nightly-backup',
  status: 'firing' as const,
  summary: 'Nightly backup failed',
  description: null,
  labels: {},
  links: [],
  severity: 2 as const,
  component: null,
  startsAt: Date.UTC(2026, 10, 23, 11, 0, 0),
  endsAt: null,
  groupKey: 'key:nightly-backup',
};

async function fixture(): Promise<Fixture> {
  const deps = await createTestDeps();
  const incident = await makeIncident(deps);
  // Two updates, so that one can be deleted.
  await postUpdate(deps, { incidentId: incident, status: 'identified', body: 'Found it.' }, FIXTURE_ACTOR);
  const updateId = (await deps.repos.incidents.findById(incident))!.updates[0]!.id;
  const maintenance = await makeMaintenance(deps, { scheduledFor: deps.clock.now() - HOUR, scheduledUntil: deps.clock.now() + HOUR });
  const { user } = await createUser(deps, FIXTURE_ACTOR, { email: 'member@example.com', name: 'Member', role: 'viewer' });
  const group = await createGroup(deps, { name: 'Core' }, FIXTURE_ACTOR);
  const component = await createComponent(deps, { name: 'Checkout', groupId: group }, FIXTURE_ACTOR);
  const [subscriber] = await addSubscribers(deps, ['reader@example.com']);
  const template = await createTemplate(deps, FIXTURE_ACTOR, { name: 'Short', kind: 'incident', status: 'investigating', body: 'Looking.' });
  const { row: token } = await createApiToken(deps, FIXTURE_ACTOR, { name: 'ci', scope: 'viewer' });
  const { id: destination } = await createDestination(deps, FIXTURE_ACTOR, { name: '#hooks', type: 'webhook', url: 'https://hooks.example.com/in/abc' });
  const { opened } = await ingestAlerts(deps, FIXTURE_ACTOR, [ALERT]);
  const rule = await createRule(deps, FIXTURE_ACTOR, { name: 'Backups', matchers: { job: 'backup' } });
  const note = await addTimelineNote(deps, FIXTURE_ACTOR, incident, { text: 'Restarted the primary.' });
  const actionItem = await createActionItem(deps, FIXTURE_ACTOR, incident, { title: 'Alert on disk at 80%' });
  await startPostmortem(deps, FIXTURE_ACTOR, incident);
  const channelSubscriber = await addChannelSubscriber(deps, { type: 'webhook', status: 'disabled', disabledAt: deps.clock.now() });
  return {
    deps,
    incident,
    updateId,
    maintenance,
    memberId: user.id,
    memberEmail: user.email,
    group,
    component,
    subscriber: subscriber!,
    template,
    token: token.id,
    destination,
    draft: opened[0]!,
    rule: rule.id,
    note: note.id,
    actionItem: actionItem.id,
    channelSubscriber,
  };
}

const SERVICES: { name: string; lowest: Role; call: (f: Fixture, actor: Actor) => Promise<unknown> }[] = [
  { name: 'createGroup', lowest: 'admin', call: (f, actor) => createGroup(f.deps, { name: 'Edge' }, actor) },
  { name: 'createComponent', lowest: 'admin', call: (f, actor) => createComponent(f.deps, { name: 'Search' }, actor) },
  { name: 'declareIncident', lowest: 'comms', call: (f, actor) => declareIncident(f.deps, { title: 'Outage', severity: 2, body: 'Looking.' }, actor) },
  {
    name: 'scheduleMaintenance',
    lowest: 'comms',
    call: (f, actor) =>
      scheduleMaintenance(f.deps, { title: 'Upgrade', body: 'Planned.', scheduledFor: f.deps.clock.now() + HOUR, scheduledUntil: f.deps.clock.now() + 2 * HOUR }, actor),
  },
  { name: 'postUpdate', lowest: 'comms', call: (f, actor) => postUpdate(f.deps, { incidentId: f.incident, status: 'identified', body: 'Found it.' }, actor) },
  { name: 'createApiToken', lowest: 'owner', call: (f, actor) => createApiToken(f.deps, actor, { name: 'bot', scope: 'owner' }) },
  { name: 'createResetLink', lowest: 'owner', call: (f, actor) => createResetLink(f.deps, actor, f.memberId) },
  { name: 'createResetLinkForEmail', lowest: 'owner', call: (f, actor) => createResetLinkForEmail(f.deps, actor, f.memberEmail) },
  { name: 'createOwner', lowest: 'owner', call: (f, actor) => createOwner(f.deps, { email: 'new-owner@example.com', password: 'a long enough password' }, actor) },
  { name: 'advanceMaintenance', lowest: 'comms', call: (f, actor) => advanceMaintenance(f.deps, actor, f.deps.clock.now()) },
  { name: 'removeExampleContent', lowest: 'admin', call: (f, actor) => removeExampleContent(f.deps, actor) },
  // Reads, but of personal data (subscriber addresses) or of the team and its secrets.
  { name: 'listSubscriberPage', lowest: 'comms', call: (f, actor) => listSubscriberPage(f.deps, actor, { per_page: 50 }) },
  { name: 'listSubscribers', lowest: 'comms', call: (f, actor) => listSubscribers(f.deps, actor, {}) },
  { name: 'listTeam', lowest: 'owner', call: (f, actor) => listTeam(f.deps, actor) },
  { name: 'findMember', lowest: 'owner', call: (f, actor) => findMember(f.deps, actor, f.memberId) },
  { name: 'listApiTokens', lowest: 'owner', call: (f, actor) => listApiTokens(f.deps, actor) },
  { name: 'findApiToken', lowest: 'owner', call: (f, actor) => findApiToken(f.deps, actor, f.token) },
  { name: 'listAuditLog', lowest: 'owner', call: (f, actor) => listAuditLog(f.deps, actor, {}) },
  // Every other write, each with the lowest role it needs.
  { name: 'updateGroup', lowest: 'admin', call: (f, actor) => updateGroup(f.deps, actor, f.group, { name: 'Core services' }) },
  { name: 'reorderGroups', lowest: 'admin', call: (f, actor) => reorderGroups(f.deps, actor, [f.group]) },
  { name: 'moveGroup', lowest: 'admin', call: (f, actor) => moveGroup(f.deps, actor, f.group, 'down') },
  { name: 'deleteGroup', lowest: 'admin', call: (f, actor) => deleteGroup(f.deps, actor, f.group) },
  { name: 'updateComponent', lowest: 'admin', call: (f, actor) => updateComponent(f.deps, actor, f.component, { name: 'Payments' }) },
  { name: 'setComponentStatus', lowest: 'admin', call: (f, actor) => setComponentStatus(f.deps, actor, f.component, 'major_outage') },
  { name: 'reorderComponents', lowest: 'admin', call: (f, actor) => reorderComponents(f.deps, actor, [f.component]) },
  { name: 'moveComponent', lowest: 'admin', call: (f, actor) => moveComponent(f.deps, actor, f.component, 'up') },
  { name: 'deleteComponent', lowest: 'admin', call: (f, actor) => deleteComponent(f.deps, actor, f.component) },
  { name: 'editUpdate', lowest: 'comms', call: (f, actor) => editUpdate(f.deps, actor, f.incident, f.updateId, { body: 'Fixed a typo.' }) },
  { name: 'deleteUpdate', lowest: 'comms', call: (f, actor) => deleteUpdate(f.deps, actor, f.incident, f.updateId) },
  { name: 'changeSeverity', lowest: 'comms', call: (f, actor) => changeSeverity(f.deps, actor, f.incident, { severity: 1, reason: 'Worse.' }) },
  { name: 'setIncidentRoles', lowest: 'comms', call: (f, actor) => setIncidentRoles(f.deps, f.incident, { ops_lead: { name: '@linus' } }, actor) },
  { name: 'updateIncidentLinks', lowest: 'comms', call: (f, actor) => updateIncidentLinks(f.deps, f.incident, { warRoomUrl: 'https://meet.example.com/war' }, actor) },
  { name: 'postInternalUpdate', lowest: 'comms', call: (f, actor) => postInternalUpdate(f.deps, f.incident, { body: 'Rolling back.' }, actor) },
  {
    name: 'backfillIncident',
    lowest: 'comms',
    call: (f, actor) =>
      backfillIncident(f.deps, actor, {
        title: 'Last week',
        severity: 3,
        body: 'Slow.',
        resolutionBody: 'Fine.',
        startedAt: f.deps.clock.now() - 7 * 24 * HOUR,
        resolvedAt: f.deps.clock.now() - 6 * 24 * HOUR,
      }),
  },
  {
    name: 'postMaintenanceUpdate',
    lowest: 'comms',
    call: (f, actor) => postMaintenanceUpdate(f.deps, actor, { maintenanceId: f.maintenance, status: 'in_progress', body: 'Started.' }),
  },
  { name: 'createTemplate', lowest: 'comms', call: (f, actor) => createTemplate(f.deps, actor, { name: 'New', kind: 'incident', status: 'identified', body: 'Found.' }) },
  { name: 'updateTemplate', lowest: 'comms', call: (f, actor) => updateTemplate(f.deps, actor, f.template, { name: 'Shorter', kind: 'incident', status: 'investigating', body: 'Looking.' }) },
  { name: 'deleteTemplate', lowest: 'comms', call: (f, actor) => deleteTemplate(f.deps, actor, f.template) },
  {
    name: 'updateSettings',
    lowest: 'admin',
    call: (f, actor) => updateSettings(f.deps, actor, { name: 'Acme Status', url: '', timeZone: 'UTC', logoUrl: '', accentColor: '#2563eb' }),
  },
  { name: 'removeSubscriber', lowest: 'admin', call: (f, actor) => removeSubscriber(f.deps, actor, f.subscriber) },
  { name: 'importSubscribers', lowest: 'admin', call: (f, actor) => importSubscribers(f.deps, actor, 'new@example.com\n', { consented: false }) },
  { name: 'exportSubscribersCsv', lowest: 'admin', call: (f, actor) => exportSubscribersCsv(f.deps, actor) },
  { name: 'createUser', lowest: 'owner', call: (f, actor) => createUser(f.deps, actor, { email: 'new@example.com', name: 'New', role: 'viewer' }) },
  { name: 'changeRole', lowest: 'owner', call: (f, actor) => changeRole(f.deps, actor, f.memberId, 'comms') },
  { name: 'removeUser', lowest: 'owner', call: (f, actor) => removeUser(f.deps, actor, f.memberId) },
  { name: 'revokeApiToken', lowest: 'owner', call: (f, actor) => revokeApiToken(f.deps, actor, f.token) },
  // Destinations: their URLs and signing secrets are secrets, so reading them is for admins too.
  { name: 'createDestination', lowest: 'admin', call: (f, actor) => createDestination(f.deps, actor, { name: '#ops', type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x' }) },
  { name: 'updateDestination', lowest: 'admin', call: (f, actor) => updateDestination(f.deps, actor, f.destination, { name: '#ops-hooks' }) },
  { name: 'deleteDestination', lowest: 'admin', call: (f, actor) => deleteDestination(f.deps, actor, f.destination) },
  { name: 'pauseDestination', lowest: 'admin', call: (f, actor) => pauseDestination(f.deps, actor, f.destination) },
  { name: 'resumeDestination', lowest: 'admin', call: (f, actor) => resumeDestination(f.deps, actor, f.destination) },
  { name: 'rotateSigningSecret', lowest: 'admin', call: (f, actor) => rotateSigningSecret(f.deps, actor, f.destination) },
  { name: 'sendTestMessage', lowest: 'admin', call: (f, actor) => sendTestMessage(f.deps, actor, f.destination) },
  { name: 'listDestinations', lowest: 'admin', call: (f, actor) => listDestinations(f.deps, actor) },
  { name: 'findDestination', lowest: 'admin', call: (f, actor) => findDestination(f.deps, actor, f.destination) },
  // Alerts from monitoring (issue 16): people acting on drafts are Comms; rules say what the page's components mean (admins).
  { name: 'ingestAlerts', lowest: 'comms', call: (f, actor) => ingestAlerts(f.deps, actor, [{ ...ALERT, key: 'another' }]) },
  { name: 'acknowledgeDraft', lowest: 'comms', call: (f, actor) => acknowledgeDraft(f.deps, actor, f.draft) },
  { name: 'dismissDraft', lowest: 'comms', call: (f, actor) => dismissDraft(f.deps, actor, f.draft, { reason: 'A test.' }) },
  { name: 'setDetectionSource', lowest: 'comms', call: (f, actor) => setDetectionSource(f.deps, actor, f.incident, { detectionSource: 'customer_report' }) },
  { name: 'createRule', lowest: 'admin', call: (f, actor) => createRule(f.deps, actor, { name: 'Payments', matchers: { service: 'payments' } }) },
  { name: 'updateRule', lowest: 'admin', call: (f, actor) => updateRule(f.deps, actor, f.rule, { name: 'Backup jobs' }) },
  { name: 'deleteRule', lowest: 'admin', call: (f, actor) => deleteRule(f.deps, actor, f.rule) },
  // The team's names and addresses, for the escalation list on the settings page.
  { name: 'escalationCandidates', lowest: 'admin', call: (f, actor) => escalationCandidates(f.deps, actor) },
  // After the fire (issue 17): whoever runs incidents keeps their record.
  { name: 'addTimelineNote', lowest: 'comms', call: (f, actor) => addTimelineNote(f.deps, actor, f.incident, { text: 'Failover done.' }) },
  { name: 'deleteTimelineNote', lowest: 'comms', call: (f, actor) => deleteTimelineNote(f.deps, actor, f.incident, f.note) },
  { name: 'setKeyTime', lowest: 'comms', call: (f, actor) => setKeyTime(f.deps, actor, f.incident, { marker: 'impact_started', at: f.deps.clock.now() - HOUR, reason: 'Logs' }) },
  { name: 'startPostmortem', lowest: 'comms', call: (f, actor) => startPostmortem(f.deps, actor, f.incident) },
  { name: 'savePostmortem', lowest: 'comms', call: (f, actor) => savePostmortem(f.deps, actor, f.incident, { body: 'Root cause.', baseRevision: 0 }) },
  { name: 'setPostmortemState', lowest: 'comms', call: (f, actor) => setPostmortemState(f.deps, actor, f.incident, { state: 'draft' }) },
  { name: 'publishPublicPostmortem', lowest: 'comms', call: (f, actor) => publishPublicPostmortem(f.deps, actor, f.incident, { publicBody: null }) },
  { name: 'createActionItem', lowest: 'comms', call: (f, actor) => createActionItem(f.deps, actor, f.incident, { title: 'Runbook' }) },
  { name: 'updateActionItem', lowest: 'comms', call: (f, actor) => updateActionItem(f.deps, actor, f.actionItem, { status: 'done' }) },
  { name: 'deleteActionItem', lowest: 'comms', call: (f, actor) => deleteActionItem(f.deps, actor, f.actionItem) },
  // Issue 18: customers' webhook and chat subscribers: their contacts are personal data, as email subscribers' addresses.
  { name: 'listChannelSubscribers', lowest: 'comms', call: (f, actor) => listChannelSubscribers(f.deps, actor, {}) },
  { name: 'findChannelSubscriber', lowest: 'comms', call: (f, actor) => findChannelSubscriber(f.deps, actor, f.channelSubscriber) },
  { name: 'removeChannelSubscriber', lowest: 'comms', call: (f, actor) => removeChannelSubscriber(f.deps, actor, f.channelSubscriber) },
  { name: 'enableChannelSubscriber', lowest: 'comms', call: (f, actor) => enableChannelSubscriber(f.deps, actor, f.channelSubscriber) },
];

/** Reads every team member may do, which an `alerts` token (intake only) may not. */
const TEAM_READS: { name: string; call: (f: Fixture, actor: Actor) => Promise<unknown> }[] = [
  { name: 'findDraft', call: (f, actor) => findDraft(f.deps, actor, f.draft) },
  { name: 'listDrafts', call: (f, actor) => listDrafts(f.deps, actor) },
  { name: 'draftOfIncident', call: (f, actor) => draftOfIncident(f.deps, actor, f.incident) },
  { name: 'listRules', call: (f, actor) => listRules(f.deps, actor) },
  { name: 'findRule', call: (f, actor) => findRule(f.deps, actor, f.rule) },
  { name: 'incidentTimeline', call: (f, actor) => incidentTimeline(f.deps, actor, f.incident) },
  { name: 'loadPostmortem', call: (f, actor) => loadPostmortem(f.deps, actor, f.incident) },
  { name: 'findActionItem', call: (f, actor) => findActionItem(f.deps, actor, f.actionItem) },
  { name: 'listActionItems', call: (f, actor) => listActionItems(f.deps, actor, {}) },
  { name: 'postmortemsAtAGlance', call: (f, actor) => postmortemsAtAGlance(f.deps, actor, f.deps.clock.now()) },
  { name: 'actionItemOwners', call: (f, actor) => actionItemOwners(f.deps, actor) },
  { name: 'channelDeliveryCounts', call: (f, actor) => channelDeliveryCounts(f.deps, actor, [f.updateId]) },
];

/** Services that take an actor but need no row above: the lowest role reads them, or the actor acts on itself. */
const NOTHING_TO_REFUSE: Record<string, string> = {
  logout: 'ends the caller’s own session',
  listTemplates: 'every team member reads the templates',
  findTemplate: 'every team member reads the templates',
  listInternalTemplates: 'every team member reads the templates (the internal update form offers them)',
  seedExampleContent: 'the first start only, as the example page system actor',
  declaredRoles: 'a step of declareIncident, which authorizes first (it only reads who the declaring person is)',
  listInternalUpdates: 'every team member reads the incident page, internal updates included',
  failedDeliveries: 'viewers see the failures without the addresses (test/security/subscriber-addresses.test.ts)',
  findDraft: 'every team member reads the alert drafts (an `alerts` token does not: see below)',
  listDrafts: 'every team member reads the alert drafts (an `alerts` token does not: see below)',
  draftOfIncident: 'every team member reads an incident’s alert history (an `alerts` token does not: see below)',
  listRules: 'every team member reads the alert rules (an `alerts` token does not: see below)',
  findRule: 'every team member reads the alert rules (an `alerts` token does not: see below)',
  incidentTimeline: 'every team member reads the incident record (an `alerts` token does not: see below)',
  loadPostmortem: 'every team member reads postmortems (an `alerts` token does not: see below)',
  findActionItem: 'every team member reads action items (an `alerts` token does not: see below)',
  listActionItems: 'every team member reads action items (an `alerts` token does not: see below)',
  postmortemsAtAGlance: 'every team member sees the dashboard (an `alerts` token does not: see below)',
  actionItemOwners: 'every team member filters action items by owner (an `alerts` token does not: see below)',
  channelDeliveryCounts: 'every team member reads delivery progress (counts only; an `alerts` token does not: see below)',
  incidentMetrics: 'every team member reads the response metrics (an `alerts` token does not: test/metrics/service.test.ts)',
};

/** Every exported service function with an `actor: Actor` parameter, by name. */
function servicesTakingAnActor(dir = 'src/services'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return servicesTakingAnActor(path);
    const text = readFileSync(path, 'utf8');
    return [...text.matchAll(/export async function (\w+)\(([^)]*)\)/g)].filter((m) => /\bactor: Actor\b/.test(m[2]!)).map((m) => m[1]!);
  });
}

it('lists every service that takes an actor (a new one fails here until its lowest role is written down)', () => {
  const listed = new Set([...SERVICES.map((s) => s.name), ...Object.keys(NOTHING_TO_REFUSE)]);
  const found = servicesTakingAnActor();
  expect(found.length).toBeGreaterThan(40);
  expect(found.filter((name) => !listed.has(name))).toEqual([]);
});

describe('services that change the page or the team, or read personal data', () => {
  for (const service of SERVICES) {
    it(`${service.name} refuses every role below ${service.lowest} and writes nothing, and works for ${service.lowest}`, async () => {
      const f = await fixture();
      const before = await snapshotDatabase(f.deps);
      for (const role of below(service.lowest)) {
        await expect(service.call(f, memberActor(role)), `${service.name} as ${role}`).rejects.toBeInstanceOf(ForbiddenError);
      }
      expect(await snapshotDatabase(f.deps)).toEqual(before);
      await service.call(f, memberActor(service.lowest));
    });
  }
});

describe('an `alerts` token (what monitoring tools authenticate with)', () => {
  const alertsToken: Actor = { kind: 'token', id: 'tok-alerts', label: 'token: alertmanager', role: 'alerts' };

  it('posts alerts', async () => {
    const f = await fixture();
    expect((await ingestAlerts(f.deps, alertsToken, [{ ...ALERT, key: 'from-monitoring' }])).firing).toBe(1);
  });

  it('can do nothing else: every other service refuses it and nothing is written', async () => {
    const f = await fixture();
    const before = await snapshotDatabase(f.deps);
    for (const service of [...SERVICES.filter((s) => s.name !== 'ingestAlerts'), ...TEAM_READS]) {
      await expect(service.call(f, alertsToken), service.name).rejects.toBeInstanceOf(ForbiddenError);
    }
    expect(await snapshotDatabase(f.deps)).toEqual(before);
  });

  it('the team reads drafts and rules from the lowest role up', async () => {
    const f = await fixture();
    for (const read of TEAM_READS) await read.call(f, memberActor('viewer'));
  });
});

describe('the system actors', () => {
  it('names Herald itself in the audit log, with no member or token id', async () => {
    const f = await fixture();
    await createApiToken(f.deps, systemActor('command line'), { name: 'deploy-bot', scope: 'comms' });
    f.deps.clock.advance(HOUR);
    await advanceMaintenance(f.deps, systemActor('maintenance clock'), f.deps.clock.now());
    const entries = await f.deps.repos.audit.list({ limit: 20 });
    expect(entries.find((e) => e.action === 'token.create')).toMatchObject({ actor: 'system: command line', actorId: null });
    expect(entries.find((e) => e.action === 'maintenance.auto_complete')).toMatchObject({ actor: 'system: maintenance clock', actorId: null });
  });

  it('writes the example page as "system: example page", and each system actor can do only its own work', async () => {
    const f = await fixture();
    await seedExampleContent(f.deps, systemActor('example page'));
    const actors = new Set((await f.deps.repos.audit.list({ limit: 100 })).filter((e) => e.actorId === null).map((e) => e.actor));
    expect(actors).toEqual(new Set(['system: example page']));
    // The clock and the example page are not owners: a mix-up is refused, not audited under the wrong name.
    await expect(createApiToken(f.deps, systemActor('maintenance clock'), { name: 'x', scope: 'owner' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createResetLink(f.deps, systemActor('example page'), f.memberId)).rejects.toBeInstanceOf(ForbiddenError);
    for (const name of ['setup link', 'password link', 'forgot password form'] as const) {
      await expect(declareIncident(f.deps, { title: 'x', severity: 3, body: 'x' }, systemActor(name))).rejects.toBeInstanceOf(ForbiddenError);
    }
  });
});

// Never run: typecheck fails (npm run typecheck) if a service accepts a call without its actor again.
export function forgottenActorsDoNotCompile(deps: TestDeps): void {
  // @ts-expect-error the actor is required
  void declareIncident(deps, { title: 'x', severity: 3, body: 'x' });
  // @ts-expect-error the actor is required
  void postUpdate(deps, { incidentId: 'x', status: 'resolved', body: 'x' });
  // @ts-expect-error the actor is required
  void createComponent(deps, { name: 'x' });
  // @ts-expect-error null is not an actor
  void createApiToken(deps, null, { name: 'x', scope: 'viewer' });
}
