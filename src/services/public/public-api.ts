import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentGroupRow, ComponentRow, SettingsRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { effectiveStatus } from '../../domain/lifecycle.js';
import { loadSettings } from '../settings/reads.js';
import { withPublicPostmortems, type PublicIncident } from './postmortem.js';

/** How many incidents or maintenances the list endpoints return (as Statuspage does). */
export const API_LIST_LIMIT = 50;

export interface PublicPageData {
  settings: SettingsRow;
  groups: ComponentGroupRow[];
  components: ComponentRow[];
  /** Latest change to any incident or maintenance. */
  incidentsUpdatedAt: number;
}

export async function loadPublicPage(deps: Pick<Deps, 'repos'>): Promise<PublicPageData> {
  const [settings, groups, components, incidentsUpdatedAt] = await Promise.all([
    loadSettings(deps),
    deps.repos.components.listGroups(),
    deps.repos.components.list(),
    deps.repos.incidents.lastUpdatedAt(),
  ]);
  return { settings, groups, components, incidentsUpdatedAt };
}

export type IncidentSelection = 'recent' | 'unresolved';
export type MaintenanceSelection = 'recent' | 'upcoming' | 'active';

/** Incidents for /api/v2, each with its published postmortem (postmortem_body...). */
export async function loadIncidents(deps: Pick<Deps, 'repos'>, selection: IncidentSelection): Promise<PublicIncident[]> {
  if (selection === 'unresolved') return withPublicPostmortems(deps, await deps.repos.incidents.listOpenIncidents());
  // The recent list always holds every unresolved incident, however old.
  const [recent, open] = await Promise.all([
    deps.repos.incidents.listRecent({ kind: 'incident', limit: API_LIST_LIMIT }),
    deps.repos.incidents.listOpenIncidents(),
  ]);
  const extra = open.filter((o) => !recent.some((r) => r.id === o.id));
  return withPublicPostmortems(deps, [...recent, ...extra].sort((a, b) => b.startedAt - a.startedAt));
}

export async function loadMaintenances(
  deps: Pick<Deps, 'repos'>,
  selection: MaintenanceSelection,
  now: number,
): Promise<IncidentDetail[]> {
  if (selection === 'recent') return deps.repos.incidents.listRecent({ kind: 'maintenance', limit: API_LIST_LIMIT });
  const pending = await deps.repos.incidents.listPendingMaintenance(now);
  const wanted = selection === 'upcoming' ? ['scheduled'] : ['in_progress', 'verifying'];
  return pending.filter((m) => wanted.includes(effectiveStatus(m, now)));
}
