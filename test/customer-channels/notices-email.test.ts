// The email side of component notices (issue 18): subscribers who opted in to
// component updates, confirmed in time and following the component get one
// email per announced change. Expanded a chunk per write like the update
// fan-out, then sent by the real drainer through the real Resend SDK against
// the local fake Resend. Real SQLite.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXPANDED } from '../../src/db/repos/customer-notices-repo.js';
import { customerNotices, subscribers } from '../../src/db/schema.js';
import { resendTransport } from '../../src/mail/resend-transport.js';
import { setComponentStatus, updateComponent } from '../../src/services/components/components.js';
import { COMPONENT_EMAIL_CHUNK, expandComponentEmailChunk, promoteComponentNotices } from '../../src/services/customer-channels/component-notices.js';
import { createDrainer } from '../../src/services/notifications/outbox.js';
import { subscriberToken, unsubscribe } from '../../src/services/subscribers/subscriptions.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeGroup, makeIncident } from '../support/factories.js';
import { FAKE_RESEND_API_KEY, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { addEmailSubscriber, addEmailSubscribers, componentEmails, componentNotices, componentNotifications, notices } from './notices-support.js';

const WINDOW = 120_000;

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

function drainerFor(deps: TestDeps) {
  return createDrainer({ ...deps, mail: resendTransport({ apiKey: FAKE_RESEND_API_KEY, baseUrl: fake.url, from: 'Status <status@status.test>' }) }, { random: () => 1 });
}

/** Sets the component's status and lets the flap window pass: the notice is ready. */
async function announce(deps: TestDeps, componentId: string, status: string): Promise<string> {
  await setComponentStatus(deps, FIXTURE_ACTOR, componentId, status);
  deps.clock.advance(WINDOW);
  await promoteComponentNotices(deps, deps.clock.now());
  const ready = (await componentNotices(deps, componentId)).filter((n) => n.state === 'ready');
  return ready[ready.length - 1]!.id;
}

const noticeRow = async (deps: TestDeps, id: string) => (await deps.db.orm.select().from(customerNotices).where(eq(customerNotices.id, id)).all())[0]!;

describe('component emails', () => {
  let deps: TestDeps;
  let api: string;
  let db: string;
  let platform: string;
  beforeEach(async () => {
    deps = await createTestDeps();
    platform = await makeGroup(deps, 'Platform');
    api = await makeComponent(deps, { name: 'API', groupId: platform });
    db = await makeComponent(deps, { name: 'Database' });
    await componentNotifications(deps, true);
  });

  it('emails each opted-in, confirmed subscriber following the component once, and nobody else', async () => {
    await addEmailSubscriber(deps, 'all@example.com');
    await addEmailSubscriber(deps, 'api@example.com', { componentIds: [api] });
    await addEmailSubscriber(deps, 'group@example.com', { groupIds: [platform] });
    await addEmailSubscriber(deps, 'db@example.com', { componentIds: [db] });
    await addEmailSubscriber(deps, 'quiet@example.com', { componentUpdates: false });
    await addEmailSubscriber(deps, 'pending@example.com', { status: 'pending' });
    await addEmailSubscriber(deps, 'gone@example.com', { status: 'unsubscribed' });
    const id = await announce(deps, api, 'degraded_performance');
    // Confirmed after the notice was published: not told of it.
    await addEmailSubscriber(deps, 'late@example.com', { confirmedAt: deps.clock.now() + 1 });

    expect(await drainerFor(deps).drain(30_000)).toMatchObject({ sent: 3, failed: 0 });
    expect(fake.deliveries.map((d) => d.to[0]).sort()).toEqual(['all@example.com', 'api@example.com', 'group@example.com']);
    const rows = await componentEmails(deps);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.noticeId === id && r.status === 'sent' && r.updateId === null)).toBe(true);
    expect(fake.requests.filter((r) => r.path === '/emails/batch').every((r) => r.idempotencyKey?.startsWith('herald/'))).toBe(true);

    const mail = fake.deliveries.find((d) => d.to[0] === 'api@example.com')!;
    expect(mail.subject).toBe('[Test Cloud] API: Degraded performance');
    expect(mail.text).toContain('API (Platform)');
    expect(mail.text).toContain('Status: Degraded performance (was Operational)');
    expect(mail.text).toContain('http://status.test/');
    expect(mail.html).toContain('API is now <strong>Degraded performance</strong>. It was Operational.');
    const subscriber = (await deps.db.orm.select().from(subscribers).where(eq(subscribers.email, 'api@example.com')).all())[0]!;
    const token = encodeURIComponent(subscriberToken(subscriber));
    expect(mail.headers['List-Unsubscribe']).toBe(`<http://status.test/unsubscribe/${token}>`);
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(mail.html).toContain(`http://status.test/subscriptions/${token}`);
    expect(mail.text).toContain(`Unsubscribe: http://status.test/unsubscribe/${token}`);

    // Its email side is finished; the notice waits for its channel side before it is done.
    expect(await noticeRow(deps, id)).toMatchObject({ emailCursor: EXPANDED, state: 'ready' });
    expect((await drainerFor(deps).drain(5_000)).batches).toBe(0);
    expect(fake.deliveries).toHaveLength(3);
  });

  it('escapes what the page and the component are called', async () => {
    const odd = await makeComponent(deps, { name: '<b>Edge</b> & "CDN"' });
    await addEmailSubscriber(deps, 'all@example.com');
    await announce(deps, odd, 'major_outage');
    await drainerFor(deps).drain(30_000);
    const [mail] = fake.deliveries;
    expect(mail!.subject).toBe('[Test Cloud] <b>Edge</b> & "CDN": Major outage');
    expect(mail!.html).toContain('&lt;b&gt;Edge&lt;/b&gt; &amp; &quot;CDN&quot;');
    expect(mail!.html).not.toContain('<b>Edge</b>');
  });

  it('sends nothing for a dropped flap, a hidden component, or to someone who left before it went out', async () => {
    const [leaving] = await addEmailSubscribers(deps, ['leaving@example.com', 'staying@example.com']);
    // A flap: dropped.
    await setComponentStatus(deps, FIXTURE_ACTOR, api, 'major_outage');
    await setComponentStatus(deps, FIXTURE_ACTOR, api, 'operational');
    deps.clock.advance(WINDOW);
    await promoteComponentNotices(deps, deps.clock.now());
    // A hidden component: nothing, and its email side is finished.
    const secret = await makeComponent(deps, { name: 'Internal', hidden: true });
    const hiddenNotice = await announce(deps, secret, 'partial_outage');
    await drainerFor(deps).drain(10_000);
    expect(fake.deliveries).toEqual([]);
    expect(await noticeRow(deps, hiddenNotice)).toMatchObject({ emailCursor: EXPANDED });

    await announce(deps, db, 'degraded_performance');
    while (await expandComponentEmailChunk(deps));
    const row = (await deps.db.orm.select().from(subscribers).where(eq(subscribers.id, leaving!)).all())[0]!;
    await unsubscribe(deps, subscriberToken(row));
    await drainerFor(deps).drain(10_000);
    expect(fake.deliveries.map((d) => d.to[0])).toEqual(['staying@example.com']);
  });

  it('resumes from the cursor after a crash between chunks, and two drainers never queue anyone twice', async () => {
    const count = 2 * COMPONENT_EMAIL_CHUNK + 5;
    await addEmailSubscribers(deps, Array.from({ length: count }, (_, i) => `s${i}@example.com`));
    const id = await announce(deps, api, 'partial_outage');

    // Chunk by chunk, as a drainer killed after each write would leave it.
    const before = await deps.repos.customerNotices.nextEmailExpansion();
    expect(before).toMatchObject({ id, emailCursor: '' });
    expect(await expandComponentEmailChunk(deps)).toBe(true);
    expect(await componentEmails(deps)).toHaveLength(COMPONENT_EMAIL_CHUNK);
    // A drainer that read the notice before that write replays the same chunk: it writes nothing.
    const staleEnd = await deps.repos.outbox.fanoutChunkEnd(before!.emailCursor, COMPONENT_EMAIL_CHUNK);
    await deps.db.atomic(deps.repos.customerNotices.expandEmail(before!, staleEnd));
    expect(await componentEmails(deps)).toHaveLength(COMPONENT_EMAIL_CHUNK);
    expect(await expandComponentEmailChunk(deps)).toBe(true);
    expect(await expandComponentEmailChunk(deps)).toBe(true);
    expect(await expandComponentEmailChunk(deps)).toBe(false);
    const rows = await componentEmails(deps);
    expect(rows).toHaveLength(count);
    expect(new Set(rows.map((r) => r.subscriberId)).size).toBe(count);
    expect(await noticeRow(deps, id)).toMatchObject({ emailCursor: EXPANDED });

    // Two drainers racing over the next notice.
    const next = await announce(deps, db, 'major_outage');
    const loop = async () => {
      while (await expandComponentEmailChunk(deps));
    };
    await Promise.all([loop(), loop()]);
    const ofNext = (await componentEmails(deps)).filter((r) => r.noticeId === next);
    expect(ofNext).toHaveLength(count);
    expect(new Set(ofNext.map((r) => r.subscriberId)).size).toBe(count);
  });
});

