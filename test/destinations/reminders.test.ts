import { beforeEach, describe, expect, it } from 'vitest';
import type { InternalNotification } from '../../src/channels/message.js';
import { newId } from '../../src/lib/ids.js';
import type { BatchOutcome, MailTransport, OutgoingEmail } from '../../src/mail/transport.js';
import { runBackgroundTick } from '../../src/services/background.js';
import { remindOverdueInternalUpdates } from '../../src/services/destinations/reminders.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeDestination, makeIncident } from '../support/factories.js';

/*
 * The internal cadence reminder (services/destinations/reminders.ts), with a
 * fake clock: once per overdue period, to the destinations that want the
 * incident and to the Comms Lead by email, and not at all when reminders are off.
 */

const MIN = 60_000;

/** A mail transport that keeps what it is given and honours idempotency keys like Resend. */
class RecordingTransport implements MailTransport {
  readonly name = 'recording';
  readonly maxBatch = 100;
  readonly sent: { email: OutgoingEmail; key: string }[] = [];
  private readonly keys = new Set<string>();
  async sendBatch(emails: readonly OutgoingEmail[], idempotencyKey: string): Promise<BatchOutcome> {
    if (!this.keys.has(idempotencyKey)) {
      this.keys.add(idempotencyKey);
      for (const email of emails) this.sent.push({ email, key: idempotencyKey });
    }
    return { kind: 'accepted', results: emails.map(() => ({ id: newId() })) };
  }
}

type ReminderTestDeps = TestDeps & { mail: RecordingTransport };


async function reminders(deps: TestDeps, destinationId: string): Promise<{ kind: string; message: InternalNotification; messageId: string }[]> {
  const rows = await deps.repos.destinations.deliveriesOf(destinationId, 100);
  return rows
    .filter((row) => row.kind === 'reminder')
    .map((row) => ({ kind: row.kind, message: row.message as unknown as InternalNotification, messageId: row.messageId }));
}

async function setReminders(deps: TestDeps, on: boolean, cadence: Record<string, number> | null = null): Promise<void> {
  await deps.db.atomic([deps.repos.settings.update({ internalReminders: on, internalCadence: cadence, updatedAt: deps.clock.now() })]);
}

