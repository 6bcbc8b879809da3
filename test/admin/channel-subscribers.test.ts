import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/domain/calendar.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, signIn, type TestSession } from '../support/admin.js';
import { makeIncident } from '../support/factories.js';
import { textOf } from '../support/http.js';
import { inspectHtml } from '../security/support.js';
import { withoutUrl } from '../../src/services/customer-channels/reads.js';
import { addChannelSubscriber, addDelivery, addUpdateNotice, SECRET_PATH } from './channel-fixtures.js';

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

async function setup(): Promise<{ deps: TestDeps; viewer: TestSession; comms: TestSession; owner: TestSession }> {
  const deps = await createTestDeps({ now: NOON });
  return { deps, viewer: await signIn(deps, 'viewer'), comms: await signIn(deps, 'comms'), owner: await signIn(deps, 'owner') };
}

/** Subscriber ids in the table, in order. */
const idsIn = (html: string): string[] => [...html.matchAll(/<tr id="channel-subscriber-([a-z0-9]+)">/g)].map((m) => m[1]!);

/** Everything the audit log holds, as one text. */
async function auditText(deps: TestDeps): Promise<string> {
  return JSON.stringify(await deps.repos.audit.list({ limit: 100 }));
}

describe('the webhook & chat subscriber list', () => {
  it('lists every subscriber newest first with type, contact, host, masked URL, status and health, never the URL', async () => {
    const { deps, comms } = await setup();
    const hook = await addChannelSubscriber(deps, { type: 'webhook' });
    deps.clock.advance(MINUTE);
    const slack = await addChannelSubscriber(deps, {
      type: 'slack',
      lastSuccessAt: NOON - HOUR,
      lastFailureAt: NOON,
      lastFailureStatus: 503,
      lastFailureError: 'HTTP 503 <Service Unavailable>',
      failingSince: NOON,
    });
    deps.clock.advance(MINUTE);
    const teams = await addChannelSubscriber(deps, { type: 'teams', status: 'disabled', failingSince: NOON - 80 * HOUR, disabledAt: NOON });
    deps.clock.advance(MINUTE);
    const pending = await addChannelSubscriber(deps, { type: 'discord', status: 'pending', confirmedAt: null });

    const res = await adminGet(deps, '/admin/channel-subscribers', comms);
    expect(res.status).toBe(200);
    inspectHtml(res.text);
    expect(idsIn(res.text)).toEqual([pending, teams, slack, hook]);
    expect(res.text).not.toContain(SECRET_PATH);
    expect(res.text).not.toContain('T0SECRET');
    const text = textOf(res.text);
    expect(text).toContain('hooks.slack.com');
    expect(text).toContain('https://hooks.slack.com/services/…');
    expect(text).toContain('HTTP 503 · HTTP 503 &lt;Service Unavailable&gt;');
    expect(text).toContain('Failing since');
    expect(text).toContain('Disabled');
    expect(text).toContain('Not confirmed yet');
    expect(res.text).toContain('>Slack <span class="pill">1</span>');
    expect(res.text).toContain('>All types <span class="pill">4</span>');
    // The tab beside the email subscribers.
    expect(res.text).toContain('href="/admin/subscribers"');
    expect((await adminGet(deps, '/admin/subscribers', comms)).text).toContain('href="/admin/channel-subscribers"');
  });

  it('filters by type, status and health, and searches the contact and the host but never the rest of the URL', async () => {
    const { deps, comms } = await setup();
    const hook = await addChannelSubscriber(deps, { type: 'webhook', contactEmail: 'ops@acme.example' });
    const slack = await addChannelSubscriber(deps, { type: 'slack', failingSince: NOON, lastFailureAt: NOON });
    const teams = await addChannelSubscriber(deps, { type: 'teams', status: 'disabled', disabledAt: NOON });
    const list = async (query: string) => idsIn((await adminGet(deps, `/admin/channel-subscribers?${query}`, comms)).text).sort();
    expect(await list('type=webhook')).toEqual([hook]);
    expect(await list('status=disabled')).toEqual([teams]);
    expect(await list('health=healthy')).toEqual([hook]);
    expect(await list('health=failing')).toEqual([slack]);
    expect(await list('health=disabled')).toEqual([teams]);
    expect(await list('q=acme.example')).toEqual([hook]);
    expect(await list('q=HOOKS.SLACK')).toEqual([slack]);
    expect(await list('q=office.com')).toEqual([teams]);
    // The secret path is not searchable: a search cannot be used to guess it.
    expect(await list('q=SECRET')).toEqual([]);
    expect(await list('q=services')).toEqual([]);
    expect(await list('q=%25')).toEqual([]);
    for (const bad of ['type=email', 'status=gone', 'health=ok', 'after=x']) {
      expect((await adminGet(deps, `/admin/channel-subscribers?${bad}`, comms)).status, bad).toBe(400);
    }
  });

  it('pages through the list with a cursor', async () => {
    const { deps, comms } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 52; i++) {
      ids.push(await addChannelSubscriber(deps, { type: 'webhook' }));
      deps.clock.advance(1000);
    }
    const first = await adminGet(deps, '/admin/channel-subscribers', comms);
    expect(idsIn(first.text)).toHaveLength(50);
    const next = /href="(\/admin\/channel-subscribers\?after=[^"]+)" rel="next"/.exec(first.text)![1]!;
    const second = await adminGet(deps, next.replace(/&amp;/g, '&'), comms);
    expect(idsIn(second.text)).toEqual([ids[1], ids[0]]);
  });

  it('is for comms and up: a viewer is refused the list, a subscriber and its removal', async () => {
    const { deps, viewer, comms, owner } = await setup();
    const id = await addChannelSubscriber(deps, { type: 'slack', status: 'disabled', disabledAt: NOON });
    for (const path of ['/admin/channel-subscribers', `/admin/channel-subscribers/${id}`, `/admin/channel-subscribers/${id}/remove`]) {
      expect((await adminGet(deps, path, viewer)).status, path).toBe(403);
      expect((await adminGet(deps, path, comms)).status, path).toBe(200);
      expect((await adminGet(deps, path, owner)).status, path).toBe(200);
    }
    expect((await adminPost(deps, `/admin/channel-subscribers/${id}/remove`, viewer, {})).status).toBe(403);
    expect((await adminPost(deps, `/admin/channel-subscribers/${id}/enable`, viewer, {})).status).toBe(403);
    expect((await deps.repos.channelSubscribers.findById(id))!.status).toBe('disabled');
  });
});

