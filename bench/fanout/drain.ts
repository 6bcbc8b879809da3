// How the fan-out drains, watched from outside: the fake Resend's counts,
// and the outbox read (read-only) from Herald's database.
import BetterSqlite3 from 'better-sqlite3';
import { fmt } from '../lib/format.js';
import { round } from '../lib/stats.js';
import { sleep } from '../lib/time.js';
import type { FakeResendChild } from './children.js';
import type { FakeStats } from './fake-resend-child.js';
import { BATCH, type Settings } from './settings.js';

export interface Drain {
  expected: number;
  delivered: number;
  duplicates: number;
  statuses: Record<string, number>;
  replays: number;
  /** Publish request start → the whole fan-out written into the outbox (observed every 20 ms). */
  queuedMs: number;
  /** Publish request start → first email at the fake. */
  firstEmailMs: number;
  /** Publish request start → last email at the fake. */
  drainSeconds: number;
  /** Emails / (publish → last email). */
  emailsPerSecond: number;
  /** Emails / (first → last email): the steady rate. */
  steadyEmailsPerSecond: number;
  requestsPerSecond: number;
  /** Request bodies the fake received, MB (JSON as the SDK sends it). */
  bodyMegabytes: number;
  /** Publish request start → every row of the update recorded sent in the database. */
  recordedSeconds: number | null;
  perSecond: number[];
}

export async function waitForDrain(fake: FakeResendChild, expected: number, publishStartedAt: number, settings: Settings, label: string): Promise<FakeStats> {
  const deadline = Date.now() + settings.drainTimeoutSeconds * 1000;
  let lastPrint = Date.now();
  for (;;) {
    const stats = await fake.stats();
    if (stats.delivered >= expected) return stats;
    if (Date.now() > deadline) throw new Error(`${label}: only ${stats.delivered} of ${expected} emails after ${settings.drainTimeoutSeconds} s`);
    if (Date.now() - lastPrint >= 10_000) {
      lastPrint = Date.now();
      console.log(`  ${label}: ${fmt(stats.delivered)} / ${fmt(expected)} emails after ${fmt((Date.now() - publishStartedAt) / 1000, 0)} s`);
    }
    await sleep(100);
  }
}

/** Polls the database (read-only) until no email of `updateId` is queued or sending. */
export async function waitForRecorded(databasePath: string, updateId: string, timeoutMs = 15_000): Promise<number | null> {
  const db = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true });
  try {
    const pendingCount = db.prepare("SELECT count(*) FROM mail_outbox WHERE update_id = ? AND status IN ('queued', 'sending')").pluck();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((pendingCount.get(updateId) as number) === 0) return Date.now();
      await sleep(20);
    }
    return null;
  } finally {
    db.close();
  }
}

export function drainOf(stats: FakeStats, expected: number, publishStartedAt: number, queuedAt: number, recordedAt: number | null, epochStartedAt: number): Drain {
  const first = stats.firstAt ?? publishStartedAt;
  const last = stats.lastAt ?? publishStartedAt;
  const requests = Object.values(stats.statuses).reduce((a, b) => a + b, 0);
  const total = (last - publishStartedAt) / 1000;
  const steady = (last - first) / 1000;
  return {
    expected,
    delivered: stats.delivered,
    duplicates: stats.duplicates,
    statuses: stats.statuses,
    replays: stats.replays,
    queuedMs: queuedAt - publishStartedAt,
    firstEmailMs: first - publishStartedAt,
    drainSeconds: round(total, 2),
    emailsPerSecond: round(stats.delivered / total),
    steadyEmailsPerSecond: steady > 0 ? round((stats.delivered - BATCH) / steady) : 0,
    requestsPerSecond: round(requests / total, 1),
    bodyMegabytes: round(stats.bodyBytes / 1e6, 1),
    recordedSeconds: recordedAt === null ? null : round((recordedAt - publishStartedAt) / 1000, 2),
    // Seconds since the publish (the epoch may have started earlier).
    perSecond: stats.perSecond.slice(Math.max(0, Math.floor((publishStartedAt - epochStartedAt) / 1000))),
  };
}

export function latestUpdateId(databasePath: string, incidentId: string): string {
  const db = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true });
  try {
    const id = db.prepare('SELECT id FROM incident_updates WHERE incident_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').pluck().get(incidentId);
    if (typeof id !== 'string') throw new Error(`no update for incident ${incidentId}`);
    return id;
  } finally {
    db.close();
  }
}

/** Waits until the drainer has written the update's whole fan-out; its emails, and when that was. */
export async function queuedFor(databasePath: string, updateId: string, timeoutMs = 60_000): Promise<{ emails: number; at: number }> {
  const db = new BetterSqlite3(databasePath, { readonly: true, fileMustExist: true });
  try {
    const pending = db.prepare('SELECT count(*) FROM mail_fanouts WHERE update_id = ?').pluck();
    const deadline = Date.now() + timeoutMs;
    while (pending.get(updateId) !== 0) {
      if (Date.now() > deadline) throw new Error(`the fan-out of ${updateId} was not written within ${timeoutMs / 1000} s`);
      await sleep(20);
    }
    const at = Date.now();
    return { emails: db.prepare('SELECT count(*) FROM mail_outbox WHERE update_id = ?').pluck().get(updateId) as number, at };
  } finally {
    db.close();
  }
}
