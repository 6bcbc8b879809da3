import { DAY, HOUR, MINUTE } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { createComponent } from '../components/components.js';
import { createGroup } from '../components/groups.js';
import { declareIncident } from '../incidents/declare.js';
import { postUpdate } from '../incidents/post-update.js';
import { scheduleMaintenance } from '../maintenance/schedule.js';

type SeedDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

/** meta key: 'present' while the example content is on the page. */
export const EXAMPLE_META_KEY = 'example_content';

/**
 * Fills an empty page with a small, realistic example so a newcomer sees what
 * Herald looks like: two groups, six components with 120 days of history, a
 * resolved incident with its updates, and an upcoming maintenance. Every row
 * is flagged `example` so removeExampleContent takes exactly these away.
 * `actor` is `systemActor('example page')` on first start (services/settings/initialize.ts).
 */
export async function seedExampleContent(deps: SeedDeps, actor: Actor): Promise<void> {
  const now = deps.clock.now();
  const tracked = now - 120 * DAY;
  const example = true;

  const platform = await createGroup(deps, {
    name: 'Platform',
    description: 'What your applications talk to',
    position: 0,
    example,
  }, actor);
  const infrastructure = await createGroup(deps, {
    name: 'Infrastructure',
    description: 'What keeps the platform running',
    position: 1,
    example,
  }, actor);
  const component = (name: string, description: string, groupId: string, position: number): Promise<string> =>
    createComponent(deps, { name, description, groupId, position, startedAt: tracked, example }, actor);

  const api = await component('REST API', 'The public HTTP API at api.example.com', platform, 0);
  const dashboard = await component('Dashboard', 'The web app where you manage your account', platform, 1);
  const webhooks = await component('Webhooks', 'Event delivery to your endpoints', platform, 2);
  await component('Authentication', 'Sign-in, single sign-on and API keys', platform, 3);
  const database = await component('Managed databases', 'Primary and replica database clusters', infrastructure, 0);
  await component('Email delivery', 'Transactional email sent on your behalf', infrastructure, 1);

  const start = now - 3 * DAY - 5 * HOUR;
  const incidentId = await declareIncident(deps, {
    title: 'Elevated API error rates',
    severity: 2,
    body:
      'We are investigating elevated error rates on the REST API. Some requests fail with HTTP 503; ' +
      'webhook deliveries are delayed. Next update within 30 minutes.',
    components: [
      { componentId: api, status: 'partial_outage' },
      { componentId: webhooks, status: 'degraded_performance' },
    ],
    startedAt: start - 6 * MINUTE,
    at: start,
    example,
  }, actor);
  await postUpdate(deps, {
    incidentId,
    status: 'identified',
    body:
      'We identified the cause: a database failover left part of the API fleet connected to a read-only ' +
      'replica. We are moving those servers back to the primary. Next update within 30 minutes.',
    components: [{ componentId: database, status: 'degraded_performance' }],
    at: start + 24 * MINUTE,
  }, actor);
  await postUpdate(deps, {
    incidentId,
    status: 'monitoring',
    body:
      'All API servers are back on the primary database and error rates are normal. Delayed webhooks are ' +
      'being delivered now. We are watching closely; next update within 30 minutes.',
    components: [
      { componentId: api, status: 'operational' },
      { componentId: database, status: 'operational' },
    ],
    at: start + 51 * MINUTE,
  }, actor);
  await postUpdate(deps, {
    incidentId,
    status: 'resolved',
    body:
      'This incident is resolved. For about 50 minutes, 18% of API requests failed and webhooks ' +
      'were delayed by up to 40 minutes. All delayed webhooks have been delivered. We are sorry for the ' +
      'disruption and will publish a postmortem.',
    components: [{ componentId: webhooks, status: 'operational' }],
    at: start + 83 * MINUTE,
  }, actor);

  const windowStart = now + 4 * DAY + 2 * HOUR;
  await scheduleMaintenance(deps, {
    title: 'Database engine upgrade',
    body:
      'We will upgrade the managed database clusters to a new engine version. Databases stay available; ' +
      'expect a few seconds of failover per cluster and slower queries during the window.',
    scheduledFor: windowStart,
    scheduledUntil: windowStart + 2 * HOUR,
    componentIds: [database, dashboard],
    example,
  }, actor);
  await deps.db.atomic([deps.repos.settings.setMeta(EXAMPLE_META_KEY, 'present')]);
}

/** Takes every example row away; the page keeps its settings and any real content. */
export async function removeExampleContent(deps: SeedDeps, actor: Actor): Promise<void> {
  authorize(actor, 'components:write');
  await deps.db.atomic([
    deps.repos.incidents.deleteExamples(),
    ...deps.repos.components.deleteExamples(),
    deps.repos.settings.setMeta(EXAMPLE_META_KEY, 'removed'),
    auditEntry(deps, actor, { action: 'example.remove' }),
  ]);
}
