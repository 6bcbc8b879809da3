/**
 * The destinations' delivery queries (src/db/repos/deliveries-repo.ts) on
 * every driver: run from test/contract/sqlite.test.ts and d1.test.ts beside
 * the repository contract. Claims are conditional statements through
 * db.claim, so their row counts must mean the same on better-sqlite3 and D1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { createRepos, type Repos } from '../../src/db/repos/index.js';
import type { OpenDatabase, OpenedDatabase } from './repo-contract.js';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const RESULT = { responseStatus: 200, latencyMs: 12, error: null };

export function deliveriesContract(name: string, open: OpenDatabase): void {
  describe(`destination deliveries on ${name}`, () => {
    let opened: OpenedDatabase;
    let db: Database;
    let repos: Repos;

    beforeEach(async () => {
      opened = await open();
      db = opened.db;
      repos = createRepos(db.orm);
      const destination = (id: string, pausedAt: number | null = null) =>
        repos.destinations.insert({ id, name: id, type: 'slack', url: `https://hooks.example/${id}`, pausedAt, createdAt: NOW, updatedAt: NOW });
      await db.atomic([destination('dst_a'), destination('dst_b'), destination('dst_p', NOW)]);
    });
    afterEach(async () => {
      await opened.close();
    });

    const queue = (destinationId: string, n: number, dueAt = NOW) =>
      repos.destinations.insertDelivery({
        messageId: `msg_${destinationId}_${n}`,
        destinationId,
        kind: 'test',
        message: { n },
        status: 'queued',
        dueAt,
        createdAt: NOW,
      });

    it('offers only the head of each destination queue, holds paused destinations, and claims once', async () => {
      await db.atomic([queue('dst_a', 1), queue('dst_a', 2), queue('dst_b', 1, NOW + 1000), queue('dst_p', 1)]);
      const due = await repos.deliveries.due(NOW, 10);
      expect(due.map((r) => r.messageId)).toEqual(['msg_dst_a_1']);
      expect(due[0]).toMatchObject({ type: 'slack', url: 'https://hooks.example/dst_a', attempts: 0, message: { n: 1 } });
      const id = due[0]!.id;
      expect(await db.claim(repos.deliveries.claim(id, 'lease-1', NOW, NOW + 60_000))).toBe(1);
      // The second claimant loses; the next message of the destination waits for the first.
      expect(await db.claim(repos.deliveries.claim(id, 'lease-2', NOW, NOW + 60_000))).toBe(0);
      expect(await repos.deliveries.due(NOW, 10)).toEqual([]);
      expect(await repos.deliveries.nextDueAt()).toBe(NOW + 1000);
      // A lost lease records nothing; the holder's result lands.
      expect(await db.claim(repos.deliveries.markSent(id, 'lease-2', NOW, RESULT))).toBe(0);
      expect(await db.claim(repos.deliveries.markSent(id, 'lease-1', NOW + 5, RESULT))).toBe(1);
      const sent = await repos.deliveries.findByMessageId('msg_dst_a_1');
      expect(sent).toMatchObject({ status: 'sent', attempts: 1, lease: null, finishedAt: NOW + 5, lastAttemptAt: NOW, responseStatus: 200, latencyMs: 12 });
      expect((await repos.deliveries.due(NOW + 1000, 10)).map((r) => r.messageId)).toEqual(['msg_dst_a_2', 'msg_dst_b_1']);
    });

    it('makes an expired lease due again, and releaseAll makes every held row due now', async () => {
      await db.atomic([queue('dst_a', 1), queue('dst_b', 1)]);
      const [a, b] = await repos.deliveries.due(NOW, 10);
      await db.claim(repos.deliveries.claim(a!.id, 'crashed', NOW, NOW + 60_000));
      await db.claim(repos.deliveries.claim(b!.id, 'crashed', NOW, NOW + 60_000));
      expect(await repos.deliveries.due(NOW + 59_999, 10)).toEqual([]);
      expect((await repos.deliveries.due(NOW + 60_000, 10)).map((r) => r.attempts)).toEqual([1, 1]);
      await db.atomic([repos.deliveries.releaseAll(NOW + 10)]);
      const again = await repos.deliveries.due(NOW + 10, 10);
      expect(again.map((r) => r.messageId)).toEqual(['msg_dst_a_1', 'msg_dst_b_1']);
      expect(await db.claim(repos.deliveries.claim(again[0]!.id, 'new', NOW + 10, NOW + 60_010))).toBe(1);
      expect(await db.claim(repos.deliveries.markSent(again[0]!.id, 'crashed', NOW + 20, RESULT))).toBe(0);
    });

    it('postpones a retry in place (the destination stays blocked), fails for good, and prunes old finished rows', async () => {
      await db.atomic([queue('dst_a', 1), queue('dst_a', 2), queue('dst_b', 1)]);
      const [a] = await repos.deliveries.due(NOW, 1);
      await db.claim(repos.deliveries.claim(a!.id, 'l', NOW, NOW + 60_000));
      expect(await db.claim(repos.deliveries.postpone(a!.id, 'l', NOW, NOW + 30_000, { responseStatus: 503, latencyMs: 3, error: 'HTTP 503' }))).toBe(1);
      expect((await repos.deliveries.due(NOW + 1, 10)).map((r) => r.messageId)).toEqual(['msg_dst_b_1']);
      const retry = (await repos.deliveries.due(NOW + 30_000, 10)).find((r) => r.messageId === 'msg_dst_a_1');
      expect(retry).toMatchObject({ messageId: 'msg_dst_a_1', attempts: 1 });
      await db.claim(repos.deliveries.claim(retry!.id, 'm', NOW + 30_000, NOW + 90_000));
      await db.claim(repos.deliveries.markFailed(retry!.id, 'm', NOW + 30_000, { responseStatus: 404, latencyMs: 1, error: 'HTTP 404' }));
      expect(await repos.deliveries.findByMessageId('msg_dst_a_1')).toMatchObject({ status: 'failed', attempts: 2, responseStatus: 404, error: 'HTTP 404' });
      expect((await repos.deliveries.due(NOW + 30_000, 10)).map((r) => r.messageId)).toEqual(['msg_dst_a_2', 'msg_dst_b_1']);
      expect(await db.claim(repos.deliveries.prune(NOW + 30_000, 100))).toBe(0);
      expect(await db.claim(repos.deliveries.prune(NOW + 30_001, 100))).toBe(1);
      expect(await repos.deliveries.findByMessageId('msg_dst_a_1')).toBeUndefined();
    });
  });
}
