import { createApp } from '../../src/app.js';
import type { ComponentStatus } from '../../src/domain/constants.js';
import { createResetLink, createSetupLink } from '../../src/services/auth/accounts.js';
import { seedExampleContent } from '../../src/services/settings/example-page.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { addTimelineNote } from '../../src/services/timeline/timeline.js';
import { startPostmortem } from '../../src/services/postmortems/postmortems.js';
import { createActionItem } from '../../src/services/postmortems/action-items.js';
import { subscriberToken } from '../../src/services/subscribers/subscriptions.js';
import { systemActor } from '../../src/services/auth/actor.js';
import { createDestination } from '../../src/services/destinations/manage.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { createRule } from '../../src/services/alerts/rules.js';
import type { IncomingAlert } from '../../src/domain/alerts.js';
import { FIXTURE_ACTOR } from './actors.js';
import { addSubscribers, subscriberRows } from '../mail/support.js';
import { adminGet, adminPost, apiToken, signIn, type TestSession } from './admin.js';
import { createTestDeps, type TestDeps } from './deps.js';
import { makeComponent, makeGroup, makeIncident } from './factories.js';
import { addChannelSubscriber } from '../admin/channel-fixtures.js';

/**
 * One status page with something on every screen (example content, an open
 * incident, subscribers, a team, an API token), and the list of its pages: the
 * public ones, every admin page an owner can reach (found by following the
 * admin's own links, see `crawlAdmin`), and the pages that only a form post or
 * a one-time link shows (captured as HTML).
 */
export interface Site {
  deps: TestDeps;
  owner: TestSession;
  /** The open incident's id and the component it takes down (to move the banner through every status). */
  incident: string;
  component: string;
  publicPaths: string[];
  adminPaths: string[];
  /** Pages that answer a POST or a one-time link, as served: name -> HTML. */
  captured: Map<string, string>;
}

