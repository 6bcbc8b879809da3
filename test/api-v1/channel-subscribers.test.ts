import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/domain/calendar.js';
import { createTestDeps } from '../support/deps.js';
import { makeIncident } from '../support/factories.js';
import { addChannelSubscriber, addDelivery, addUpdateNotice, SECRET_PATH } from '../admin/channel-fixtures.js';
import { client, expectError, iso, NOON } from './helpers.js';

async function setup() {
  const deps = await createTestDeps({ now: NOON });
  return { deps, comms: await client(deps, 'comms'), viewer: await client(deps, 'viewer') };
}

describe('GET /api/v1/channel-subscribers', () => {
  it('lists subscribers newest first with health and masked URLs, counts per type and status, and filters', async () => {
    const { deps, comms } = await setup();
    const hook = await addChannelSubscriber(deps, { type: 'webhook', contactEmail: 'ops@acme.example', lastSuccessAt: NOON });
    deps.clock.advance(MINUTE);
    const slack = await addChannelSubscriber(deps, { type: 'slack', lastFailureAt: NOON, lastFailureStatus: 404, lastFailureError: 'HTTP 404: no_service', failingSince: NOON });
    deps.clock.advance(MINUTE);
    const teams = await addChannelSubscriber(deps, { type: 'teams', status: 'disabled', disabledAt: NOON, failingSince: NOON - 72 * HOUR });

    const res = await comms.raw('GET', '/api/v1/channel-subscribers');
    expect(res.text).not.toContain(SECRET_PATH);
    const all = await comms.call('GET', '/api/v1/channel-subscribers');
    expect(all.data.map((s: { id: string }) => s.id)).toEqual([teams, slack, hook]);
    expect(all.data[1]).toEqual({
      id: slack,
      type: 'slack',
      contact_email: expect.stringMatching(/@customer\.example$/),
      host: 'hooks.slack.com',
      url_masked: 'https://hooks.slack.com/services/…',
      status: 'confirmed',
      health: 'failing',
      has_signing_secret: false,
      all_components: true,
      component_ids: [],
      group_ids: [],
      created_at: iso(NOON + MINUTE),
      updated_at: iso(NOON + MINUTE),
      confirmed_at: iso(NOON + MINUTE),
      last_success_at: null,
      last_failure_at: iso(NOON),
      last_failure_status: 404,
      last_failure_error: 'HTTP 404: no_service',
      failing_since: iso(NOON),
      disabled_at: null,
    });
    expect(all.data[2]).toMatchObject({ health: 'healthy', has_signing_secret: true, last_success_at: iso(NOON) });
    expect(all.data[0]).toMatchObject({ health: 'disabled', disabled_at: iso(NOON) });
    expect(all.counts.slack).toEqual({ pending: 0, confirmed: 1, disabled: 0 });
    expect(all.counts.teams).toEqual({ pending: 0, confirmed: 0, disabled: 1 });
    expect(all.pagination).toEqual({ per_page: 20, has_more: false, next_after: null });

    const ids = async (query: string) => (await comms.call('GET', `/api/v1/channel-subscribers?${query}`)).data.map((s: { id: string }) => s.id);
    expect(await ids('type=webhook')).toEqual([hook]);
    expect(await ids('status=disabled')).toEqual([teams]);
    expect(await ids('health=failing')).toEqual([slack]);
    expect(await ids('search=acme.example')).toEqual([hook]);
    expect(await ids('search=slack.com')).toEqual([slack]);
    expect(await ids('search=SECRET')).toEqual([]);
    for (const bad of ['type=sms', 'status=gone', 'health=ok', 'after=nope', 'per_page=101']) {
      expectError(await comms.raw('GET', `/api/v1/channel-subscribers?${bad}`), 400, 'invalid_input');
    }
  });

  it('pages with next_after', async () => {
    const { deps, comms } = await setup();
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push(await addChannelSubscriber(deps, { type: 'discord' }));
      deps.clock.advance(1000);
    }
    const first = await comms.call('GET', '/api/v1/channel-subscribers?per_page=2');
    expect(first.data.map((s: { id: string }) => s.id)).toEqual([made[2], made[1]]);
    expect(first.pagination.has_more).toBe(true);
    const second = await comms.call('GET', `/api/v1/channel-subscribers?per_page=2&after=${encodeURIComponent(first.pagination.next_after)}`);
    expect(second.data.map((s: { id: string }) => s.id)).toEqual([made[0]]);
    expect(second.pagination).toEqual({ per_page: 2, has_more: false, next_after: null });
  });

  it('is refused to a viewer (403) for every operation, and changes nothing', async () => {
    const { deps, viewer } = await setup();
    const id = await addChannelSubscriber(deps, { type: 'slack', status: 'disabled', disabledAt: NOON });
    expectError(await viewer.raw('GET', '/api/v1/channel-subscribers'), 403, 'forbidden');
    expectError(await viewer.raw('GET', `/api/v1/channel-subscribers/${id}`), 403, 'forbidden');
    expectError(await viewer.raw('DELETE', `/api/v1/channel-subscribers/${id}`), 403, 'forbidden');
    expectError(await viewer.raw('POST', `/api/v1/channel-subscribers/${id}/enable`), 403, 'forbidden');
    expect((await deps.repos.channelSubscribers.findById(id))!.status).toBe('disabled');
  });
});

