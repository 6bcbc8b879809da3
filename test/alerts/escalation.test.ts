import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resendTransport } from '../../src/mail/resend-transport.js';
import { acknowledgeDraft, dismissDraft } from '../../src/services/alerts/drafts.js';
import { escalateUnacknowledgedDrafts } from '../../src/services/alerts/escalation.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { runBackgroundTick } from '../../src/services/background.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { FAKE_RESEND_API_KEY, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { makeComponent, makeDestination } from '../support/factories.js';
import { deliveriesTo, incoming, MIN, MONITORING } from './intake-support.js';

/*
 * Escalation (services/alerts/escalation.ts), with a fake clock and the real
 * Resend transport pointed at the fake Resend: a draft suggesting SEV-1/2
 * that nobody acknowledged within the configured minutes is announced again
 * (once) and emailed to the escalation list.
 */

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake.close();
});

async function withMail(): Promise<TestDeps> {
  fake.reset();
  const deps = await createTestDeps();
  return { ...deps, mail: resendTransport({ apiKey: FAKE_RESEND_API_KEY, baseUrl: fake.url, from: 'Test Cloud Status <status@status.test>' }) };
}

async function setEscalation(deps: TestDeps, minutes: number, userIds: string[] | null = null): Promise<void> {
  await deps.db.atomic([deps.repos.settings.update({ alertEscalationMinutes: minutes, alertEscalationUserIds: userIds, updatedAt: deps.clock.now() })]);
}

/** A draft from a generic alert suggesting `severity`. */
async function draftWith(deps: TestDeps, severity: 1 | 2 | 3 | 4 | null, fields: Parameters<typeof incoming>[0] = {}): Promise<string> {
  const { opened } = await ingestAlerts(deps, MONITORING, [incoming({ source: 'generic', severity, summary: `Checkout failing (SEV-${severity})`, ...fields })]);
  return opened[0]!;
}

const escalate = (deps: TestDeps) => escalateUnacknowledgedDrafts(deps, deps.clock.now());

