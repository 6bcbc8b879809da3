// `npx tsx bench/fanout.ts`: the subscriber fan-out benchmark. One update to
// 100,000 confirmed subscribers, on a realistic page:
//
// - the time to publish (the API request, and the write itself in process);
// - the drain: from the publish until the local fake Resend has every email,
//   with no rate limit, first on a quiet server, then while `/` is under load;
// - the status page `/` while the outbox drains, against the same server idle,
//   and once more on a Herald restarted with Resend's default rate limit;
// - peak memory of Herald (the real node process behind the tsx wrapper) and
//   of the fake;
// - in process, where a drained batch's time goes (claim, compose, send,
//   record); with FANOUT_PROFILE=1 also V8 CPU profiles of that drain and of
//   Herald, summarized for the windows that matter.
//
// Herald runs for real, as `npm start` does (tsx src/entry/node.ts in a child
// process, HERALD_ENV=production, MAIL_RATE_LIMIT=0), against the fake Resend
// of the tests in a second child (bench/fanout/fake-resend-child.ts).
// autocannon runs in this process. See bench/fanout.md.
//
// A benchmark, not a test: it exits non-zero only when it could not measure.
import { mkdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fmt } from './lib/format.js';
import { Lifetime } from './lib/lifetime.js';
import { processMemory } from './lib/memory.js';
import { RESULTS_DIR } from './lib/paths.js';
import { freePort } from './lib/ports.js';
import { gitState, loadAverage, writeResults } from './lib/provenance.js';
import { sleep } from './lib/time.js';
import { createAdminToken, post, type HeraldApi } from './fanout/api.js';
import { FakeResendChild, inheritedEnv, startHerald, type HeraldChild, type HeraldLaunch } from './fanout/children.js';
import { drainOf, latestUpdateId, queuedFor, waitForDrain, waitForRecorded } from './fanout/drain.js';
import { probeInProcess } from './fanout/in-process.js';
import { inFlightDuring, loadPage, pageSeries, pageStats, publishUnderLoad } from './fanout/page-load.js';
import { Phase, type Pids, type PhaseUsage } from './fanout/phase.js';
import { addSubscribers } from './fanout/population.js';
import { monoUs, profileOfProcess, summarizeProfile, type ProfileWindow } from './fanout/profiles.js';
import { measureRateLimited } from './fanout/rate-limited.js';
import { printReport, resultsOf, type Outcome } from './fanout/report.js';
import { API_KEY, HOST, MAIL_FROM, readSettings, type Settings } from './fanout/settings.js';
import { declareBody, SECOND_UPDATE } from './fanout/updates.js';
import { seedBenchPage } from './seed.js';

const lifetime = new Lifetime('fanout');

/** The page idle for `seconds`, with the phase's accounting. */
async function measureIdle(url: string, settings: Settings, pids: Pids): Promise<{ stats: Outcome['idle']; usage: PhaseUsage }> {
  const phase = new Phase(pids);
  const run = await loadPage(url, settings, { seconds: settings.pageSeconds });
  const usage = phase.end();
  return { stats: pageStats(run), usage };
}

interface Rig {
  settings: Settings;
  fake: FakeResendChild;
  api: HeraldApi;
  pids: Pids;
  databasePath: string;
}

/** Publish #1 (declares the SEV-1) on a quiet server, and the drain with nothing else going on. */
async function quietDrain({ settings, fake, api, pids, databasePath }: Rig, body: object) {
  const epoch = await fake.ask({ type: 'epoch' }, 'epoch-started');
  const phase = new Phase(pids);
  const publish = await post(api, '/api/v1/incidents', body);
  const incidentId = (JSON.parse(publish.body.toString('utf8')) as { id: string }).id;
  const update = latestUpdateId(databasePath, incidentId);
  const queued = await queuedFor(databasePath, update);
  console.log(`  published (quiet): ${fmt(publish.ms, 1)} ms, ${fmt(queued.emails)} emails queued after ${fmt(queued.at - publish.startedAt)} ms; draining`);
  const stats = await waitForDrain(fake, queued.emails, publish.startedAt, settings, 'quiet drain');
  const usage = phase.end();
  const recorded = await waitForRecorded(databasePath, update);
  const drain = drainOf(stats, queued.emails, publish.startedAt, queued.at, recorded, epoch.at);
  console.log(`  quiet drain: ${fmt(drain.emailsPerSecond)} emails/s, ${fmt(drain.drainSeconds, 1)} s`);
  return { publish, incidentId, drain, usage, lastEmailAt: stats.lastAt ?? publish.endedAt };
}

