// From slices to figures: each scenario's rate, latency and CPU, Herald
// against its ceiling, the latency right after a publish, and freshness.
import { percentile, round } from '../lib/stats.js';
import type { Poll } from './freshness-poller.js';
import type { Scenario, Slice } from './measure.js';
import type { PublishRecord } from './server.js';
import { AFTER_PUBLISH_MS } from './settings.js';

export interface LatencyStats {
  requests: number;
  p50: number;
  p99: number;
  max: number;
}

export interface Measured {
  name: string;
  path: string;
  kind: Scenario['kind'];
  phase: Scenario['phase'];
  requests: number;
  /** All responses over all measured slices, divided by their total wall time. */
  requestsPerSecond: number;
  /** Standard deviation of the per-slice rates: how much the machine moved under us. */
  requestsPerSecondStddev: number;
  /** Over every response of every slice (exact, not bucketed), except the first on each connection. */
  latencyMs: { samples: number; mean: number; p50: number; p90: number; p99: number; max: number };
  /**
   * The first response on each of the connections the load generator opens per slice,
   * kept out of latencyMs: against a saturated Node server a newly opened
   * connection can wait up to a second or two for its first answer (any Node
   * server, not only Herald; see bench/README.md), and reconnecting once per
   * slice would make these ~1% of the samples, i.e. the p99.
   */
  firstOnConnectionMs: LatencyStats;
  /** Whole responses as read off the socket: status line + headers + body. */
  bytesPerResponse: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** In cores (1.0 = one core busy the whole time), except per request. */
  cpu: {
    serverUsPerRequest: number;
    serverCores: number;
    /** Share of the server's event loop that was busy (1.0 = saturated). */
    serverLoopBusy: number;
    loadGeneratorCores: number;
    /** Everything else on the machine (the poller while publishing, other people's work); null off Linux. */
    otherCores: number | null;
  };
  /** Publishing phase: responses that ended within AFTER_PUBLISH_MS after a publish, and the others. */
  afterPublish?: LatencyStats;
  otherwise?: LatencyStats;
}

export function latencyStats(values: number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { requests: sorted.length, p50: round(percentile(sorted, 50), 2), p99: round(percentile(sorted, 99), 2), max: round(sorted.at(-1) ?? 0, 2) };
}

export function summarize(scenario: Scenario, slices: Slice[]): Measured {
  const sum = (f: (s: Slice) => number): number => slices.reduce((total, s) => total + f(s), 0);
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const responses = sum((s) => s.latencies.length + s.firstLatencies.length);
  const wallUs = sum((s) => s.wallUs);
  const rates = slices.map((s) => (s.latencies.length + s.firstLatencies.length) / (s.wallUs / 1e6));
  const meanRate = rates.reduce((a, b) => a + b, 0) / rates.length;
  const stddev = Math.sqrt(rates.reduce((a, r) => a + (r - meanRate) ** 2, 0) / rates.length);
  const statusCodes: Record<string, number> = {};
  for (const s of slices) for (const [code, count] of s.statusCodes) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const serverUs = sum((s) => s.serverUs);
  const loopActive = sum((s) => s.loopActiveMs);
  const loopTotal = loopActive + sum((s) => s.loopIdleMs);
  const serverCores = serverUs / wallUs;
  const loadGeneratorCores = sum((s) => s.generatorUs) / wallUs;
  const onLinux = slices.every((s) => s.machineBusyUs !== null);
  return {
    name: `${scenario.kind} ${scenario.endpoint.path}${scenario.phase === 'publishing' ? ' (publishing)' : ''}`,
    path: scenario.endpoint.path,
    kind: scenario.kind,
    phase: scenario.phase,
    requests: responses,
    requestsPerSecond: round(responses / (wallUs / 1e6), 0),
    requestsPerSecondStddev: round(stddev, 0),
    latencyMs: {
      samples: latencies.length,
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length), 2),
      p50: round(percentile(latencies, 50), 2),
      p90: round(percentile(latencies, 90), 2),
      p99: round(percentile(latencies, 99), 2),
      max: round(latencies.at(-1) ?? 0, 2),
    },
    firstOnConnectionMs: latencyStats(slices.flatMap((s) => s.firstLatencies)),
    bytesPerResponse: responses ? Math.round(sum((s) => s.bytes) / responses) : 0,
    statusCodes,
    errors: sum((s) => s.errors),
    timeouts: sum((s) => s.timeouts),
    cpu: {
      serverUsPerRequest: responses ? round(serverUs / responses, 1) : 0,
      serverCores: round(serverCores, 2),
      serverLoopBusy: loopTotal ? round(loopActive / loopTotal, 3) : 0,
      loadGeneratorCores: round(loadGeneratorCores, 2),
      otherCores: onLinux ? round(Math.max(0, sum((s) => s.machineBusyUs!) / wallUs - serverCores - loadGeneratorCores), 2) : null,
    },
  };
}

/** One endpoint, quiet: Herald against its ceiling. */
export interface Comparison {
  path: string;
  herald: Measured;
  ceiling: Measured;
  /** Herald's requests/s ÷ the ceiling's. */
  byRps: number;
  /** The ceiling's server CPU per request ÷ Herald's: the share of the ceiling Herald would reach if the server alone set the pace. */
  byCpu: number;
}

export function compare(path: string, herald: Measured, ceiling: Measured): Comparison {
  return {
    path,
    herald,
    ceiling,
    byRps: round(herald.requestsPerSecond / ceiling.requestsPerSecond, 3),
    byCpu: round(ceiling.cpu.serverUsPerRequest / herald.cpu.serverUsPerRequest, 3),
  };
}

/** Latency of the responses that ended within AFTER_PUBLISH_MS after a publish was requested, and of the others. */
export function splitByPublish(slices: Slice[], publishTimes: number[]): { afterPublish: LatencyStats; otherwise: LatencyStats } {
  const after: number[] = [];
  const rest: number[] = [];
  for (const slice of slices) {
    slice.latencies.forEach((latency, i) => {
      const ended = slice.endedAt[i]!;
      const last = publishTimes.findLast((t) => t <= ended);
      (last !== undefined && ended - last <= AFTER_PUBLISH_MS ? after : rest).push(latency);
    });
  }
  return { afterPublish: latencyStats(after), otherwise: latencyStats(rest) };
}

export interface Freshness {
  publishes: number;
  /** Publishes that a poll of `/` showed. */
  seen: number;
  /** From the publish request (before the write) to the end of the first response of `/` that showed it. */
  ms: { p50: number; p99: number; max: number } | null;
  /** Every poll of `/` (the poller is one more reader, next to the load's connections, from the first slice to the last). */
  pollMs: { count: number; p50: number; p99: number; max: number };
}

export function freshness(publishes: PublishRecord[], polls: Poll[]): Freshness {
  const delays: number[] = [];
  for (const publish of publishes) {
    const first = polls.find((p) => p.status === 200 && p.maxSeq >= publish.seq && p.receivedAt >= publish.requestedAt);
    if (first) delays.push(first.receivedAt - publish.requestedAt);
  }
  const pollTimes = polls.map((p) => p.receivedAt - p.sentAt);
  const d = latencyStats(delays);
  const p = latencyStats(pollTimes);
  return {
    publishes: publishes.length,
    seen: delays.length,
    ms: delays.length ? { p50: d.p50, p99: d.p99, max: d.max } : null,
    pollMs: { count: p.requests, p50: p.p50, p99: p.p99, max: p.max },
  };
}
