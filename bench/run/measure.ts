// The runner of `npm run bench`: load on each scenario in round-robin slices,
// with the server's, the load generator's and the machine's CPU measured
// around every slice.
import { machineCoresBetween, machineTicks } from '../lib/cpu.js';
import type { IpcChild } from '../lib/ipc.js';
import { loadGeneratorCpuUs, runLoad, warmUp, type LoadResult } from '../lib/load.js';
import type { CeilingRoute, PublishRecord, ServerCommand, ServerMessage, ServerUsage } from './server.js';
import { PUBLISH_EVERY_MS, type Endpoint, type Settings } from './settings.js';

export type ServerChild = IpcChild<ServerCommand, ServerMessage>;

export interface Scenario {
  endpoint: Endpoint;
  /** herald: Herald's route; ceiling: the bare route serving the same bytes. */
  kind: 'herald' | 'ceiling';
  /** publishing: measured while an update is posted every second. */
  phase: 'quiet' | 'publishing';
  url: string;
}

/** One slice of load on one scenario (what the load generator saw), with everything measured around it. */
export interface Slice extends LoadResult {
  wallUs: number;
  serverUs: number;
  loopActiveMs: number;
  loopIdleMs: number;
  /** The load generator (wrk, or autocannon in this process) writing requests and reading responses. */
  generatorUs: number;
  /** Machine-wide busy time in core-microseconds; null off Linux. */
  machineBusyUs: number | null;
}

/** Every scenario: Herald and its ceiling for each endpoint while quiet, Herald alone while publishing. */
export function scenariosOf(endpoints: readonly Endpoint[], heraldBase: string, ceilingBase: string): Scenario[] {
  return (['quiet', 'publishing'] as const).flatMap((phase) =>
    endpoints.flatMap((endpoint): Scenario[] => [
      { endpoint, kind: 'herald', phase, url: `${heraldBase}${endpoint.path}` },
      ...(phase === 'quiet' ? [{ endpoint, kind: 'ceiling' as const, phase, url: `${ceilingBase}${endpoint.path}` }] : []),
    ]),
  );
}

async function runSlice(server: ServerChild, url: string, settings: Settings, seconds: number): Promise<Slice> {
  const usage = (): Promise<ServerUsage> => server.ask({ type: 'usage' }, 'usage');
  const server0 = await usage();
  const generator0 = loadGeneratorCpuUs();
  const machine0 = machineTicks();
  const wall0 = performance.now();
  const load = await runLoad(settings.load.name, { url, connections: settings.connections, seconds, headers: settings.requestHeaders, timeoutSeconds: 10 });
  const wallUs = (performance.now() - wall0) * 1000;
  const machine = machineCoresBetween(machine0, machineTicks());
  const generatorUs = loadGeneratorCpuUs() - generator0;
  const server1 = await usage();
  return {
    ...load,
    wallUs,
    serverUs: server1.userUs - server0.userUs + server1.systemUs - server0.systemUs,
    loopActiveMs: server1.loopActiveMs - server0.loopActiveMs,
    loopIdleMs: server1.loopIdleMs - server0.loopIdleMs,
    generatorUs,
    machineBusyUs: machine ? machine.busy * wallUs : null,
  };
}

export interface Measurements {
  slices: Map<Scenario, Slice[]>;
  publishes: PublishRecord[];
  failures: string[];
  /** What the ceiling served in the last round. */
  lastCeilings: CeilingRoute[];
}

/**
 * Warms each URL up once, then measures the scenarios round-robin in slices:
 * each round runs one slice of every quiet scenario, then starts the
 * publisher, runs one slice of every publishing scenario, and stops it. A
 * burst of someone else's work (a test run) thus lands on every scenario
 * alike, quiet and publishing, instead of on one of them.
 */
export async function measureRoundRobin(server: ServerChild, scenarios: Scenario[], settings: Settings): Promise<Measurements> {
  const seconds = settings.duration / settings.slices;
  if (settings.warmup > 0) {
    for (const url of new Set(scenarios.map((s) => s.url))) {
      await warmUp(settings.load.name, { url, connections: settings.connections, seconds: settings.warmup, headers: settings.requestHeaders, timeoutSeconds: 10 });
    }
  }
  const slices = new Map<Scenario, Slice[]>(scenarios.map((s) => [s, []]));
  const publishes: PublishRecord[] = [];
  const failures: string[] = [];
  let ceilings: CeilingRoute[] = [];
  for (let round = 1; round <= settings.slices; round++) {
    // The publisher of the previous round made Herald's responses longer: the ceiling serves the new bytes.
    if (round > 1) ceilings = (await server.ask({ type: 'ceiling-refresh' }, 'ceiling-refreshed')).ceilings;
    process.stdout.write(`  round ${round}/${settings.slices} (${seconds.toFixed(1)} s each):`);
    for (const phase of ['quiet', 'publishing'] as const) {
      if (phase === 'publishing') {
        await server.ask({ type: 'publish-start', intervalMs: PUBLISH_EVERY_MS }, 'publish-started');
        process.stdout.write(' | publishing:');
      }
      for (const scenario of scenarios.filter((s) => s.phase === phase)) {
        const slice = await runSlice(server, scenario.url, settings, seconds);
        slices.get(scenario)!.push(slice);
        const rate = Math.round((slice.latencies.length + slice.firstLatencies.length) / (slice.wallUs / 1e6));
        process.stdout.write(` ${scenario.kind === 'herald' ? 'h' : 'c'}${scenario.endpoint.path} ${rate}/s`);
      }
      if (phase === 'publishing') {
        const stopped = await server.ask({ type: 'publish-stop' }, 'publish-stopped');
        publishes.push(...stopped.publishes);
        failures.push(...stopped.failures);
      }
    }
    process.stdout.write('\n');
  }
  return { slices, publishes, failures, lastCeilings: ceilings };
}
