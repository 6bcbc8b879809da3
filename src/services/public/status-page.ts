import { DAY, lastDays } from '../../domain/calendar.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentGroupRow, ComponentRow, SettingsRow } from '../../db/schema.js';
import type { StatusChange } from '../../domain/uptime.js';
import type { Deps } from '../../deps.js';
import { EXAMPLE_META_KEY } from '../settings/example-page.js';
import { loadSettings } from '../settings/reads.js';

export const HISTORY_DAYS = 90;
export const RECENT_DAYS = 14;

/** Everything the public status page shows, as loaded from the database. */
export interface StatusPageData {
  settings: SettingsRow;
  groups: ComponentGroupRow[];
  /** Every component (hidden ones too: incidents may name them). */
  components: ComponentRow[];
  history: Map<string, StatusChange[]>;
  openIncidents: IncidentDetail[];
  pendingMaintenance: IncidentDetail[];
  /** Incidents and maintenance started in the last RECENT_DAYS days. */
  recent: IncidentDetail[];
  exampleContent: boolean;
}

export async function loadStatusPage(deps: Pick<Deps, 'repos'>, now: number): Promise<StatusPageData> {
  const settings = await loadSettings(deps);
  const days = lastDays(now, HISTORY_DAYS, settings.timeZone);
  const [groups, components, openIncidents, pendingMaintenance, recent, example] = await Promise.all([
    deps.repos.components.listGroups(),
    deps.repos.components.list(),
    deps.repos.incidents.listOpenIncidents(),
    deps.repos.incidents.listPendingMaintenance(now),
    deps.repos.incidents.listStartedBetween(now - (RECENT_DAYS + 1) * DAY, now + 1),
    deps.repos.settings.getMeta(EXAMPLE_META_KEY),
  ]);
  const visible = components.filter((c) => !c.hidden).map((c) => c.id);
  const history = await deps.repos.components.historySince(visible, days[0]!.start);
  return {
    settings,
    groups,
    components,
    history,
    openIncidents,
    pendingMaintenance,
    recent,
    exampleContent: example === 'present',
  };
}
