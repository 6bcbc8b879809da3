import { describe, expect, it } from 'vitest';
import { HOUR } from '../../src/domain/calendar.js';
import type { Role } from '../../src/domain/constants.js';
import { ForbiddenError } from '../../src/lib/errors.js';
import { listSubscriberPage } from '../../src/routes/api-v1/reads.js';
import { createOwner, createResetLink, createResetLinkForEmail, createUser } from '../../src/services/auth/accounts.js';
import { systemActor, type Actor } from '../../src/services/auth/actor.js';
import { createApiToken } from '../../src/services/auth/api-tokens.js';
import { createComponent } from '../../src/services/components/components.js';
import { createGroup } from '../../src/services/components/groups.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { removeExampleContent, seedExampleContent } from '../../src/services/settings/example-page.js';
import { advanceMaintenance } from '../../src/services/maintenance/clock.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { scheduleMaintenance } from '../../src/services/maintenance/schedule.js';
import { snapshotDatabase } from '../security/support.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident, makeMaintenance } from '../support/factories.js';

/*
 * Services check the actor themselves, whatever the route did (issue 12: an
 * optional actor let a route skip the check). The lowest role of each service
 * is written here by hand, not read from domain/roles.ts, so that lowering a
 * permission there fails this file too.
 */

const ROLES_LOW_TO_HIGH: Role[] = ['viewer', 'comms', 'admin', 'owner'];
const below = (role: Role): Role[] => ROLES_LOW_TO_HIGH.slice(0, ROLES_LOW_TO_HIGH.indexOf(role));

interface Fixture {
  deps: TestDeps;
  incident: string;
  memberId: string;
  memberEmail: string;
}

async function fixture(): Promise<Fixture> {
  const deps = await createTestDeps();
  const incident = await makeIncident(deps);
  await makeMaintenance(deps, { scheduledFor: deps.clock.now() - HOUR, scheduledUntil: deps.clock.now() + HOUR });
  const { user } = await createUser(deps, FIXTURE_ACTOR, { email: 'member@example.com', name: 'Member', role: 'viewer' });
  return { deps, incident, memberId: user.id, memberEmail: user.email };
}

const SERVICES: { name: string; lowest: Role; call: (f: Fixture, actor: Actor) => Promise<unknown> }[] = [
  { name: 'createGroup', lowest: 'admin', call: (f, actor) => createGroup(f.deps, { name: 'Edge' }, actor) },
  { name: 'createComponent', lowest: 'admin', call: (f, actor) => createComponent(f.deps, { name: 'Search' }, actor) },
  { name: 'declareIncident', lowest: 'comms', call: (f, actor) => declareIncident(f.deps, { title: 'Outage', severity: 2, body: 'Looking.' }, actor) },
  {
    name: 'scheduleMaintenance',
    lowest: 'comms',
    call: (f, actor) =>
      scheduleMaintenance(f.deps, { title: 'Upgrade', body: 'Planned.', scheduledFor: f.deps.clock.now() + HOUR, scheduledUntil: f.deps.clock.now() + 2 * HOUR }, actor),
  },
  { name: 'postUpdate', lowest: 'comms', call: (f, actor) => postUpdate(f.deps, { incidentId: f.incident, status: 'identified', body: 'Found it.' }, actor) },
  { name: 'createApiToken', lowest: 'owner', call: (f, actor) => createApiToken(f.deps, actor, { name: 'bot', scope: 'owner' }) },
  { name: 'createResetLink', lowest: 'owner', call: (f, actor) => createResetLink(f.deps, actor, f.memberId) },
  { name: 'createResetLinkForEmail', lowest: 'owner', call: (f, actor) => createResetLinkForEmail(f.deps, actor, f.memberEmail) },
  { name: 'createOwner', lowest: 'owner', call: (f, actor) => createOwner(f.deps, { email: 'new-owner@example.com', password: 'a long enough password' }, actor) },
  { name: 'advanceMaintenance', lowest: 'comms', call: (f, actor) => advanceMaintenance(f.deps, actor, f.deps.clock.now()) },
  { name: 'removeExampleContent', lowest: 'admin', call: (f, actor) => removeExampleContent(f.deps, actor) },
  // A read, but of personal data (subscriber addresses).
  { name: 'listSubscriberPage', lowest: 'comms', call: (f, actor) => listSubscriberPage(f.deps, actor, { per_page: 50 }) },
];

describe('services that change the page or the team, or read personal data', () => {
  for (const service of SERVICES) {
    it(`${service.name} refuses every role below ${service.lowest} and writes nothing, and works for ${service.lowest}`, async () => {
      const f = await fixture();
      const before = await snapshotDatabase(f.deps);
      for (const role of below(service.lowest)) {
        await expect(service.call(f, memberActor(role)), `${service.name} as ${role}`).rejects.toBeInstanceOf(ForbiddenError);
      }
      expect(await snapshotDatabase(f.deps)).toEqual(before);
      await service.call(f, memberActor(service.lowest));
    });
  }
});

describe('the system actors', () => {
  it('names Herald itself in the audit log, with no member or token id', async () => {
    const f = await fixture();
    await createApiToken(f.deps, systemActor('command line'), { name: 'deploy-bot', scope: 'comms' });
    f.deps.clock.advance(HOUR);
    await advanceMaintenance(f.deps, systemActor('maintenance clock'), f.deps.clock.now());
    const entries = await f.deps.repos.audit.list({ limit: 20 });
    expect(entries.find((e) => e.action === 'token.create')).toMatchObject({ actor: 'system: command line', actorId: null });
    expect(entries.find((e) => e.action === 'maintenance.auto_complete')).toMatchObject({ actor: 'system: maintenance clock', actorId: null });
  });

  it('writes the example page as "system: example page", and each system actor can do only its own work', async () => {
    const f = await fixture();
    await seedExampleContent(f.deps, systemActor('example page'));
    const actors = new Set((await f.deps.repos.audit.list({ limit: 100 })).filter((e) => e.actorId === null).map((e) => e.actor));
    expect(actors).toEqual(new Set(['system: example page']));
    // The clock and the example page are not owners: a mix-up is refused, not audited under the wrong name.
    await expect(createApiToken(f.deps, systemActor('maintenance clock'), { name: 'x', scope: 'owner' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createResetLink(f.deps, systemActor('example page'), f.memberId)).rejects.toBeInstanceOf(ForbiddenError);
    for (const name of ['setup link', 'password link', 'forgot password form'] as const) {
      await expect(declareIncident(f.deps, { title: 'x', severity: 3, body: 'x' }, systemActor(name))).rejects.toBeInstanceOf(ForbiddenError);
    }
  });
});

// Never run: typecheck fails (npm run typecheck) if a service accepts a call without its actor again.
export function forgottenActorsDoNotCompile(deps: TestDeps): void {
  // @ts-expect-error the actor is required
  void declareIncident(deps, { title: 'x', severity: 3, body: 'x' });
  // @ts-expect-error the actor is required
  void postUpdate(deps, { incidentId: 'x', status: 'resolved', body: 'x' });
  // @ts-expect-error the actor is required
  void createComponent(deps, { name: 'x' });
  // @ts-expect-error null is not an actor
  void createApiToken(deps, null, { name: 'x', scope: 'viewer' });
}