describe('one channel subscriber', () => {
  it('gets it with its deliveries newest first, the URL masked in errors too', async () => {
    const { deps, comms } = await setup();
    const id = await addChannelSubscriber(deps, { type: 'discord' });
    const incident = await makeIncident(deps);
    const updateId = (await deps.repos.incidents.findById(incident))!.updates[0]!.id;
    const first = await addUpdateNotice(deps, updateId);
    await addDelivery(deps, first, id, 'sent', { latencyMs: 12 });
    deps.clock.advance(MINUTE);
    const second = await addUpdateNotice(deps, updateId);
    await addDelivery(deps, second, id, 'failed', { responseStatus: 429, error: `rate limited at https://discord.com/api/webhooks/${SECRET_PATH}` });
    const res = await comms.raw('GET', `/api/v1/channel-subscribers/${id}`);
    expect(res.text).not.toContain(SECRET_PATH);
    const detail = await comms.call('GET', `/api/v1/channel-subscribers/${id}`);
    expect(detail.deliveries.map((d: { notice_id: string; status: string }) => [d.notice_id, d.status])).toEqual([
      [second, 'failed'],
      [first, 'sent'],
    ]);
    expect(detail.deliveries[0]).toMatchObject({
      message_id: `msg_${second}_${id}`,
      kind: 'incident',
      update_id: updateId,
      component_id: null,
      response_status: 429,
      error: 'rate limited at https://discord.com/…',
    });
    expectError(await comms.raw('GET', '/api/v1/channel-subscribers/nosuchone'), 404, 'not_found');
  });

  it('deletes it (204), audited with the masked URL only; 404 after', async () => {
    const { deps, comms } = await setup();
    const id = await addChannelSubscriber(deps, { type: 'slack' });
    await comms.call('DELETE', `/api/v1/channel-subscribers/${id}`, undefined, 204);
    expect(await deps.repos.channelSubscribers.findById(id)).toBeUndefined();
    const [entry] = await deps.repos.audit.list({ limit: 1 });
    expect(entry).toMatchObject({ action: 'channel_subscriber.remove', actor: 'token: test comms', targetId: id });
    expect(entry!.details).toContain('https://hooks.slack.com/services/…');
    expect(JSON.stringify(await deps.repos.audit.list({ limit: 50 }))).not.toContain('SECRET');
    expectError(await comms.raw('DELETE', `/api/v1/channel-subscribers/${id}`), 404, 'not_found');
  });

  it('re-enables a disabled one (200), 409 when it is not disabled', async () => {
    const { deps, comms } = await setup();
    const id = await addChannelSubscriber(deps, { type: 'webhook', status: 'disabled', failingSince: NOON - 80 * HOUR, disabledAt: NOON - HOUR, disabledNoticeAt: NOON - HOUR });
    const enabled = await comms.call('POST', `/api/v1/channel-subscribers/${id}/enable`, undefined, 200);
    expect(enabled).toMatchObject({ id, status: 'confirmed', health: 'healthy', failing_since: null, disabled_at: null });
    expect(await deps.repos.channelSubscribers.findById(id)).toMatchObject({ status: 'confirmed', disabledNoticeAt: null });
    expect((await deps.repos.audit.list({ limit: 1 }))[0]).toMatchObject({ action: 'channel_subscriber.enable', targetId: id });
    expectError(await comms.raw('POST', `/api/v1/channel-subscribers/${id}/enable`), 409, 'conflict');
  });
});

describe('channel counts in an incident’s delivery progress', () => {
  it('counts each update’s messages per channel type and status, and is in progress while any waits', async () => {
    const { deps, viewer } = await setup();
    const incident = await makeIncident(deps);
    const updateId = (await deps.repos.incidents.findById(incident))!.updates[0]!.id;
    const notice = await addUpdateNotice(deps, updateId);
    await addDelivery(deps, notice, await addChannelSubscriber(deps, { type: 'webhook' }), 'sent');
    await addDelivery(deps, notice, await addChannelSubscriber(deps, { type: 'teams' }), 'failed');
    const sending = await addChannelSubscriber(deps, { type: 'teams' });
    await addDelivery(deps, notice, sending, 'sending');
    const progress = await viewer.call('GET', `/api/v1/incidents/${incident}/deliveries`);
    expect(progress.in_progress).toBe(true);
    expect(progress.updates[0].channels).toEqual({
      webhook: { queued: 0, sending: 0, sent: 1, failed: 0 },
      slack: { queued: 0, sending: 0, sent: 0, failed: 0 },
      teams: { queued: 0, sending: 1, sent: 0, failed: 1 },
      discord: { queued: 0, sending: 0, sent: 0, failed: 0 },
    });
    await deps.db.atomic([deps.repos.channelSubscribers.delete(sending)]);
    expect((await viewer.call('GET', `/api/v1/incidents/${incident}/deliveries`)).in_progress).toBe(false);
  });
});