export async function buildSite(): Promise<Site> {
  const deps = await createTestDeps({ now: Date.now() });
  const app = createApp(deps);
  const captured = new Map<string, string>();
  const capture = async (name: string, path: string, init?: RequestInit): Promise<void> => {
    const res = await app.request(path, init);
    if (res.status >= 500) throw new Error(`${name}: ${path} answered ${res.status}`);
    captured.set(name, await res.text());
  };

  // The first-owner setup page exists only while nobody has an account.
  const setup = await createSetupLink(deps);
  await capture('admin setup', `/admin/setup/${setup}`);

  await seedExampleContent(deps, systemActor('example page'));
  const group = await makeGroup(deps, 'Edge');
  const component = await makeComponent(deps, { name: 'Checkout', groupId: group, startedAt: deps.clock.now() - 40 * 86_400_000 });
  const owner = await signIn(deps, 'owner');
  const member = await signIn(deps, 'comms');
  await apiToken(deps, 'viewer');
  // A destination, so the crawl reaches its page, edit form and delete confirmation.
  await createDestination(deps, FIXTURE_ACTOR, { name: '#incidents', type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/site' });
  // Webhook and chat subscribers (issue 18), so the crawl reaches their list, a page with a re-enable form, and removal.
  await addChannelSubscriber(deps, { type: 'webhook', lastFailureAt: deps.clock.now(), lastFailureStatus: 500, lastFailureError: 'HTTP 500', failingSince: deps.clock.now() });
  await addChannelSubscriber(deps, { type: 'slack', status: 'disabled', disabledAt: deps.clock.now() });
  // Alerts (issue 16): a rule, a draft waiting for a person and an incident declared from another draft.
  await createRule(deps, FIXTURE_ACTOR, { name: 'Checkout errors', matchers: { service: 'checkout' }, componentIds: [component], severity: 1 });
  const alert = (key: string, labels: Record<string, string>): IncomingAlert => ({
    source: 'alertmanager',
    key,
    status: 'firing',
    summary: `${key}: errors above 5%`,
    description: 'Error ratio 7% over 5 minutes.',
    labels,
    links: [{ label: 'Source', url: 'https://prometheus.example/graph' }],
    severity: null,
    component: null,
    startsAt: deps.clock.now() - 120_000,
    endsAt: null,
    groupKey: `{}:{alertname="${key}"}`,
  });
  const [waiting, fromAlert] = (await ingestAlerts(deps, FIXTURE_ACTOR, [alert('CheckoutErrors', { service: 'checkout' }), alert('QueueBacklog', { queue: 'mail' })])).drafts;
  const declaredFromAlert = await makeIncident(deps, { title: 'Mail delayed', severity: 3, alertDraftId: fromAlert! });
  await addSubscribers(deps, ['reader@example.com', 'leaver@example.com', 'buyer@example.com']);
  await addSubscribers(deps, ['pending@example.com'], { status: 'pending', componentIds: [component] });
  const incident = await makeIncident(deps, {
    title: 'Checkout unavailable',
    severity: 1,
    notify: true,
    components: [{ componentId: component, status: 'major_outage' }],
  });
  await postUpdate(deps, { incidentId: incident, status: 'identified', body: 'We found the cause and are **fixing** it.' }, FIXTURE_ACTOR);
  // Issue 17: the record of the open incident: a scribe's note, a postmortem started early, an action item.
  await addTimelineNote(deps, FIXTURE_ACTOR, incident, { text: 'Paged the payments on-call', who: 'Bob (payments)' });
  await startPostmortem(deps, FIXTURE_ACTOR, incident);
  await createActionItem(deps, FIXTURE_ACTOR, incident, { title: 'Alert on checkout error rate', ownerName: 'Bob', priority: 'P0', url: 'https://tracker.example/CHK-1' });

  const rows = await subscriberRows(deps);
  const tokenOf = (email: string): string => subscriberToken(rows.find((r) => r.email === email)!);
  const publicPaths = [
    '/',
    '/history',
    `/incidents/${incident}`,
    ...(await linkedIncidents(app)),
    '/subscribe',
    `/subscribe/confirm/${tokenOf('pending@example.com')}`,
    `/subscribe/confirm/${tokenOf('reader@example.com')}`,
    `/subscriptions/${tokenOf('reader@example.com')}`,
    `/subscriptions/${tokenOf('pending@example.com')}`,
    `/unsubscribe/${tokenOf('reader@example.com')}`,
    '/embed',
    '/embed?theme=light',
    '/embed?theme=dark',
    '/no-such-page',
  ];

  const form = (fields: Record<string, string | string[]>): RequestInit => {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(key, v);
    return { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body };
  };
  await capture('subscribe refused', '/subscribe', form({ email: 'not an address', scope: 'some' }));
  await capture('subscribe sent', '/subscribe', form({ email: 'new@example.com', scope: 'all' }));
  await capture('subscription confirmed', `/subscribe/confirm/${tokenOf('pending@example.com')}`, form({}));
  await capture('preferences saved', `/subscriptions/${tokenOf('buyer@example.com')}`, form({ scope: 'some', componentIds: component }));
  await capture('unsubscribed', `/unsubscribe/${tokenOf('leaver@example.com')}`, form({}));
  await capture('subscription after leaving', `/subscriptions/${tokenOf('leaver@example.com')}`);
  await capture('admin sign-in', '/admin/login');
  await capture('admin forgot password', '/admin/forgot');
  await capture('admin password link', `/admin/reset/${await createResetLink(deps, FIXTURE_ACTOR, member.userId)}`);
  await capture('admin expired link', '/admin/reset/expired-or-made-up-token');
  const posted = async (name: string, path: string, fields: Record<string, string | string[]>): Promise<void> => {
    const res = await adminPost(deps, path, owner, fields);
    if (res.status >= 500) throw new Error(`${name}: ${path} answered ${res.status}`);
    captured.set(name, res.text);
  };
  await posted('admin incident preview', '/admin/incidents/new', {
    action: 'preview',
    title: 'Payments failing',
    severity: '2',
    body: 'We are investigating.',
    [`component_${component}`]: 'partial_outage',
  });
  await posted('admin incident refused', '/admin/incidents/new', { action: 'publish', title: '', body: '' });
  await posted('admin update preview', `/admin/incidents/${incident}/updates`, { action: 'preview', status: 'monitoring', body: 'A fix is out.' });
  await posted('admin maintenance refused', '/admin/maintenance/new', { action: 'preview', title: 'Upgrade', body: 'Planned.' });
  await posted('admin alert rule refused', '/admin/alerts/rules/new', { name: '', matchers: 'service checkout' });
  await posted('admin alert dismiss refused', `/admin/alerts/${waiting}/dismiss`, { reason: '' });
  const shown = async (name: string, path: string): Promise<void> => {
    const res = await adminGet(deps, path, owner);
    if (res.status !== 200) throw new Error(`${name}: ${path} answered ${res.status}`);
    captured.set(name, res.text);
  };
  // The page the acknowledge link in the team's chat messages opens (no admin page links to it).
  await shown('admin alert acknowledge', `/admin/alerts/${waiting}/acknowledge`);
  await shown('admin declare from an alert', `/admin/incidents/new?alert=${waiting}`);
  await shown('admin incident with its alert history', `/admin/incidents/${declaredFromAlert}`);

  const adminPaths = await crawlAdmin(app, owner);
  return { deps, owner, incident, component, publicPaths, adminPaths, captured };
}

/** Moves the open incident's component to `status`, so that the page's banner shows it. */
export async function setBanner(site: Site, status: ComponentStatus): Promise<void> {
  await postUpdate(site.deps, {
    incidentId: site.incident,
    status: 'identified',
    body: `Now ${status}.`,
    components: [{ componentId: site.component, status }],
  }, FIXTURE_ACTOR);
}

/** The incident pages the status page and history link to (resolved and scheduled ones). */
async function linkedIncidents(app: ReturnType<typeof createApp>): Promise<string[]> {
  const found = new Set<string>();
  for (const path of ['/', '/history']) {
    const html = await (await app.request(path)).text();
    for (const [, href] of html.matchAll(/href="(\/incidents\/[a-z0-9]+)"/g)) found.add(href!);
  }
  return [...found];
}

/** At most this many pages per route and query shape: one component page is like another. */
const PER_ROUTE = 2;

/**
 * Every admin page an owner reaches by following links from /admin (GET, same
 * origin, under /admin, not sign-out), at most PER_ROUTE per route pattern and
 * query shape. Fails when a GET route of the route table is never reached, so
 * a new page cannot escape the validators.
 */
export async function crawlAdmin(app: ReturnType<typeof createApp>, owner: TestSession): Promise<string[]> {
  const routes = adminGetRoutes(app);
  const perShape = new Map<string, number>();
  const reached = new Set<string>();
  const visited: string[] = [];
  const queue = ['/admin'];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const res = await app.request(path, { headers: { Cookie: owner.cookie } });
    if (res.status !== 200) continue;
    const url = new URL(path, 'http://status.test');
    const route = routes.find((r) => r.pattern.test(url.pathname));
    if (route) reached.add(route.path);
    // Downloads (the timeline's Markdown export) are reached, but they are not pages to check.
    if (route && DOWNLOADS.has(route.path)) continue;
    visited.push(path);
    if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) continue;
    const html = await res.text();
    for (const [, raw] of html.matchAll(/<a\b[^>]*\bhref="([^"]+)"/g)) {
      const href = raw!.replaceAll('&amp;', '&').replace(/#.*/, '');
      if (!href.startsWith('/admin') || href.startsWith('/admin/logout') || seen.has(href)) continue;
      const target = new URL(href, 'http://status.test');
      const shape = `${routes.find((r) => r.pattern.test(target.pathname))?.path ?? target.pathname}?${[...target.searchParams.keys()].sort().join('&')}`;
      const count = perShape.get(shape) ?? 0;
      if (count >= PER_ROUTE) continue;
      perShape.set(shape, count + 1);
      seen.add(href);
      queue.push(href);
    }
  }
  const missing = routes
    .map((r) => r.path)
    .filter((p) => !reached.has(p) && !ANONYMOUS_ADMIN_ROUTES.has(p) && !REDIRECTS.has(p) && !LINKED_FROM_CHAT.has(p));
  if (missing.length > 0) throw new Error(`admin pages no link leads to (add them to the fixture): ${missing.join(', ')}`);
  return visited;
}

