import { z } from 'zod';
import { MAINTENANCE_STATUSES } from '../domain/constants.js';
import { maintenanceComponentChanges, maintenanceNextUpdateAt } from '../domain/maintenance-clock.js';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import type { ComponentGroupRow, ComponentRow, SettingsRow, TemplateRow } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { NotFoundError } from '../lib/errors.js';
import { ID_PATTERN } from '../lib/ids.js';
import { authorize, type Actor } from './auth/actor.js';
import { listOpenMaintenance, snapshotOf } from './maintenance-clock.js';
import { postUpdate } from './post-update.js';
import { loadSettings } from './settings.js';
import { parseInput, PublicId } from './validation.js';

export interface MaintenanceFormData {
  settings: SettingsRow;
  components: ComponentRow[];
  groups: ComponentGroupRow[];
  /** Maintenance templates only. */
  templates: TemplateRow[];
}

/** What the maintenance forms offer: components and maintenance templates. */
export async function loadMaintenanceForm(deps: Pick<Deps, 'repos'>): Promise<MaintenanceFormData> {
  const [settings, components, groups, templates] = await Promise.all([
    loadSettings(deps),
    deps.repos.components.list(),
    deps.repos.components.listGroups(),
    deps.repos.templates.list(),
  ]);
  return { settings, components, groups, templates: templates.filter((t) => t.kind === 'maintenance') };
}

export interface MaintenanceListData extends MaintenanceFormData {
  /** Window not started yet, still Scheduled; soonest first. */
  upcoming: IncidentDetail[];
  /** Started (by the clock or by hand) and not completed, or past its start and waiting for the clock; soonest first. */
  inProgress: IncidentDetail[];
  /** Completed, most recent first. */
  completed: IncidentDetail[];
}

export const RECENT_COMPLETED = 20;

export async function loadMaintenanceList(deps: Pick<Deps, 'repos'>, now: number): Promise<MaintenanceListData> {
  const [form, open, recent] = await Promise.all([
    loadMaintenanceForm(deps),
    listOpenMaintenance(deps),
    deps.repos.incidents.listRecent({ kind: 'maintenance', limit: RECENT_COMPLETED * 2 }),
  ]);
  const upcoming = open.filter((m) => m.status === 'scheduled' && (m.scheduledFor ?? 0) > now);
  return {
    ...form,
    upcoming,
    inProgress: open.filter((m) => !upcoming.includes(m)),
    completed: recent.filter((m) => m.status === 'completed').slice(0, RECENT_COMPLETED),
  };
}

export async function loadAdminMaintenance(
  deps: Pick<Deps, 'repos'>,
  id: string,
): Promise<MaintenanceFormData & { maintenance: IncidentDetail }> {
  const maintenance = ID_PATTERN.test(id) ? await deps.repos.incidents.findById(id) : undefined;
  if (!maintenance || maintenance.kind !== 'maintenance') throw new NotFoundError('There is no maintenance with this id.');
  return { ...(await loadMaintenanceForm(deps)), maintenance };
}

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
