// The Statuspage-format webhook body customers get (issue 18), checked key by
// key against Atlassian's documented and delivered examples
// (test/fixtures/statuspage/), built from pure inputs and through the real
// noticePayload over a real SQLite database; signed per Standard Webhooks and
// verified with the `standardwebhooks` package.
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderForSubscriber, statuspageWebhookBody, type CustomerNotification } from '../../src/channels/customer.js';
import type { ComponentStatus } from '../../src/domain/constants.js';
import { newId } from '../../src/lib/ids.js';
import { postOutbound } from '../../src/lib/outbound.js';
import { noticePayload } from '../../src/services/customer-channels/payloads.js';
import { postInternalUpdate } from '../../src/services/incidents/internal-updates.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { startReceiver, statuspageFixture, statuspageProblems, STATUSPAGE_EXTRA_KEYS } from '../support/fake-receivers.js';
import { DELIVERY, componentNotification, incidentNotification, maintenanceNotification } from './customer-fixtures.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
type Json = Record<string, unknown>;

const INCIDENT_FIXTURES = ['atlassian-incident.json', 'zulip-incident-created.json', 'zulip-incident-update.json'];
const COMPONENT_FIXTURES = ['atlassian-component.json', 'zulip-component-status-update.json'];

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** The places where some example has a null: a time or text that may be absent. */
const NULLABLE = new Set<string>();
(function collect(value: unknown, path: string): void {
  if (value === null) NULLABLE.add(path);
  else if (Array.isArray(value)) value.forEach((item) => collect(item, `${path}[]`));
  else if (typeof value === 'object') for (const [key, child] of Object.entries(value as Json)) collect(child, `${path}.${key}`);
})([...INCIDENT_FIXTURES, ...COMPONENT_FIXTURES].map(statuspageFixture), '$list');

/** Every key of `example` is in `ours`, with the same type (null too where some example has a null; a string where this one does). */
function expectSameKeys(ours: Json, example: Json, path: string): void {
  for (const [key, value] of Object.entries(example)) {
    expect(Object.keys(ours), `${path}.${key}`).toContain(key);
    const mine = ours[key];
    const nullable = NULLABLE.has(`$list[]${path.slice(1)}.${key}`);
    if (value === null) expect(['null', 'string'], `${path}.${key}`).toContain(typeOf(mine));
    else if (mine === null) expect(nullable, `${path}.${key} is null, never null in the examples`).toBe(true);
    else expect(typeOf(mine), `${path}.${key}`).toBe(typeOf(value));
    if (typeOf(value) === 'object') expectSameKeys(mine as Json, value as Json, `${path}.${key}`);
    if (Array.isArray(value) && value[0] && typeOf(value[0]) === 'object') {
      expect((mine as unknown[]).length, `${path}.${key} has items`).toBeGreaterThan(0);
      for (const item of mine as Json[]) expectSameKeys(item, value[0] as Json, `${path}.${key}[]`);
    }
  }
}

function body(n: CustomerNotification): Json {
  return JSON.parse(JSON.stringify(statuspageWebhookBody(n, DELIVERY))) as Json;
}