/** Pages for people who are not signed in: captured by buildSite instead. */
const ANONYMOUS_ADMIN_ROUTES = new Set(['/admin/login', '/admin/forgot', '/admin/setup/:token', '/admin/reset/:token']);
/** Opened from the team's chat messages, not from an admin page: captured by buildSite instead. */
const LINKED_FROM_CHAT = new Set(['/admin/alerts/:id/acknowledge']);
/** GET routes that answer a file to save, not a page. */
const DOWNLOADS = new Set([
  '/admin/incidents/:id/timeline.md',
  '/admin/metrics.csv',
  '/admin/metrics-summary.csv',
  '/admin/metrics/incidents-per-month.svg',
  '/admin/metrics/mtta.svg',
  '/admin/metrics/mttr.svg',
]);
/** GET routes that only redirect. */
const REDIRECTS = new Set(['/admin/groups']);

/** The GET routes under /admin as patterns, static ones first (as Hono matches /incidents/new before /incidents/:id). */
function adminGetRoutes(app: ReturnType<typeof createApp>): { path: string; pattern: RegExp }[] {
  const paths = [...new Set(app.routes.filter((r) => r.method === 'GET' && r.path.startsWith('/admin')).map((r) => r.path))];
  return paths
    .map((path) => ({ path, pattern: new RegExp(`^${path.replace(/:[a-zA-Z]+/g, '[^/]+')}$`) }))
    .sort((a, b) => (a.path.match(/:/g)?.length ?? 0) - (b.path.match(/:/g)?.length ?? 0));
}