/** Publish #2 while `/` is under load, and the drain under that load, with `/` cut into windows around it. */
async function loadedDrain({ settings, fake, api, pids, databasePath }: Rig, incidentId: string) {
  const epoch = await fake.ask({ type: 'epoch' }, 'epoch-started');
  let drained: { stats: Awaited<ReturnType<FakeResendChild['stats']>>; expected: number; queuedAt: number; update: string } | undefined;
  const second = await publishUnderLoad(api.url, settings, pids, () => post(api, `/api/v1/incidents/${incidentId}/updates`, SECOND_UPDATE), async (published) => {
    const update = latestUpdateId(databasePath, incidentId);
    const { emails: expected, at: queuedAt } = await queuedFor(databasePath, update);
    console.log(`  published (under load): ${fmt(published.ms, 1)} ms, ${fmt(expected)} emails queued after ${fmt(queuedAt - published.startedAt)} ms; draining`);
    drained = { stats: await waitForDrain(fake, expected, published.startedAt, settings, 'loaded drain'), expected, queuedAt, update };
  });
  const { run, published: publish, usage } = second;
  if (!drained) throw new Error('the loaded drain did not complete');
  const recorded = await waitForRecorded(databasePath, drained.update);
  const drain = drainOf(drained.stats, drained.expected, publish.startedAt, drained.queuedAt, recorded, epoch.at);
  const lastEmailAt = drained.stats.lastAt ?? run.endedAt;
  const duringDrain = pageStats(run, publish.startedAt, lastEmailAt);
  console.log(`  loaded drain: ${fmt(drain.emailsPerSecond)} emails/s; / meanwhile ${fmt(duringDrain.requestsPerSecond)} req/s, p99 ${duringDrain.latencyMs.p99} ms`);
  return {
    publish,
    drain,
    usage,
    lastEmailAt,
    beforePublish: pageStats(run, run.startedAt + 500, publish.startedAt),
    duringDrain,
    afterResponse: pageStats(run, publish.endedAt, lastEmailAt),
    duringPublish: inFlightDuring(run, publish.startedAt, publish.endedAt),
    series: pageSeries(run, publish.startedAt, lastEmailAt),
  };
}