describe('the Statuspage webhook body, from fixed inputs', () => {
  it.each(INCIDENT_FIXTURES)('has every key of %s at every level, with the same types', (name) => {
    expectSameKeys(body(incidentNotification()), statuspageFixture(name), '$');
  });

  it.each(COMPONENT_FIXTURES)('has every key of %s at every level, with the same types', (name) => {
    expectSameKeys(body(componentNotification()), statuspageFixture(name), '$');
  });

  it('adds nothing but the /api/v2 incident keys the webhook lacks, and passes the receivers\' shape check', () => {
    const incident = body(incidentNotification());
    expect(statuspageProblems(incident)).toEqual([]);
    expect(statuspageProblems(body(componentNotification()))).toEqual([]);
    expect(statuspageProblems(body(maintenanceNotification()))).toEqual([]);
    const union = new Set(INCIDENT_FIXTURES.flatMap((name) => Object.keys(statuspageFixture(name).incident as Json)));
    expect(Object.keys(incident.incident as Json).filter((key) => !union.has(key))).toEqual(STATUSPAGE_EXTRA_KEYS.incident);
  });

  it('writes meta, page and the announced update first, with ISO times', () => {
    const b = body(incidentNotification());
    expect(b.meta).toEqual({
      unsubscribe: DELIVERY.unsubscribeUrl,
      documentation: 'https://status.example.com/subscribe/webhooks',
      generated_at: '2025-03-04T05:06:00.000Z',
    });
    expect(b.page).toEqual({ id: 'page123', status_indicator: 'minor', status_description: 'Minor Service Outage' });
    const incident = b.incident as Json & { incident_updates: Json[] };
    expect(incident.incident_updates.map((u) => u.id)).toEqual(['upd_2', 'upd_1']);
    expect(incident.incident_updates[0]!.affected_components).toEqual([
      { code: 'cmp_api', name: 'API', old_status: 'operational', new_status: 'degraded_performance' },
    ]);
    expect(incident).toMatchObject({ scheduled_for: null, scheduled_until: null, backfilled: false, organization_id: 'page123', page_id: 'page123' });
  });

  it('gives a maintenance its window and the automatic transitions Herald makes', () => {
    const incident = body(maintenanceNotification()).incident as Json;
    expect(incident).toMatchObject({
      status: 'scheduled',
      impact: 'maintenance',
      scheduled_for: '2025-03-04T06:06:00.000Z',
      scheduled_until: '2025-03-04T07:06:00.000Z',
      scheduled_auto_in_progress: true,
      scheduled_auto_completed: true,
    });
  });

  it('has a shape check that reports a missing key, a wrong type, a non-ISO time, an unknown key and the wrong order', () => {
    const b = body(incidentNotification()) as Json & { incident: Json & { incident_updates: Json[] } };
    delete (b.meta as Json).generated_at;
    b.incident.impact = 3;
    b.incident.created_at = '2025-03-04 05:06';
    b.incident.severity = 'SEV-1';
    b.incident.incident_updates.reverse();
    delete (b.incident.incident_updates[0]!.affected_components as Json[])[0];
    const problems = statuspageProblems(b);
    expect(problems).toContain('meta.generated_at: missing');
    expect(problems).toContain('incident.impact: number, the examples have string');
    expect(problems).toContain('incident.created_at: not an ISO 8601 time (2025-03-04 05:06)');
    expect(problems).toContain("incident.severity: not in Statuspage's examples");
    expect(problems).toContain('incident.incident_updates: not newest first');
    expect(statuspageProblems({ meta: {}, page: {} })).toEqual(['neither incident nor component_update']);
  });
});

describe('the Statuspage webhook request', () => {
  it('sends the same body on every attempt, webhook-id = the message id, verified by standardwebhooks', async () => {
    const n = incidentNotification();
    const target = { type: 'webhook' as const, signingSecret: SECRET };
    const first = await renderForSubscriber(target, n, DELIVERY, Date.now() - 60_000);
    const second = await renderForSubscriber(target, n, DELIVERY, Date.now());
    expect(second.body).toBe(first.body);
    expect(first.body).toBe(JSON.stringify(statuspageWebhookBody(n, DELIVERY)));
    expect(second.headers['webhook-id']).toBe(DELIVERY.messageId);
    expect(first.headers['webhook-id']).toBe(DELIVERY.messageId);
    expect(second.headers['content-type']).toBe('application/json');
    expect(new Webhook(SECRET).verify(second.body, second.headers)).toEqual(JSON.parse(second.body));
    expect(() => new Webhook(SECRET).verify(second.body.replace('Checkout', 'Checkin'), second.headers)).toThrow(/signature/i);
    expect(() => new Webhook(SECRET).verify(second.body, { ...second.headers, 'webhook-id': 'msg_other' })).toThrow(/signature/i);
  });

  it('is accepted by the statuspage receiver through the real outbound POST', async () => {
    const receiver = await startReceiver('statuspage');
    try {
      for (const n of [incidentNotification(), componentNotification(), maintenanceNotification()]) {
        const request = await renderForSubscriber({ type: 'webhook', signingSecret: receiver.secret }, n, DELIVERY, Date.now());
        const result = await postOutbound(receiver.url, { body: request.body, headers: request.headers, resolve: null, allowLoopback: true });
        expect(result.outcome).toBe('ok');
      }
      const received = await receiver.waitFor(3);
      expect(received.map((r) => r.problems)).toEqual([[], [], []]);
      expect(received.map((r) => r.headers['webhook-id'])).toEqual([DELIVERY.messageId, DELIVERY.messageId, DELIVERY.messageId]);
    } finally {
      await receiver.close();
    }
  });

  it('is refused by the statuspage receiver when signed with another secret', async () => {
    const receiver = await startReceiver('statuspage');
    try {
      const request = await renderForSubscriber({ type: 'webhook', signingSecret: SECRET }, incidentNotification(), DELIVERY, Date.now());
      const result = await postOutbound(receiver.url, { body: request.body, headers: request.headers, resolve: null, allowLoopback: true });
      expect(result.status).toBe(400);
      expect(receiver.received[0]!.problems.join(' ')).toMatch(/standardwebhooks/);
    } finally {
      await receiver.close();
    }
  });
});

