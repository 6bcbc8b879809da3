// The fan-out benchmark's report: the printed tables and the results JSON.
import type { SeedStats } from '../seed.js';
import { cores, fmt } from '../lib/format.js';
import type { RawResponse } from '../lib/http.js';
import { machineFacts } from '../lib/provenance.js';
import { round } from '../lib/stats.js';
import { markdownTable } from '../lib/table.js';
import type { Drain } from './drain.js';
import type { Breakdown, WriteTimings } from './in-process.js';
import type { PageStats } from './page-load.js';
import type { PhaseUsage } from './phase.js';
import type { Population } from './population.js';
import { printProfile, type ProfileWindow } from './profiles.js';
import type { RateLimited } from './rate-limited.js';
import { BATCH, RESEND_DEFAULT_RPS, type Settings } from './settings.js';

/** Everything a run measured, as the report and the results JSON need it. */
export interface Outcome {
  settings: Settings;
  startedAt: Date;
  source: { commit: string | null; changed: string[] };
  seed: SeedStats;
  population: Population;
  probe: { write: WriteTimings; breakdown: Breakdown | null };
  /** The publish requests: #1 on a quiet server, #2 while `/` is under load. */
  publish1: RawResponse;
  publish2: RawResponse;
  quiet: Drain;
  loaded: Drain;
  idle: PageStats;
  beforePublish: PageStats;
  duringDrain: PageStats;
  afterResponse: PageStats;
  idleAfter: PageStats;
  duringPublish: { requests: number; maxMs: number; p50Ms: number };
  series: { second: number; requests: number; maxMs: number }[];
  idleUsage: PhaseUsage;
  quietUsage: PhaseUsage;
  loadedUsage: PhaseUsage;
  idleAfterUsage: PhaseUsage;
  wholeRunPeak: { herald: number | null; wrapper: number | null; fake: number | null };
  fakeHeapUsedAtEndBytes: number;
  profiles: ProfileWindow[];
  limited: RateLimited | null;
}

const mb = (kb: number): string => fmt(kb / 1024, 0);

/** The same send at Resend's default rate limit: how long it takes, and Herald's share of a core at the CPU per email measured. */
function atResendDefaultLimit(o: Outcome): { seconds: number; heraldCpuPerEmailMs: number | null; cores: number | null } {
  const heraldCpuPerEmailMs = o.quietUsage.heraldCpuMs === null ? null : o.quietUsage.heraldCpuMs / o.quiet.delivered;
  return {
    seconds: Math.ceil(o.settings.subscribers / BATCH) / RESEND_DEFAULT_RPS,
    heraldCpuPerEmailMs,
    cores: heraldCpuPerEmailMs === null ? null : (heraldCpuPerEmailMs * BATCH * RESEND_DEFAULT_RPS) / 1000,
  };
}

/** A window of `/` under load, as a row of the status-page tables. */
function pageRow(name: string, s: PageStats, u: PhaseUsage | null): (string | number)[] {
  return [
    name,
    fmt(s.seconds, 1),
    fmt(s.requestsPerSecond),
    fmt(s.latencyMs.p50, 1),
    fmt(s.latencyMs.p90, 1),
    fmt(s.latencyMs.p99, 1),
    fmt(s.latencyMs.max, 1),
    fmt(s.longestGapMs),
    u ? cores(u.cores.herald) : '',
    u ? cores(u.cores.other) : '',
  ];
}

const PAGE_HEADER = ['window', 's', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'longest gap ms', 'Herald cores', 'other cores'];

