// Builds a realistic, busy status page in a SQLite file through the real
// services (the same validation, lifecycle and component-history code an
// admin goes through), with a clock the seeder moves along the timeline.
import { parseAppConfig } from '../src/config.js';
import type { Clock } from '../src/deps.js';
import { DAY, HOUR, MINUTE } from '../src/domain/calendar.js';
import type { ComponentStatus, IncidentStatus, Severity } from '../src/domain/constants.js';
import { createNodeDeps } from '../src/entry/node-deps.js';
import { createComponent } from '../src/services/components/components.js';
import { createGroup } from '../src/services/components/groups.js';
import { declareIncident } from '../src/services/incidents/declare.js';
import { initializePage } from '../src/services/settings/initialize.js';
import { postUpdate } from '../src/services/incidents/post-update.js';
import { scheduleMaintenance } from '../src/services/maintenance/schedule.js';
import { BENCH_ACTOR, ERRORS_ONLY } from './lib/herald.js';
import { prng } from './lib/prng.js';

export interface SeedOptions {
  /** The database file to create (must not exist yet). */
  databasePath: string;
  /** "Now" at the end of the timeline: the server should run right after. */
  now: number;
  /** How far back components are tracked. */
  historyDays: number;
  /** Resolved incidents spread over the tracked period. */
  pastIncidents: number;
  seed?: number;
}

export interface SeedStats {
  groups: number;
  components: number;
  pastIncidents: number;
  activeIncidents: number;
  maintenances: number;
  upcomingMaintenances: number;
  updates: number;
  statusChanges: number;
  historyDays: number;
  seedMs: number;
}

/** A clock the seeder sets to each event's time, so created/updated stamps match the story. */
class SeedClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

const CATALOG: { group: string; description: string; components: [string, string][] }[] = [
  {
    group: 'APIs',
    description: 'What your applications talk to',
    components: [
      ['REST API', 'The public HTTP API at api.example.com'],
      ['GraphQL API', 'The GraphQL endpoint at api.example.com/graphql'],
      ['Webhooks', 'Event delivery to your endpoints'],
      ['Realtime', 'WebSocket subscriptions and live updates'],
      ['SDK downloads', 'Package registry mirrors for our client libraries'],
    ],
  },
  {
    group: 'Web applications',
    description: 'What your team uses every day',
    components: [
      ['Dashboard', 'The web app where you manage your account'],
      ['Admin console', 'Organisation settings, roles and audit log'],
      ['Checkout', 'Hosted payment pages'],
      ['Documentation', 'docs.example.com'],
      ['Mobile apps', 'The iOS and Android apps and their backend'],
    ],
  },
  {
    group: 'Data',
    description: 'Where your data lives',
    components: [
      ['Managed databases', 'Primary and replica database clusters'],
      ['Object storage', 'Buckets, uploads and signed URLs'],
      ['Search', 'Full-text and vector search indexes'],
      ['Analytics pipeline', 'Event ingestion and reports'],
      ['Backups', 'Scheduled snapshots and point-in-time recovery'],
    ],
  },
  {
    group: 'Infrastructure',
    description: 'What keeps the platform running',
    components: [
      ['DNS', 'Authoritative DNS for hosted domains'],
      ['CDN', 'Edge caching and TLS termination'],
      ['Authentication', 'Sign-in, single sign-on and API keys'],
      ['Email delivery', 'Transactional email sent on your behalf'],
      ['Notifications', 'SMS and push notifications'],
    ],
  },
];

const SYMPTOMS = [
  'Elevated error rates on {c}',
  'Increased latency for {c}',
  '{c} unavailable for some customers',
  'Degraded performance of {c}',
  'Delays in {c}',
  'Intermittent timeouts on {c}',
  '{c} partially unavailable in eu-west',
  'Failed requests to {c} after a deploy',
];

const INVESTIGATING = [
  'We are investigating reports of problems with **{c}**. Some requests fail or take much longer than usual. Next update within 30 minutes.',
  'We are seeing elevated error rates on {c} and are investigating. Customers may see HTTP 503 responses; retries usually succeed.',
  'Our monitoring alerted us to increased latency on {c}. We are looking into it and will post an update within 30 minutes.',
];