describe('finishing a notice', () => {
  it('marks it done only when both its channel and email sides are finished (an incident notice has no email side)', async () => {
    const deps = await createTestDeps();
    const api = await makeComponent(deps, { name: 'API' });
    await componentNotifications(deps, true);
    await makeIncident(deps, { notify: true });
    const incident = (await notices(deps))[0]!;
    const id = await announce(deps, api, 'degraded_performance');
    const channelsDone = (noticeId: string) => deps.db.atomic([deps.db.orm.update(customerNotices).set({ cursor: EXPANDED }).where(eq(customerNotices.id, noticeId))]);
    const finish = (noticeId: string) => deps.db.claim(deps.repos.customerNotices.finishNotice(noticeId));

    expect(await finish(incident.id)).toBe(0);
    await channelsDone(incident.id);
    expect(await finish(incident.id)).toBe(1);
    expect(await finish(incident.id)).toBe(0);
    expect((await noticeRow(deps, incident.id)).state).toBe('done');

    // The channel side finished first: the email expansion's end finishes it.
    await channelsDone(id);
    expect(await finish(id)).toBe(0);
    while (await expandComponentEmailChunk(deps));
    expect(await noticeRow(deps, id)).toMatchObject({ state: 'done', emailCursor: EXPANDED, cursor: EXPANDED });

    // A waiting notice is never done.
    await setComponentStatus(deps, FIXTURE_ACTOR, api, 'major_outage');
    const waiting = (await componentNotices(deps, api)).find((n) => n.state === 'waiting')!;
    await channelsDone(waiting.id);
    expect(await finish(waiting.id)).toBe(0);
  });
});