function printPublishing({ probe, publish1, publish2 }: Outcome): void {
  console.log('Publishing (the write that queues the fan-out) and writing the fan-out into the outbox');
  console.log('');
  console.log(
    markdownTable(
      ['measurement', 'ms'],
      [
        ['API: POST /api/v1/incidents, server quiet (request latency)', fmt(publish1.ms, 1)],
        ['API: POST /api/v1/incidents/{id}/updates, / under load', fmt(publish2.ms, 1)],
        ['in process: declareIncident, notify off (the same write without fan-out)', fmt(probe.write.withoutFanOutMs, 1)],
        ['in process: declareIncident, notify on', fmt(probe.write.withFanOutMs, 1)],
        ['  of which the one transaction (db.atomic)', fmt(probe.write.atomicMs, 1)],
        ['  fan-out share (on − off)', fmt(probe.write.withFanOutMs - probe.write.withoutFanOutMs, 1)],
        [`in process: writing the fan-out, ${fmt(probe.write.expand.chunks)} chunks (sum)`, fmt(probe.write.expand.totalMs, 1)],
        ['  one chunk, median / longest (the longest the event loop is held)', `${fmt(probe.write.expand.p50ChunkMs, 1)} / ${fmt(probe.write.expand.maxChunkMs, 1)}`],
      ],
    ),
  );
}

function printDrains({ settings, quiet, loaded, quietUsage, loadedUsage }: Outcome): void {
  console.log('Drain (no rate limit; publish request start → last email at the fake)');
  console.log('');
  const drainRow = (name: string, pick: (d: Drain, u: PhaseUsage) => string): (string | number)[] => [name, pick(quiet, quietUsage), pick(loaded, loadedUsage)];
  console.log(
    markdownTable(
      ['', 'quiet', `/ under load (${settings.connections} conn.)`],
      [
        drainRow('emails delivered', (d) => `${fmt(d.delivered)} of ${fmt(d.expected)}`),
        drainRow('time until every email is queued', (d) => `${fmt(d.queuedMs)} ms`),
        drainRow('time to first email', (d) => `${fmt(d.firstEmailMs)} ms`),
        drainRow('time to last email', (d) => `${fmt(d.drainSeconds, 1)} s`),
        drainRow('emails/s (publish → last)', (d) => fmt(d.emailsPerSecond)),
        drainRow('emails/s (first → last)', (d) => fmt(d.steadyEmailsPerSecond)),
        drainRow('batch requests/s', (d) => fmt(d.requestsPerSecond, 1)),
        drainRow('all recorded sent in the database', (d) => (d.recordedSeconds === null ? 'timed out' : `${fmt(d.recordedSeconds, 1)} s`)),
        drainRow('duplicates / non-200 / replays', (d) => `${d.duplicates} / ${Object.entries(d.statuses).filter(([s]) => s !== '200').reduce((a, [, c]) => a + c, 0)} / ${d.replays}`),
        drainRow('Herald cores', (_d, u) => cores(u.cores.herald)),
        drainRow('fake Resend cores', (_d, u) => cores(u.cores.fake)),
        drainRow('bench (autocannon) cores', (_d, u) => cores(u.cores.bench)),
        drainRow('other processes (cores)', (_d, u) => cores(u.cores.other)),
        drainRow('Herald CPU per email', (d, u) => (u.heraldCpuMs === null ? 'n/a' : `${fmt((u.heraldCpuMs * 1000) / d.delivered, 0)} µs`)),
        drainRow('fake CPU per email', (d, u) => (u.cores.fake === null ? 'n/a' : `${fmt((u.cores.fake * u.wallMs * 1000) / d.delivered, 0)} µs`)),
      ],
    ),
  );
}

function printStatusPage(o: Outcome): void {
  const { settings, idle, beforePublish, duringDrain, afterResponse, idleAfter, idleUsage, loadedUsage, idleAfterUsage, publish2, duringPublish } = o;
  console.log(`Status page GET / (autocannon, ${settings.connections} connections, ${JSON.stringify(settings.requestHeaders)}; first response per connection left out)`);
  console.log('');
  console.log(
    markdownTable(
      PAGE_HEADER,
      [
        pageRow('idle, before publishing', idle, idleUsage),
        pageRow('same run, before the publish', beforePublish, null),
        pageRow('publish → last email', duringDrain, loadedUsage),
        pageRow('publish response → last email', afterResponse, null),
        pageRow('idle, after the drains', idleAfter, idleAfterUsage),
      ],
    ),
  );
  console.log('');
  console.log(
    `Responses in flight while the publish request ran (${fmt(publish2.ms, 0)} ms): ${duringPublish.requests}, ` +
      `median ${duringPublish.p50Ms} ms, worst ${duringPublish.maxMs} ms. Longest pause with no response during the drain: ` +
      `${duringDrain.longestGapMs} ms, ${duringDrain.longestGapAtMs} ms after the publish started.`,
  );
}

