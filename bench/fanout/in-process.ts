// The fan-out benchmark in process, on a copy of the database, before Herald
// starts (so that nothing else competes): the publishing write with and
// without the fan-out, writing the fan-out into the outbox chunk by chunk,
// and a drain with the drainer's dependencies wrapped in timers, to show
// where a batch's time goes.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { parseNodeConfig } from '../../src/config.js';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import type { MailTransport } from '../../src/mail/transport.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { createDrainer, expandFanoutChunk } from '../../src/services/notifications/outbox.js';
import { BENCH_ACTOR, ERRORS_ONLY } from '../lib/herald.js';
import { RESULTS_DIR } from '../lib/paths.js';
import { Profiler } from '../lib/profiler.js';
import { percentile, round } from '../lib/stats.js';
import type { FakeResendChild } from './children.js';
import type { PageIds } from './population.js';
import { API_KEY, MAIL_FROM, type Settings } from './settings.js';
import { declareBody } from './updates.js';

export interface WriteTimings {
  /** declareIncident with notify off: the same write without the fan-out. */
  withoutFanOutMs: number;
  /** declareIncident with notify on (the default for SEV-1). */
  withFanOutMs: number;
  /** Of that, the db.atomic call (the one transaction: incident, update, statuses, audit, the fan-out row). */
  atomicMs: number;
  /** Writing the fan-out into the outbox afterwards (what the drainer does first), chunk after chunk. */
  expand: { chunks: number; totalMs: number; maxChunkMs: number; p50ChunkMs: number };
  /** Rows the fan-out queued: the emails one update of this incident sends. */
  queued: number;
}

export interface Breakdown {
  emails: number;
  batches: number;
  wallMs: number;
  emailsPerSecond: number;
  /** Wall time per step, ms (the drainer does one batch at a time, so they add up). */
  stepsMs: Record<string, number>;
  renderCalls: number;
  htmlBytesPerEmail: number;
  textBytesPerEmail: number;
  profile: string | null;
}