/** VmHWM was reset at the start of each phase: the run's peak is the highest of the phases' and of what followed. */
function wholeRunPeak(herald: HeraldChild, fake: FakeResendChild, phases: PhaseUsage[]): Outcome['wholeRunPeak'] {
  const wholeRun = (pid: number | undefined, key: keyof PhaseUsage['peakKb']): number | null => {
    const values = [processMemory(pid)?.hwmKb ?? null, ...phases.map((u) => u.peakKb[key])].filter((v): v is number => v !== null);
    return values.length ? Math.max(...values) : null;
  };
  return { herald: wholeRun(herald.nodePid, 'herald'), wrapper: wholeRun(herald.wrapperPid, 'wrapper'), fake: wholeRun(fake.pid, 'fake') };
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const startedAt = new Date();
  const load0 = loadAverage();
  const git = gitState(['src', 'views', 'drizzle']);
  const source = { commit: git.shortCommit, changed: git.modified };
  console.log(`fanout: ${fmt(settings.subscribers)} subscribers, ${settings.connections} connections on /, load average ${load0.map((v) => v.toFixed(2)).join(' ')}`);
  console.log(
    `  source: ${source.commit ?? 'not a git checkout'}` + (source.changed.length ? ` with uncommitted changes in ${source.changed.join(', ')}` : source.commit ? ', no uncommitted changes in src/' : ''),
  );
  if (load0[0]! > 1) console.log(`  note: the machine is busy before the start (1-minute load ${load0[0]!.toFixed(2)} on ${cpus().length} cores)`);

  const workDir = lifetime.tempDir('herald-fanout-', { keep: settings.keepDb });
  const databasePath = join(workDir, 'herald.db');

  // 1. The page and the subscribers.
  const seed = await seedBenchPage({ databasePath, now: Date.now(), historyDays: 365, pastIncidents: 300 });
  const { population, ids } = await addSubscribers(databasePath, settings.subscribers);
  const total = population.concerned + population.confirmedElsewhere + population.pending + population.unsubscribed;
  console.log(
    `  seeded the page in ${fmt(seed.seedMs / 1000, 1)} s; ${fmt(total)} subscribers in ${fmt(population.insertMs / 1000, 1)} s ` +
      `(${fmt(population.all)} all, ${fmt(population.perComponent)} per component, ${fmt(population.perGroup)} per group; ` +
      `skipped: ${fmt(population.confirmedElsewhere)} other components, ${fmt(population.pending)} pending, ${fmt(population.unsubscribed)} unsubscribed)`,
  );

  // 2. The fake Resend, in its own process.
  const fake = lifetime.adopt(new FakeResendChild());
  const ready = await fake.ask(null, 'ready');
  const port = await freePort(HOST);
  const heraldUrl = `http://${HOST}:${port}`;

  // 3. In process, on a copy: the write with and without the fan-out, then a drain broken down by step.
  console.log('  in process: timing the publishing write' + (settings.breakdownEmails ? ` and draining ${fmt(settings.breakdownEmails)} emails` : ''));
  const probe = await probeInProcess(databasePath, join(workDir, 'probe.db'), ids, fake, ready.url, heraldUrl, settings);
  if (probe.write.queued !== settings.subscribers) {
    throw new Error(`the update queued ${probe.write.queued} emails, expected ${settings.subscribers}`);
  }

  // 4. Herald, as `npm start` runs it, with an admin API token.
  const profileDir = join(RESULTS_DIR, 'profiles', 'fanout-herald');
  const launch: HeraldLaunch = {
    url: heraldUrl,
    env: {
      ...inheritedEnv(),
      HERALD_ENV: 'production',
      HOST,
      PORT: String(port),
      DATABASE_PATH: databasePath,
      PUBLIC_URL: heraldUrl,
      RESEND_API_KEY: API_KEY,
      RESEND_BASE_URL: ready.url,
      MAIL_FROM,
      MAIL_RATE_LIMIT: '0',
    },
    nodeFlags: settings.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=500'] : [],
  };
  if (settings.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const api = createAdminToken(heraldUrl, launch.env);
  const herald = await startHerald(lifetime, fake, launch);
  const rig: Rig = { settings, fake, api, pids: { herald: herald.nodePid, wrapper: herald.wrapperPid, fake: fake.pid }, databasePath };
  console.log(`  Herald is running (tsx wrapper pid ${herald.wrapperPid}, node pid ${herald.nodePid}); fake Resend pid ${fake.pid}`);

  // 5. The page idle.
  await loadPage(heraldUrl, settings, { seconds: 3 });
  const idle = await measureIdle(heraldUrl, settings, rig.pids);
  console.log(`  / idle: ${fmt(idle.stats.requestsPerSecond)} req/s, p50 ${idle.stats.latencyMs.p50} ms, p99 ${idle.stats.latencyMs.p99} ms`);

  // 6. Publish #1 on a quiet server; 7. publish #2 while / is under load; 8. the page idle again (did the machine change under us?).
  await sleep(1_000);
  const quiet = await quietDrain(rig, declareBody(ids));
  await sleep(2_000);
  const loaded = await loadedDrain(rig, quiet.incidentId);
  await sleep(2_000);
  const idleAfter = await measureIdle(heraldUrl, settings, rig.pids);

  const peak = wholeRunPeak(herald, fake, [idle.usage, quiet.usage, loaded.usage, idleAfter.usage]);
  const fakeStats = await fake.stats();
  await herald.stop();

  // Herald's own profile (FANOUT_PROFILE=1), cut into the windows that matter.
  const profiles: ProfileWindow[] = [];
  if (settings.profile) {
    const path = profileOfProcess(profileDir, herald.nodePid);
    if (!path) console.log(`  no Herald profile in ${profileDir}`);
    else {
      const { publish: publish1 } = quiet;
      const { publish: publish2, duringDrain } = loaded;
      const gapStart = publish2.startedAt + duringDrain.longestGapAtMs;
      profiles.push(
        summarizeProfile(path, 'Herald, quiet drain (publish → last email)', monoUs(publish1.startedAt), monoUs(quiet.lastEmailAt)),
        summarizeProfile(path, 'Herald, the publish request under load', monoUs(publish2.startedAt), monoUs(publish2.endedAt)),
        summarizeProfile(path, 'Herald, the longest pause of / during the loaded drain', monoUs(gapStart), monoUs(gapStart + duringDrain.longestGapMs)),
        summarizeProfile(path, 'Herald, loaded drain (publish → last email)', monoUs(publish2.startedAt), monoUs(loaded.lastEmailAt)),
      );
    }
  }
  if (probe.breakdown?.profile) profiles.unshift(summarizeProfile(probe.breakdown.profile, 'In-process drain (bench process)'));

  // 9. Resend's default rate limit: Herald restarted with MAIL_RATE_LIMIT=2, one more update, / under load meanwhile.
  let limited: Outcome['limited'] = null;
  if (settings.limitedSeconds > 0) {
    const rateLimited = await measureRateLimited({ lifetime, settings, fake, launch, api, databasePath, incidentId: quiet.incidentId, profileDir });
    limited = rateLimited.limited;
    profiles.push(...rateLimited.profiles);
  }
  await fake.stop();

  const outcome: Outcome = {
    settings,
    startedAt,
    source,
    seed,
    population,
    probe,
    publish1: quiet.publish,
    publish2: loaded.publish,
    quiet: quiet.drain,
    loaded: loaded.drain,
    idle: idle.stats,
    beforePublish: loaded.beforePublish,
    duringDrain: loaded.duringDrain,
    afterResponse: loaded.afterResponse,
    idleAfter: idleAfter.stats,
    duringPublish: loaded.duringPublish,
    series: loaded.series,
    idleUsage: idle.usage,
    quietUsage: quiet.usage,
    loadedUsage: loaded.usage,
    idleAfterUsage: idleAfter.usage,
    wholeRunPeak: peak,
    fakeHeapUsedAtEndBytes: fakeStats.heapUsedBytes,
    profiles,
    limited,
  };
  printReport(outcome);
  writeResults(settings.output, resultsOf(outcome));
  console.log(`\nResults: ${settings.output}`);
  if (settings.keepDb) console.log(`Database kept: ${databasePath}`);
}

lifetime.run(main);
