// The public postmortem emailed to an incident's subscribers (issue 17):
// queued in the publishing write, then sent through the outbox by the real
// Resend SDK (src/mail/resend-transport.ts) against the local fake Resend.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mailFanouts, postmortems } from '../../src/db/schema.js';
import { resendTransport } from '../../src/mail/resend-transport.js';
import { createComponent } from '../../src/services/components/components.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createDrainer } from '../../src/services/notifications/outbox.js';
import { publishPublicPostmortem } from '../../src/services/postmortems/postmortems.js';
import { subscriberToken, unsubscribe } from '../../src/services/subscribers/subscriptions.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { FAKE_RESEND_API_KEY, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { addSubscribers, outboxRows, subscriberRows } from './support.js';

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.setLatency(0);
});

const lead = memberActor('comms');
const TEXT = 'On Tuesday **payments failed** for 40 minutes.\n\n- A bad config push\n- We now canary config';

async function setup(options: { notify?: boolean } = {}) {
  const deps = await createTestDeps();
  const payments = await createComponent(deps, { name: 'Payments' }, FIXTURE_ACTOR);
  const search = await createComponent(deps, { name: 'Search' }, FIXTURE_ACTOR);
  await addSubscribers(deps, ['all@example.com', 'all2@example.com']);
  await addSubscribers(deps, ['payments@example.com'], { componentIds: [payments] });
  await addSubscribers(deps, ['search@example.com'], { componentIds: [search] });
  const id = await declareIncident(
    deps,
    { title: 'Payments failing', severity: 1, body: 'We are investigating.', components: [{ componentId: payments, status: 'major_outage' }], notify: options.notify ?? true },
    FIXTURE_ACTOR,
  );
  await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Payments work again.' }, FIXTURE_ACTOR);
  const drainer = createDrainer({ ...deps, mail: resendTransport({ apiKey: FAKE_RESEND_API_KEY, baseUrl: fake.url, from: 'Status <status@status.test>' }) }, { random: () => 1 });
  // The update emails go out first: what follows is the postmortem's alone.
  await drainer.drain(30_000);
  fake.reset();
  return { deps, id, drainer };
}

const postmortemRow = async (deps: TestDeps) => (await deps.db.orm.select().from(postmortems).all())[0]!;

