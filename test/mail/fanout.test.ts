// The deferred fan-out: publishing writes one mail_fanouts row; drainers write
// the emails into the outbox a chunk at a time; old finished emails are pruned
// into per-update totals. Real SQLite throughout; the D1 side is in the repo
// contract suite.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { OUTBOX_RETENTION_MS } from '../../src/db/repos/outbox-repo.js';
import { incidentUpdates, mailFanouts, mailOutbox } from '../../src/db/schema.js';
import type { BatchOutcome, MailTransport } from '../../src/mail/transport.js';
import { runBackgroundTick } from '../../src/services/background.js';
import { createComponent } from '../../src/services/components/components.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { createDrainer, expandFanoutChunk, FANOUT_CHUNK } from '../../src/services/notifications/outbox.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { unsubscribe, subscriberToken } from '../../src/services/subscribers/subscriptions.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { addSubscribers, outboxRows, statusCounts, subscriberRows } from './support.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const DAY = 24 * 60 * 60_000;

/** A transport that accepts everything and remembers who it was for. */
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

async function setup() {
  const deps = await createTestDeps();
  const api = await createComponent(deps, { name: 'API' }, FIXTURE_ACTOR);
  return { deps, api };
}

async function publish(deps: TestDeps, componentId: string): Promise<{ incidentId: string; updateId: string }> {
  const incidentId = await declareIncident(deps, {
    title: 'Elevated API errors',
    severity: 1,
    body: 'We are investigating.',
    components: [{ componentId, status: 'major_outage' }],
    notify: true,
  }, FIXTURE_ACTOR);
  const updateId = (await deps.repos.incidents.findById(incidentId))!.updates[0]!.id;
  return { incidentId, updateId };
}

const rawOutbox = (deps: TestDeps) => deps.db.orm.select().from(mailOutbox).all();
const fanouts = (deps: TestDeps) => deps.db.orm.select().from(mailFanouts).all();

describe('fan-out after publishing', () => {
  it('publishes with one row, then writes every confirmed subscriber once, a chunk per write', async () => {
    const { deps, api } = await setup();
    const count = 2 * FANOUT_CHUNK + 500;
    await addSubscribers(deps, Array.from({ length: count }, (_, i) => `s${i}@example.com`));
    await addSubscribers(deps, ['pending@example.com'], { status: 'pending' });
    const { updateId } = await publish(deps, api);

    // The publishing write wrote the fan-out, not the emails.
    expect(await rawOutbox(deps)).toEqual([]);
    expect(await fanouts(deps)).toEqual([{ updateId, kind: 'update', cursor: '', createdAt: deps.clock.now() }]);

    const mail = recordingTransport();
    const report = await createDrainer({ ...deps, mail }).drain(60_000);
    expect(report.chunks).toBe(3);
    expect(report.sent).toBe(count);
    expect(mail.to).toHaveLength(count);
    expect(new Set(mail.to).size).toBe(count);
    expect(mail.to).not.toContain('pending@example.com');
    expect(await fanouts(deps)).toEqual([]);
    expect(await statusCounts(deps)).toEqual({ sent: count });
  });

  it('resumes from the cursor after a crash between chunks, queueing nobody twice', async () => {
    const { deps, api } = await setup();
    const count = FANOUT_CHUNK + 10;
    await addSubscribers(deps, Array.from({ length: count }, (_, i) => `s${i}@example.com`));
    await publish(deps, api);
    // One chunk written, then the process died.
    expect(await expandFanoutChunk(deps)).toBe(true);
    expect(await rawOutbox(deps)).toHaveLength(FANOUT_CHUNK);
    const [fanout] = await fanouts(deps);
    expect(fanout!.cursor).not.toBe('');

    const mail = recordingTransport();
    await createDrainer({ ...deps, mail }).drain(60_000);
    expect(mail.to).toHaveLength(count);
    expect(new Set(mail.to).size).toBe(count);
  });

  it('writes a chunk once when two drainers expand it at the same time', async () => {
    const { deps, api } = await setup();
    await addSubscribers(deps, Array.from({ length: 30 }, (_, i) => `s${i}@example.com`));
    await publish(deps, api);
    // Both read the same fan-out and chunk end before either writes (as a Worker's cron and a request's drain may).
    const fanout = (await deps.repos.outbox.nextFanout())!;
    const end = await deps.repos.outbox.fanoutChunkEnd(fanout.cursor, 20);
    expect(end).not.toBeNull();
    await deps.db.atomic(deps.repos.outbox.expandFanout(fanout, end));
    await deps.db.atomic(deps.repos.outbox.expandFanout(fanout, end));
    expect(await rawOutbox(deps)).toHaveLength(20);
    // The last chunk, twice: the second finds the fan-out gone.
    const rest = (await deps.repos.outbox.nextFanout())!;
    expect(await deps.repos.outbox.fanoutChunkEnd(rest.cursor, 20)).toBeNull();
    await deps.db.atomic(deps.repos.outbox.expandFanout(rest, null));
    await deps.db.atomic(deps.repos.outbox.expandFanout(rest, null));
    const rows = await rawOutbox(deps);
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((r) => r.subscriberId)).size).toBe(30);
    expect(await fanouts(deps)).toEqual([]);
  });

  it('reaches those confirmed when the update was published and still subscribed when it is written', async () => {
    const { deps, api } = await setup();
    await addSubscribers(deps, ['early@example.com', 'leaves@example.com']);
    const { incidentId } = await publish(deps, api);
    deps.clock.advance(1_000);
    // Confirmed after publishing: not part of this update (they will get the next one).
    await addSubscribers(deps, ['late@example.com']);
    const leaving = (await subscriberRows(deps)).find((s) => s.email === 'leaves@example.com')!;
    await unsubscribe(deps, subscriberToken(leaving));

    const emails = async () => {
      const byId = new Map((await subscriberRows(deps)).map((s) => [s.id, s.email]));
      return (await outboxRows(deps)).map((r) => byId.get(r.subscriberId));
    };
    expect(await emails()).toEqual(['early@example.com']);
    await postUpdate(deps, { incidentId, status: 'identified', body: 'Found it.' }, FIXTURE_ACTOR);
    expect((await emails()).sort()).toEqual(['early@example.com', 'early@example.com', 'late@example.com']);
  });

  it('writes no fan-out when nobody is subscribed or notify is off', async () => {
    const { deps, api } = await setup();
    await publish(deps, api);
    expect(await fanouts(deps)).toEqual([]);
    await addSubscribers(deps, ['a@example.com']);
    await declareIncident(deps, { title: 'Quiet', severity: 4, body: 'Internal only.', components: [{ componentId: api, status: 'degraded_performance' }], notify: false }, FIXTURE_ACTOR);
    expect(await fanouts(deps)).toEqual([]);
  });

  it('drops a fan-out with its update', async () => {
    const { deps, api } = await setup();
    await addSubscribers(deps, ['a@example.com']);
    const { updateId } = await publish(deps, api);
    expect(await fanouts(deps)).toHaveLength(1);
    await deps.db.orm.delete(incidentUpdates).where(eq(incidentUpdates.id, updateId));
    expect(await fanouts(deps)).toEqual([]);
  });
});

