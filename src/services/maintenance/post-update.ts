import { z } from 'zod';
import { MAINTENANCE_STATUSES } from '../../domain/constants.js';
import { maintenanceComponentChanges, maintenanceNextUpdateAt } from '../../domain/maintenance-clock.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { authorize, type Actor } from '../auth/actor.js';
import { postUpdate } from '../incidents/post-update.js';
import { parseInput, PublicId } from '../validation.js';
import { listOpenMaintenance, snapshotOf } from './clock.js';
import { loadAdminMaintenance } from './reads.js';

export const MaintenanceUpdateInput = z.object({
  maintenanceId: PublicId,
  status: z.enum(MAINTENANCE_STATUSES, { error: 'choose a step' }),
  body: z.string().trim().min(1, { error: 'is required' }).max(20_000),
  /** Move the components with the step: Under maintenance when work starts, back to Operational when completed. */
  autoComponents: z.boolean().default(true),
});
export type MaintenanceUpdateInput = z.input<typeof MaintenanceUpdateInput>;

/**
 * The component changes a manual maintenance update makes when the Comms
 * Lead lets Herald move the components: the same rules as the clock (domain/
 * maintenance-clock.ts). In progress: Operational ones go Under maintenance;
 * Completed: those still Under maintenance, and not held by another running
 * maintenance, go back to Operational; other steps change nothing.
 */
export async function maintenanceUpdateComponents(
  deps: Pick<Deps, 'repos'>,
  maintenance: IncidentDetail,
  status: (typeof MAINTENANCE_STATUSES)[number],
  now: number,
): Promise<{ componentId: string; status: ComponentRow['status'] }[]> {
  const move = status === 'in_progress' ? 'start' : status === 'completed' ? 'complete' : null;
  if (!move) return [];
  const [components, open] = await Promise.all([deps.repos.components.list(), listOpenMaintenance(deps)]);
  const current = new Map(components.map((c) => [c.id, c.status]));
  return maintenanceComponentChanges(move, maintenance, current, open.map(snapshotOf), now);
}

/**
 * Moves a maintenance through its steps by hand (Scheduled -> In progress ->
 * Verifying -> Completed) with an update text, through postUpdate. Returns
 * the update id.
 */
export async function postMaintenanceUpdate(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  actor: Actor,
  raw: MaintenanceUpdateInput,
): Promise<string> {
  authorize(actor, 'incidents:write');
  const input = parseInput(MaintenanceUpdateInput, raw);
  const { maintenance } = await loadAdminMaintenance(deps, input.maintenanceId);
  const now = deps.clock.now();
  const components = input.autoComponents ? await maintenanceUpdateComponents(deps, maintenance, input.status, now) : [];
  const nextUpdateAt =
    maintenance.scheduledFor !== null && maintenance.scheduledUntil !== null
      ? maintenanceNextUpdateAt(input.status, { scheduledFor: maintenance.scheduledFor, scheduledUntil: maintenance.scheduledUntil }, now)
      : null;
  return postUpdate(deps, { incidentId: maintenance.id, status: input.status, body: input.body, components, nextUpdateAt }, actor);
}
