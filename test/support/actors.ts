import type { Role } from '../../src/domain/constants.js';
import { systemActor, type Actor } from '../../src/services/auth/actor.js';

/** A team member with `role`, for tests that call services directly instead of through a session. */
export function memberActor(role: Role): Actor {
  return { kind: 'user', id: `test-${role}`, label: `Test ${role} <${role}@example.com>`, role };
}

/** Who writes the rows a test starts from: an owner, so no fixture depends on the role under test. */
export const FIXTURE_ACTOR: Actor = memberActor('owner');

/** The maintenance clock, as services/background.ts passes it. */
export const CLOCK: Actor = systemActor('maintenance clock');
