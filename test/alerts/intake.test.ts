import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createNodeDeps, type NodeDeps } from '../../src/entry/node-deps.js';
import { ForbiddenError } from '../../src/lib/errors.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { acknowledgeDraft, dismissDraft } from '../../src/services/alerts/drafts.js';
import { createRule, type CreateRuleInput } from '../../src/services/alerts/rules.js';
import { setComponentStatus } from '../../src/services/components/components.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { snapshotDatabase } from '../security/support.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { createTestDeps, FakeClock, MemoryLogger, testConfig, type TestDeps } from '../support/deps.js';
import { makeComponent, makeDestination } from '../support/factories.js';
import { deliveriesTo, incoming, MIN, MONITORING, resolved, rowsIn } from './intake-support.js';

/*
 * Alert intake at the service level (services/alerts/intake.ts) on real
 * SQLite: drafts, deduplication, grouping, routing to the destinations,
 * automatic component status, and what an alert never does (anything public).
 */

const rule = (deps: TestDeps, input: CreateRuleInput) => createRule(deps, FIXTURE_ACTOR, input);
const draftOf = async (deps: TestDeps, id: string) => (await deps.repos.alerts.findDraft(id))!;
const statusOf = async (deps: TestDeps, componentId: string) => (await deps.repos.components.findByIds([componentId]))[0]!.status;