describe('one subscriber', () => {
  it('shows its health and its recent deliveries newest first, with HTTP status and error, masked', async () => {
    const { deps, comms } = await setup();
    const id = await addChannelSubscriber(deps, { type: 'discord', lastFailureAt: NOON, lastFailureStatus: 500, lastFailureError: 'boom', failingSince: NOON });
    const incident = await makeIncident(deps);
    const updateId = (await deps.repos.incidents.findById(incident))!.updates[0]!.id;
    const first = await addUpdateNotice(deps, updateId);
    await addDelivery(deps, first, id, 'sent', { latencyMs: 42 });
    deps.clock.advance(MINUTE);
    const second = await addUpdateNotice(deps, updateId);
    await addDelivery(deps, second, id, 'failed', { responseStatus: 500, error: `HTTP 500 from https://discord.com/api/webhooks/${SECRET_PATH}` });
    const res = await adminGet(deps, `/admin/channel-subscribers/${id}`, comms);
    expect(res.status).toBe(200);
    inspectHtml(res.text);
    expect(res.text).not.toContain(SECRET_PATH);
    const text = textOf(res.text);
    expect(text).toContain('https://discord.com/api/…');
    const rows = [...res.text.matchAll(/<td>(Sent|Failed)<\/td>/g)].map((m) => m[1]);
    expect(rows).toEqual(['Failed', 'Sent']);
    expect(text).toContain('HTTP 500 from https://discord.com/…');
    expect(text).toContain('42 ms');
    expect((await adminGet(deps, '/admin/channel-subscribers/nosuchsubscriber', comms)).status).toBe(404);
    expect((await adminGet(deps, '/admin/channel-subscribers/..%2Fx', comms)).status).toBe(404);
  });
});