describe('the Statuspage webhook body, through noticePayload over a real database', () => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps();
  });
  afterEach(() => deps.db.close());

  async function notice(fields: { updateId?: string; componentId?: string; oldStatus?: ComponentStatus; newStatus?: ComponentStatus }): Promise<string> {
    const id = newId();
    const now = deps.clock.now();
    await deps.db.atomic([
      deps.repos.customerNotices.insert({
        id,
        kind: fields.updateId ? 'incident' : 'component',
        updateId: fields.updateId ?? null,
        componentId: fields.componentId ?? null,
        oldStatus: fields.oldStatus ?? null,
        newStatus: fields.newStatus ?? null,
        state: 'ready',
        dueAt: now,
        createdAt: now,
        updatedAt: now,
      }),
    ]);
    return id;
  }

  async function payloadOf(noticeId: string): Promise<CustomerNotification> {
    const row = await deps.repos.customerNotices.findById(noticeId);
    return noticePayload(deps, row!, deps.clock.now());
  }

  it('matches the examples key by key for a declared and updated incident, newest update first, with no internal text', async () => {
    const api = await makeComponent(deps, { name: 'API' });
    const web = await makeComponent(deps, { name: 'Web app' });
    const incidentId = await makeIncident(deps, {
      title: 'Checkout failing',
      body: 'We are investigating errors at checkout.',
      components: [{ componentId: api, status: 'degraded_performance' }],
    });
    deps.clock.advance(5 * 60_000);
    await postInternalUpdate(deps, incidentId, { body: 'INTERNAL-ONLY: db primary is on fire' }, FIXTURE_ACTOR);
    deps.clock.advance(5 * 60_000);
    const updateId = await postUpdate(
      deps,
      { incidentId, status: 'identified', body: 'A bad deploy; we are **rolling back**.', components: [{ componentId: web, status: 'partial_outage' }] },
      FIXTURE_ACTOR,
    );
    deps.clock.advance(1000);

    const n = await payloadOf(await notice({ updateId }));
    const b = body(n);
    for (const name of INCIDENT_FIXTURES) expectSameKeys(b, statuspageFixture(name), '$');
    expect(statuspageProblems(b)).toEqual([]);
    const incident = b.incident as Json & { incident_updates: Json[] };
    expect(incident).toMatchObject({ id: incidentId, name: 'Checkout failing', status: 'identified', shortlink: `http://status.test/incidents/${incidentId}` });
    expect(incident.incident_updates.map((u) => u.id)).toEqual([updateId, expect.any(String)]);
    expect(incident.incident_updates[0]).toMatchObject({ status: 'identified', body: 'A bad deploy; we are **rolling back**.' });
    expect(incident.incident_updates[0]!.affected_components).toEqual([{ code: web, name: 'Web app', old_status: 'operational', new_status: 'partial_outage' }]);
    expect(incident.incident_updates[1]!.affected_components).toEqual([{ code: api, name: 'API', old_status: 'operational', new_status: 'degraded_performance' }]);

    for (const type of ['webhook', 'slack', 'teams', 'discord'] as const) {
      const request = await renderForSubscriber({ type, signingSecret: SECRET }, n, DELIVERY, deps.clock.now());
      expect(request.body).not.toContain('INTERNAL-ONLY');
      expect(request.body).not.toContain('/admin');
      expect(request.body).not.toMatch(/SEV-\d|severity/i);
    }
  });

  it('shows the incident as it stood at an earlier announced update', async () => {
    const incidentId = await makeIncident(deps, { title: 'Slow search', body: 'Searching is slow.' });
    const first = (await deps.repos.incidents.findById(incidentId))!.updates[0]!.id;
    deps.clock.advance(60_000);
    await postUpdate(deps, { incidentId, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    const b = body(await payloadOf(await notice({ updateId: first })));
    const incident = b.incident as Json & { incident_updates: Json[] };
    expect(incident.incident_updates.map((u) => u.id)).toEqual([first]);
    expect(statuspageProblems(b)).toEqual([]);
  });

  it('matches the examples key by key for a component notice', async () => {
    const api = await makeComponent(deps, { name: 'API' });
    const b = body(await payloadOf(await notice({ componentId: api, oldStatus: 'operational', newStatus: 'major_outage' })));
    for (const name of COMPONENT_FIXTURES) expectSameKeys(b, statuspageFixture(name), '$');
    expect(statuspageProblems(b)).toEqual([]);
    expect(b.component_update).toMatchObject({ old_status: 'operational', new_status: 'major_outage', component_type: 'Component', component_id: api });
    expect(b.component).toMatchObject({ id: api, name: 'API', status: 'major_outage' });
  });
});
