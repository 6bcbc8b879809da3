// `npm run bench`: issue 6 in one command. Seeds a realistic page, starts
// Herald in a child process, and measures with wrk (or autocannon) the public read
// endpoints against the ceiling of this stack (a bare Hono route returning the
// same bytes as a constant), then the same endpoints while an update is
// published every second, with the freshness of `/` measured by a separate
// poller. Ends with PASS/FAIL per budget. See bench/README.md.
//
// A benchmark, not a test: a FAIL is reported, not turned into an exit code.
// It exits non-zero only when it could not measure (a child failed, etc.).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { envWithout, HERALD_VARIABLES, versionOf } from './lib/env.js';
import { IpcChild } from './lib/ipc.js';
import { Lifetime } from './lib/lifetime.js';
import { warmUp } from './lib/load.js';
import { BENCH_DIR, RESULTS_DIR } from './lib/paths.js';
import { freePort } from './lib/ports.js';
import { gitState, loadAverage, machineFacts, writeResults } from './lib/provenance.js';
import { round } from './lib/stats.js';
import { sleep } from './lib/time.js';
import { checkBudgets } from './run/budgets.js';
import type { PollerCommand, PollerMessage } from './run/freshness-poller.js';
import { measureRoundRobin, scenariosOf, type Scenario, type ServerChild } from './run/measure.js';
import { pageFacts } from './run/page-facts.js';
import { printReport } from './run/report.js';
import type { ServerCommand, ServerMessage } from './run/server.js';
import { BUDGET, ENDPOINTS, POLL_GAP_MS, PUBLISH_EVERY_MS, readSettings, type Settings } from './run/settings.js';
import { compare, freshness, splitByPublish, summarize, type Measured } from './run/summarize.js';
import { seedBenchPage } from './seed.js';

