// `npm run bench:metrics`: are /admin/metrics and GET /api/v1/metrics fast
// with years of incidents? Seeds METRICS_INCIDENTS incidents (default
// 10,000) over the past 3 years into a real (in-memory) SQLite database
// with Herald's migrations, a postmortem for every SEV-1 to SEV-3 and two
// action items each, then times, for the last 30/90/365 days and one
// month, (1) the three lean queries alone and (2) the whole metrics service
// (queries + key times + medians, means, rates, months). Each case runs
// METRICS_RUNS times after a warm-up; medians and p95 are reported, with
// the row counts. Method and figures: bench/README.md, "The metrics benchmark".
import { performance } from 'node:perf_hooks';
import { DAY, HOUR, MINUTE } from '../src/domain/calendar.js';
import { actionItems, incidents, postmortems } from '../src/db/schema.js';
import { newId } from '../src/lib/ids.js';
import { incidentMetrics, type MetricsPeriod } from '../src/services/metrics/metrics.js';
import { memberActor } from '../test/support/actors.js';
import { createTestDeps } from '../test/support/deps.js';
import { envWholeNumber } from './lib/env.js';
import { percentile, round } from './lib/stats.js';
import { prng } from './lib/prng.js';
import { markdownTable } from './lib/table.js';

const COUNT = envWholeNumber(process.env, 'METRICS_INCIDENTS', 10_000, 1);
const RUNS = envWholeNumber(process.env, 'METRICS_RUNS', 30, 1);
const SPAN = 3 * 365 * DAY;

async function main(): Promise<void> {
  const deps = await createTestDeps();
  const now = deps.clock.now();
  const random = prng(17);
  const seedStart = performance.now();
  const incidentRows: (typeof incidents.$inferInsert)[] = [];
  const postmortemRows: (typeof postmortems.$inferInsert)[] = [];
  const itemRows: (typeof actionItems.$inferInsert)[] = [];
  for (let i = 0; i < COUNT; i++) {
    const id = newId();
    const startedAt = now - Math.floor(random() * SPAN);
    const severity = 1 + Math.floor(random() * 4);
    const detectedAt = startedAt + Math.floor(random() * 10 * MINUTE);
    const resolvedAt = random() < 0.02 ? null : detectedAt + Math.floor(random() * 6 * HOUR);
    incidentRows.push({
      id,
      kind: 'incident',
      title: `Incident ${i}`,
      severity,
      impact: 'major',
      status: resolvedAt === null ? 'investigating' : 'resolved',
      startedAt,
      createdAt: detectedAt,
      updatedAt: resolvedAt ?? detectedAt,
      detectedAt,
      acknowledgedAt: random() < 0.9 ? detectedAt + Math.floor(random() * 8 * MINUTE) : null,
      monitoringAt: resolvedAt === null ? null : detectedAt + Math.floor((resolvedAt - detectedAt) * random()),
      resolvedAt,
      detectionSource: random() < 0.1 ? 'customer_report' : 'alert',
    });
    // A tenth of the maintenance windows too, which the metrics must skip through the index.
    if (i % 10 === 0) {
      incidentRows.push({ id: newId(), kind: 'maintenance', title: 'Planned', impact: 'maintenance', status: 'completed', startedAt, createdAt: startedAt, updatedAt: startedAt });
    }
    if (severity < 4 && resolvedAt !== null) {
      const dueAt = resolvedAt + [48, 72, 168][severity - 1]! * HOUR;
      const done = random() < 0.8 ? resolvedAt + Math.floor(random() * 200 * HOUR) : null;
      postmortemRows.push({ incidentId: id, state: done ? 'published' : 'draft', body: '# Postmortem', dueAt, publishedAt: done, createdAt: resolvedAt, updatedAt: resolvedAt });
      for (const priority of ['P0', 'P1'] as const) {
        const due = resolvedAt + 14 * DAY;
        const doneAt = random() < 0.7 ? resolvedAt + Math.floor(random() * 20 * DAY) : null;
        itemRows.push({ id: newId(), incidentId: id, title: 'Fix', priority, dueAt: due, status: doneAt ? 'done' : 'open', doneAt, createdAt: resolvedAt, updatedAt: resolvedAt });
      }
    }
  }
  const insertAll = async <T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += 500) await insert(rows.slice(i, i + 500));
  };
  await insertAll(incidentRows, async (chunk) => { await deps.db.orm.insert(incidents).values(chunk).run(); });
  await insertAll(postmortemRows, async (chunk) => { await deps.db.orm.insert(postmortems).values(chunk).run(); });
  await insertAll(itemRows, async (chunk) => { await deps.db.orm.insert(actionItems).values(chunk).run(); });
  const client = (deps.db.orm as unknown as { $client: { exec(sql: string): void } }).$client;
  client.exec('ANALYZE');
  const seedMs = performance.now() - seedStart;

  const periods: [string, MetricsPeriod, number, number][] = [
    ['last 30 days', { days: 30 }, now - 30 * DAY, now + 1],
    ['last 90 days', { days: 90 }, now - 90 * DAY, now + 1],
    ['last 365 days', { days: 365 }, now - 365 * DAY, now + 1],
  ];
  const month = new Date(now - 40 * DAY).toISOString().slice(0, 7);
  const monthStart = Date.parse(`${month}-01T00:00:00Z`);
  const next = new Date(monthStart);
  next.setUTCMonth(next.getUTCMonth() + 1);
  periods.push([`month ${month}`, { month }, monthStart, next.getTime()]);

  const time = async (work: () => Promise<unknown>): Promise<{ median: number; p95: number }> => {
    for (let i = 0; i < 3; i++) await work();
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      await work();
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    return { median: round(percentile(samples, 50), 2), p95: round(percentile(samples, 95), 2) };
  };

  const viewer = memberActor('viewer');
  const rows: (string | number)[][] = [];
  const results: unknown[] = [];
  for (const [label, period, from, to] of periods) {
    const counted = (await deps.repos.metrics.incidentTimes(from, to)).length;
    const items = (await deps.repos.metrics.actionItemTimes(from, to)).length;
    const queries = await time(() =>
      Promise.all([deps.repos.metrics.incidentTimes(from, to), deps.repos.metrics.postmortemTimes(from, to), deps.repos.metrics.actionItemTimes(from, to)]),
    );
    const service = await time(() => incidentMetrics(deps, viewer, period));
    rows.push([label, counted, items, queries.median, queries.p95, service.median, service.p95]);
    results.push({ label, incidents: counted, actionItems: items, queriesMs: queries, serviceMs: service });
  }

  console.log(`Metrics over ${COUNT.toLocaleString('en')} incidents (+ ${Math.ceil(COUNT / 10).toLocaleString('en')} maintenance windows, ${postmortemRows.length.toLocaleString('en')} postmortems, ${itemRows.length.toLocaleString('en')} action items), seeded in ${round(seedMs)} ms; ${RUNS} runs per case after 3 warm-up runs. Node ${process.version}.\n`);
  console.log(markdownTable(['Period', 'Incidents', 'Action items', 'Queries median ms', 'Queries p95 ms', 'Service median ms', 'Service p95 ms'], rows));
  if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