export async function probeInProcess(
  basePath: string,
  probePath: string,
  ids: PageIds,
  fake: FakeResendChild,
  fakeUrl: string,
  publicUrl: string,
  settings: Settings,
): Promise<{ write: WriteTimings; breakdown: Breakdown | null }> {
  copyFileSync(basePath, probePath);
  const config = parseNodeConfig({
    HERALD_ENV: 'production',
    DATABASE_PATH: probePath,
    PUBLIC_URL: publicUrl,
    RESEND_API_KEY: API_KEY,
    RESEND_BASE_URL: fakeUrl,
    MAIL_FROM,
    MAIL_RATE_LIMIT: '0',
  });
  const deps = createNodeDeps({ config, databasePath: probePath, log: ERRORS_ONLY });
  try {
    let atomicMs = 0;
    const atomic = deps.db.atomic.bind(deps.db);
    deps.db.atomic = async (statements) => {
      const t0 = performance.now();
      await atomic(statements);
      atomicMs += performance.now() - t0;
    };
    const body = declareBody(ids);
    const input = {
      title: body.title,
      severity: body.severity,
      body: body.body,
      components: body.components.map((c) => ({ componentId: c.component_id, status: c.status })),
    };
    // Warm-up (statement preparation, JIT): a small incident that notifies nobody.
    await declareIncident(deps, { title: 'Warm-up', severity: 3, body: 'Warm-up.', notify: false }, BENCH_ACTOR);
    let t0 = performance.now();
    await declareIncident(deps, { ...input, notify: false }, BENCH_ACTOR);
    const withoutFanOutMs = performance.now() - t0;
    atomicMs = 0;
    t0 = performance.now();
    const incidentId = await declareIncident(deps, input, BENCH_ACTOR);
    const withFanOutMs = performance.now() - t0;
    const publishAtomicMs = atomicMs;
    const chunkMs: number[] = [];
    for (;;) {
      const start = performance.now();
      if (!(await expandFanoutChunk(deps))) break;
      chunkMs.push(performance.now() - start);
    }
    chunkMs.sort((a, b) => a - b);
    const expand = {
      chunks: chunkMs.length,
      totalMs: round(chunkMs.reduce((sum, ms) => sum + ms, 0), 1),
      maxChunkMs: round(chunkMs.at(-1) ?? 0, 1),
      p50ChunkMs: round(percentile(chunkMs, 50), 1),
    };
    const raw = new BetterSqlite3(probePath);
    const updateId = (raw.prepare('SELECT id FROM incident_updates WHERE incident_id = ?').pluck().get(incidentId) as string) ?? '';
    const queued = raw.prepare("SELECT count(*) FROM mail_outbox WHERE update_id = ? AND status = 'queued'").pluck().get(updateId) as number;
    const write: WriteTimings = { withoutFanOutMs: round(withoutFanOutMs, 1), withFanOutMs: round(withFanOutMs, 1), atomicMs: round(publishAtomicMs, 1), expand, queued };
    if (settings.breakdownEmails === 0) {
      raw.close();
      return { write, breakdown: null };
    }

    // Keep the first N emails queued; the rest are skipped (this is a throwaway copy).
    const keep = Math.min(settings.breakdownEmails, queued);
    raw.prepare(
      "UPDATE mail_outbox SET status = 'skipped' WHERE status = 'queued' AND id NOT IN (SELECT id FROM mail_outbox WHERE status = 'queued' ORDER BY id LIMIT ?)",
    ).run(keep);
    raw.close();

    const steps = { claim: 0, batchRows: 0, subscribers: 0, incident: 0, compose: 0, render: 0, send: 0, record: 0 };
    let renderCalls = 0;
    let htmlBytes = 0;
    let textBytes = 0;
    let emails = 0;
    let sent = false;
    let rowsAt = 0;
    deps.db.atomic = async (statements) => {
      const t = performance.now();
      await atomic(statements);
      steps[sent ? 'record' : 'claim'] += performance.now() - t;
      if (sent) sent = false;
    };
    const timed = <A extends unknown[], R>(step: keyof typeof steps, fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const t = performance.now();
        try {
          return await fn(...args);
        } finally {
          steps[step] += performance.now() - t;
        }
      };
    const outbox = deps.repos.outbox;
    const batchRows = timed('batchRows', outbox.batchRows.bind(outbox));
    outbox.batchRows = async (batchId, lease) => {
      const rows = await batchRows(batchId, lease);
      rowsAt = performance.now();
      return rows;
    };
    deps.repos.subscribers.findByIds = timed('subscribers', deps.repos.subscribers.findByIds.bind(deps.repos.subscribers));
    deps.repos.incidents.findByUpdateId = timed('incident', deps.repos.incidents.findByUpdateId.bind(deps.repos.incidents));
    const views = deps.views;
    const timedViews = {
      render(name: string, data: object): string {
        const t = performance.now();
        const out = views.render(name, data);
        steps.render += performance.now() - t;
        renderCalls++;
        if (name.endsWith('.html')) htmlBytes += out.length;
        else textBytes += out.length;
        return out;
      },
    };
    const transport = deps.mail!;
    const mail: MailTransport = {
      name: transport.name,
      maxBatch: transport.maxBatch,
      async sendBatch(batch, key) {
        steps.compose += performance.now() - rowsAt;
        emails += batch.length;
        const t = performance.now();
        const outcome = await transport.sendBatch(batch, key);
        steps.send += performance.now() - t;
        sent = true;
        return outcome;
      },
    };
    const drainer = createDrainer({ ...deps, views: timedViews, mail });

    await fake.ask({ type: 'epoch' }, 'epoch-started');
    const profiler = settings.profile ? new Profiler(200) : undefined;
    await profiler?.start();
    t0 = performance.now();
    const report = await drainer.drain(settings.drainTimeoutSeconds * 1000);
    const wallMs = performance.now() - t0;
    let profile: string | null = null;
    if (profiler) {
      profile = join(RESULTS_DIR, 'profiles', 'fanout-drain.cpuprofile');
      await profiler.stop(profile);
      profiler.close();
    }
    const fakeStats = await fake.stats();
    if (fakeStats.delivered !== keep || report.sent !== keep) {
      throw new Error(`in-process drain: expected ${keep} emails, the fake got ${fakeStats.delivered} and the drainer reported ${report.sent} sent`);
    }
    // Compose as measured includes the lookups it awaits and the rendering; keep them apart.
    steps.compose -= steps.subscribers + steps.incident + steps.render;
    const accounted = Object.values(steps).reduce((a, b) => a + b, 0);
    const stepsMs: Record<string, number> = {};
    for (const [name, ms] of Object.entries(steps)) stepsMs[name] = round(ms, 1);
    stepsMs.other = round(wallMs - accounted, 1);
    return {
      write,
      breakdown: {
        emails,
        batches: report.batches,
        wallMs: round(wallMs),
        emailsPerSecond: round(emails / (wallMs / 1000)),
        stepsMs,
        renderCalls,
        htmlBytesPerEmail: Math.round(htmlBytes / Math.max(1, emails)),
        textBytesPerEmail: Math.round(textBytes / Math.max(1, emails)),
        profile,
      },
    };
  } finally {
    deps.db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(probePath + suffix, { force: true });
  }
}