describe('escalateUnacknowledgedDrafts', () => {
  let deps: TestDeps;
  let owner: { userId: string; email: string };
  beforeEach(async () => {
    deps = await withMail();
    owner = await signIn(deps, 'owner', 'owner@example.com');
  });

  it('escalates a SEV-1 draft once, exactly N minutes after it opened: a message to its destinations and an email to the owners', async () => {
    await makeComponent(deps, { name: 'Checkout' });
    const everything = await makeDestination(deps);
    const sev1 = await makeDestination(deps, { severities: [1] });
    const sev3 = await makeDestination(deps, { severities: [3] });
    const other = await makeDestination(deps, { componentIds: [await makeComponent(deps)] });
    const draftId = await draftWith(deps, 1, { component: 'Checkout', startsAt: deps.clock.now() - 2 * MIN });

    deps.clock.advance(5 * MIN - 1);
    expect(await escalate(deps)).toEqual({ escalated: [], queued: 0, emailed: 0 });
    expect(await deliveriesTo(deps, everything, 'escalation')).toEqual([]);

    deps.clock.advance(1);
    expect(await escalate(deps)).toEqual({ escalated: [draftId], queued: 2, emailed: 1 });
    expect((await deps.repos.alerts.findDraft(draftId))!).toMatchObject({ status: 'open', escalatedAt: deps.clock.now() });
    for (const destination of [everything, sev1]) {
      const [row, ...more] = await deliveriesTo(deps, destination, 'escalation');
      expect(more).toEqual([]);
      expect(row!.messageId).toBe(`msg_e${draftId}${destination}`);
      expect(row!.message).toMatchObject({
        kind: 'escalation',
        incidentId: draftId,
        title: 'Checkout failing (SEV-1)',
        severityLabel: 'SEV-1 (suggested)',
        status: 'Still unacknowledged after 5 min',
        links: { acknowledge: `http://status.test/admin/alerts/${draftId}/acknowledge`, declare: `http://status.test/admin/incidents/new?alert=${draftId}` },
      });
    }
    expect(await deliveriesTo(deps, sev3)).toEqual([]);
    expect(await deliveriesTo(deps, other)).toEqual([]);

    expect(fake.deliveries).toHaveLength(1);
    const [email] = fake.deliveries;
    expect(email!.to).toEqual(['owner@example.com']);
    expect(email!.subject).toBe('Alert unacknowledged for 5 min: Checkout failing (SEV-1)');
    expect(email!.idempotencyKey).toBe(`herald-escalation/${draftId}/${owner.userId}`);
    expect(email!.text).toContain('Hello Test owner,');
    expect(email!.text).toContain('Checkout failing (SEV-1)\nSeverity: SEV-1 (suggested)');
    expect(email!.text).toContain('Components: Checkout');
    expect(email!.text).toContain(`http://status.test/admin/alerts/${draftId}/acknowledge`);
    expect(email!.text).toContain(`http://status.test/admin/incidents/new?alert=${draftId}`);
    expect(email!.html).toContain(`href="http://status.test/admin/alerts/${draftId}/acknowledge"`);
    expect(email!.html).toContain('>Declare an incident</a>');
    // Internal: no list headers, nothing a subscriber could unsubscribe from.
    expect(email!.headers).not.toHaveProperty('List-Unsubscribe');

    // However often the tick runs afterwards, and however long it stays unacknowledged: nothing more.
    for (const later of [1, 30, 24 * 60]) {
      deps.clock.advance(later * MIN);
      expect(await escalate(deps)).toEqual({ escalated: [], queued: 0, emailed: 0 });
    }
    expect(await deliveriesTo(deps, everything, 'escalation')).toHaveLength(1);
    expect(fake.deliveries).toHaveLength(1);
  });

  it('says how long it really waited when the tick comes late, and follows the configured minutes', async () => {
    await setEscalation(deps, 12);
    const everything = await makeDestination(deps);
    const draftId = await draftWith(deps, 2);
    deps.clock.advance(11 * MIN);
    expect((await escalate(deps)).escalated).toEqual([]);
    deps.clock.advance(7 * MIN + 30_000);
    expect((await escalate(deps)).escalated).toEqual([draftId]);
    expect((await deliveriesTo(deps, everything, 'escalation'))[0]!.message.status).toBe('Still unacknowledged after 18 min');
    expect(fake.deliveries[0]!.subject).toBe('Alert unacknowledged for 18 min: Checkout failing (SEV-2)');
  });

  it('leaves SEV-3, SEV-4 and drafts without a suggested severity alone', async () => {
    await makeDestination(deps);
    await draftWith(deps, 3);
    await draftWith(deps, 4);
    await draftWith(deps, null);
    deps.clock.advance(60 * MIN);
    expect(await escalate(deps)).toEqual({ escalated: [], queued: 0, emailed: 0 });
    expect(fake.deliveries).toEqual([]);
  });

  it('does nothing for a draft acknowledged, dismissed, declared or resolved before the tick', async () => {
    const everything = await makeDestination(deps);
    const acknowledged = await draftWith(deps, 1);
    const dismissed = await draftWith(deps, 1);
    const declared = await draftWith(deps, 1);
    const alert = incoming({ source: 'generic', severity: 2 });
    const { opened } = await ingestAlerts(deps, MONITORING, [alert]);
    deps.clock.advance(4 * MIN);
    await acknowledgeDraft(deps, memberActor('comms'), acknowledged);
    await dismissDraft(deps, memberActor('comms'), dismissed, { reason: 'Staging.' });
    await declareIncident(deps, { title: 'Checkout down', severity: 1, body: 'Investigating.', alertDraftId: declared }, FIXTURE_ACTOR);
    await ingestAlerts(deps, MONITORING, [{ ...alert, status: 'resolved' }]);
    expect((await deps.repos.alerts.findDraft(opened[0]!))!.status).toBe('resolved');

    deps.clock.advance(60 * MIN);
    expect(await escalate(deps)).toEqual({ escalated: [], queued: 0, emailed: 0 });
    expect(await deliveriesTo(deps, everything, 'escalation')).toEqual([]);
    expect(fake.deliveries).toEqual([]);
  });

  it('escalates exactly once when ticks race, with destinations and without', async () => {
    const admin = await signIn(deps, 'admin', 'admin@example.com');
    await setEscalation(deps, 5, [owner.userId, admin.userId]);
    const sev1Only = await makeDestination(deps, { severities: [1] });
    const withDestination = await draftWith(deps, 1);
    const withoutDestination = await draftWith(deps, 2);
    deps.clock.advance(6 * MIN);
    const results = await Promise.all([escalate(deps), escalate(deps), escalate(deps)]);
    expect(results.flatMap((r) => r.escalated).sort()).toEqual([withDestination, withoutDestination].sort());
    expect(results.reduce((sum, r) => sum + r.queued, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.emailed, 0)).toBe(4);
    expect(await deliveriesTo(deps, sev1Only, 'escalation')).toHaveLength(1);
    expect(fake.deliveries.map((d) => `${d.to[0]} ${d.subject}`).sort()).toEqual([
      'admin@example.com Alert unacknowledged for 6 min: Checkout failing (SEV-1)',
      'admin@example.com Alert unacknowledged for 6 min: Checkout failing (SEV-2)',
      'owner@example.com Alert unacknowledged for 6 min: Checkout failing (SEV-1)',
      'owner@example.com Alert unacknowledged for 6 min: Checkout failing (SEV-2)',
    ]);
    expect(deps.log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('emails no one when acknowledged between the check and the write (the claim did not land)', async () => {
    const draftId = await draftWith(deps, 1);
    deps.clock.advance(5 * MIN);
    const racing: TestDeps = {
      ...deps,
      repos: {
        ...deps.repos,
        alerts: {
          ...deps.repos.alerts,
          // Someone acknowledges right after the tick listed what is due.
          listEscalationDue: async (before) => {
            const due = await deps.repos.alerts.listEscalationDue(before);
            await acknowledgeDraft(deps, memberActor('comms'), draftId);
            return due;
          },
        },
      },
    };
    expect(await escalateUnacknowledgedDrafts(racing, deps.clock.now())).toEqual({ escalated: [], queued: 0, emailed: 0 });
    expect((await deps.repos.alerts.findDraft(draftId))!).toMatchObject({ status: 'acknowledged', escalatedAt: null });
    expect(fake.deliveries).toEqual([]);
  });

  it('emails every enabled owner when there is no list, and the listed members otherwise, skipping disabled ones', async () => {
    await signIn(deps, 'owner', 'owner2@example.com');
    const disabledOwner = await signIn(deps, 'owner', 'gone-owner@example.com');
    const comms = await signIn(deps, 'comms', 'comms@example.com');
    const disabledComms = await signIn(deps, 'comms', 'gone-comms@example.com');
    const demoted = await signIn(deps, 'comms', 'demoted@example.com');
    await signIn(deps, 'admin', 'admin@example.com');
    const now = deps.clock.now();
    await deps.db.atomic([
      deps.repos.accounts.updateUser(disabledOwner.userId, { disabledAt: now, updatedAt: now }),
      deps.repos.accounts.updateUser(disabledComms.userId, { disabledAt: now, updatedAt: now }),
    ]);

    await draftWith(deps, 1);
    deps.clock.advance(5 * MIN);
    expect((await escalate(deps)).emailed).toBe(2);
    expect(fake.deliveries.map((d) => d.to[0]).sort()).toEqual(['owner2@example.com', 'owner@example.com']);

    fake.reset();
    await setEscalation(deps, 5, [comms.userId, disabledComms.userId, demoted.userId, 'removedmember1']);
    // Lowered to viewer after being listed: can no longer acknowledge, so not emailed.
    await deps.db.atomic([deps.repos.accounts.updateUser(demoted.userId, { role: 'viewer', updatedAt: now })]);
    await draftWith(deps, 1);
    deps.clock.advance(5 * MIN);
    expect((await escalate(deps)).emailed).toBe(1);
    expect(fake.deliveries.map((d) => d.to[0])).toEqual(['comms@example.com']);
    expect(fake.deliveries[0]!.text).toContain('Hello Test comms,');

    fake.reset();
    await setEscalation(deps, 5, []);
    const everything = await makeDestination(deps);
    await draftWith(deps, 2);
    deps.clock.advance(5 * MIN);
    // An empty list: the destinations still hear of it, nobody is emailed.
    expect(await escalate(deps)).toMatchObject({ queued: 1, emailed: 0 });
    expect(await deliveriesTo(deps, everything, 'escalation')).toHaveLength(1);
    expect(fake.deliveries).toEqual([]);
  });

  it('never emails the same escalation twice, even when the transport is asked again (idempotency key)', async () => {
    const draftId = await draftWith(deps, 1);
    deps.clock.advance(5 * MIN);
    fake.script({ acceptThenFail: 500 });
    const result = await escalate(deps);
    expect(result.escalated).toEqual([draftId]);
    // The first answer was lost, the retry was answered from the stored response: one email delivered.
    expect(fake.deliveries).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path === '/emails/batch')).toHaveLength(2);
    expect(result.emailed).toBe(1);
  });

  it('still announces it without an email transport, and says why in the log', async () => {
    const noMail = { ...deps, mail: null };
    const everything = await makeDestination(deps);
    const draftId = await draftWith(deps, 1);
    deps.clock.advance(5 * MIN);
    expect(await escalateUnacknowledgedDrafts(noMail, deps.clock.now())).toEqual({ escalated: [draftId], queued: 1, emailed: 0 });
    expect(await deliveriesTo(deps, everything, 'escalation')).toHaveLength(1);
    expect(deps.log.lines.some((l) => l.message.includes('no email transport'))).toBe(true);
  });
});

describe('the background tick', () => {
  it('runs the escalation and wakes the drainers when it queued messages', async () => {
    let woken = 0;
    const base = await withMail();
    const deps = { ...base, wakeOutbox: () => void woken++ };
    await signIn(deps, 'owner', 'owner@example.com');
    await makeDestination(deps);
    const draftId = await draftWith(deps, 1);
    deps.clock.advance(5 * MIN);
    expect((await runBackgroundTick(deps)).escalations).toEqual({ escalated: [draftId], queued: 1, emailed: 1 });
    expect(woken).toBe(1);
    expect((await runBackgroundTick(deps)).escalations).toEqual({ escalated: [], queued: 0, emailed: 0 });
    expect(woken).toBe(1);
  });
});

describe('acknowledging (what stops the escalation)', () => {
  it('keeps the first acknowledgement when two people acknowledge at once: one message, one audit entry', async () => {
    for (const withDestination of [true, false]) {
      const deps = await createTestDeps();
      const destination = withDestination ? await makeDestination(deps) : null;
      const draftId = await draftWith(deps, 1);
      const first = { ...memberActor('comms'), label: 'Ada <ada@example.com>' };
      const second = { ...memberActor('owner'), label: 'Grace <grace@example.com>' };
      const [a, b] = await Promise.all([acknowledgeDraft(deps, first, draftId), acknowledgeDraft(deps, second, draftId)]);
      // Whoever landed first is the acknowledgement both see, the one audited and the one announced.
      const [entry, ...more] = (await deps.repos.audit.list({ limit: 20 })).filter((e) => e.action === 'alert.acknowledge');
      expect(more).toEqual([]);
      expect([first.label, second.label]).toContain(entry!.actor);
      for (const seen of [a, b]) expect(seen).toMatchObject({ status: 'acknowledged', acknowledgedAt: deps.clock.now(), acknowledgedBy: entry!.actor });
      if (destination) {
        const told = await deliveriesTo(deps, destination, 'alert_acknowledged');
        expect(told.map((d) => d.message.status)).toEqual([`Acknowledged by ${entry!.actor}`]);
      }
      // Acknowledging again later changes nothing.
      deps.clock.advance(MIN);
      expect(await acknowledgeDraft(deps, second, draftId)).toMatchObject({ acknowledgedBy: entry!.actor, acknowledgedAt: a.acknowledgedAt });
      // The escalation then has nothing to do.
      deps.clock.advance(10 * MIN);
      expect((await escalate(deps)).escalated).toEqual([]);
    }
  });
});
