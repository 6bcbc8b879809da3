import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentRow, IncidentRoleRow, SettingsRow } from '../../db/schema.js';
import { internalCadence, internalCadenceTable, type Cadence } from '../../domain/cadence.js';
import type { Severity } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { loadSettings } from '../settings/reads.js';

/** Where an open incident stands against the internal cadence. */
export interface InternalDue extends Cadence {
  /** The last time the company was told anything: an internal update, a public update, or the declaration. */
  lastInternalAt: number;
}

export interface DashboardData {
  settings: SettingsRow;
  components: ComponentRow[];
  openIncidents: IncidentDetail[];
  pendingMaintenance: IncidentDetail[];
  /** By incident id, for open real incidents with a severity (a severity without an internal cadence: dueAt null). */
  internalDue: Map<string, InternalDue>;
  /** The roles of the open incidents. */
  roles: IncidentRoleRow[];
}

export async function loadDashboard(deps: Pick<Deps, 'repos'>, now: number): Promise<DashboardData> {
  const [settings, components, openIncidents, pendingMaintenance] = await Promise.all([
    loadSettings(deps),
    deps.repos.components.list(),
    deps.repos.incidents.listOpenIncidents(),
    deps.repos.incidents.listPendingMaintenance(now),
  ]);
  const [internalDue, roles] = await Promise.all([
    internalDueOf(deps, settings, openIncidents, now),
    deps.repos.roles.rolesOfMany(openIncidents.map((i) => i.id)),
  ]);
  return { settings, components, openIncidents, pendingMaintenance, internalDue, roles };
}

/**
 * The internal cadence of each open incident: when the company should next
 * hear about it, counted from the latest of its internal updates, its public
 * updates (every public update is also sent inside) and its declaration.
 */
export async function internalDueOf(
  deps: Pick<Deps, 'repos'>,
  settings: Pick<SettingsRow, 'internalCadence'>,
  incidents: readonly IncidentDetail[],
  now: number,
): Promise<Map<string, InternalDue>> {
  // The example incident tells no one inside (domain/notify.ts), so it has no internal rhythm either.
  const open = incidents.filter((i) => i.kind === 'incident' && !i.example && i.severity !== null && i.status !== 'resolved');
  const due = new Map<string, InternalDue>();
  if (!open.length) return due;
  const table = internalCadenceTable(settings.internalCadence);
  const lastInternal = await deps.repos.roles.lastInternalUpdateAt(open.map((i) => i.id));
  for (const incident of open) {
    const severity = incident.severity as Severity;
    const lastInternalAt = Math.max(incident.createdAt, lastInternal.get(incident.id) ?? 0, ...incident.updates.map((u) => u.at));
    due.set(incident.id, { ...internalCadence({ severity, lastInternalAt, cadenceMinutes: table[severity] }, now), lastInternalAt });
  }
  return due;
}