describe('remindOverdueInternalUpdates', () => {
  let deps: ReminderTestDeps;
  let lead: { userId: string; email: string };
  beforeEach(async () => {
    const base = await createTestDeps();
    deps = { ...base, mail: new RecordingTransport() };
    lead = await signIn(deps, 'comms', 'lead@example.com');
  });

  const declareSev1 = (extra: Parameters<typeof makeIncident>[1] = {}) =>
    makeIncident(deps, {
      severity: 1,
      title: 'Checkout down',
      roles: { comms_lead: { userId: lead.userId }, incident_commander: { name: '@ada' } },
      ...extra,
    });

  it('does nothing while reminders are off, however late the update is', async () => {
    const everything = await makeDestination(deps);
    const id = await declareSev1();
    deps.clock.advance(3 * 60 * MIN);
    expect(await remindOverdueInternalUpdates(deps, deps.clock.now())).toEqual({ reminded: [], queued: 0, emailed: 0 });
    expect(await reminders(deps, everything)).toEqual([]);
    expect(deps.mail.sent).toEqual([]);
    expect((await deps.repos.incidents.findById(id))!.internalRemindedAt).toBeNull();
  });

  it('reminds once per overdue period: a reminder row per destination that wants it, an email to the Comms Lead', async () => {
    await setReminders(deps, true);
    const everything = await makeDestination(deps);
    const sev1Only = await makeDestination(deps, { severities: [1] });
    const sev3Only = await makeDestination(deps, { severities: [3] });
    const paused = await makeDestination(deps, { pausedAt: deps.clock.now() });
    const declaredAt = deps.clock.now();
    const id = await declareSev1();

    // SEV-1: due 15 minutes after the declaration; not late at 15 minutes exactly.
    deps.clock.advance(15 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([]);

    deps.clock.advance(2 * MIN);
    const first = await remindOverdueInternalUpdates(deps, deps.clock.now());
    expect(first).toEqual({ reminded: [id], queued: 2, emailed: 1 });
    for (const destination of [everything, sev1Only]) {
      const [row, ...more] = await reminders(deps, destination);
      expect(more).toEqual([]);
      expect(row!.kind).toBe('reminder');
      expect(row!.message).toMatchObject({ kind: 'reminder', incidentId: id, title: 'Checkout down', severityLabel: 'SEV-1', postedOnStatusPage: false });
      expect(row!.message.text).toContain('late by 2 min');
      expect(row!.message.roles.commsLead).toBe('Test comms');
    }
    expect(await reminders(deps, sev3Only)).toEqual([]);
    expect(await reminders(deps, paused)).toEqual([]);
    expect((await deps.repos.incidents.findById(id))!.internalRemindedAt).toBe(deps.clock.now());

    expect(deps.mail.sent).toHaveLength(1);
    const [{ email, key }] = deps.mail.sent as [{ email: OutgoingEmail; key: string }];
    expect(email.to).toBe('lead@example.com');
    expect(email.subject).toBe('Internal update overdue: SEV-1 Checkout down');
    expect(email.text).toContain('late by 2 min');
    expect(email.text).toContain(`http://status.test/admin/incidents/${id}`);
    expect(key).toBe(`herald-reminder/${id}/${declaredAt + 15 * MIN}`);

    // Still late, but already reminded for this period: nothing more, however often the tick runs.
    for (const later of [1, 10, 60]) {
      deps.clock.set(declaredAt + (17 + later) * MIN);
      expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([]);
    }
    expect(await reminders(deps, everything)).toHaveLength(1);
    expect(deps.mail.sent).toHaveLength(1);
  });

  it('starts a new period with every internal or public update, and reminds again when that one is late', async () => {
    await setReminders(deps, true);
    const everything = await makeDestination(deps);
    const id = await declareSev1();
    deps.clock.advance(16 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([id]);

    // An internal update at +20: next due at +35.
    deps.clock.advance(4 * MIN);
    const now = deps.clock.now();
    await deps.db.atomic([
      deps.repos.roles.insertInternalUpdate({ id: newId(), incidentId: id, status: 'investigating', body: 'Still looking.', at: now, author: 'Test comms', createdAt: now }),
    ]);
    deps.clock.advance(15 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([]);
    deps.clock.advance(1 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([id]);

    // A public update counts too (it is also sent inside): at +40, next due at +55.
    deps.clock.advance(4 * MIN);
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'We found the cause.' }, FIXTURE_ACTOR);
    deps.clock.advance(14 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([]);
    deps.clock.advance(2 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([id]);

    const rows = await reminders(deps, everything);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.messageId)).size).toBe(3);
    expect(deps.mail.sent).toHaveLength(3);
  });

  it('reminds exactly once when two ticks race, with destinations and without', async () => {
    await setReminders(deps, true);
    const everything = await makeDestination(deps, { severities: [1] });
    const withDestination = await declareSev1();
    const withoutDestination = await declareSev1({ severity: 2, title: 'Search slow' });
    deps.clock.advance(31 * MIN);
    const results = await Promise.all([
      remindOverdueInternalUpdates(deps, deps.clock.now()),
      remindOverdueInternalUpdates(deps, deps.clock.now()),
      remindOverdueInternalUpdates(deps, deps.clock.now()),
    ]);
    expect(results.flatMap((r) => r.reminded).sort()).toEqual([withDestination, withoutDestination].sort());
    expect(results.reduce((sum, r) => sum + r.queued, 0)).toBe(1);
    expect(await reminders(deps, everything)).toHaveLength(1);
    expect(deps.mail.sent.map((s) => s.email.subject).sort()).toEqual([
      'Internal update overdue: SEV-1 Checkout down',
      'Internal update overdue: SEV-2 Search slow',
    ]);
    expect(deps.log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('follows the configured cadence, and leaves alone severities without one, resolved and example incidents', async () => {
    await setReminders(deps, true, { 1: 60 });
    const everything = await makeDestination(deps);
    const sev1 = await declareSev1();
    await declareSev1({ severity: 2, title: 'No cadence for SEV-2 here' });
    const resolved = await declareSev1({ title: 'Already over' });
    await postUpdate(deps, { incidentId: resolved, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    await declareSev1({ title: 'Example', example: true } as Parameters<typeof makeIncident>[1]);

    deps.clock.advance(59 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([]);
    deps.clock.advance(2 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([sev1]);
    deps.clock.advance(24 * 60 * MIN);
    expect((await remindOverdueInternalUpdates(deps, deps.clock.now())).reminded).toEqual([]);
    expect((await reminders(deps, everything)).map((r) => r.message.incidentId)).toEqual([sev1]);
  });

  it('emails nobody when the Comms Lead is a name without an account, and still tells the destinations', async () => {
    await setReminders(deps, true);
    const everything = await makeDestination(deps);
    await makeIncident(deps, { severity: 1, roles: { comms_lead: { name: '@grace' } } });
    deps.clock.advance(16 * MIN);
    expect(await remindOverdueInternalUpdates(deps, deps.clock.now())).toMatchObject({ queued: 1, emailed: 0 });
    const [row] = await reminders(deps, everything);
    expect(row!.message.text).toContain('@grace (Comms Lead)');
    expect(deps.mail.sent).toEqual([]);
  });

  it('marks the period reminded when there is no destination and no transport, and says why in the log', async () => {
    await setReminders(deps, true);
    const noMail = { ...deps, mail: null };
    const id = await declareSev1();
    deps.clock.advance(16 * MIN);
    expect(await remindOverdueInternalUpdates(noMail, deps.clock.now())).toEqual({ reminded: [id], queued: 0, emailed: 0 });
    expect((await deps.repos.incidents.findById(id))!.internalRemindedAt).toBe(deps.clock.now());
    expect(deps.log.lines.some((l) => l.message.includes('no email transport'))).toBe(true);
  });
});

describe('the background tick', () => {
  it('runs the reminders (and wakes the drainers when it queued some)', async () => {
    let woken = 0;
    const base = await createTestDeps();
    const deps = { ...base, mail: new RecordingTransport(), wakeOutbox: () => void woken++ };
    await setReminders(deps, true);
    const dest = await makeDestination(deps);
    const id = await makeIncident(deps, { severity: 1, title: 'Checkout down' });

    deps.clock.advance(16 * MIN);
    expect((await runBackgroundTick(deps)).reminders).toEqual({ reminded: [id], queued: 1, emailed: 0 });
    expect(woken).toBe(1);
    expect(await reminders(deps, dest)).toHaveLength(1);
    // The next tick in the same overdue period changes nothing.
    expect((await runBackgroundTick(deps)).reminders).toEqual({ reminded: [], queued: 0, emailed: 0 });
    expect(woken).toBe(1);
  });
});
