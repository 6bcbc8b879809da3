import { beforeEach, describe, expect, it } from 'vitest';
import type { InternalNotification } from '../../src/channels/message.js';
import { wants } from '../../src/domain/notify.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { memberActor, FIXTURE_ACTOR } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeDestination } from '../support/factories.js';

/*
 * What the company's own channels are queued when an incident is declared or
 * updated (services/destinations/notify.ts): routing, the message as built
 * when queued, and the cases nobody is told of. Sending is deliveries.ts's.
 */


async function queued(deps: TestDeps, destinationId: string): Promise<{ kind: string; message: InternalNotification; incidentId: string | null }[]> {
  const rows = await deps.repos.destinations.deliveriesOf(destinationId, 100);
  return rows.reverse().map((row) => ({ kind: row.kind, message: row.message as unknown as InternalNotification, incidentId: row.incidentId }));
}

describe('wants: a destination routing', () => {
  it.each([
    { case: 'everything', routing: { severities: null, componentIds: null }, severity: 3, components: [], wanted: true },
    { case: 'SEV-1 only, a SEV-1', routing: { severities: [1], componentIds: null }, severity: 1, components: [], wanted: true },
    { case: 'SEV-1 only, a SEV-2', routing: { severities: [1], componentIds: null }, severity: 2, components: [], wanted: false },
    { case: 'Payments, touching Payments and API', routing: { severities: null, componentIds: ['pay'] }, severity: 3, components: ['api', 'pay'], wanted: true },
    { case: 'Payments, touching API only', routing: { severities: null, componentIds: ['pay'] }, severity: 3, components: ['api'], wanted: false },
    { case: 'Payments, touching nothing', routing: { severities: null, componentIds: ['pay'] }, severity: 1, components: [], wanted: false },
    { case: 'both, one matches', routing: { severities: [1, 2], componentIds: ['pay'] }, severity: 3, components: ['pay'], wanted: false },
  ])('$case', ({ routing, severity, components, wanted }) => {
    expect(wants(routing, { severity, componentIds: components })).toBe(wanted);
  });
});

describe('notifyDestinations: queued in the publishing write', () => {
  let deps: TestDeps;
  beforeEach(async () => {
    deps = await createTestDeps();
  });

  it('declaring queues a declaration for every destination that wants it, with the facts as they were', async () => {
    const payments = await makeComponent(deps, { name: 'Payments' });
    const all = await makeDestination(deps);
    const exec = await makeDestination(deps, { severities: [1] });
    const paymentsChannel = await makeDestination(deps, { componentIds: [payments] });
    const paused = await makeDestination(deps, { pausedAt: deps.clock.now() });

    const id = await declareIncident(
      deps,
      {
        title: 'Card payments failing',
        severity: 2,
        body: 'Card payments fail for about 30% of customers.',
        components: [{ componentId: payments, status: 'partial_outage' }],
        warRoomUrl: 'https://meet.example.com/war-room',
        roles: { ops_lead: { name: '@grace' } },
      },
      memberActor('comms'),
    );

    expect(await queued(deps, exec)).toEqual([]);
    expect(await queued(deps, paused)).toEqual([]);
    const [toAll] = await queued(deps, all);
    expect(await queued(deps, paymentsChannel)).toEqual([toAll]);
    expect(toAll!.kind).toBe('declaration');
    expect(toAll!.incidentId).toBe(id);
    const message = toAll!.message;
    expect(message).toMatchObject({
      kind: 'declaration',
      incidentId: id,
      title: 'Card payments failing',
      severity: 2,
      severityLabel: 'SEV-2',
      status: 'Investigating',
      text: 'Card payments fail for about 30% of customers.',
      postedOnStatusPage: true,
      links: {
        admin: `http://status.test/admin/incidents/${id}`,
        public: `http://status.test/incidents/${id}`,
        warRoom: 'https://meet.example.com/war-room',
        dashboard: null,
        runbook: null,
      },
    });
    // The test actor has no account row, so nobody is named by default; the given Ops Lead is.
    expect(message.roles).toEqual({ incidentCommander: null, commsLead: null });
    expect(message.extraFacts).toEqual([
      { label: 'Components', value: 'Payments' },
      { label: 'Ops Lead', value: '@grace' },
    ]);
  });

  it('updates queue "update", and the Resolved update "resolution"; maintenance, the example page and backfill tell no one', async () => {
    const dest = await makeDestination(deps);
    const id = await declareIncident(deps, { title: 'Slow API', severity: 3, body: 'Looking.' }, FIXTURE_ACTOR);
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'Found it.', nextUpdateAt: deps.clock.now() + 30 * 60_000 }, FIXTURE_ACTOR);
    await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
    // Backfill: dated two hours before it is written.
    await declareIncident(deps, { title: 'Last night', severity: 1, body: 'x', startedAt: deps.clock.now() - 2 * 3_600_000 }, FIXTURE_ACTOR);
    await declareIncident(deps, { title: 'Example', severity: 1, body: 'x', example: true }, FIXTURE_ACTOR);

    const rows = await queued(deps, dest);
    expect(rows.map((r) => [r.kind, r.message.title, r.message.status])).toEqual([
      ['declaration', 'Slow API', 'Investigating'],
      ['update', 'Slow API', 'Identified'],
      ['resolution', 'Slow API', 'Resolved'],
    ]);
    expect(rows[1]!.message.nextUpdateAt).toBe(deps.clock.now() + 30 * 60_000);
    expect(rows[2]!.message.nextUpdateAt).toBeNull();
  });

  it('a destination added later gets nothing from before; a failed publish queues nothing', async () => {
    const id = await declareIncident(deps, { title: 'Before', severity: 2, body: 'x' }, FIXTURE_ACTOR);
    const dest = await makeDestination(deps);
    await expect(postUpdate(deps, { incidentId: id, status: 'investigating', body: 'Still {{impact}}' }, FIXTURE_ACTOR)).rejects.toThrow(/placeholders/);
    expect(await queued(deps, dest)).toEqual([]);
  });
});