function printMemory({ idleUsage, quietUsage, loadedUsage, wholeRunPeak }: Outcome): void {
  console.log(`Peak memory (RSS, MB; per phase by ${quietUsage.peakMethod})`);
  console.log('');
  const memRow = (name: string, key: keyof PhaseUsage['peakKb'], whole: number | null): (string | number)[] => {
    const v = (u: PhaseUsage): string => (u.peakKb[key] === null ? 'n/a' : mb(u.peakKb[key]!));
    return [name, v(idleUsage), v(quietUsage), v(loadedUsage), whole === null ? 'n/a' : mb(whole)];
  };
  console.log(
    markdownTable(
      ['process', 'idle load', 'quiet drain', 'loaded drain', 'whole run (VmHWM)'],
      [
        memRow('Herald (node)', 'herald', wholeRunPeak.herald),
        memRow('tsx wrapper', 'wrapper', wholeRunPeak.wrapper),
        memRow('fake Resend', 'fake', wholeRunPeak.fake),
        memRow('bench (autocannon)', 'bench', null),
      ],
    ),
  );
}

function printBreakdown(breakdown: Breakdown): void {
  console.log('');
  console.log(`In process: where a drained batch's time goes (${fmt(breakdown.emails)} emails, ${breakdown.batches} batches, ${fmt(breakdown.emailsPerSecond)} emails/s; the fake in its own process)`);
  console.log('');
  const rows = Object.entries(breakdown.stepsMs).map(([step, ms]) => [
    step,
    fmt(ms, 0),
    fmt(ms / breakdown.batches, 2),
    fmt((ms * 1000) / breakdown.emails, 0),
    `${fmt((100 * ms) / breakdown.wallMs, 1)}%`,
  ]);
  console.log(markdownTable(['step', 'ms', 'ms/batch', 'µs/email', 'share'], rows));
  console.log(`  ${fmt(breakdown.htmlBytesPerEmail)} bytes of HTML and ${fmt(breakdown.textBytesPerEmail)} of text per email${breakdown.profile ? `; profile: ${breakdown.profile}` : ''}`);
}

function printRateLimited(limited: RateLimited, settings: Settings): void {
  console.log('');
  console.log(
    `Herald restarted with MAIL_RATE_LIMIT=${limited.rps} (${fmt(limited.rps * BATCH)} emails/s at most), one more update of ${fmt(limited.expected)} emails, ` +
      `/ under load for ${settings.limitedSeconds} s after the publish: ${fmt(limited.delivered)} emails delivered (${fmt(limited.emailsPerSecond)}/s), ` +
      `first after ${limited.firstEmailMs === null ? 'n/a' : fmt(limited.firstEmailMs)} ms; publish request ${fmt(limited.publishMs)} ms`,
  );
  console.log('');
  console.log(
    markdownTable(
      PAGE_HEADER,
      [
        pageRow('same run, before the publish', limited.beforePublish, null),
        pageRow('publish → end', limited.publishToEnd, limited.usage),
        pageRow('publish response → end', limited.afterResponse, null),
      ],
    ),
  );
}