describe('pruning finished emails', () => {
  it('deletes finished emails past the retention and keeps each update’s totals', async () => {
    const { deps, api } = await setup();
    await addSubscribers(deps, Array.from({ length: 12 }, (_, i) => `s${i}@example.com`));
    const { updateId: old } = await publish(deps, api);
    const rows = await outboxRows(deps);
    await deps.db.atomic([
      ...rows.slice(0, 9).flatMap((r) => deps.repos.outbox.recordBatch([{ id: r.id, providerId: `m${r.id}` }], deps.clock.now())),
      ...deps.repos.outbox.recordBatch([{ id: rows[9]!.id, error: 'refused' }], deps.clock.now()),
      deps.repos.outbox.skipQueuedFor(rows[10]!.subscriberId, 'unsubscribed'),
    ]);
    const before = (await deps.repos.outbox.countsForUpdates([old])).get(old);
    expect(before).toEqual({ queued: 1, sending: 0, sent: 9, failed: 1, skipped: 1, preparing: false });

    // A month later, a new update: its emails are recent and stay.
    deps.clock.advance(OUTBOX_RETENTION_MS + DAY);
    const { updateId: recent } = await publish(deps, api);
    await outboxRows(deps);

    // One write per finished status (sent, failed, skipped).
    expect((await runBackgroundTick(deps)).pruned).toBe(3);
    const left = await rawOutbox(deps);
    // The old update keeps only its unfinished email; the new one all twelve.
    expect(left.filter((r) => r.updateId === old).map((r) => r.status)).toEqual(['queued']);
    expect(left.filter((r) => r.updateId === recent)).toHaveLength(12);
    expect((await deps.repos.outbox.countsForUpdates([old])).get(old)).toEqual(before);

    // Pruning again later adds to the totals rather than replacing them.
    await deps.db.atomic(deps.repos.outbox.recordBatch([{ id: left.find((r) => r.updateId === old)!.id, providerId: 'late' }], deps.clock.now()));
    deps.clock.advance(OUTBOX_RETENTION_MS + DAY);
    expect((await runBackgroundTick(deps)).pruned).toBe(1);
    expect((await rawOutbox(deps)).map((r) => [r.updateId, r.status])).toEqual(Array.from({ length: 12 }, () => [recent, 'queued']));
    expect((await deps.repos.outbox.countsForUpdates([old])).get(old)).toEqual({ ...before, queued: 0, sent: 10 });
  });
});
