// Postmortem reminders: a day before the due date and once overdue, to the owner (or the IC, or every owner) and the destinations, once each.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resendTransport } from '../../src/mail/resend-transport.js';
import { runBackgroundTick } from '../../src/services/background.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { savePostmortem, setPostmortemState } from '../../src/services/postmortems/postmortems.js';
import { remindPostmortems, reminderOwed } from '../../src/services/postmortems/reminders.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { FAKE_RESEND_API_KEY, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { makeDestination, makeIncident } from '../support/factories.js';
import { deliveriesTo } from '../alerts/intake-support.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0);
const comms = memberActor('comms');

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake.close();
});

async function withMail(): Promise<TestDeps> {
  fake.reset();
  const deps = await createTestDeps({ now: T0 });
  return { ...deps, mail: resendTransport({ apiKey: FAKE_RESEND_API_KEY, baseUrl: fake.url, from: 'Test Cloud Status <status@status.test>' }) };
}

/** A SEV-`severity` incident resolved now; its postmortem is due 48 h later for SEV-1. */
async function resolved(deps: TestDeps, severity: 1 | 2 | 3, ic: { userId: string } | { name: string }) {
  const id = await makeIncident(deps, { title: 'Checkout <down>', severity, roles: { incident_commander: ic } });
  await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Fixed.' }, comms);
  return { id, dueAt: (await deps.repos.postmortems.find(id))!.dueAt! };
}

const remind = (deps: TestDeps) => remindPostmortems(deps, deps.clock.now());

describe('reminderOwed', () => {
  const open = { state: 'draft' as const, dueAt: 100 * HOUR, remindedDueSoonAt: null, remindedOverdueAt: null };
  it('owes "due soon" from a day before, "overdue" after, each once, nothing once published', () => {
    expect(reminderOwed(open, 76 * HOUR - 1)).toBeNull();
    expect(reminderOwed(open, 76 * HOUR)).toBe('due_soon');
    expect(reminderOwed({ ...open, remindedDueSoonAt: 1 }, 90 * HOUR)).toBeNull();
    expect(reminderOwed({ ...open, remindedDueSoonAt: 1 }, 100 * HOUR + 1)).toBe('overdue');
    // Never reminded "due soon": only the overdue one goes.
    expect(reminderOwed(open, 200 * HOUR)).toBe('overdue');
    expect(reminderOwed({ ...open, remindedOverdueAt: 1 }, 200 * HOUR)).toBeNull();
    expect(reminderOwed({ ...open, state: 'published' }, 200 * HOUR)).toBeNull();
    expect(reminderOwed({ ...open, dueAt: null }, 200 * HOUR)).toBeNull();
  });
});