const lifetime = new Lifetime('bench');

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const began = performance.now();
  const loadAtStart = loadAverage();
  const databasePath = join(lifetime.tempDir('herald-bench-', { keep: settings.keepDb }), 'herald.db');
  const expectedSeconds = (ENDPOINTS.length * 2 * settings.warmup + ENDPOINTS.length * 3 * settings.duration) * 1.05 + 20;
  console.log(
    `Herald benchmark (issue 6): ${settings.load.version}, ${settings.connections} connections, Accept-Encoding: ${settings.requestHeaders['accept-encoding'] ?? '(none)'}; ` +
      `${settings.warmup} s warm-up + ${settings.duration} s per scenario in ${settings.slices} round-robin slices; ` +
      `about ${Math.round(expectedSeconds / 10) * 10} s in all. Load average ${loadAtStart.join(' ')}`,
  );
  if (settings.load.note) console.log(`  note: ${settings.load.note}`);
  const git = gitState(['src', 'views']);
  if (git.commit) {
    console.log(`  code: ${git.commit.slice(0, 10)}${git.modified.length ? ` with uncommitted changes to ${git.modified.join(', ')}` : ''}`);
  }
  const seed = await seedBenchPage({ databasePath, now: Date.now(), historyDays: settings.historyDays, pastIncidents: settings.pastIncidents });
  console.log(
    `  seeded in ${(seed.seedMs / 1000).toFixed(1)} s: ${seed.components} components in ${seed.groups} groups, ${seed.historyDays} days tracked ` +
      `(the page shows 90), ${seed.pastIncidents} past incidents + ${seed.maintenances} maintenances (${seed.updates} updates), ` +
      `${seed.activeIncidents} open incident, ${seed.upcomingMaintenances} upcoming maintenance`,
  );

  const [heraldPort, ceilingPort] = [await freePort(), await freePort()];
  const server: ServerChild = lifetime.adopt(
    new IpcChild<ServerCommand, ServerMessage>('server', join(BENCH_DIR, 'run', 'server.ts'), {
      ...envWithout(process.env, HERALD_VARIABLES),
      PORT: String(heraldPort),
      HOST: '127.0.0.1',
      DATABASE_PATH: databasePath,
      HERALD_ENV: 'production',
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://status.example.com',
      BENCH_CEILING_PORT: String(ceilingPort),
      BENCH_CEILING_PATHS: JSON.stringify(ENDPOINTS.map((e) => e.path)),
      BENCH_REQUEST_HEADERS: JSON.stringify(settings.requestHeaders),
    }),
  );
  const ready = await server.ask(null, 'ready', 60_000);
  const heraldBase = `http://127.0.0.1:${ready.heraldPort}`;
  const ceilingBase = `http://127.0.0.1:${ready.ceilingPort}`;
  console.log(`  server child pid ${ready.pid}: Herald on port ${ready.heraldPort}, the ceiling on port ${ready.ceilingPort}, serving:`);
  for (const c of ready.ceilings) console.log(`    ${c.path}: ${c.bytes} bytes, ${c.contentType}${c.contentEncoding ? `, ${c.contentEncoding}` : ''}`);

  const page = await pageFacts(heraldBase);
  console.log(
    `  / is ${page.uncompressed} bytes; Herald sends a browser ${page.br.body} bytes (${page.br.encoding ?? 'identity'}; ${page.br.response} with headers), ` +
      `a gzip-only client ${page.gzip.body} bytes (${page.gzip.encoding ?? 'identity'}); ${page.scripts} <script>, ${page.inlineHandlers} inline handlers`,
  );

  // Measuring, quiet and publishing, round-robin. The poller reloads `/` from the first slice to the last, so that it sees every update.
  const poller = lifetime.adopt(new IpcChild<PollerCommand, PollerMessage>('poller', join(BENCH_DIR, 'run', 'freshness-poller.ts'), envWithout(process.env, HERALD_VARIABLES)));
  await poller.ask(null, 'ready', 60_000);
  await poller.ask({ type: 'start', url: `${heraldBase}/`, headers: settings.requestHeaders, minIntervalMs: POLL_GAP_MS, maxSeconds: expectedSeconds * 2 }, 'started');
  const pollerStarted = Date.now();
  const scenarios = scenariosOf(ENDPOINTS, heraldBase, ceilingBase);
  const { slices, publishes, failures, lastCeilings } = await measureRoundRobin(server, scenarios, settings);
  await sleep(2 * PUBLISH_EVERY_MS); // time for the poller to see the last update
  const { polls, errors: pollErrors, cpuUs: pollerUs } = await poller.ask({ type: 'stop' }, 'stopped', 60_000);
  await poller.stop();
  const pollerCores = round(pollerUs / 1000 / (Date.now() - pollerStarted), 2);

  const scenario = (phase: Scenario['phase'], kind: Scenario['kind'], path: string): Scenario =>
    scenarios.find((s) => s.phase === phase && s.kind === kind && s.endpoint.path === path)!;
  const measured = (phase: Scenario['phase'], kind: Scenario['kind'], path: string): Measured => {
    const s = scenario(phase, kind, path);
    return summarize(s, slices.get(s)!);
  };
  const comparisons = ENDPOINTS.map((e) => compare(e.path, measured('quiet', 'herald', e.path), measured('quiet', 'ceiling', e.path)));
  const publishTimes = publishes.map((p) => p.requestedAt).sort((a, b) => a - b);
  const publishing = ENDPOINTS.map((e) => ({
    ...measured('publishing', 'herald', e.path),
    ...splitByPublish(slices.get(scenario('publishing', 'herald', e.path))!, publishTimes),
  }));
  const fresh = freshness(publishes, polls);
  const pageAfter = await pageFacts(heraldBase);
  const profiles = settings.profile ? await profileEndpoints(server, heraldBase, settings) : [];
  await server.stop();

  const verdicts = checkBudgets({ connections: settings.connections, comparisons, publishing, fresh, publishes: publishes.length, failures, page, pageAfter });
  const machine = machineFacts();
  const loadAtEnd = loadAverage();
  const totalSeconds = round((performance.now() - began) / 1000, 1);
  writeResults(settings.output, {
    benchmark: 'herald-issue-6',
    version: 3,
    date: new Date().toISOString(),
    machine,
    versions: { ...Object.fromEntries(['hono', '@hono/node-server', 'better-sqlite3'].map((pkg) => [pkg, versionOf(pkg)])), loadGenerator: settings.load.version },
    git: { commit: git.commit, modified: git.modified },
    settings,
    budgets: BUDGET,
    seed,
    ceilings: { atStart: ready.ceilings, lastRound: lastCeilings },
    page: { seeded: page, afterPublishing: pageAfter },
    quiet: comparisons.map(({ path, byRps, byCpu, herald, ceiling }) => ({ path, ofCeilingByRps: byRps, ofCeilingByCpu: byCpu, herald, ceiling })),
    publishing: {
      everyMs: PUBLISH_EVERY_MS,
      publishes: publishes.length,
      failures,
      results: publishing,
      freshness: fresh,
      poller: { errors: pollErrors, cores: pollerCores },
    },
    profiles,
    verdicts,
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    totalSeconds,
  });

  printReport({ connections: settings.connections, comparisons, publishing, publishes: publishes.length, failures: failures.length, fresh, pollerCores, verdicts });
  console.log(`Load average ${loadAtStart.join(' ')} at the start, ${loadAtEnd.join(' ')} at the end, on ${machine.cpus} × ${machine.cpuModel === 'unknown' ? '?' : machine.cpuModel}, Node ${process.version}.`);
  if (profiles.length) console.log(`CPU profiles (summarize: npx tsx bench/profile-summary.ts <file>): ${profiles.join(', ')}`);
  console.log(`Results: ${settings.output} (run took ${totalSeconds} s)`);
  if (settings.keepDb) console.log(`Database kept at ${databasePath}`);
}

/** BENCH_PROFILE=1: one more unmeasured load per Herald endpoint under the V8 profiler (not part of the figures); the files written. */
async function profileEndpoints(server: ServerChild, heraldBase: string, settings: Settings): Promise<string[]> {
  const dir = join(RESULTS_DIR, 'profiles');
  mkdirSync(dir, { recursive: true });
  const profiles: string[] = [];
  for (const e of ENDPOINTS) {
    const path = join(dir, `${e.path.replace(/\W+/g, '-').replace(/^-|-$/g, '') || 'page'}.cpuprofile`);
    await server.ask({ type: 'profile-start' }, 'profile-started');
    const seconds = Math.max(2, Math.round(settings.duration / settings.slices));
    await warmUp(settings.load.name, { url: `${heraldBase}${e.path}`, connections: settings.connections, seconds, headers: settings.requestHeaders, timeoutSeconds: 10 });
    await server.ask({ type: 'profile-stop', path }, 'profile-written');
    profiles.push(path);
  }
  return profiles;
}

lifetime.run(main);