describe('a firing alert', () => {
  let deps: TestDeps;
  let payments: string;
  let search: string;
  beforeEach(async () => {
    deps = await createTestDeps();
    payments = await makeComponent(deps, { name: 'Payments' });
    search = await makeComponent(deps, { name: 'Search' });
  });

  it('opens a draft and queues one alert message per destination that wants it', async () => {
    const ruleRow = await rule(deps, { name: 'Payments critical', matchers: { service: 'payments', severity: 'critical' }, componentIds: [payments], severity: 1 });
    const everything = await makeDestination(deps);
    const sev1 = await makeDestination(deps, { severities: [1, 2] });
    const sev3 = await makeDestination(deps, { severities: [3] });
    const paymentsOnly = await makeDestination(deps, { componentIds: [payments] });
    const searchOnly = await makeDestination(deps, { componentIds: [search] });
    const paused = await makeDestination(deps, { pausedAt: deps.clock.now() });
    const startsAt = deps.clock.now() - 3 * MIN;

    const alert = incoming({
      summary: 'HighErrorRate: Payments API errors above 5%',
      description: 'Error ratio 7.2%',
      labels: { alertname: 'HighErrorRate', service: 'payments', severity: 'critical' },
      startsAt,
    });
    const result = await ingestAlerts(deps, MONITORING, [alert]);
    expect(result).toMatchObject({ received: 1, firing: 1, repeated: 0, resolved: 0, ignored: 0 });
    expect(result.opened).toHaveLength(1);
    expect(result.drafts).toEqual(result.opened);

    const draft = await draftOf(deps, result.opened[0]!);
    expect(draft).toMatchObject({
      status: 'open',
      source: 'alertmanager',
      title: 'HighErrorRate: Payments API errors above 5%',
      severity: 1,
      componentIds: [payments],
      ruleId: ruleRow.id,
      detectedAt: startsAt,
      acknowledgedAt: null,
      escalatedAt: null,
      incidentId: null,
    });
    const [episode, ...others] = await deps.repos.alerts.alertsOf(draft.id);
    expect(others).toEqual([]);
    expect(episode).toMatchObject({ dedupeKey: alert.key, firingKey: `alertmanager:${alert.key}`, status: 'firing', severity: 1, startsAt, labels: alert.labels });

    for (const destination of [everything, sev1, paymentsOnly]) {
      const [delivery, ...more] = await deliveriesTo(deps, destination);
      expect(more).toEqual([]);
      expect(delivery!.kind).toBe('alert');
      expect(delivery!.message).toMatchObject({
        kind: 'alert',
        incidentId: draft.id,
        title: 'HighErrorRate: Payments API errors above 5%',
        severityLabel: 'SEV-1 (suggested)',
        status: 'Firing, unacknowledged',
        postedOnStatusPage: false,
        links: {
          admin: `http://status.test/admin/alerts/${draft.id}`,
          acknowledge: `http://status.test/admin/alerts/${draft.id}/acknowledge`,
          declare: `http://status.test/admin/incidents/new?alert=${draft.id}`,
        },
      });
      expect(delivery!.message.text).toContain('Error ratio 7.2%');
      expect(delivery!.message.extraFacts).toContainEqual({ label: 'Components', value: 'Payments' });
    }
    for (const destination of [sev3, searchOnly, paused]) expect(await deliveriesTo(deps, destination)).toEqual([]);
  });

  it('without a suggested severity, reaches only destinations taking every severity', async () => {
    const everything = await makeDestination(deps);
    const sev4 = await makeDestination(deps, { severities: [1, 2, 3, 4] });
    const { opened } = await ingestAlerts(deps, MONITORING, [incoming({ labels: { service: 'unknown' } })]);
    expect((await draftOf(deps, opened[0]!)).severity).toBeNull();
    expect((await deliveriesTo(deps, everything)).map((d) => d.message.severityLabel)).toEqual(['No severity suggested']);
    expect(await deliveriesTo(deps, sev4)).toEqual([]);
  });

  it('takes the generic payload’s severity and component when no rule maps it, and a rule’s over them', async () => {
    const { opened } = await ingestAlerts(deps, MONITORING, [incoming({ source: 'generic', severity: 2, component: 'search' })]);
    expect(await draftOf(deps, opened[0]!)).toMatchObject({ severity: 2, componentIds: [search] });

    await rule(deps, { name: 'CI', source: 'generic', matchers: { pipeline: 'deploy' }, componentIds: [payments], severity: 3 });
    const mapped = await ingestAlerts(deps, MONITORING, [incoming({ source: 'generic', severity: 1, component: 'Search', labels: { pipeline: 'deploy' } })]);
    expect(await draftOf(deps, mapped.opened[0]!)).toMatchObject({ severity: 3, componentIds: [payments] });
  });

  it('repeated (Alertmanager’s repeat_interval) changes nothing at all', async () => {
    await makeDestination(deps);
    const alert = incoming({ labels: { service: 'payments' } });
    const first = await ingestAlerts(deps, MONITORING, [alert]);
    const before = await snapshotDatabase(deps);
    deps.clock.advance(4 * 60 * MIN);
    const again = await ingestAlerts(deps, MONITORING, [alert, { ...alert, summary: 'reworded', startsAt: alert.startsAt + MIN }]);
    expect(again).toEqual({ received: 2, firing: 0, repeated: 2, resolved: 0, ignored: 0, opened: [], drafts: first.opened });
    expect(await snapshotDatabase(deps)).toEqual(before);
  });

  it('refuses callers who may not post alerts, and writes nothing', async () => {
    const before = await snapshotDatabase(deps);
    await expect(ingestAlerts(deps, memberActor('viewer'), [incoming()])).rejects.toBeInstanceOf(ForbiddenError);
    expect(await snapshotDatabase(deps)).toEqual(before);
    // Comms and above may (a person testing an integration); so may an `alerts` token.
    expect((await ingestAlerts(deps, memberActor('comms'), [incoming()])).firing).toBe(1);
  });

  it('joins a group of alerts for one component into one draft, announced once', async () => {
    await rule(deps, { name: 'Payments', matchers: { service: 'payments' }, componentIds: [payments], severity: 2 });
    await rule(deps, { name: 'Payments DB', matchers: { service: 'payments-db' }, componentIds: [payments], severity: 1 });
    const destination = await makeDestination(deps);
    const early = deps.clock.now() - 10 * MIN;
    const result = await ingestAlerts(deps, MONITORING, [
      incoming({ labels: { service: 'payments', instance: 'a' }, groupKey: 'g1' }),
      incoming({ labels: { service: 'payments', instance: 'b' }, groupKey: 'g1' }),
      incoming({ labels: { service: 'payments-db' }, groupKey: 'g2', startsAt: early }),
    ]);
    expect(result).toMatchObject({ firing: 3, opened: [result.drafts[0]], drafts: [result.drafts[0]] });
    const draft = await draftOf(deps, result.drafts[0]!);
    // The worst suggestion and the earliest start of its alerts.
    expect(draft).toMatchObject({ severity: 1, detectedAt: early, componentIds: [payments] });
    expect(await deps.repos.alerts.alertsOf(draft.id)).toHaveLength(3);
    expect(await deliveriesTo(deps, destination)).toHaveLength(1);
  });

  it('groups alerts no rule maps by their source group', async () => {
    const result = await ingestAlerts(deps, MONITORING, [
      incoming({ groupKey: '{}:{alertname="DiskFull"}' }),
      incoming({ groupKey: '{}:{alertname="DiskFull"}' }),
      incoming({ groupKey: '{}:{alertname="CPU"}' }),
      incoming({ source: 'grafana', groupKey: '{}:{alertname="DiskFull"}' }),
    ]);
    expect(result.opened).toHaveLength(3);
    const sizes = await Promise.all(result.opened.map(async (id) => (await deps.repos.alerts.alertsOf(id)).length));
    expect(sizes).toEqual([2, 1, 1]);
    expect((await draftOf(deps, result.opened[0]!)).componentIds).toEqual([]);
  });

  it('joins a declared draft while its incident is open, and opens a new draft once that incident is resolved', async () => {
    await rule(deps, { name: 'Payments', matchers: { service: 'payments' }, componentIds: [payments], severity: 1 });
    const first = await ingestAlerts(deps, MONITORING, [incoming({ labels: { service: 'payments' } })]);
    const draftId = first.opened[0]!;
    const incidentId = await declareIncident(deps, { title: 'Payments failing', severity: 1, body: 'Investigating.', alertDraftId: draftId }, FIXTURE_ACTOR);
    expect(await draftOf(deps, draftId)).toMatchObject({ status: 'declared', incidentId });

    const during = await ingestAlerts(deps, MONITORING, [incoming({ labels: { service: 'payments', instance: 'b' } })]);
    expect(during).toMatchObject({ firing: 1, opened: [], drafts: [draftId] });

    await postUpdate(deps, { incidentId, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    const after = await ingestAlerts(deps, MONITORING, [incoming({ labels: { service: 'payments', instance: 'c' } })]);
    expect(after.opened).toHaveLength(1);
    expect(after.opened[0]).not.toBe(draftId);
    expect(await draftOf(deps, after.opened[0]!)).toMatchObject({ status: 'open', componentIds: [payments] });
    // The old draft keeps its incident and its history, closed to new alerts.
    expect(await draftOf(deps, draftId)).toMatchObject({ status: 'declared', openKey: null, incidentId });
    expect(await deps.repos.alerts.alertsOf(draftId)).toHaveLength(2);
  });

  it('opens a new draft after a dismissal; the dismissed draft’s alerts keep repeating into nothing', async () => {
    const alert = incoming({ groupKey: 'g' });
    const first = await ingestAlerts(deps, MONITORING, [alert]);
    await dismissDraft(deps, FIXTURE_ACTOR, first.opened[0]!, { reason: 'Test alert from staging.' });
    expect(await ingestAlerts(deps, MONITORING, [alert])).toMatchObject({ repeated: 1, opened: [] });
    const next = await ingestAlerts(deps, MONITORING, [incoming({ groupKey: 'g' })]);
    expect(next.opened).toHaveLength(1);
    expect(next.opened[0]).not.toBe(first.opened[0]);
  });

  it('writes nothing public: no incident, no update, no email, and the public page’s revision stays', async () => {
    await rule(deps, { name: 'Payments', matchers: { service: 'payments' }, componentIds: [payments], severity: 1 });
    await makeDestination(deps);
    const revision = await deps.repos.settings.revision();
    const alert = incoming({ labels: { service: 'payments' } });
    await ingestAlerts(deps, MONITORING, [alert, incoming({ groupKey: 'other' })]);
    await ingestAlerts(deps, MONITORING, [resolved(alert)]);
    expect(await rowsIn(deps, 'incidents')).toBe(0);
    expect(await rowsIn(deps, 'incident_updates')).toBe(0);
    expect(await rowsIn(deps, 'mail_outbox')).toBe(0);
    expect(await deps.repos.settings.revision()).toBe(revision);
    expect(await statusOf(deps, payments)).toBe('operational');
    // What it did write: drafts, alerts and the team's own messages.
    expect(await rowsIn(deps, 'alert_drafts')).toBe(2);
    expect(await rowsIn(deps, 'destination_deliveries')).toBe(2);
  });
});

describe('a resolved alert', () => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps();
  });

  it('closes a waiting draft as resolved once all its alerts resolve', async () => {
    const a = incoming({ groupKey: 'g' });
    const b = incoming({ groupKey: 'g' });
    const { opened } = await ingestAlerts(deps, MONITORING, [a, b]);
    const draftId = opened[0]!;
    await acknowledgeDraft(deps, memberActor('comms'), draftId);

    deps.clock.advance(5 * MIN);
    const endsAt = deps.clock.now() - MIN;
    expect(await ingestAlerts(deps, MONITORING, [resolved(a, endsAt)])).toMatchObject({ resolved: 1, drafts: [draftId] });
    expect(await draftOf(deps, draftId)).toMatchObject({ status: 'acknowledged' });

    expect((await ingestAlerts(deps, MONITORING, [resolved(b)])).resolved).toBe(1);
    expect(await draftOf(deps, draftId)).toMatchObject({ status: 'resolved', openKey: null, closedAt: deps.clock.now() });
    const episodes = await deps.repos.alerts.alertsOf(draftId);
    expect(episodes.map((e) => [e.status, e.firingKey, e.resolvedReceivedAt])).toEqual([
      ['resolved', null, deps.clock.now()],
      ['resolved', null, deps.clock.now()],
    ]);
    expect(episodes.find((e) => e.dedupeKey === a.key)!.endsAt).toBe(endsAt);
    // Without an end time, it ended when Herald heard of it.
    expect(episodes.find((e) => e.dedupeKey === b.key)!.endsAt).toBe(deps.clock.now());

    // Firing again later is a new episode in a new draft.
    const again = await ingestAlerts(deps, MONITORING, [a]);
    expect(again.opened).toHaveLength(1);
    expect(again.opened[0]).not.toBe(draftId);
  });

  it('leaves a declared draft declared: people decide what customers read', async () => {
    const alert = incoming();
    const { opened } = await ingestAlerts(deps, MONITORING, [alert]);
    const incidentId = await declareIncident(deps, { title: 'Down', severity: 2, body: 'Looking.', alertDraftId: opened[0] }, FIXTURE_ACTOR);
    const updates = await rowsIn(deps, 'incident_updates');
    await ingestAlerts(deps, MONITORING, [resolved(alert)]);
    expect(await draftOf(deps, opened[0]!)).toMatchObject({ status: 'declared', incidentId });
    expect((await deps.repos.alerts.alertsOf(opened[0]!))[0]!.status).toBe('resolved');
    expect((await deps.repos.incidents.findById(incidentId))!.status).toBe('investigating');
    expect(await rowsIn(deps, 'incident_updates')).toBe(updates);
  });

  it('is ignored when nothing fires under its key (unknown, or resolved already)', async () => {
    const alert = incoming();
    await ingestAlerts(deps, MONITORING, [alert]);
    await ingestAlerts(deps, MONITORING, [resolved(alert)]);
    const before = await snapshotDatabase(deps);
    const result = await ingestAlerts(deps, MONITORING, [resolved(incoming()), resolved(alert), resolved({ ...alert, source: 'grafana' })]);
    expect(result).toEqual({ received: 3, firing: 0, repeated: 0, resolved: 0, ignored: 3, opened: [], drafts: [] });
    expect(await snapshotDatabase(deps)).toEqual(before);
  });
});