const IDENTIFIED = [
  'We identified the cause: a configuration change rolled out at the top of the hour overloaded part of the {c} fleet. We are rolling it back.',
  'The cause is a failing storage node behind {c}. Traffic is being moved to healthy nodes:\n\n- new requests are routed away from the node\n- queued work is being retried\n\nNext update within 30 minutes.',
  'An upstream provider is having network problems in one region, which affects {c}. We are shifting traffic to other regions. See [the provider status page](https://status.example.net) for details.',
];

const MONITORING = [
  'A fix is in place and error rates for {c} are back to normal. We are monitoring closely.',
  'Traffic has been moved and {c} is recovering. Queued work is being processed now; we keep watching the metrics.',
];

const RESOLVED = [
  'This incident is resolved. {c} has been working normally since the fix.',
  'This incident is resolved. For the duration of the incident, a share of requests to {c} failed or were slow. We are sorry for the disruption and will publish a postmortem.',
  'Resolved. All delayed work has been processed and {c} is operating normally. We are adding alerting so that we catch this earlier next time.',
];

/** Seeds the page and closes the database. */
export async function seedBenchPage(options: SeedOptions): Promise<SeedStats> {
  const started = performance.now();
  const random = prng(options.seed ?? 20_261_123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (min: number, max: number): number => min + random() * (max - min);

  const { now } = options;
  const tracked = now - options.historyDays * DAY;
  const clock = new SeedClock(tracked - DAY);
  const config = parseAppConfig({ HERALD_ENV: 'production', HERALD_PAGE_NAME: 'Example Cloud' });
  const deps = createNodeDeps({
    config,
    databasePath: options.databasePath,
    clock,
    log: ERRORS_ONLY,
  });
  const stats: SeedStats = {
    groups: 0,
    components: 0,
    pastIncidents: 0,
    activeIncidents: 0,
    maintenances: 0,
    upcomingMaintenances: 0,
    updates: 0,
    statusChanges: 0,
    historyDays: options.historyDays,
    seedMs: 0,
  };

  const components: { id: string; name: string }[] = [];
  try {
    await initializePage(deps);

    for (const [g, entry] of CATALOG.entries()) {
      const groupId = await createGroup(deps, { name: entry.group, description: entry.description, position: g }, BENCH_ACTOR);
      stats.groups++;
      for (const [position, [name, description]] of entry.components.entries()) {
        const id = await createComponent(deps, { name, description, groupId, position, startedAt: tracked }, BENCH_ACTOR);
        components.push({ id, name });
        stats.components++;
        stats.statusChanges++;
      }
    }

    // Past incidents: sorted start times, never overlapping, so every status
    // change is the newest one when it is written (as in real life).
    const first = tracked + DAY;
    const last = now - 6 * HOUR;
    const starts = Array.from({ length: options.pastIncidents }, () => between(first, last)).sort((a, b) => a - b);
    let free = first;
    for (const rawStart of starts) {
      const startedAt = Math.round(Math.max(rawStart, free + 10 * MINUTE));
      const duration = Math.round(between(15 * MINUTE, 5 * HOUR) * (random() < 0.15 ? 2.5 : 1));
      if (startedAt + duration > last) break;
      free = startedAt + duration;
      await pastIncident(startedAt, duration);
    }

    // Monthly maintenance windows (announced a week ahead, no status changes).
    for (let windowStart = tracked + 20 * DAY + 2 * HOUR; windowStart + 3 * HOUR < now; windowStart += 30 * DAY) {
      const affected = [pick(components), pick(components)].filter((c, i, all) => all.indexOf(c) === i);
      clock.ms = windowStart - 7 * DAY;
      const id = await scheduleMaintenance(deps, {
        title: `Planned maintenance: ${affected.map((c) => c.name).join(' and ')}`,
        body: `We will upgrade the systems behind ${affected.map((c) => c.name).join(' and ')}. Expect short interruptions of a few seconds during the window.`,
        scheduledFor: windowStart,
        scheduledUntil: windowStart + 2 * HOUR,
        componentIds: affected.map((c) => c.id),
      }, BENCH_ACTOR);
      clock.ms = windowStart;
      await postUpdate(deps, { incidentId: id, status: 'in_progress', body: 'The maintenance has started.', at: windowStart }, BENCH_ACTOR);
      clock.ms = windowStart + 100 * MINUTE;
      await postUpdate(deps, { incidentId: id, status: 'completed', body: 'The maintenance is complete.', at: clock.ms }, BENCH_ACTOR);
      stats.maintenances++;
      stats.updates += 3;
    }

    // The incident going on right now.
    const api = components[0]!;
    const webhooks = components[2]!;
    const activeStart = now - 47 * MINUTE;
    clock.ms = activeStart;
    const activeId = await declareIncident(deps, {
      title: 'Elevated API error rates',
      severity: 2,
      body: 'We are investigating elevated error rates on the **REST API**. Some requests fail with HTTP 503; webhook deliveries are delayed. Next update within 30 minutes.',
      components: [
        { componentId: api.id, status: 'partial_outage' },
        { componentId: webhooks.id, status: 'degraded_performance' },
      ],
      startedAt: activeStart - 6 * MINUTE,
      at: activeStart,
    }, BENCH_ACTOR);
    clock.ms = now - 21 * MINUTE;
    await postUpdate(deps, {
      incidentId: activeId,
      status: 'identified',
      body: 'We identified the cause: a database failover left part of the API fleet connected to a read-only replica. We are moving those servers back to the primary. Next update within 30 minutes.',
      at: clock.ms,
    }, BENCH_ACTOR);
    stats.activeIncidents++;
    stats.updates += 2;
    stats.statusChanges += 2;

    // The maintenance everyone is told about in advance.
    clock.ms = now - 2 * DAY;
    const windowStart = now + 3 * DAY + 2 * HOUR;
    await scheduleMaintenance(deps, {
      title: 'Database engine upgrade',
      body: 'We will upgrade the managed database clusters to a new engine version. Databases stay available; expect a few seconds of failover per cluster and slower queries during the window.',
      scheduledFor: windowStart,
      scheduledUntil: windowStart + 2 * HOUR,
      componentIds: [components[10]!.id, components[5]!.id],
    }, BENCH_ACTOR);
    stats.upcomingMaintenances++;
    stats.updates++;
  } finally {
    deps.db.close();
  }
  stats.seedMs = Math.round(performance.now() - started);
  return stats;

  async function pastIncident(startedAt: number, duration: number): Promise<void> {
    const main = pick(components);
    const affected = [main];
    const extra = random();
    if (extra < 0.3) affected.push(pick(components));
    if (extra < 0.1) affected.push(pick(components));
    const unique = affected.filter((c, i, all) => all.indexOf(c) === i);
    // Some incidents never touch a component status (e.g. "delays in support replies").
    const withComponents = random() < 0.85;
    const badStatus = (): ComponentStatus => {
      const r = random();
      return r < 0.5 ? 'degraded_performance' : r < 0.85 ? 'partial_outage' : 'major_outage';
    };
    const fill = (text: string): string => text.replaceAll('{c}', main.name);

    // 2 to 4 updates, always ending in Resolved.
    const middle: IncidentStatus[][] = [[], ['identified'], ['monitoring'], ['identified', 'monitoring']];
    const path: IncidentStatus[] = ['investigating', ...pick(middle), 'resolved'];
    const times = path.map((_, i) => startedAt + Math.round((duration * i) / (path.length - 1)));
    const firstAt = times[0]! + Math.round(between(2, 12) * MINUTE);
    times[0] = Math.min(firstAt, times[1]! - MINUTE);

    clock.ms = times[0]!;
    const id = await declareIncident(deps, {
      title: fill(pick(SYMPTOMS)),
      severity: (1 + Math.floor(random() * 4)) as Severity,
      body: fill(pick(INVESTIGATING)),
      components: withComponents ? unique.map((c) => ({ componentId: c.id, status: badStatus() })) : [],
      startedAt,
      at: times[0]!,
    }, BENCH_ACTOR);
    stats.updates++;
    if (withComponents) stats.statusChanges += unique.length;

    let restored = !withComponents;
    for (let i = 1; i < path.length; i++) {
      const status = path[i]!;
      const text = status === 'identified' ? IDENTIFIED : status === 'monitoring' ? MONITORING : RESOLVED;
      const restoreNow = !restored && (status === 'monitoring' || status === 'resolved');
      clock.ms = times[i]!;
      await postUpdate(deps, {
        incidentId: id,
        status,
        body: fill(pick(text)),
        components: restoreNow ? unique.map((c) => ({ componentId: c.id, status: 'operational' as const })) : [],
        at: times[i]!,
      }, BENCH_ACTOR);
      if (restoreNow) {
        restored = true;
        stats.statusChanges += unique.length;
      }
      stats.updates++;
    }
    stats.pastIncidents++;
  }
}
