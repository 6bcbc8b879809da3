// Load on the status page `/` during the fan-out benchmark (autocannon, through
// bench/lib/load.ts), and what the responses say about a window of it: rate,
// latency, the longest pause, the requests a publish held up.
import type { RawResponse } from '../lib/http.js';
import { runLoad } from '../lib/load.js';
import { percentile, round } from '../lib/stats.js';
import { sleep } from '../lib/time.js';
import { Phase, type Pids, type PhaseUsage } from './phase.js';
import type { Settings } from './settings.js';

export interface PageRun {
  /** Date.now() when autocannon started and stopped. */
  startedAt: number;
  endedAt: number;
  /** Every response but the first on each connection: latency (ms) and Date.now() at its end. */
  latencies: number[];
  endedAts: number[];
  /** The first response on each connection (includes connecting; kept apart as in bench/run.ts). */
  firstLatencies: number[];
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
}

export interface PageStats {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Longest time with no response completing on any connection, and when it started (ms after the window start). */
  longestGapMs: number;
  longestGapAtMs: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  firstOnConnectionMaxMs: number;
}

/** Loads `/` until `stop` resolves (or for `seconds`), with autocannon through bench/lib/load.ts. */
export async function loadPage(url: string, settings: Settings, until: { seconds: number } | { stop: Promise<unknown> }): Promise<PageRun> {
  const startedAt = Date.now();
  const load = await runLoad('autocannon', {
    url: `${url}/`,
    connections: settings.connections,
    seconds: 'seconds' in until ? until.seconds : settings.drainTimeoutSeconds + 60,
    headers: settings.requestHeaders,
    timeoutSeconds: 30,
    stop: 'stop' in until ? until.stop : undefined,
  });
  return {
    startedAt,
    endedAt: Date.now(),
    latencies: load.latencies,
    endedAts: load.endedAt,
    firstLatencies: load.firstLatencies,
    statusCodes: Object.fromEntries(load.statusCodes),
    errors: load.errors,
    timeouts: load.timeouts,
  };
}

/**
 * Loads `/` for `leadSeconds`, then publishes (`publish`) with the load still
 * running, and keeps loading until `finished` resolves. The phase's CPU and
 * memory accounting starts just before the publish.
 */
export async function publishUnderLoad(
  url: string,
  settings: Settings,
  pids: Pids,
  publish: () => Promise<RawResponse>,
  finished: (published: RawResponse) => Promise<void>,
): Promise<{ run: PageRun; published: RawResponse; usage: PhaseUsage }> {
  let published: RawResponse | undefined;
  let usage: PhaseUsage | undefined;
  let done!: () => void;
  const stop = new Promise<void>((resolve) => (done = resolve));
  const load = loadPage(url, settings, { stop });
  const driver = (async () => {
    try {
      await sleep(settings.leadSeconds * 1000);
      const phase = new Phase(pids);
      published = await publish();
      await finished(published);
      usage = phase.end();
    } finally {
      done();
    }
  })();
  const [run] = await Promise.all([load, driver]);
  if (!published || !usage) throw new Error('the publish under load did not complete');
  return { run, published, usage };
}

/** Statistics of the responses of `run` that ended in [from, to) (Date.now() values). */
export function pageStats(run: PageRun, from = run.startedAt, to = run.endedAt): PageStats {
  const latencies: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < run.latencies.length; i++) {
    const end = run.endedAts[i]!;
    if (end >= from && end < to) {
      latencies.push(run.latencies[i]!);
      ends.push(end);
    }
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  let gap = 0;
  let gapAt = 0;
  let previous = from;
  for (const end of ends) {
    if (end - previous > gap) {
      gap = end - previous;
      gapAt = previous - from;
    }
    previous = end;
  }
  const seconds = (to - from) / 1000;
  return {
    seconds: round(seconds, 1),
    requests: latencies.length,
    requestsPerSecond: round(latencies.length / seconds),
    latencyMs: { p50: round(percentile(sorted, 50), 1), p90: round(percentile(sorted, 90), 1), p99: round(percentile(sorted, 99), 1), max: round(sorted.at(-1) ?? 0, 1) },
    longestGapMs: round(gap),
    longestGapAtMs: round(gapAt),
    statusCodes: run.statusCodes,
    errors: run.errors,
    timeouts: run.timeouts,
    firstOnConnectionMaxMs: round(Math.max(0, ...run.firstLatencies), 1),
  };
}

/** Responses that were in flight at some point of [from, to]: their count and worst latency. */
export function inFlightDuring(run: PageRun, from: number, to: number): { requests: number; maxMs: number; p50Ms: number } {
  const hit: number[] = [];
  for (let i = 0; i < run.latencies.length; i++) {
    const end = run.endedAts[i]!;
    const start = end - run.latencies[i]!;
    if (start <= to && end >= from) hit.push(run.latencies[i]!);
  }
  hit.sort((a, b) => a - b);
  return { requests: hit.length, maxMs: round(hit.at(-1) ?? 0, 1), p50Ms: round(percentile(hit, 50), 1) };
}

/** Per whole second of the window: responses and their worst latency. */
export function pageSeries(run: PageRun, from: number, to: number): { second: number; requests: number; maxMs: number }[] {
  const series: { second: number; requests: number; maxMs: number }[] = [];
  for (let s = 0; from + s * 1000 < to; s++) series.push({ second: s, requests: 0, maxMs: 0 });
  for (let i = 0; i < run.latencies.length; i++) {
    const end = run.endedAts[i]!;
    if (end < from || end >= to) continue;
    const bucket = series[Math.floor((end - from) / 1000)];
    if (!bucket) continue;
    bucket.requests++;
    bucket.maxMs = Math.max(bucket.maxMs, round(run.latencies[i]!, 1));
  }
  return series;
}
