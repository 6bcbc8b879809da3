// The fan-out at Resend's default rate limit: Herald restarted with
// MAIL_RATE_LIMIT=2 (FANOUT_LIMITED_RPS), one more update, and `/` under load
// for FANOUT_LIMITED_SECONDS after the publish.
import { fmt } from '../lib/format.js';
import type { Lifetime } from '../lib/lifetime.js';
import { round } from '../lib/stats.js';
import { sleep } from '../lib/time.js';
import { post, type HeraldApi } from './api.js';
import { startHerald, type FakeResendChild, type HeraldLaunch } from './children.js';
import { latestUpdateId, queuedFor } from './drain.js';
import { inFlightDuring, loadPage, pageSeries, pageStats, publishUnderLoad, type PageStats } from './page-load.js';
import type { Pids, PhaseUsage } from './phase.js';
import { monoUs, profileOfProcess, summarizeProfile, type ProfileWindow } from './profiles.js';
import { BATCH, type Settings } from './settings.js';
import { THIRD_UPDATE } from './updates.js';

export interface RateLimited {
  rps: number;
  publishMs: number;
  expected: number;
  delivered: number;
  firstEmailMs: number | null;
  emailsPerSecond: number;
  beforePublish: PageStats;
  publishToEnd: PageStats;
  afterResponse: PageStats;
  inFlightDuringPublish: { requests: number; maxMs: number; p50Ms: number };
  usage: PhaseUsage;
  series: { second: number; requests: number; maxMs: number }[];
}

export interface RateLimitedRun {
  lifetime: Lifetime;
  settings: Settings;
  fake: FakeResendChild;
  launch: HeraldLaunch;
  api: HeraldApi;
  databasePath: string;
  incidentId: string;
  /** Where Herald's --cpu-prof writes (FANOUT_PROFILE=1). */
  profileDir: string;
}

export async function measureRateLimited(o: RateLimitedRun): Promise<{ limited: RateLimited; profiles: ProfileWindow[] }> {
  const { settings, fake, databasePath } = o;
  const limitedHerald = await startHerald(o.lifetime, fake, { ...o.launch, env: { ...o.launch.env, MAIL_RATE_LIMIT: String(settings.limitedRps) } });
  const limitedPids: Pids = { herald: limitedHerald.nodePid, wrapper: limitedHerald.wrapperPid, fake: fake.pid };
  console.log(`  Herald restarted with MAIL_RATE_LIMIT=${settings.limitedRps} (node pid ${limitedHerald.nodePid})`);
  await loadPage(o.launch.url, settings, { seconds: 3 });
  await sleep(1_000);
  await fake.ask({ type: 'epoch' }, 'epoch-started');
  let expected3 = 0;
  const third = await publishUnderLoad(o.launch.url, settings, limitedPids, () => post(o.api, `/api/v1/incidents/${o.incidentId}/updates`, THIRD_UPDATE), async (published) => {
    expected3 = (await queuedFor(databasePath, latestUpdateId(databasePath, o.incidentId))).emails;
    console.log(`  published (rate-limited Herald, under load): ${fmt(published.ms, 1)} ms; / under load for ${settings.limitedSeconds} s`);
    await sleep(settings.limitedSeconds * 1000 - (Date.now() - published.startedAt));
  });
  const stats3 = await fake.stats();
  await limitedHerald.stop();
  const end = third.published.startedAt + settings.limitedSeconds * 1000;
  const steady = stats3.firstAt !== null && stats3.lastAt !== null && stats3.lastAt > stats3.firstAt ? (stats3.lastAt - stats3.firstAt) / 1000 : 0;
  const limited: RateLimited = {
    rps: settings.limitedRps,
    publishMs: round(third.published.ms, 1),
    expected: expected3,
    delivered: stats3.delivered,
    firstEmailMs: stats3.firstAt === null ? null : stats3.firstAt - third.published.startedAt,
    emailsPerSecond: steady ? round((stats3.delivered - BATCH) / steady) : 0,
    beforePublish: pageStats(third.run, third.run.startedAt + 500, third.published.startedAt),
    publishToEnd: pageStats(third.run, third.published.startedAt, end),
    afterResponse: pageStats(third.run, third.published.endedAt, end),
    inFlightDuringPublish: inFlightDuring(third.run, third.published.startedAt, third.published.endedAt),
    usage: third.usage,
    series: pageSeries(third.run, third.published.startedAt, end),
  };
  const profiles: ProfileWindow[] = [];
  const path = settings.profile ? profileOfProcess(o.profileDir, limitedHerald.nodePid) : null;
  if (path) {
    const gapStart = third.published.startedAt + limited.publishToEnd.longestGapAtMs;
    profiles.push(
      summarizeProfile(path, `Herald at ${settings.limitedRps} requests/s, publish → end`, monoUs(third.published.startedAt), monoUs(end)),
      summarizeProfile(path, `Herald at ${settings.limitedRps} requests/s, the longest pause of /`, monoUs(gapStart), monoUs(gapStart + limited.publishToEnd.longestGapMs)),
    );
  }
  return { limited, profiles };
}