describe('remindPostmortems', () => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await withMail();
  });

  it('reminds the owner (a member) and the destinations a day before and once overdue, once each', async () => {
    const ada = await signIn(deps, 'comms', 'ada@example.com');
    await signIn(deps, 'owner', 'boss@example.com');
    const everything = await makeDestination(deps);
    const sev3Only = await makeDestination(deps, { severities: [3] });
    const { id, dueAt } = await resolved(deps, 1, { userId: ada.userId });
    expect(dueAt).toBe(T0 + 48 * HOUR);

    deps.clock.set(dueAt - 24 * HOUR - 1);
    expect(await remind(deps)).toEqual({ reminded: [], queued: 0, emailed: 0 });
    deps.clock.advance(1);
    expect(await remind(deps)).toEqual({ reminded: [`${id}:due_soon`], queued: 1, emailed: 1 });
    expect(await remind(deps)).toEqual({ reminded: [], queued: 0, emailed: 0 });
    const [soon, ...moreSoon] = await deliveriesTo(deps, everything, 'postmortem_due_soon');
    expect(moreSoon).toEqual([]);
    expect(soon!.messageId).toBe(`msg_ps${id}${everything}`);
    expect(soon!.message).toMatchObject({ kind: 'postmortem_due_soon', incidentId: id });
    expect(JSON.stringify(soon!.message)).toContain('Postmortem due soon.');
    expect(JSON.stringify(soon!.message)).toContain('in 24 h');
    expect(await deliveriesTo(deps, sev3Only)).toEqual([]);
    expect(fake.deliveries).toHaveLength(1);
    const [email] = fake.deliveries;
    expect(email!.to).toEqual(['ada@example.com']);
    expect(email!.subject).toBe('Postmortem due soon: SEV-1 Checkout <down>');
    expect(email!.idempotencyKey).toBe(`herald-postmortem/${id}/due_soon/${ada.userId}`);
    expect(email!.text).toContain(`http://status.test/admin/incidents/${id}/postmortem`);
    expect(email!.text).toContain('you own its postmortem');
    expect(email!.html).toContain('Checkout &lt;down&gt;');
    expect(email!.headers).not.toHaveProperty('List-Unsubscribe');

    deps.clock.set(dueAt + 3 * HOUR);
    expect(await remind(deps)).toEqual({ reminded: [`${id}:overdue`], queued: 1, emailed: 1 });
    for (const later of [1, 24, 24 * 30]) {
      deps.clock.advance(later * HOUR);
      expect(await remind(deps)).toEqual({ reminded: [], queued: 0, emailed: 0 });
    }
    const overdue = await deliveriesTo(deps, everything, 'postmortem_overdue');
    expect(overdue).toHaveLength(1);
    expect(JSON.stringify(overdue[0]!.message)).toContain('overdue by 3 h');
    expect(fake.deliveries.map((d) => d.subject)).toEqual(['Postmortem due soon: SEV-1 Checkout <down>', 'Postmortem overdue: SEV-1 Checkout <down>']);
    expect(await deps.repos.postmortems.find(id)).toMatchObject({ remindedDueSoonAt: dueAt - 24 * HOUR, remindedOverdueAt: dueAt + 3 * HOUR });
  });

  it('emails the Incident Commander when the owner is no member, and every owner of the page when neither is', async () => {
    const ic = await signIn(deps, 'comms', 'ic@example.com');
    await signIn(deps, 'owner', 'one@example.com');
    await signIn(deps, 'owner', 'two@example.com');
    await signIn(deps, 'admin', 'admin@example.com');
    const withIc = await resolved(deps, 1, { userId: ic.userId });
    // The owner changed to a name only (someone outside Herald): the IC hears of it.
    await deps.db.atomic([deps.repos.postmortems.update(withIc.id, { ownerUserId: null, ownerName: 'Contractor', updatedAt: T0 })]);
    const nameOnly = await resolved(deps, 1, { name: 'Grace' });
    deps.clock.set(withIc.dueAt + HOUR);
    const result = await remind(deps);
    expect(result.reminded.sort()).toEqual([`${withIc.id}:overdue`, `${nameOnly.id}:overdue`].sort());
    expect(result.queued).toBe(0);
    expect(fake.deliveries.map((d) => `${d.to[0]} ${d.subject}`).sort()).toEqual([
      'ic@example.com Postmortem overdue: SEV-1 Checkout <down>',
      'one@example.com Postmortem overdue: SEV-1 Checkout <down>',
      'two@example.com Postmortem overdue: SEV-1 Checkout <down>',
    ]);
    const toIc = fake.deliveries.find((d) => d.to[0] === 'ic@example.com')!;
    expect(toIc.text).toContain('Owner: Contractor');
    expect(toIc.text).toContain('you were its Incident Commander');
  });

  it('does nothing for a postmortem published internally before it is due', async () => {
    const everything = await makeDestination(deps);
    await signIn(deps, 'owner', 'one@example.com');
    const { id, dueAt } = await resolved(deps, 1, { name: 'Grace' });
    await savePostmortem(deps, FIXTURE_ACTOR, id, { body: '# Done', baseRevision: 0 });
    await setPostmortemState(deps, FIXTURE_ACTOR, id, { state: 'published' });
    deps.clock.set(dueAt + HOUR);
    expect(await remind(deps)).toEqual({ reminded: [], queued: 0, emailed: 0 });
    expect((await deliveriesTo(deps, everything)).map((d) => d.kind).sort()).toEqual(['declaration', 'resolution']);
    expect(fake.deliveries).toEqual([]);
  });

  it('reminds exactly once when ticks race, with destinations and without', async () => {
    const ada = await signIn(deps, 'comms', 'ada@example.com');
    await signIn(deps, 'owner', 'one@example.com');
    const sev1Only = await makeDestination(deps, { severities: [1] });
    const sev1 = await resolved(deps, 1, { userId: ada.userId });
    const sev2 = await resolved(deps, 2, { name: 'Grace' });
    deps.clock.set(sev2.dueAt + HOUR);
    const results = await Promise.all([remind(deps), remind(deps), remind(deps)]);
    expect(results.flatMap((r) => r.reminded).sort()).toEqual([`${sev1.id}:overdue`, `${sev2.id}:overdue`].sort());
    expect(results.reduce((sum, r) => sum + r.queued, 0)).toBe(1);
    expect(results.reduce((sum, r) => sum + r.emailed, 0)).toBe(2);
    expect(await deliveriesTo(deps, sev1Only, 'postmortem_overdue')).toHaveLength(1);
    expect(fake.deliveries.map((d) => d.to[0]).sort()).toEqual(['ada@example.com', 'one@example.com']);
    expect(deps.log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('runs in the background tick', async () => {
    await signIn(deps, 'owner', 'one@example.com');
    const { id, dueAt } = await resolved(deps, 1, { name: 'Grace' });
    deps.clock.set(dueAt - HOUR);
    const tick = await runBackgroundTick(deps);
    expect(tick.postmortemReminders).toEqual({ reminded: [`${id}:due_soon`], queued: 0, emailed: 1 });
  });
});