describe('automatic component status', () => {
  let deps: TestDeps;
  let api: string;
  beforeEach(async () => {
    deps = await createTestDeps();
    api = await makeComponent(deps, { name: 'API' });
    await rule(deps, { name: 'API slow', matchers: { alertname: 'Slow' }, componentIds: [api], severity: 3, autoComponentStatus: 'degraded_performance' });
    await rule(deps, { name: 'API down', matchers: { alertname: 'Down' }, componentIds: [api], severity: 1, autoComponentStatus: 'major_outage' });
    await rule(deps, { name: 'API errors', matchers: { alertname: 'Errors' }, componentIds: [api], severity: 2 });
  });
  const slow = () => incoming({ labels: { alertname: 'Slow' } });
  const down = () => incoming({ labels: { alertname: 'Down' } });

  it('follows the alert while it fires, and goes back when it resolves (audited as automatic)', async () => {
    const revision = await deps.repos.settings.revision();
    const alert = slow();
    await ingestAlerts(deps, MONITORING, [alert]);
    expect(await statusOf(deps, api)).toBe('degraded_performance');
    expect(await deps.repos.settings.revision()).not.toBe(revision);
    await ingestAlerts(deps, MONITORING, [resolved(alert)]);
    expect(await statusOf(deps, api)).toBe('operational');
    const entries = (await deps.repos.audit.list({ limit: 10 })).filter((e) => e.action === 'component.status');
    expect(entries.map((e) => [e.actor, JSON.parse(e.details!).to, JSON.parse(e.details!).automatic])).toEqual([
      ['token: alertmanager', 'operational', 'alert resolved (alert rule)'],
      ['token: alertmanager', 'degraded_performance', 'alert firing (alert rule)'],
    ]);
    // Only a component status: never an incident.
    expect(await rowsIn(deps, 'incidents')).toBe(0);
  });

  it('does nothing for a rule that does not opt in', async () => {
    await ingestAlerts(deps, MONITORING, [incoming({ labels: { alertname: 'Errors' } })]);
    expect(await statusOf(deps, api)).toBe('operational');
  });

  it('only ever makes it worse, and leaves a worse status set by a person as it is', async () => {
    await setComponentStatus(deps, FIXTURE_ACTOR, api, 'partial_outage');
    const alert = slow();
    await ingestAlerts(deps, MONITORING, [alert]);
    expect(await statusOf(deps, api)).toBe('partial_outage');
    await ingestAlerts(deps, MONITORING, [resolved(alert)]);
    expect(await statusOf(deps, api)).toBe('partial_outage');
  });

  it('never touches a component under maintenance', async () => {
    await setComponentStatus(deps, FIXTURE_ACTOR, api, 'under_maintenance');
    const alert = down();
    await ingestAlerts(deps, MONITORING, [alert]);
    expect(await statusOf(deps, api)).toBe('under_maintenance');
    expect((await deps.repos.alerts.findFiring(`alertmanager:${alert.key}`))!.autoStatuses).toBeNull();
    await ingestAlerts(deps, MONITORING, [resolved(alert)]);
    expect(await statusOf(deps, api)).toBe('under_maintenance');
  });

  it('with two alerts holding the component: the worst holds, and it goes back only when both resolve (slow first)', async () => {
    const [a, b] = [slow(), down()];
    await ingestAlerts(deps, MONITORING, [a]);
    await ingestAlerts(deps, MONITORING, [b]);
    expect(await statusOf(deps, api)).toBe('major_outage');
    await ingestAlerts(deps, MONITORING, [resolved(a)]);
    expect(await statusOf(deps, api)).toBe('major_outage');
    await ingestAlerts(deps, MONITORING, [resolved(b)]);
    expect(await statusOf(deps, api)).toBe('operational');
  });

  it('with two alerts holding the component: the worse resolving first steps back to the other’s status', async () => {
    const [a, b] = [slow(), down()];
    await ingestAlerts(deps, MONITORING, [a, b]);
    expect(await statusOf(deps, api)).toBe('major_outage');
    await ingestAlerts(deps, MONITORING, [resolved(b)]);
    expect(await statusOf(deps, api)).toBe('degraded_performance');
    await ingestAlerts(deps, MONITORING, [resolved(a)]);
    expect(await statusOf(deps, api)).toBe('operational');
  });

  it('two alerts of the same rule: back to operational only after the last resolves', async () => {
    const [a, b] = [slow(), slow()];
    await ingestAlerts(deps, MONITORING, [a, b]);
    await ingestAlerts(deps, MONITORING, [resolved(b)]);
    expect(await statusOf(deps, api)).toBe('degraded_performance');
    await ingestAlerts(deps, MONITORING, [resolved(a)]);
    expect(await statusOf(deps, api)).toBe('operational');
  });

  it('leaves alone a status a person changed while the alert fired', async () => {
    for (const byHand of ['operational', 'partial_outage', 'under_maintenance'] as const) {
      const alert = slow();
      await ingestAlerts(deps, MONITORING, [alert]);
      expect(await statusOf(deps, api)).toBe('degraded_performance');
      await setComponentStatus(deps, FIXTURE_ACTOR, api, byHand);
      await ingestAlerts(deps, MONITORING, [resolved(alert)]);
      expect(await statusOf(deps, api), `changed by hand to ${byHand}`).toBe(byHand);
      await setComponentStatus(deps, FIXTURE_ACTOR, api, 'operational');
    }
  });
});