export function printReport(o: Outcome): void {
  const { settings, startedAt, source, probe, quietUsage, loadedUsage, idleUsage, idleAfterUsage, profiles, limited } = o;
  const { seconds: atDefaultLimitSeconds, heraldCpuPerEmailMs, cores: atDefaultLimitCores } = atResendDefaultLimit(o);
  console.log('');
  console.log(`## Fan-out: ${fmt(settings.subscribers)} subscribers, one SEV-1 update (${fmt(probe.write.queued)} emails)`);
  console.log('');
  console.log(`Source: ${source.commit ?? 'not a git checkout'}${source.changed.length ? ` + uncommitted ${source.changed.join(', ')}` : ''}; ${startedAt.toISOString()}`);
  console.log('');
  printPublishing(o);
  console.log('');
  printDrains(o);
  console.log('');
  printStatusPage(o);
  console.log('');
  printMemory(o);
  if (probe.breakdown) printBreakdown(probe.breakdown);
  if (limited) printRateLimited(limited, settings);
  const rssPeak = (u: PhaseUsage): string => {
    const peak = Math.max(...u.heraldRssMb);
    return `${fmt(peak)} MB at ${fmt(u.heraldRssMb.indexOf(peak) / 2, 1)} s`;
  };
  console.log('');
  console.log(`Herald's RSS (sampled every 0.5 s) peaked at ${rssPeak(quietUsage)} after the quiet publish, ${rssPeak(loadedUsage)} after the loaded one.`);
  console.log('');
  console.log(
    `At Resend's default ${RESEND_DEFAULT_RPS} requests/s (${RESEND_DEFAULT_RPS * BATCH} emails/s) the same send takes ${fmt(atDefaultLimitSeconds / 60, 1)} min` +
      (atDefaultLimitCores === null ? '.' : ` and costs Herald about ${fmt(atDefaultLimitCores * 100, 1)}% of a core (${fmt((heraldCpuPerEmailMs ?? 0) * 1000, 0)} µs per email measured above).`),
  );
  for (const window of profiles) printProfile(window);
  const named: [string, PhaseUsage][] = [
    ['idle before', idleUsage],
    ['quiet drain', quietUsage],
    ['loaded drain', loadedUsage],
    ['idle after', idleAfterUsage],
    ...(limited ? [['rate-limited', limited.usage] as [string, PhaseUsage]] : []),
  ];
  console.log('');
  console.log('Other processes on the machine, per phase (cores; load average at the start → end):');
  for (const [name, usage] of named) {
    const list = usage.others.map((o) => `${o.name} ${fmt(o.cores, 2)}`).join(', ') || 'none';
    console.log(`  ${name.padEnd(13)} other ${cores(usage.cores.other)}: ${list} (steal ${cores(usage.cores.steal)}; load ${usage.loadAvg.start[0]} → ${usage.loadAvg.end[0]})`);
  }
  const busy = named.some(([, u]) => (u.cores.other ?? 0) > 0.25);
  if (busy) console.log('Note: other processes used more than a quarter of a core in some phase (see "other cores"); compare within this run.');
}

export function resultsOf(o: Outcome): object {
  const atDefault = atResendDefaultLimit(o);
  return {
    startedAt: o.startedAt.toISOString(),
    source: o.source,
    machine: machineFacts(),
    settings: { ...o.settings, output: undefined },
    page: o.seed,
    population: o.population,
    publish: {
      apiQuietMs: round(o.publish1.ms, 1),
      apiUnderLoadMs: round(o.publish2.ms, 1),
      inProcess: o.probe.write,
    },
    drain: { quiet: o.quiet, loaded: o.loaded },
    statusPage: {
      idle: o.idle,
      beforePublish: o.beforePublish,
      duringDrain: o.duringDrain,
      afterPublishResponse: o.afterResponse,
      idleAfter: o.idleAfter,
      inFlightDuringPublish: o.duringPublish,
      drainSeries: o.series,
    },
    usage: { idle: o.idleUsage, quietDrain: o.quietUsage, loadedDrain: o.loadedUsage, idleAfter: o.idleAfterUsage },
    memoryWholeRunKb: { ...o.wholeRunPeak, fakeHeapUsedAtEndBytes: o.fakeHeapUsedAtEndBytes },
    profiles: o.profiles,
    breakdown: o.probe.breakdown,
    limited: o.limited,
    atResendDefaultLimit: {
      requestsPerSecond: RESEND_DEFAULT_RPS,
      seconds: atDefault.seconds,
      heraldCores: atDefault.cores === null ? null : round(atDefault.cores, 3),
    },
  };
}
