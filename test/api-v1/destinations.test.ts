import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent } from '../support/factories.js';
import { client, expectError, NOON } from './helpers.js';

/*
 * /api/v1/destinations: admin scope; snake_case bodies; the URL only as
 * url_masked, the signing secret only in the create and rotate answers.
 * Every success is checked against its documented model by `client`.
 */

const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/SECRETslackTOKEN123';
const WEBHOOK_URL = 'https://receiver.example.com/hooks/SECRETwebhookPATH789';

async function setup(allowLoopback = false): Promise<{ deps: TestDeps; api: Awaited<ReturnType<typeof client>> }> {
  const deps = await createTestDeps({ now: NOON, config: { outbound: { allowLoopback } } as unknown as Partial<AppConfig> });
  return { deps, api: await client(deps, 'admin') };
}

const auditText = async (deps: TestDeps): Promise<string> => JSON.stringify(await deps.repos.audit.list({ limit: 100 }));

describe('/api/v1/destinations', () => {
  it('creates, reads, lists, updates and deletes a destination, showing the URL only masked', async () => {
    const { deps, api } = await setup();
    const payments = await makeComponent(deps, { name: 'Payments' });
    const created = await api.call('POST', '/api/v1/destinations', {
      name: '#payments-incidents',
      type: 'slack',
      url: SLACK_URL,
      severities: [2, 1, 1],
      components: [payments],
    });
    expect(created).toMatchObject({
      name: '#payments-incidents',
      type: 'slack',
      url_masked: 'https://hooks.slack.com/services/…',
      has_signing_secret: false,
      signing_secret: null,
      severities: [1, 2],
      components: [payments],
      allow_private: false,
      paused: false,
      paused_at: null,
      last_delivery: null,
    });
    const id = created.id as string;
    const one = await api.call('GET', `/api/v1/destinations/${id}`);
    expect(one).toMatchObject({ id, url_masked: 'https://hooks.slack.com/services/…', deliveries: [] });
    const all = await api.call('GET', '/api/v1/destinations');
    expect(all.data.map((d: { id: string }) => d.id)).toEqual([id]);

    // PATCH: only what is sent changes; the URL stays unless sent.
    const renamed = await api.call('PATCH', `/api/v1/destinations/${id}`, { name: '#payments', severities: null, paused: true });
    expect(renamed).toMatchObject({ name: '#payments', severities: null, components: [payments], paused: true, paused_at: '2026-11-23T12:00:00.000Z', signing_secret: null });
    expect((await deps.repos.destinations.findById(id))!.url).toBe(SLACK_URL);
    await api.call('PATCH', `/api/v1/destinations/${id}`, { url: 'https://hooks.slack.com/services/T9/B9/NEWsecretTOKEN', components: null, paused: false });
    expect(await deps.repos.destinations.findById(id)).toMatchObject({ url: 'https://hooks.slack.com/services/T9/B9/NEWsecretTOKEN', componentIds: null, pausedAt: null });

    const texts = [created, one, all, renamed].map((x) => JSON.stringify(x)).join('\n');
    expect(texts).not.toContain('SECRETslackTOKEN123');
    expect(texts).not.toContain('T0001');
    const audit = await auditText(deps);
    expect(audit).toContain('destination.update');
    expect(audit).not.toContain('SECRETslackTOKEN123');
    expect(audit).not.toContain('NEWsecretTOKEN');

    await api.call('DELETE', `/api/v1/destinations/${id}`, undefined, 204);
    expectError(await api.raw('GET', `/api/v1/destinations/${id}`), 404, 'not_found');
    expect(await auditText(deps)).toContain('destination.delete');
  });

  it('returns a webhook signing secret once, on create and on rotate, and never in reads', async () => {
    const { deps, api } = await setup();
    const created = await api.call('POST', '/api/v1/destinations', { name: 'pager', type: 'webhook', url: WEBHOOK_URL });
    expect(created.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.has_signing_secret).toBe(true);
    const id = created.id as string;
    expect((await deps.repos.destinations.findById(id))!.signingSecret).toBe(created.signing_secret);
    const read = JSON.stringify([await api.call('GET', `/api/v1/destinations/${id}`), await api.call('GET', '/api/v1/destinations')]);
    expect(read).not.toContain(created.signing_secret.slice(6));
    expect(read).not.toContain('SECRETwebhookPATH789');

    const rotated = await api.call('POST', `/api/v1/destinations/${id}/rotate-secret`, undefined, 200);
    expect(rotated).toEqual({ id, signing_secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.signing_secret).not.toBe(created.signing_secret);
    expect((await deps.repos.destinations.findById(id))!.signingSecret).toBe(rotated.signing_secret);
    const patched = await api.call('PATCH', `/api/v1/destinations/${id}`, { name: 'pager-2' });
    expect(patched.signing_secret).toBeNull();
    const audit = await auditText(deps);
    for (const secret of [created.signing_secret, rotated.signing_secret]) expect(audit).not.toContain(secret.slice(6));

    const slack = await api.call('POST', '/api/v1/destinations', { name: 'chat', type: 'slack', url: SLACK_URL });
    expect(expectError(await api.raw('POST', `/api/v1/destinations/${slack.id}/rotate-secret`), 409, 'conflict').message).toMatch(/webhook/);
    // Becoming a webhook creates a secret, shown in that answer.
    const becomes = await api.call('PATCH', `/api/v1/destinations/${slack.id}`, { type: 'webhook' });
    expect(becomes.signing_secret).toMatch(/^whsec_/);
  });

  it('answers 400 with messages per field: bad URL, plain http, bad type, bad severity, unknown component, unknown field', async () => {
    const { deps, api } = await setup();
    const base = { name: 'x', type: 'slack', url: SLACK_URL };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, url: 'nope SECRETbad' }, 'url', /must be a URL/],
      [{ ...base, url: 'http://hooks.slack.com/services/SECRETplain' }, 'url', /https/],
      [{ ...base, url: 'http://127.0.0.1:8080/SECRETloop' }, 'url', /https/],
      [{ ...base, url: 'https://169.254.169.254/SECRETmeta' }, 'url', /link-local/],
      [{ ...base, type: 'irc' }, 'type', /./],
      [{ ...base, severities: [5] }, 'severities.0', /1, 2, 3 or 4/],
      [{ ...base, severities: [] }, 'severities', /at least one/],
      [{ ...base, components: ['zzzzzzzzzzzz'] }, 'components', /no such component: zzzzzzzzzzzz/],
      [{ ...base, components: ['Not An Id'] }, 'components.0', /Herald id/],
      [{ ...base, webhook_secret: 'mine' }, 'webhook_secret', /not a field/],
      [{ type: 'slack', url: SLACK_URL }, 'name', /required/],
    ];
    for (const [body, field, message] of cases) {
      const error = expectError(await api.raw('POST', '/api/v1/destinations', body), 400, 'invalid_input');
      expect(error.fields?.[field], `${JSON.stringify(body)}: ${JSON.stringify(error)}`).toBeDefined();
      expect(error.fields![field]!.join(' ')).toMatch(message);
      expect(JSON.stringify(error)).not.toContain('SECRET');
    }
    const { id } = await api.call('POST', '/api/v1/destinations', base);
    const patch = expectError(await api.raw('PATCH', `/api/v1/destinations/${id}`, { url: 'http://example.com/SECRETx' }), 400, 'invalid_input');
    expect(patch.fields?.url).toBeDefined();
    expect(await deps.repos.destinations.list()).toHaveLength(1);
  });

  it('accepts http to loopback when OUTBOUND_ALLOW_LOOPBACK allows it', async () => {
    const { api } = await setup(true);
    const created = await api.call('POST', '/api/v1/destinations', { name: 'local', type: 'webhook', url: 'http://127.0.0.1:9999/hook' });
    expect(created.url_masked).toBe('http://127.0.0.1:9999/…');
  });

  it('queues a test message of kind test through the outbox, also for a paused destination', async () => {
    const { deps, api } = await setup();
    const { id } = await api.call('POST', '/api/v1/destinations', { name: 'chat', type: 'discord', url: 'https://discord.com/api/webhooks/1/SECRETdiscord' });
    const test = await api.call('POST', `/api/v1/destinations/${id}/test`);
    expect(test).toMatchObject({ paused: false, delivery: { kind: 'test', status: 'queued', incident_id: null, attempts: 0, response_status: null } });
    const rows = await deps.repos.destinations.deliveriesOf(id, 10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'test', status: 'queued', messageId: test.delivery.message_id });
    expect((await api.call('GET', `/api/v1/destinations/${id}`)).last_delivery).toMatchObject({ kind: 'test', status: 'queued' });

    await api.call('PATCH', `/api/v1/destinations/${id}`, { paused: true });
    expect((await api.call('POST', `/api/v1/destinations/${id}/test`)).paused).toBe(true);
    expect(await deps.repos.destinations.deliveriesOf(id, 10)).toHaveLength(2);
  });

  it('routes a declared incident to active destinations that want it, and not to paused ones', async () => {
    const { deps, api } = await setup();
    const payments = await makeComponent(deps, { name: 'Payments' });
    const wanted = await api.call('POST', '/api/v1/destinations', { name: 'pay', type: 'slack', url: SLACK_URL, components: [payments] });
    const paused = await api.call('POST', '/api/v1/destinations', { name: 'off', type: 'slack', url: SLACK_URL, paused: true });
    const sev1 = await api.call('POST', '/api/v1/destinations', { name: 'exec', type: 'slack', url: SLACK_URL, severities: [1] });
    await declareIncident(deps, { title: 'Payments failing', severity: 2, body: 'Looking.', components: [{ componentId: payments, status: 'major_outage' }] }, FIXTURE_ACTOR);
    const kinds = async (id: string) => (await deps.repos.destinations.deliveriesOf(id, 10)).map((d) => d.kind);
    expect(await kinds(wanted.id)).toEqual(['declaration']);
    expect(await kinds(paused.id)).toEqual([]);
    expect(await kinds(sev1.id)).toEqual([]);
  });

  it('refuses viewer and comms tokens with 403 and writes nothing', async () => {
    const { deps, api } = await setup();
    const { id } = await api.call('POST', '/api/v1/destinations', { name: 'secret-room', type: 'slack', url: SLACK_URL });
    for (const role of ['viewer', 'comms'] as const) {
      const other = await client(deps, role);
      for (const [method, path, body] of [
        ['GET', '/api/v1/destinations', undefined],
        ['GET', `/api/v1/destinations/${id}`, undefined],
        ['POST', '/api/v1/destinations', { name: 'x', type: 'slack', url: SLACK_URL }],
        ['PATCH', `/api/v1/destinations/${id}`, { name: 'y' }],
        ['DELETE', `/api/v1/destinations/${id}`, undefined],
        ['POST', `/api/v1/destinations/${id}/test`, undefined],
        ['POST', `/api/v1/destinations/${id}/rotate-secret`, undefined],
      ] as const) {
        const res = await other.raw(method, path, body);
        expectError(res, 403, 'forbidden');
        expect(res.text).not.toContain('secret-room');
      }
    }
    expect((await deps.repos.destinations.list()).map((d) => d.name)).toEqual(['secret-room']);
    expect(await deps.repos.destinations.deliveriesOf(id, 10)).toEqual([]);
  });
});
