// Customer notices (issue 18): one per published update that customers are
// told of, written in the publishing write; and component notices for status
// changes outside incidents, coalescing flapping changes. Real SQLite.
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { customerNotices, incidentUpdates, mailFanouts } from '../../src/db/schema.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { createRule } from '../../src/services/alerts/rules.js';
import { systemActor } from '../../src/services/auth/actor.js';
import { runBackgroundTick } from '../../src/services/background.js';
import { setComponentStatus } from '../../src/services/components/components.js';
import { MAX_WAIT_WINDOWS, noticeComponentChange, promoteComponentNotices } from '../../src/services/customer-channels/component-notices.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { advanceMaintenance } from '../../src/services/maintenance/clock.js';
import { createDrainer } from '../../src/services/notifications/outbox.js';
import { seedExampleContent } from '../../src/services/settings/example-page.js';
import type { BatchOutcome, MailTransport } from '../../src/mail/transport.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { incoming, MONITORING, resolved } from '../alerts/intake-support.js';
import { addEmailSubscriber, componentEmails, componentNotices, componentNotifications, notices } from './notices-support.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const WINDOW = 120 * SECOND;

const updateIdsOf = async (deps: TestDeps, incidentId: string) =>
  (await deps.db.orm.select({ id: incidentUpdates.id }).from(incidentUpdates).where(eq(incidentUpdates.incidentId, incidentId)).all()).map((r) => r.id);

/** A transport that accepts everything and remembers whom it was for. */
function recordingTransport(): MailTransport & { to: string[] } {
  const to: string[] = [];
  return {
    name: 'recording',
    maxBatch: 100,
    to,
    async sendBatch(emails): Promise<BatchOutcome> {
      to.push(...emails.map((e) => e.to));
      return { kind: 'accepted', results: emails.map((_, i) => ({ id: `m${to.length}-${i}` })) };
    },
  };
}

describe('incident notices', () => {
  let deps: TestDeps;
  let api: string;
  beforeEach(async () => {
    deps = await createTestDeps();
    api = await makeComponent(deps, { name: 'API' });
  });

  it('writes one ready notice with every published update, in the publishing write', async () => {
    const incidentId = await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }], notify: true });
    const [declared] = await updateIdsOf(deps, incidentId);
    expect(await notices(deps)).toEqual([
      {
        id: expect.stringMatching(/^[a-z0-9]{12}$/),
        kind: 'incident',
        updateId: declared,
        componentId: null,
        oldStatus: null,
        newStatus: null,
        state: 'ready',
        dueAt: deps.clock.now(),
        cursor: '',
        emailCursor: '',
        payload: null,
        createdAt: deps.clock.now(),
        updatedAt: deps.clock.now(),
      },
    ]);

    deps.clock.advance(10 * MINUTE);
    await postUpdate(deps, { incidentId, status: 'identified', body: 'Found it.', components: [{ componentId: api, status: 'degraded_performance' }] }, FIXTURE_ACTOR);
    await postUpdate(deps, { incidentId, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    const updates = await updateIdsOf(deps, incidentId);
    const rows = await notices(deps);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.updateId).sort()).toEqual([...updates].sort());
    expect(rows.every((r) => r.kind === 'incident' && r.state === 'ready')).toBe(true);
    // Its component changes belong to the update's notice: no component notice, even with the setting on.
    await componentNotifications(deps, true);
    deps.clock.advance(MINUTE);
    const second = await makeIncident(deps, { components: [{ componentId: api, status: 'partial_outage' }], notify: true });
    await postUpdate(deps, { incidentId: second, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    expect(await componentNotices(deps)).toEqual([]);
    expect(await notices(deps)).toHaveLength(5);
  });

  it('follows the email rule: none when the incident does not notify, none for backfill', async () => {
    await makeIncident(deps, { notify: false });
    const backfilled = await makeIncident(deps, { notify: true, at: deps.clock.now() - 3 * HOUR, startedAt: deps.clock.now() - 3 * HOUR });
    await postUpdate(deps, { incidentId: backfilled, status: 'resolved', body: 'Fixed back then.', at: deps.clock.now() - 2 * HOUR }, FIXTURE_ACTOR);
    expect(await notices(deps)).toEqual([]);
    // The same decision as the email fan-out: none written there either.
    expect(await deps.db.orm.select().from(mailFanouts).all()).toEqual([]);
  });

  it('writes notices for maintenance announced and started by the clock', async () => {
    const now = deps.clock.now();
    const id = await makeMaintenance(deps, { scheduledFor: now + HOUR, scheduledUntil: now + 2 * HOUR, componentIds: [api] });
    expect((await notices(deps)).map((n) => n.updateId)).toEqual(await updateIdsOf(deps, id));
    deps.clock.advance(HOUR);
    await advanceMaintenance(deps, systemActor('maintenance clock'), deps.clock.now());
    const updates = await updateIdsOf(deps, id);
    expect(updates).toHaveLength(2);
    expect((await notices(deps)).map((n) => n.updateId).sort()).toEqual([...updates].sort());
  });

  it('writes none for the example page, whose content reaches nobody', async () => {
    await seedExampleContent(deps, systemActor('example page'));
    expect(await notices(deps)).toEqual([]);
    // Nor when the clock later starts its maintenance.
    deps.clock.advance(5 * 24 * HOUR);
    await advanceMaintenance(deps, systemActor('maintenance clock'), deps.clock.now());
    expect(await notices(deps)).toEqual([]);
  });
});