describe('racing deliveries of the same alert', () => {
  let dir: string;
  const opened: Database[] = [];
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Two processes' worth of deps on one SQLite file: separate connections and
   * repos, so the in-process intake queue does not serialise them. Each
   * one's first write waits until both have read (both find nothing firing),
   * so the writes truly race and one of them hits the unique keys.
   */
  async function twoProcesses(): Promise<{ a: NodeDeps; b: NodeDeps; conflicts: string[]; race(): void }> {
    dir = mkdtempSync(join(tmpdir(), 'herald-intake-'));
    const clock = new FakeClock();
    const make = () => createNodeDeps({ config: testConfig(), databasePath: join(dir, 'herald.db'), clock, log: new MemoryLogger() });
    const a = make();
    await initializePage(a);
    const b = make();
    opened.push(a.db, b.db);
    const conflicts: string[] = [];
    let armed = false;
    let waiting = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const racing = (deps: NodeDeps): NodeDeps => {
      let first = true;
      const atomic: Database['atomic'] = async (statements) => {
        if (armed && first) {
          first = false;
          if (++waiting === 2) release();
          await bothRead;
        }
        try {
          await deps.db.atomic(statements);
        } catch (error) {
          conflicts.push(error instanceof Error ? error.message : String(error));
          throw error;
        }
      };
      return { ...deps, db: { ...deps.db, atomic } };
    };
    return { a: racing(a), b: racing(b), conflicts, race: () => void (armed = true) };
  }

  it('gives one draft and one alert (the loser retries and finds the winner’s)', async () => {
    const { a, b, conflicts, race } = await twoProcesses();
    await makeDestination(a);
    const alert = incoming({ labels: { service: 'payments' } });
    race();
    const [ra, rb] = await Promise.all([ingestAlerts(a, MONITORING, [alert]), ingestAlerts(b, MONITORING, [alert])]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatch(/UNIQUE constraint failed/);
    expect([ra.firing + rb.firing, ra.repeated + rb.repeated]).toEqual([1, 1]);
    expect(ra.drafts).toEqual(rb.drafts);
    expect(await rowsIn(a, 'alert_drafts')).toBe(1);
    expect(await rowsIn(a, 'alerts')).toBe(1);
    expect(await rowsIn(a, 'destination_deliveries')).toBe(1);
  });

  it('joins two different alerts for one component into one draft', async () => {
    const { a, b, conflicts, race } = await twoProcesses();
    const payments = await makeComponent(a, { name: 'Payments' });
    await createRule(a, FIXTURE_ACTOR, { name: 'Payments', matchers: { service: 'payments' }, componentIds: [payments], severity: 1 });
    race();
    const [ra, rb] = await Promise.all([
      ingestAlerts(a, MONITORING, [incoming({ labels: { service: 'payments', instance: '1' } })]),
      ingestAlerts(b, MONITORING, [incoming({ labels: { service: 'payments', instance: '2' } })]),
    ]);
    expect(conflicts).toHaveLength(1);
    expect(ra.firing + rb.firing).toBe(2);
    expect(ra.opened.length + rb.opened.length).toBe(1);
    expect(await rowsIn(a, 'alert_drafts')).toBe(1);
    expect(await rowsIn(a, 'alerts')).toBe(2);
  });
});
