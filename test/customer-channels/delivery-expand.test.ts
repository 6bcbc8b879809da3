// Expanding customer notices into customer_deliveries (services/customer-channels/expand.ts):
// who a notice reaches, chunk by chunk with a crash between any two writes, and notices with
// nothing left to announce. Real SQLite, no network.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXPANDED } from '../../src/db/repos/customer-deliveries-repo.js';
import { customerDeliveries, customerNotices } from '../../src/db/schema.js';
import { expandNoticeChunk, expandNotices } from '../../src/services/customer-channels/expand.js';
import { updateComponent } from '../../src/services/components/components.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeGroup, makeIncident } from '../support/factories.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { componentNotice, makeChannelSubscriber, notice, noticeOfIncident } from './delivery-support.js';
import { eq } from 'drizzle-orm';

let deps: TestDeps;
beforeEach(async () => {
  deps = await createTestDeps();
});
afterEach(() => deps.db.close());

async function reached(noticeId: string): Promise<string[]> {
  const rows = await deps.db.orm.select().from(customerDeliveries).where(eq(customerDeliveries.noticeId, noticeId)).all();
  return rows.map((r) => r.subscriberId).sort();
}

const expandAll = () => expandNotices(deps, () => false);

describe('who a notice reaches', () => {
  let a: string, b: string, c: string, group: string;
  let all: string, onA: string, onGroup: string, onC: string;
  beforeEach(async () => {
    group = await makeGroup(deps);
    a = await makeComponent(deps);
    b = await makeComponent(deps, { groupId: group });
    c = await makeComponent(deps);
    all = await makeChannelSubscriber(deps);
    onA = await makeChannelSubscriber(deps, { allComponents: false, componentIds: [a] });
    onGroup = await makeChannelSubscriber(deps, { allComponents: false, groupIds: [group] });
    onC = await makeChannelSubscriber(deps, { allComponents: false, componentIds: [c] });
    // Never reached: not confirmed, confirmed after the notice, disabled.
    await makeChannelSubscriber(deps, { status: 'pending', confirmedAt: null });
    await makeChannelSubscriber(deps, { confirmedAt: deps.clock.now() + 60_000 });
    await makeChannelSubscriber(deps, { status: 'disabled' });
  });

  it('an incident on a component: subscribers to everything and to that component', async () => {
    const id = await noticeOfIncident(deps, await makeIncident(deps, { components: [{ componentId: a, status: 'major_outage' }] }));
    await expandAll();
    expect(await reached(id)).toEqual([all, onA].sort());
  });

  it('an incident on a component of a group: subscribers to the group', async () => {
    const id = await noticeOfIncident(deps, await makeIncident(deps, { components: [{ componentId: b, status: 'degraded_performance' }] }));
    await expandAll();
    expect(await reached(id)).toEqual([all, onGroup].sort());
  });

  it('an incident naming no component concerns the whole page: every confirmed subscriber', async () => {
    const id = await noticeOfIncident(deps, await makeIncident(deps));
    await expandAll();
    expect(await reached(id)).toEqual([all, onA, onGroup, onC].sort());
  });

  it('a component notice: everything, the component, or its group', async () => {
    const inGroup = await componentNotice(deps, b, 'operational', 'partial_outage');
    const alone = await componentNotice(deps, c, 'operational', 'degraded_performance');
    await expandAll();
    expect(await reached(inGroup)).toEqual([all, onGroup].sort());
    expect(await reached(alone)).toEqual([all, onC].sort());
  });

  it('stores the notification with the first chunk, message ids msg_<notice>_<subscriber>, and ends the notice', async () => {
    const id = await noticeOfIncident(deps, await makeIncident(deps, { title: 'Checkout errors', components: [{ componentId: a, status: 'major_outage' }] }));
    await expandAll();
    const row = await notice(deps, id);
    expect(row).toMatchObject({ state: 'done', cursor: EXPANDED });
    expect(row.payload).toMatchObject({ kind: 'incident', incident: { name: 'Checkout errors' } });
    const delivery = await deps.repos.customerDeliveries.find(id, onA);
    expect(delivery).toMatchObject({ messageId: `msg_${id}_${onA}`, status: 'queued', attempts: 0 });
  });

  it('a component notice stays ready until its email side is expanded too', async () => {
    const id = await componentNotice(deps, c, 'operational', 'major_outage');
    await deps.db.atomic([deps.repos.customerNotices.insert({ ...(await notice(deps, id)), id: 'second', emailCursor: '' })]);
    await expandAll();
    expect(await notice(deps, id)).toMatchObject({ state: 'done', cursor: EXPANDED });
    expect(await notice(deps, 'second')).toMatchObject({ state: 'ready', cursor: EXPANDED });
  });

  it('a notice whose component is now hidden is done with nothing sent', async () => {
    const id = await componentNotice(deps, c, 'operational', 'major_outage');
    await updateComponent(deps, FIXTURE_ACTOR, c, { hidden: true });
    expect(await expandNoticeChunk(deps)).toBe('dropped');
    expect(await notice(deps, id)).toMatchObject({ state: 'done', payload: null });
    expect(await reached(id)).toEqual([]);
  });
});