describe('emailing the public postmortem', () => {
  it('sends it once to the subscribers the incident’s updates went to, with the text and an unsubscribe link', async () => {
    const { deps, id, drainer } = await setup();
    const published = await publishPublicPostmortem(deps, lead, id, { publicBody: TEXT, emailSubscribers: true });
    expect(published.emailedAt).toBe(deps.clock.now());
    // Queued in the publishing write as a fan-out of the incident's latest update.
    const latest = (await deps.repos.incidents.findById(id))!.updates[0]!.id;
    expect(await deps.db.orm.select().from(mailFanouts).all()).toEqual([{ updateId: latest, kind: 'postmortem', cursor: '', createdAt: deps.clock.now() }]);

    expect(await drainer.drain(30_000)).toMatchObject({ sent: 3, failed: 0 });
    // The Search subscriber does not follow Payments: nothing for them, as with the updates.
    expect(fake.deliveries.map((d) => d.to[0]).sort()).toEqual(['all2@example.com', 'all@example.com', 'payments@example.com']);
    expect(fake.requests.filter((r) => r.path === '/emails/batch').every((r) => r.idempotencyKey?.startsWith('herald/'))).toBe(true);
    const mail = fake.deliveries.find((d) => d.to[0] === 'payments@example.com')!;
    expect(mail.subject).toBe('Postmortem: Payments failing');
    expect(mail.html).toContain('<strong>payments failed</strong>');
    expect(mail.text).toContain('payments failed');
    expect(mail.text).toContain('We now canary config');
    expect(mail.text).toContain(`http://status.test/incidents/${id}`);
    const subscriber = (await subscriberRows(deps)).find((s) => s.email === 'payments@example.com')!;
    expect(mail.headers['List-Unsubscribe']).toBe(`<http://status.test/unsubscribe/${encodeURIComponent(subscriberToken(subscriber))}>`);
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(mail.html).toContain('/unsubscribe/');

    const rows = (await outboxRows(deps)).filter((r) => r.kind === 'postmortem');
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'sent' && r.updateId === latest)).toBe(true);
    // The update's own delivery counts are its update emails only.
    expect((await deps.repos.outbox.countsForUpdates([latest])).get(latest)).toMatchObject({ sent: 3, queued: 0 });
    const updateEmails = (await outboxRows(deps)).filter((r) => r.kind === 'update' && r.updateId === latest);
    expect(updateEmails).toHaveLength(3);

    // Publishing again, editing, even asking again: never a second email.
    deps.clock.advance(60_000);
    await publishPublicPostmortem(deps, lead, id, { publicBody: TEXT, emailSubscribers: true });
    await publishPublicPostmortem(deps, lead, id, { publicBody: `${TEXT}\n\nEdited.` });
    await publishPublicPostmortem(deps, lead, id, { publicBody: `${TEXT}\n\nEdited again.`, emailSubscribers: true });
    expect((await drainer.drain(5_000)).batches).toBe(0);
    expect(fake.deliveries).toHaveLength(3);
    expect((await postmortemRow(deps)).emailedAt).toBe(published.emailedAt);
  });

  it('sends nothing without the option, and nothing to those who left', async () => {
    const { deps, id, drainer } = await setup();
    await publishPublicPostmortem(deps, lead, id, { publicBody: TEXT });
    expect(await deps.db.orm.select().from(mailFanouts).all()).toEqual([]);
    expect((await drainer.drain(5_000)).batches).toBe(0);
    expect(fake.deliveries).toEqual([]);
    expect((await postmortemRow(deps)).emailedAt).toBeNull();

    // Opting in later (the first time) still emails it, minus whoever unsubscribed meanwhile.
    const leaving = (await subscriberRows(deps)).find((s) => s.email === 'all2@example.com')!;
    await unsubscribe(deps, subscriberToken(leaving));
    await publishPublicPostmortem(deps, lead, id, { publicBody: TEXT, emailSubscribers: true });
    await drainer.drain(30_000);
    expect(fake.deliveries.map((d) => d.to[0]).sort()).toEqual(['all@example.com', 'payments@example.com']);
  });

  it('refuses for an incident whose updates were not emailed', async () => {
    const { deps, id } = await setup({ notify: false });
    await expect(publishPublicPostmortem(deps, lead, id, { publicBody: TEXT, emailSubscribers: true })).rejects.toThrow(/not emailed to subscribers/);
    expect((await postmortemRow(deps)).publicBody).toBeNull();
    expect(await deps.db.orm.select().from(mailFanouts).all()).toEqual([]);
  });

  it('takes the unsent emails back when the postmortem comes off the page', async () => {
    const { deps, id, drainer } = await setup();
    await publishPublicPostmortem(deps, lead, id, { publicBody: TEXT, emailSubscribers: true });
    await outboxRows(deps); // written into the outbox, not sent yet
    await publishPublicPostmortem(deps, lead, id, { publicBody: null });
    expect((await drainer.drain(5_000)).batches).toBe(0);
    expect(fake.deliveries).toEqual([]);
    expect((await outboxRows(deps)).filter((r) => r.kind === 'postmortem').every((r) => r.status === 'skipped')).toBe(true);
  });

  it('queues in the same atomic write as the publish: a failed write queues nothing and claims nothing', async () => {
    const { deps, id, drainer } = await setup();
    const atomic = deps.db.atomic.bind(deps.db);
    // The last statement of the publishing write fails (a duplicate postmortem row): the whole write must roll back.
    const row = await postmortemRow(deps);
    deps.db.atomic = (statements) => atomic([...statements, deps.db.orm.insert(postmortems).values(row)]);
    await expect(publishPublicPostmortem(deps, lead, id, { publicBody: TEXT, emailSubscribers: true })).rejects.toThrow();
    deps.db.atomic = atomic;

    expect(await deps.db.orm.select().from(mailFanouts).all()).toEqual([]);
    expect(await postmortemRow(deps)).toMatchObject({ publicBody: null, emailedAt: null });
    expect((await drainer.drain(5_000)).batches).toBe(0);
    // Retried after the failure, it publishes and emails once.
    await publishPublicPostmortem(deps, lead, id, { publicBody: TEXT, emailSubscribers: true });
    await drainer.drain(30_000);
    expect(fake.deliveries).toHaveLength(3);
  });
});