describe('removing and re-enabling', () => {
  it('removes a subscriber after a confirmation page (POST with the CSRF token), audited without the URL', async () => {
    const { deps, comms } = await setup();
    const id = await addChannelSubscriber(deps, { type: 'teams' });
    const incident = await makeIncident(deps);
    const notice = await addUpdateNotice(deps, (await deps.repos.incidents.findById(incident))!.updates[0]!.id);
    await addDelivery(deps, notice, id, 'queued');
    const confirm = await adminGet(deps, `/admin/channel-subscribers/${id}/remove`, comms);
    expect(confirm.text).toContain(`action="/admin/channel-subscribers/${id}/remove"`);
    expect(confirm.text).not.toContain(SECRET_PATH);
    expect((await adminPost(deps, `/admin/channel-subscribers/${id}/remove`, comms, {}, { csrf: false })).status).toBe(403);
    expect(await deps.repos.channelSubscribers.findById(id)).toBeDefined();

    const res = await adminPost(deps, `/admin/channel-subscribers/${id}/remove`, comms, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/channel-subscribers?done=removed');
    expect(await deps.repos.channelSubscribers.findById(id)).toBeUndefined();
    expect(await deps.repos.customerDeliveries.find(notice, id)).toBeUndefined();
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'channel_subscriber.remove', targetId: id });
    expect(JSON.parse(entry!.details!)).toMatchObject({ type: 'teams', host: 'acme.webhook.office.com', url: 'https://acme.webhook.office.com/webhookb2/…' });
    expect(await auditText(deps)).not.toContain('SECRET');
    expect((await adminPost(deps, `/admin/channel-subscribers/${id}/remove`, comms, {})).status).toBe(404);
  });

  it('re-enables a disabled subscriber: confirmed, its failure streak forgotten, audited; 409 for one not disabled', async () => {
    const { deps, comms } = await setup();
    const id = await addChannelSubscriber(deps, {
      type: 'webhook',
      status: 'disabled',
      lastFailureAt: NOON - HOUR,
      lastFailureStatus: 410,
      failingSince: NOON - 73 * HOUR,
      disabledAt: NOON - HOUR,
      disabledNoticeAt: NOON - HOUR,
    });
    const page = await adminGet(deps, `/admin/channel-subscribers/${id}`, comms);
    expect(page.text).toContain(`action="/admin/channel-subscribers/${id}/enable"`);
    const res = await adminPost(deps, `/admin/channel-subscribers/${id}/enable`, comms, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/channel-subscribers/${id}?done=enabled`);
    expect(await deps.repos.channelSubscribers.findById(id)).toMatchObject({
      status: 'confirmed',
      failingSince: null,
      disabledAt: null,
      disabledNoticeAt: null,
      lastFailureStatus: 410,
      updatedAt: NOON,
    });
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'channel_subscriber.enable', targetId: id });
    expect(await auditText(deps)).not.toContain('SECRET');
    const after = await adminGet(deps, `/admin/channel-subscribers/${id}?done=enabled`, comms);
    expect(textOf(after.text)).toContain('Subscriber re-enabled');
    expect(after.text).not.toContain('/enable"');
    expect((await adminPost(deps, `/admin/channel-subscribers/${id}/enable`, comms, {})).status).toBe(409);
  });
});

describe('the delivery page of an incident', () => {
  it('counts each update’s webhook and chat messages per channel and status, beside the emails', async () => {
    const { deps, viewer } = await setup();
    const incident = await makeIncident(deps);
    const updateId = (await deps.repos.incidents.findById(incident))!.updates[0]!.id;
    const notice = await addUpdateNotice(deps, updateId);
    const hooks = [await addChannelSubscriber(deps, { type: 'webhook' }), await addChannelSubscriber(deps, { type: 'webhook' }), await addChannelSubscriber(deps, { type: 'webhook' })];
    const slack = await addChannelSubscriber(deps, { type: 'slack' });
    await addDelivery(deps, notice, hooks[0]!, 'sent');
    await addDelivery(deps, notice, hooks[1]!, 'sent');
    await addDelivery(deps, notice, hooks[2]!, 'failed');
    await addDelivery(deps, notice, slack, 'queued');
    const res = await adminGet(deps, `/admin/incidents/${incident}/deliveries`, viewer);
    expect(res.status).toBe(200);
    inspectHtml(res.text);
    const row = (type: string) => {
      const match = new RegExp(`<tr data-channel="${type}"><th scope="row">[^<]+</th><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td></tr>`).exec(res.text);
      return match ? match.slice(1).map(Number) : null;
    };
    expect(row('webhook')).toEqual([0, 0, 2, 1]);
    expect(row('slack')).toEqual([1, 0, 0, 0]);
    expect(row('teams')).toBeNull();
    // A Slack message is still queued: the page keeps refreshing.
    expect(res.text).toContain('http-equiv="refresh"');
    expect(res.text).not.toContain(SECRET_PATH);
  });
});

describe('masking', () => {
  it('masks the URL and its bare path wherever a receiver’s error quotes them', async () => {
    const url = `https://hooks.slack.com/services/${SECRET_PATH}`;
    expect(withoutUrl(`POST ${url} failed`, url)).toBe('POST https://hooks.slack.com/services/… failed');
    expect(withoutUrl(`404 for /services/${SECRET_PATH}`, url)).toBe('404 for /…');
    expect(withoutUrl(null, url)).toBeNull();
    expect(withoutUrl('timeout', 'not a url')).toBe('timeout');
  });
});