describe('a notice from before anyone subscribed', () => {
  it('finishes its channel side in one write, building nothing; its email side stays to do', async () => {
    const c = await makeComponent(deps);
    const early = await componentNotice(deps, c, 'operational', 'major_outage');
    await deps.db.atomic([deps.db.orm.update(customerNotices).set({ emailCursor: '' }).where(eq(customerNotices.id, early))]);
    await makeChannelSubscriber(deps, { confirmedAt: deps.clock.now() + 60_000 });
    expect(await expandNoticeChunk(deps)).toBe('expanded');
    expect(await notice(deps, early)).toMatchObject({ state: 'ready', cursor: EXPANDED, payload: null });
    expect(await reached(early)).toEqual([]);
    expect(await expandNoticeChunk(deps)).toBe('none');
  });
});

describe('expanding chunk by chunk', () => {
  it('survives a crash between chunks and a drainer repeating a chunk: each subscriber once, the notification built once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await makeChannelSubscriber(deps));
    const id = await noticeOfIncident(deps, await makeIncident(deps));
    const repo = deps.repos.customerDeliveries;

    // Chunk 1 of 3 subscribers; then a second drainer that read the same cursor writes its chunk late.
    const stale = (await repo.nextNotice())!;
    expect(await expandNoticeChunk(deps, 3)).toBe('expanded');
    const first = await notice(deps, id);
    expect(first.cursor).toBe(ids[2]);
    const generatedAt = (first.payload as { generatedAt: number }).generatedAt;
    deps.clock.advance(60_000);
    await deps.db.atomic(repo.expand(stale, await repo.chunkEnd(stale.cursor, 3), deps.clock.now(), { kind: 'other' }));
    expect(await reached(id)).toHaveLength(3);
    expect((await notice(deps, id)).cursor).toBe(ids[2]);

    // "Restart": a new drainer resumes at the cursor, one chunk per write.
    expect(await expandNoticeChunk(deps, 3)).toBe('expanded');
    expect(await reached(id)).toHaveLength(6);
    const chunks = await expandNotices(deps, () => false, 3);
    expect(chunks).toBe(2); // 3 more, then the last one
    expect(await reached(id)).toEqual([...ids].sort());
    const done = await notice(deps, id);
    expect(done).toMatchObject({ state: 'done', cursor: EXPANDED });
    expect((done.payload as { generatedAt: number }).generatedAt).toBe(generatedAt);

    // Running it all again writes nothing.
    expect(await expandNoticeChunk(deps, 3)).toBe('none');
    const rows = await deps.db.orm.select().from(customerDeliveries).all();
    expect(new Set(rows.map((r) => r.messageId)).size).toBe(10);
  });

  it('takes notices oldest due first', async () => {
    await makeChannelSubscriber(deps);
    const later = await componentNotice(deps, await makeComponent(deps), 'operational', 'major_outage');
    deps.clock.advance(-60_000);
    const earlier = await componentNotice(deps, await makeComponent(deps), 'operational', 'major_outage');
    expect((await deps.repos.customerDeliveries.nextNotice())!.id).toBe(earlier);
    await expandNoticeChunk(deps);
    expect((await deps.repos.customerDeliveries.nextNotice())!.id).toBe(later);
  });
});