describe('component notices', () => {
  let deps: TestDeps;
  let api: string;
  beforeEach(async () => {
    deps = await createTestDeps();
    api = await makeComponent(deps, { name: 'API' });
  });
  const set = (status: string, id = api) => setComponentStatus(deps, FIXTURE_ACTOR, id, status);

  it('writes nothing while the page setting is off (the default)', async () => {
    await set('degraded_performance');
    deps.clock.advance(10 * MINUTE);
    await promoteComponentNotices(deps, deps.clock.now());
    expect(await notices(deps)).toEqual([]);
  });

  it('writes a waiting notice with the status change, due a flap window later', async () => {
    await componentNotifications(deps, true);
    const now = deps.clock.now();
    await set('degraded_performance');
    expect(await componentNotices(deps)).toEqual([
      expect.objectContaining({
        kind: 'component',
        componentId: api,
        updateId: null,
        oldStatus: 'operational',
        newStatus: 'degraded_performance',
        state: 'waiting',
        dueAt: now + WINDOW,
        createdAt: now,
        updatedAt: now,
      }),
    ]);
    // Before the window ends the tick leaves it waiting.
    deps.clock.advance(WINDOW - SECOND);
    expect(await promoteComponentNotices(deps, deps.clock.now())).toBe(0);
    expect((await componentNotices(deps))[0]!.state).toBe('waiting');
  });

  it('drops a change that reverts within the window: A -> B -> A sends nothing', async () => {
    await componentNotifications(deps, true);
    await addEmailSubscriber(deps, 'watcher@example.com');
    await set('major_outage');
    deps.clock.advance(90 * SECOND);
    await set('operational');
    const [notice] = await componentNotices(deps);
    expect(notice).toMatchObject({ oldStatus: 'operational', newStatus: 'operational', state: 'waiting', dueAt: deps.clock.now() + WINDOW });
    deps.clock.advance(WINDOW);
    expect(await promoteComponentNotices(deps, deps.clock.now())).toBe(1);
    expect(await componentNotices(deps)).toEqual([expect.objectContaining({ id: notice!.id, state: 'dropped' })]);
    const mail = recordingTransport();
    await createDrainer({ ...deps, mail }).drain(10_000);
    expect(mail.to).toEqual([]);
    expect(await componentEmails(deps)).toEqual([]);
  });

  it('coalesces A -> B -> C into one notice A -> C, announced after the window', async () => {
    await componentNotifications(deps, true);
    await set('degraded_performance');
    deps.clock.advance(30 * SECOND);
    await set('partial_outage');
    deps.clock.advance(30 * SECOND);
    await set('major_outage');
    const lastChange = deps.clock.now();
    const rows = await componentNotices(deps);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ oldStatus: 'operational', newStatus: 'major_outage', state: 'waiting', updatedAt: lastChange, dueAt: lastChange + WINDOW });
    deps.clock.advance(WINDOW);
    expect(await promoteComponentNotices(deps, deps.clock.now())).toBe(1);
    expect(await componentNotices(deps)).toEqual([expect.objectContaining({ oldStatus: 'operational', newStatus: 'major_outage', state: 'ready', dueAt: deps.clock.now() })]);
    // A second tick finds nothing left to do.
    expect(await promoteComponentNotices(deps, deps.clock.now())).toBe(0);
  });

  it('announces changes further apart than the window one by one', async () => {
    await componentNotifications(deps, true);
    await set('degraded_performance');
    deps.clock.advance(WINDOW);
    await promoteComponentNotices(deps, deps.clock.now());
    deps.clock.advance(10 * MINUTE);
    await set('operational');
    // Past its window a waiting notice takes no more changes, even before a tick ended it.
    deps.clock.advance(WINDOW + SECOND);
    await set('partial_outage');
    deps.clock.advance(WINDOW);
    expect(await promoteComponentNotices(deps, deps.clock.now())).toBe(2);
    expect((await componentNotices(deps)).map((n) => [n.oldStatus, n.newStatus, n.state])).toEqual([
      ['operational', 'degraded_performance', 'ready'],
      ['degraded_performance', 'operational', 'ready'],
      ['operational', 'partial_outage', 'ready'],
    ]);
  });

  it('announces a component that never stops flapping, at most ten windows after its first change', async () => {
    await componentNotifications(deps, true);
    const first = deps.clock.now();
    const statuses = ['degraded_performance', 'partial_outage'];
    for (let i = 0; deps.clock.now() < first + 15 * WINDOW; i++) {
      await set(statuses[i % 2]!);
      deps.clock.advance(WINDOW / 2);
      await promoteComponentNotices(deps, deps.clock.now());
    }
    const rows = await componentNotices(deps);
    expect(rows[0]).toMatchObject({ oldStatus: 'operational', state: 'ready', createdAt: first });
    expect(rows[0]!.dueAt).toBeLessThanOrEqual(first + MAX_WAIT_WINDOWS * WINDOW + WINDOW / 2);
    // The flapping went on after it, in a notice of its own, from the status the first one announced.
    expect(rows[1]).toMatchObject({ oldStatus: rows[0]!.newStatus });
    expect(rows.filter((r) => r.state === 'waiting')).toHaveLength(1);
  });

  it('never leaves two waiting notices for one component when writes race', async () => {
    await componentNotifications(deps, true);
    const now = deps.clock.now();
    // Both writes prepared from the same reads (nothing waiting yet), then run one after the other.
    const a = await noticeComponentChange(deps, { componentId: api, from: 'operational', to: 'degraded_performance' }, now);
    const b = await noticeComponentChange(deps, { componentId: api, from: 'operational', to: 'major_outage' }, now);
    await deps.db.atomic(a);
    await deps.db.atomic(b);
    const rows = await componentNotices(deps);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ oldStatus: 'operational', newStatus: 'major_outage', state: 'waiting' });

    // And through the service, concurrently.
    const web = await makeComponent(deps, { name: 'Web' });
    await Promise.all([set('degraded_performance', web), set('partial_outage', web), set('major_outage', web)]);
    expect((await componentNotices(deps, web)).filter((n) => n.state === 'waiting')).toHaveLength(1);
  });

  it('writes one for an alert rule’s automatic status, and drops it when the alert resolves within the window', async () => {
    await componentNotifications(deps, true);
    await createRule(deps, FIXTURE_ACTOR, { name: 'API down', matchers: { alertname: 'Down' }, componentIds: [api], severity: 1, autoComponentStatus: 'major_outage' });
    const alert = incoming({ labels: { alertname: 'Down' } });
    await ingestAlerts(deps, MONITORING, [alert]);
    expect(await componentNotices(deps)).toEqual([expect.objectContaining({ oldStatus: 'operational', newStatus: 'major_outage', state: 'waiting' })]);
    // A repeat changes nothing.
    await ingestAlerts(deps, MONITORING, [alert]);
    expect(await componentNotices(deps)).toHaveLength(1);
    deps.clock.advance(MINUTE);
    await ingestAlerts(deps, MONITORING, [resolved(alert)]);
    expect(await componentNotices(deps)).toEqual([expect.objectContaining({ oldStatus: 'operational', newStatus: 'operational', state: 'waiting' })]);
    deps.clock.advance(WINDOW);
    await promoteComponentNotices(deps, deps.clock.now());
    expect((await componentNotices(deps))[0]!.state).toBe('dropped');

    // An alert that outlasts the window is announced, and so is its resolution.
    const long = incoming({ labels: { alertname: 'Down' } });
    await ingestAlerts(deps, MONITORING, [long]);
    deps.clock.advance(10 * MINUTE);
    await promoteComponentNotices(deps, deps.clock.now());
    await ingestAlerts(deps, MONITORING, [resolved(long)]);
    deps.clock.advance(WINDOW);
    await promoteComponentNotices(deps, deps.clock.now());
    expect((await componentNotices(deps)).slice(1).map((n) => [n.oldStatus, n.newStatus, n.state])).toEqual([
      ['operational', 'major_outage', 'ready'],
      ['major_outage', 'operational', 'ready'],
    ]);
  });

  it('drops a waiting notice when an incident update moves the component within the window (the incident told the newer status)', async () => {
    await componentNotifications(deps, true);
    await set('degraded_performance');
    deps.clock.advance(30 * SECOND);
    await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }], notify: true });
    deps.clock.advance(WINDOW);
    await promoteComponentNotices(deps, deps.clock.now());
    expect((await componentNotices(deps)).map((n) => [n.oldStatus, n.newStatus, n.state])).toEqual([['operational', 'degraded_performance', 'dropped']]);
    // A backfilled incident (history only) supersedes nothing.
    await set('partial_outage');
    await makeIncident(deps, { components: [{ componentId: api, status: 'major_outage' }], notify: true, at: deps.clock.now() - 3 * HOUR, startedAt: deps.clock.now() - 3 * HOUR });
    deps.clock.advance(WINDOW);
    await promoteComponentNotices(deps, deps.clock.now());
    expect((await componentNotices(deps))[1]).toMatchObject({ newStatus: 'partial_outage', state: 'ready' });
  });

  it('drops what is waiting when the setting is turned off before the window ends', async () => {
    await componentNotifications(deps, true);
    await set('degraded_performance');
    await componentNotifications(deps, false);
    deps.clock.advance(WINDOW);
    await promoteComponentNotices(deps, deps.clock.now());
    expect((await componentNotices(deps))[0]!.state).toBe('dropped');
  });

  it('is ended by the background tick, which wakes the drainers', async () => {
    await componentNotifications(deps, true);
    await set('degraded_performance');
    deps.clock.advance(WINDOW);
    let woken = 0;
    const tick = await runBackgroundTick({ ...deps, wakeOutbox: () => void woken++ });
    expect(tick.componentNotices).toBe(1);
    expect(woken).toBeGreaterThan(0);
    expect((await deps.db.orm.select().from(customerNotices).where(eq(customerNotices.componentId, api)).all())[0]!.state).toBe('ready');
    expect((await runBackgroundTick(deps)).componentNotices).toBe(0);
  });
});
