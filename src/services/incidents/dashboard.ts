import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentRow, SettingsRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { loadSettings } from '../settings/reads.js';

export interface DashboardData {
  settings: SettingsRow;
  components: ComponentRow[];
  openIncidents: IncidentDetail[];
  pendingMaintenance: IncidentDetail[];
}

export async function loadDashboard(deps: Pick<Deps, 'repos'>, now: number): Promise<DashboardData> {
  const [settings, components, openIncidents, pendingMaintenance] = await Promise.all([
    loadSettings(deps),
    deps.repos.components.list(),
    deps.repos.incidents.listOpenIncidents(),
    deps.repos.incidents.listPendingMaintenance(now),
  ]);
  return { settings, components, openIncidents, pendingMaintenance };
}