describe('the channelAdmin repo', () => {
  it('counts deliveries per notice and per update, by subscriber type and status', async () => {
    const { deps } = await setup();
    const incident = await makeIncident(deps);
    const updateId = (await deps.repos.incidents.findById(incident))!.updates[0]!.id;
    const first = await addUpdateNotice(deps, updateId);
    const second = await addUpdateNotice(deps, updateId);
    const hook = await addChannelSubscriber(deps, { type: 'webhook' });
    const discord = await addChannelSubscriber(deps, { type: 'discord' });
    await addDelivery(deps, first, hook, 'sent');
    await addDelivery(deps, first, discord, 'failed');
    await addDelivery(deps, second, hook, 'queued');
    const byNotice = await deps.repos.channelAdmin.countsForNotices([first, second, 'nonotice']);
    expect(byNotice.get(first)!.webhook).toEqual({ queued: 0, sending: 0, sent: 1, failed: 0 });
    expect(byNotice.get(first)!.discord).toEqual({ queued: 0, sending: 0, sent: 0, failed: 1 });
    expect(byNotice.get(second)!.webhook).toEqual({ queued: 1, sending: 0, sent: 0, failed: 0 });
    expect(byNotice.has('nonotice')).toBe(false);
    const byUpdate = await deps.repos.channelAdmin.countsForUpdates([updateId]);
    expect(byUpdate.get(updateId)!.webhook).toEqual({ queued: 1, sending: 0, sent: 1, failed: 0 });
    expect(await deps.repos.channelAdmin.countsForUpdates([])).toEqual(new Map());
    expect(await deps.repos.channelAdmin.countByTypeAndStatus()).toMatchObject({ webhook: { confirmed: 1 }, discord: { confirmed: 1 }, slack: { confirmed: 0 } });
  });
});
