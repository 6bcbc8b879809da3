import type { ComponentStatus } from '../../src/domain/constants.js';
import type { DestinationRow } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { newId } from '../../src/lib/ids.js';
import { createComponent, type CreateComponentInput } from '../../src/services/components/components.js';
import { createGroup } from '../../src/services/components/groups.js';
import { declareIncident, type DeclareIncidentInput } from '../../src/services/incidents/declare.js';
import { scheduleMaintenance, type ScheduleMaintenanceInput } from '../../src/services/maintenance/schedule.js';
import { FIXTURE_ACTOR } from './actors.js';

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

let counter = 0;
const unique = (prefix: string): string => `${prefix} ${++counter}`;

export async function makeGroup(deps: WriteDeps, name = unique('Group')): Promise<string> {
  return createGroup(deps, { name }, FIXTURE_ACTOR);
}

export async function makeComponent(deps: WriteDeps, input: Partial<CreateComponentInput> = {}): Promise<string> {
  return createComponent(deps, { name: unique('Component'), ...input }, FIXTURE_ACTOR);
}

export async function makeIncident(
  deps: WriteDeps,
  input: Partial<DeclareIncidentInput> & { components?: { componentId: string; status: ComponentStatus }[] } = {},
): Promise<string> {
  return declareIncident(deps, {
    title: unique('Incident'),
    severity: 2,
    body: 'We are investigating elevated errors.',
    ...input,
  }, FIXTURE_ACTOR);
}

export async function makeMaintenance(
  deps: WriteDeps,
  input: Partial<ScheduleMaintenanceInput> & { scheduledFor: number; scheduledUntil: number },
): Promise<string> {
  return scheduleMaintenance(deps, { title: unique('Maintenance'), body: 'Planned work.', ...input }, FIXTURE_ACTOR);
}

/**
 * A destination row straight in the database (a Slack channel wanting every
 * incident unless `fields` say otherwise): for tests of what is queued, not
 * of configuring destinations.
 */
export async function makeDestination(deps: WriteDeps, fields: Partial<DestinationRow> = {}): Promise<string> {
  const id = fields.id ?? newId();
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.destinations.insert({
      name: `#incidents-${id}`,
      type: 'slack',
      url: 'https://hooks.slack.com/services/T000/B000/XXXX',
      severities: null,
      componentIds: null,
      createdAt: now,
      updatedAt: now,
      ...fields,
      id,
    }),
  ]);
  return id;
}
