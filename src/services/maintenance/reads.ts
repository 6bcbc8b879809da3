import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentGroupRow, ComponentRow, SettingsRow, TemplateRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { loadSettings } from '../settings/reads.js';
import { publicTemplates } from '../settings/templates.js';
import { listOpenMaintenance } from './clock.js';

/* What the admin's maintenance pages show: the forms' choices, the list by phase, one maintenance. */

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
  return { settings, components, groups, templates: publicTemplates(templates).filter((t) => t.kind === 'maintenance') };
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
