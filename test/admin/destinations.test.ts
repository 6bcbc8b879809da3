import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { destinationDeliveries } from '../../src/db/schema.js';
import type { AppConfig } from '../../src/config.js';
import { maskUrl } from '../../src/lib/mask.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { createDestination, pauseDestination, updateDestination } from '../../src/services/destinations/manage.js';
import { urlProblem } from '../../src/services/destinations/urls.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';

/*
 * /admin/destinations: configuring the company's own channels. The URL and
 * the signing secret are secrets: after saving, no page, redirect or audit
 * row holds them in full.
 */

const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/SECRETslackTOKEN123';
const OTHER_SLACK_URL = 'https://hooks.slack.com/services/T0002/B0002/OTHERslackTOKEN456';
const WEBHOOK_URL = 'https://receiver.example.com/hooks/SECRETwebhookPATH789';

/** Deps whose OUTBOUND_ALLOW_LOOPBACK is as given (config.outbound.allowLoopback, added by the delivery pipeline). */
function withLoopback(allowLoopback: boolean): { config: Partial<AppConfig> } {
  return { config: { outbound: { allowLoopback } } as unknown as Partial<AppConfig> };
}

async function setup(options: { allowLoopback?: boolean } = {}): Promise<{ deps: TestDeps; admin: TestSession }> {
  const deps = await createTestDeps(withLoopback(options.allowLoopback ?? false));
  const admin = await signIn(deps, 'admin', 'grace@example.com');
  return { deps, admin };
}

const idFrom = (location: string | null): string => /\/admin\/destinations\/([a-z0-9]+)/.exec(location ?? '')![1]!;

async function auditText(deps: TestDeps): Promise<string> {
  return JSON.stringify(await deps.repos.audit.list({ limit: 100 }));
}

const slackForm = (fields: Record<string, string | string[]> = {}) => ({
  name: '#incidents',
  type: 'slack',
  url: SLACK_URL,
  severityScope: 'all',
  componentScope: 'all',
  ...fields,
});

describe('maskUrl', () => {
  it('keeps the scheme, the host and a short first segment, and never the token', () => {
    expect(maskUrl(SLACK_URL)).toBe('https://hooks.slack.com/services/…');
    expect(maskUrl('https://discord.com/api/webhooks/123/abc')).toBe('https://discord.com/api/…');
    expect(maskUrl('https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t')).toBe('https://chat.googleapis.com/v1/…');
    expect(maskUrl('https://prod-1.westus.logic.azure.com:443/workflows/abc/triggers/manual?sig=s')).toBe('https://prod-1.westus.logic.azure.com/workflows/…');
    // A lone or long first segment may be the token itself.
    expect(maskUrl('https://example.com/SECRETonly')).toBe('https://example.com/…');
    expect(maskUrl('https://example.com/averyveryverylongsecretsegment123/x')).toBe('https://example.com/…');
    expect(maskUrl('https://user:pw@example.com/a/b')).toBe('https://example.com/a/…');
    expect(maskUrl('not a url')).toBe('…');
  });
});

describe('destination URL rules', () => {
  it('takes https, refuses other schemes, credentials and non-public IP literals, and http only to loopback when allowed', () => {
    const strict = { allowLoopback: false, allowPrivate: false };
    expect(urlProblem(SLACK_URL, strict)).toBeNull();
    expect(urlProblem('http://hooks.slack.com/services/x', strict)).toMatch(/https/);
    expect(urlProblem('http://127.0.0.1:9000/hook', strict)).toMatch(/https/);
    expect(urlProblem('http://127.0.0.1:9000/hook', { ...strict, allowLoopback: true })).toBeNull();
    expect(urlProblem('http://localhost:9000/hook', { ...strict, allowLoopback: true })).toBeNull();
    expect(urlProblem('http://example.com/hook', { ...strict, allowLoopback: true })).toMatch(/https/);
    expect(urlProblem('ftp://example.com/x', strict)).toMatch(/https/);
    expect(urlProblem('https://user:secret@example.com/x', strict)).toMatch(/user name or password/);
    expect(urlProblem('https://169.254.169.254/latest', strict)).toMatch(/link-local/);
    expect(urlProblem('https://10.0.0.5/hook', strict)).toMatch(/private network/);
    expect(urlProblem('https://10.0.0.5/hook', { ...strict, allowPrivate: true })).toBeNull();
    expect(urlProblem('https://[::1]/hook', strict)).toMatch(/loopback/);
  });
});

