// kill -9 in the middle of a large send, then start again: every subscriber
// gets the update exactly once. Herald runs for real (the Node entry, as
// `npm start` runs it) against the local fake Resend, which keeps processing
// a request whose client has died, as a real server would.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNodeConfig } from '../../src/config.js';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { createComponent } from '../../src/services/components/components.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { killAll, removeTempDirs, startHerald, tempDir, type Herald } from '../faults/support.js';
import { FAKE_RESEND_API_KEY, startFakeResend, type FakeResend } from '../support/fake-resend.js';
import { addSubscribers, statusCounts } from './support.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const SUBSCRIBERS = 3_000;

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend({ latencyMs: 15 });
});
afterAll(async () => {
  killAll();
  await fake.close();
  removeTempDirs();
});

/** SIGKILL to Herald's whole process group (tsx and the node process it runs): no handler runs. */
function kill9(herald: Herald): void {
  process.kill(-herald.pid, 'SIGKILL');
}

function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what} (${fake.deliveries.length} delivered)`));
      }
    }, 5);
  });
}

describe('kill -9 during a large send', () => {
  it('delivers every email exactly once after restarts', { timeout: 180_000 }, async () => {
    const databasePath = join(tempDir('herald-crash-'), 'herald.db');
    const env = {
      RESEND_API_KEY: FAKE_RESEND_API_KEY,
      RESEND_BASE_URL: fake.url,
      MAIL_FROM: 'Crash Test <status@example.com>',
      MAIL_RATE_LIMIT: '0',
      // Fixed, so the emails (their links) are the same bytes whichever process renders them.
      PUBLIC_URL: 'https://status.example.com',
    };

    // The page, its subscribers and a SEV-1 with notify on: the publishing write queues every email.
    const seeded = createNodeDeps({ config: parseNodeConfig({ ...env, DATABASE_PATH: databasePath, HERALD_DEMO: '0' }), databasePath });
    await initializePage(seeded);
    const api = await createComponent(seeded, { name: 'API' }, FIXTURE_ACTOR);
    const emails = Array.from({ length: SUBSCRIBERS }, (_, i) => `subscriber${i}@example.com`);
    await addSubscribers(seeded, emails);
    await declareIncident(seeded, {
      title: 'Elevated API errors',
      severity: 1,
      body: 'We are investigating.',
      components: [{ componentId: api, status: 'major_outage' }],
    }, FIXTURE_ACTOR);
    expect(await statusCounts(seeded)).toEqual({ queued: SUBSCRIBERS });
    seeded.db.close();

    // 1. Killed while Resend is processing a batch (the request hangs; the fake
    //    delivers it after the client is gone): the restarted process must not
    //    send that batch's emails again.
    let herald = await startHerald(databasePath, env);
    await until(() => fake.deliveries.length >= 500, 'the first 500 emails');
    fake.script({ hangMs: 1_500 });
    await until(() => fake.requests.some((r) => r.scripted && 'hangMs' in r.scripted), 'the hanging request');
    kill9(herald);
    await until(() => fake.requests.some((r) => r.scripted && r.outcome === 'client-gone'), 'the orphaned batch to be delivered', 10_000);

    // 2. Killed at an arbitrary moment of a normal send.
    herald = await startHerald(databasePath, env);
    const before = fake.deliveries.length;
    await until(() => fake.deliveries.length >= before + 700, '700 more emails');
    kill9(herald);

    // 3. Killed again right after start-up, while it resumes.
    herald = await startHerald(databasePath, env);
    kill9(herald);

    herald = await startHerald(databasePath, env);
    await until(() => fake.deliveries.length >= SUBSCRIBERS, 'every email');
    // Let it record the last batch, then stop it cleanly to read the database.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await herald.stop();

    const perRecipient = new Map<string, number>();
    for (const delivered of fake.deliveries) {
      for (const to of delivered.to) perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
    }
    expect(perRecipient.size).toBe(SUBSCRIBERS);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    expect(fake.deliveries).toHaveLength(SUBSCRIBERS);
    // The orphaned batch was sent again, identical, with its key, and answered from Resend's memory.
    expect(fake.requests.some((r) => r.replay)).toBe(true);
    expect(fake.requests.filter((r) => r.status === 409)).toEqual([]);

    const after = createNodeDeps({ config: parseNodeConfig({ ...env, DATABASE_PATH: databasePath }), databasePath });
    expect(await statusCounts(after)).toEqual({ sent: SUBSCRIBERS });
    after.db.close();
  });
});
