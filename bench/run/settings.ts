// What `npm run bench` measures (the endpoints of issue 6 and its budgets)
// and how long and hard, from the BENCH_* environment (see bench/README.md).
import { join } from 'node:path';
import { envAcceptEncoding, envFlag, envNumber, envWholeNumber } from '../lib/env.js';
import { chooseLoadGenerator, type LoadGeneratorName } from '../lib/load.js';
import { RESULTS_DIR } from '../lib/paths.js';

/** The endpoints issue 6 names; `ceilingBudget`: held to ≥ 90% of its ceiling. */
export const ENDPOINTS = [
  { path: '/', ceilingBudget: true },
  { path: '/api/v2/summary.json', ceilingBudget: true },
  { path: '/history.atom', ceilingBudget: false },
  { path: '/badge.svg', ceilingBudget: false },
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** The budgets of issue 6 (and how "no latency cliff" is read here). */
export const BUDGET = {
  ofCeiling: 0.9,
  p99Ms: 25,
  /** 14 KiB: about what the first round trip of a new TCP connection carries (initial window of 10 segments). */
  compressedPageBytes: 14 * 1024,
  freshnessMs: 1000,
  /** p99 while publishing at most this many times the quiet p99. */
  cliffFactor: 2,
};

export const PUBLISH_EVERY_MS = 1000;
/** The poller starts a poll of `/` at most this often. */
export const POLL_GAP_MS = 25;
/** Responses that end this soon after a publish count as "after a publish" (they may wait for the re-render). */
export const AFTER_PUBLISH_MS = 300;

export interface Settings {
  /** Seconds measured per scenario (there are 12: 4 endpoints, their 4 ceilings, and the 4 endpoints while publishing). */
  duration: number;
  /** Seconds of unmeasured load per scenario before measuring. */
  warmup: number;
  /** Each scenario's measured time is split into this many slices, run round-robin. */
  slices: number;
  connections: number;
  /** What generates the load: BENCH_LOAD, else wrk when installed, else autocannon. */
  load: { name: LoadGeneratorName; version: string; note?: string };
  /** Request headers of the load, the ceiling's probe and the poller: Accept-Encoding, if any. */
  requestHeaders: Record<string, string>;
  pastIncidents: number;
  historyDays: number;
  /** After measuring, one extra unmeasured load per Herald endpoint under the V8 profiler. */
  profile: boolean;
  keepDb: boolean;
  output: string;
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const settings: Settings = {
    duration: envNumber(env, 'BENCH_DURATION', 30, 1),
    warmup: envNumber(env, 'BENCH_WARMUP', 1, 0),
    slices: envWholeNumber(env, 'BENCH_SLICES', 15, 1),
    connections: envWholeNumber(env, 'BENCH_CONNECTIONS', 100, 1),
    load: chooseLoadGenerator(env.BENCH_LOAD),
    requestHeaders: envAcceptEncoding(env, 'BENCH_ACCEPT_ENCODING'),
    pastIncidents: envWholeNumber(env, 'BENCH_INCIDENTS', 300, 0),
    historyDays: envWholeNumber(env, 'BENCH_HISTORY_DAYS', 365, 91),
    profile: envFlag(env, 'BENCH_PROFILE'),
    keepDb: envFlag(env, 'BENCH_KEEP_DB'),
    output: env.BENCH_OUT || join(RESULTS_DIR, 'latest.json'),
  };
  if (settings.load.name === 'wrk' && [settings.duration / settings.slices, settings.warmup].some((s) => s !== Math.round(s))) {
    throw new Error(`wrk measures whole seconds: BENCH_DURATION / BENCH_SLICES (${settings.duration} / ${settings.slices}) and BENCH_WARMUP (${settings.warmup}) must be whole numbers`);
  }
  return settings;
}