describe('/admin/destinations', () => {
  it('is in the nav for admins only, and refuses viewers and comms with 403 and no data', async () => {
    const { deps, admin } = await setup();
    const { id } = await createDestination(deps, FIXTURE_ACTOR, { name: '#exec-secret-channel', type: 'slack', url: SLACK_URL });
    const home = await adminGet(deps, '/admin', admin);
    expect(home.text).toContain('href="/admin/destinations"');
    for (const role of ['viewer', 'comms'] as const) {
      const member = await signIn(deps, role);
      expect((await adminGet(deps, '/admin', member)).text).not.toContain('href="/admin/destinations"');
      for (const path of ['/admin/destinations', `/admin/destinations/${id}`, `/admin/destinations/${id}/edit`, '/admin/destinations/new']) {
        const page = await adminGet(deps, path, member);
        expect(page.status, path).toBe(403);
        expect(page.text).not.toContain('#exec-secret-channel');
      }
      for (const action of ['test', 'pause', 'delete', 'edit']) {
        expect((await adminPost(deps, `/admin/destinations/${id}/${action}`, member, { name: 'x' })).status).toBe(403);
      }
      expect((await adminPost(deps, '/admin/destinations/new', member, slackForm())).status).toBe(403);
    }
    expect(await deps.repos.destinations.deliveriesOf(id, 10)).toEqual([]);
    expect((await deps.repos.destinations.findById(id))).toMatchObject({ name: '#exec-secret-channel', pausedAt: null });
  });

  it('creates a destination and from then on shows its URL only masked: detail, list, edit form and audit log', async () => {
    const { deps, admin } = await setup();
    const payments = await makeComponent(deps, { name: 'Payments' });
    const res = await adminPost(deps, '/admin/destinations/new', admin, slackForm({ severityScope: 'some', severities: ['1', '2'], componentScope: 'some', componentIds: [payments] }));
    expect(res.status, res.text).toBe(303);
    const id = idFrom(res.headers.get('location'));
    expect(res.headers.get('location')).not.toContain('SECRET');
    const row = (await deps.repos.destinations.findById(id))!;
    expect(row).toMatchObject({ name: '#incidents', type: 'slack', url: SLACK_URL, severities: [1, 2], componentIds: [payments], signingSecret: null, pausedAt: null });

    const detail = await adminGet(deps, `/admin/destinations/${id}?done=created`, admin);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('https://hooks.slack.com/services/…');
    expect(detail.text).toContain('SEV-1, SEV-2 · Payments');
    expect(detail.text).toContain('Send test message');
    const list = await adminGet(deps, '/admin/destinations', admin);
    expect(list.text).toContain('#incidents');
    expect(list.text).toContain('Active');
    expect(list.text).toContain('none yet');
    const edit = await adminGet(deps, `/admin/destinations/${id}/edit`, admin);
    expect(edit.text).toContain('leave blank to keep');
    expect(edit.text).toMatch(/name="url"[^>]*value=""/);
    for (const page of [detail, list, edit]) {
      expect(page.text).not.toContain('SECRETslackTOKEN123');
      expect(page.text).not.toContain('T0001');
    }
    const audit = await auditText(deps);
    expect(audit).toContain('destination.create');
    expect(audit).toContain('https://hooks.slack.com/services/…');
    expect(audit).not.toContain('SECRETslackTOKEN123');
    expect(audit).not.toContain('T0001');
  });

  it('keeps the saved URL when the field is left blank, replaces it when given, and audits only the masked form', async () => {
    const { deps, admin } = await setup();
    const { id } = await createDestination(deps, FIXTURE_ACTOR, { name: '#incidents', type: 'slack', url: SLACK_URL });
    const keep = await adminPost(deps, `/admin/destinations/${id}/edit`, admin, slackForm({ name: '#ops', url: '' }));
    expect(keep.status, keep.text).toBe(303);
    expect(await deps.repos.destinations.findById(id)).toMatchObject({ name: '#ops', url: SLACK_URL });
    const replace = await adminPost(deps, `/admin/destinations/${id}/edit`, admin, slackForm({ name: '#ops', url: OTHER_SLACK_URL }));
    expect(replace.status).toBe(303);
    expect((await deps.repos.destinations.findById(id))!.url).toBe(OTHER_SLACK_URL);
    const audit = await auditText(deps);
    expect(audit).toContain('urlReplaced');
    expect(audit).not.toContain('OTHERslackTOKEN456');
    expect(audit).not.toContain('SECRETslackTOKEN123');
  });

  it('refuses a bad URL, plain http, an unknown type and empty routing with messages per field, never echoing the URL', async () => {
    const { deps, admin } = await setup();
    const cases: [Record<string, string | string[]>, string, RegExp][] = [
      [{ url: 'not a url SECRETbad' }, 'url', /must be a URL/],
      [{ url: 'http://hooks.slack.com/services/SECRETplain' }, 'url', /https/],
      [{ url: 'http://127.0.0.1:9/SECRETloop' }, 'url', /https/],
      [{ type: 'irc' }, 'type', /must be one of/],
      [{ name: '' }, 'name', /is required/],
      [{ severityScope: 'some' }, 'severities', /at least one severity/],
      [{ componentScope: 'some', componentIds: ['zzzzzzzzzzzz'] }, 'componentIds', /no such component/],
    ];
    for (const [fields, field, message] of cases) {
      const res = await adminPost(deps, '/admin/destinations/new', admin, slackForm(fields));
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.text).toContain('Nothing was saved');
      expect(res.text).toMatch(new RegExp(`id="${field}-error">[^<]*${message.source}`));
      expect(res.text).not.toContain('SECRET');
    }
    expect(await deps.repos.destinations.list()).toEqual([]);
  });

  it('accepts http to loopback only when OUTBOUND_ALLOW_LOOPBACK allows it', async () => {
    const { deps, admin } = await setup({ allowLoopback: true });
    const res = await adminPost(deps, '/admin/destinations/new', admin, slackForm({ type: 'webhook', url: 'http://127.0.0.1:9999/hook' }));
    expect(res.status).toBe(200);
    expect((await deps.repos.destinations.list())[0]).toMatchObject({ url: 'http://127.0.0.1:9999/hook' });
  });

  it('shows a webhook signing secret once, after creating and after rotating; never on the page after', async () => {
    const { deps, admin } = await setup();
    const created = await adminPost(deps, '/admin/destinations/new', admin, slackForm({ name: '#hooks', type: 'webhook', url: WEBHOOK_URL }));
    expect(created.status).toBe(200);
    const row = (await deps.repos.destinations.list())[0]!;
    expect(row.signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(atob(row.signingSecret!.slice(6))).toHaveLength(32);
    expect(created.text).toContain(row.signingSecret);
    expect(created.text).toContain('only time it is shown');
    expect(created.text).not.toContain('SECRETwebhookPATH789');

    const detail = await adminGet(deps, `/admin/destinations/${row.id}`, admin);
    expect(detail.text).not.toContain(row.signingSecret);
    expect(detail.text).toContain('Rotate signing secret');
    const rotated = await adminPost(deps, `/admin/destinations/${row.id}/rotate-secret`, admin, {});
    expect(rotated.status).toBe(200);
    const next = (await deps.repos.destinations.findById(row.id))!.signingSecret!;
    expect(next).not.toBe(row.signingSecret);
    expect(rotated.text).toContain(next);
    expect((await adminGet(deps, `/admin/destinations/${row.id}`, admin)).text).not.toContain(next);
    const audit = await auditText(deps);
    expect(audit).toContain('destination.rotate_secret');
    for (const secret of [row.signingSecret!, next, row.signingSecret!.slice(6), next.slice(6)]) expect(audit).not.toContain(secret);
    expect(audit).not.toContain('SECRETwebhookPATH789');
    // Slack has no secret to rotate.
    const { id: slack } = await createDestination(deps, FIXTURE_ACTOR, { name: '#s', type: 'slack', url: SLACK_URL });
    expect((await adminPost(deps, `/admin/destinations/${slack}/rotate-secret`, admin, {})).status).toBe(409);
  });

  it('queues a test message of kind test in the same outbox, and says so when the destination is paused', async () => {
    const { deps, admin } = await setup();
    const { id } = await createDestination(deps, FIXTURE_ACTOR, { name: '#incidents', type: 'slack', url: SLACK_URL });
    const res = await adminPost(deps, `/admin/destinations/${id}/test`, admin, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/destinations/${id}?done=tested#log`);
    const [queued] = await deps.repos.destinations.deliveriesOf(id, 10);
    expect(queued).toMatchObject({ kind: 'test', status: 'queued', incidentId: null, destinationId: id, attempts: 0 });
    expect(queued!.messageId).toMatch(/^msg_/);
    expect(queued!.message).toMatchObject({ kind: 'test', title: 'Test message to #incidents', links: { admin: `http://status.test/admin/destinations/${id}` } });
    expect(String(queued!.message.text)).toContain('sent by Test admin.');
    const page = await adminGet(deps, `/admin/destinations/${id}`, admin);
    expect(page.text).toContain('Test message');
    expect(page.text).toContain('Queued');

    await adminPost(deps, `/admin/destinations/${id}/pause`, admin, {});
    const paused = await adminPost(deps, `/admin/destinations/${id}/test`, admin, {});
    expect(paused.headers.get('location')).toContain('done=tested-paused');
    expect(await deps.repos.destinations.deliveriesOf(id, 10)).toHaveLength(2);
    const after = await adminGet(deps, `/admin/destinations/${id}?done=tested-paused`, admin);
    expect(after.text).toContain('goes out when you resume it');
  });

  it('pauses and resumes: a paused destination is not told of a new incident, an active one that wants it is', async () => {
    const { deps, admin } = await setup();
    const payments = await makeComponent(deps, { name: 'Payments' });
    const search = await makeComponent(deps, { name: 'Search' });
    const { id: all } = await createDestination(deps, FIXTURE_ACTOR, { name: '#all', type: 'slack', url: SLACK_URL });
    const { id: paused } = await createDestination(deps, FIXTURE_ACTOR, { name: '#paused', type: 'slack', url: OTHER_SLACK_URL });
    const { id: exec } = await createDestination(deps, FIXTURE_ACTOR, { name: '#exec', type: 'slack', url: SLACK_URL, severities: [1] });
    const { id: pay } = await createDestination(deps, FIXTURE_ACTOR, { name: '#payments', type: 'slack', url: SLACK_URL, componentIds: [payments] });
    expect((await adminPost(deps, `/admin/destinations/${paused}/pause`, admin, {})).status).toBe(303);
    expect((await adminGet(deps, '/admin/destinations', admin)).text).toContain('Paused');

    await declareIncident(deps, { title: 'Search slow', severity: 2, body: 'Looking.', components: [{ componentId: search, status: 'degraded_performance' }] }, FIXTURE_ACTOR);
    const kinds = async (id: string) => (await deps.repos.destinations.deliveriesOf(id, 10)).map((d) => d.kind);
    expect(await kinds(all)).toEqual(['declaration']);
    expect(await kinds(paused)).toEqual([]);
    expect(await kinds(exec)).toEqual([]);
    expect(await kinds(pay)).toEqual([]);

    await adminPost(deps, `/admin/destinations/${paused}/resume`, admin, {});
    await declareIncident(deps, { title: 'Payments down', severity: 1, body: 'Looking.', components: [{ componentId: payments, status: 'major_outage' }] }, FIXTURE_ACTOR);
    expect(await kinds(all)).toEqual(['declaration', 'declaration']);
    expect(await kinds(paused)).toEqual(['declaration']);
    expect(await kinds(exec)).toEqual(['declaration']);
    expect(await kinds(pay)).toEqual(['declaration']);
    const audit = await auditText(deps);
    expect(audit).toContain('destination.pause');
    expect(audit).toContain('destination.resume');
  });

  it('shows the delivery log: time, status, HTTP status, latency, error and attempts', async () => {
    const { deps, admin } = await setup();
    const { id } = await createDestination(deps, FIXTURE_ACTOR, { name: '#incidents', type: 'slack', url: SLACK_URL });
    await adminPost(deps, `/admin/destinations/${id}/test`, admin, {});
    const [row] = await deps.repos.destinations.deliveriesOf(id, 1);
    // What the drainer records after an attempt (its own tests cover sending).
    await deps.db.atomic([
      deps.db.orm
        .update(destinationDeliveries)
        .set({ status: 'failed', attempts: 3, responseStatus: 404, latencyMs: 87, error: 'HTTP 404: no_service' })
        .where(eq(destinationDeliveries.id, row!.id)),
    ]);
    const page = await adminGet(deps, `/admin/destinations/${id}`, admin);
    expect(page.text).toMatch(/<td>Failed<\/td>\s*<td>404<\/td>\s*<td>87 ms<\/td>\s*<td>3<\/td>\s*<td class="small">HTTP 404: no_service<\/td>/);
    expect((await adminGet(deps, '/admin/destinations', admin)).text).toContain('Failed (HTTP 404), test message');
  });

  it('deletes after a confirmation page, with its delivery log', async () => {
    const { deps, admin } = await setup();
    const { id } = await createDestination(deps, FIXTURE_ACTOR, { name: '#old', type: 'slack', url: SLACK_URL });
    await adminPost(deps, `/admin/destinations/${id}/test`, admin, {});
    const confirm = await adminGet(deps, `/admin/destinations/${id}/delete`, admin);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Delete #old?');
    expect(confirm.text).toContain('1 entry');
    const res = await adminPost(deps, `/admin/destinations/${id}/delete`, admin, {});
    expect(res.headers.get('location')).toBe('/admin/destinations?done=deleted');
    expect(await deps.repos.destinations.findById(id)).toBeUndefined();
    expect(await deps.repos.destinations.deliveriesOf(id, 10)).toEqual([]);
    expect(await auditText(deps)).toContain('destination.delete');
    expect((await adminGet(deps, `/admin/destinations/${id}`, admin)).status).toBe(404);
  });

  it('warns, without refusing, when the host is not where the type usually lives', async () => {
    const { deps, admin } = await setup();
    const { id } = await createDestination(deps, FIXTURE_ACTOR, { name: '#proxy', type: 'slack', url: 'https://proxy.example.com/slack/x' });
    expect((await adminGet(deps, `/admin/destinations/${id}`, admin)).text).toContain('does not look like a hooks.slack.com address');
    await updateDestination(deps, FIXTURE_ACTOR, id, { url: SLACK_URL });
    expect((await adminGet(deps, `/admin/destinations/${id}`, admin)).text).not.toContain('does not look like');
    await pauseDestination(deps, FIXTURE_ACTOR, id);
    expect((await adminGet(deps, `/admin/destinations/${id}`, admin)).text).toContain('Resume');
  });
});
