import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentRow, SettingsRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { loadSettings } from '../settings/reads.js';

export interface IncidentPageData {
  settings: SettingsRow;
  incident: IncidentDetail;
  components: ComponentRow[];
}

export async function loadIncidentPage(deps: Pick<Deps, 'repos'>, id: string): Promise<IncidentPageData> {
  if (!ID_PATTERN.test(id)) throw new NotFoundError('There is no incident at this address.');
  const [settings, incident, components] = await Promise.all([
    loadSettings(deps),
    deps.repos.incidents.findById(id),
    deps.repos.components.list(),
  ]);
  if (!incident) throw new NotFoundError('There is no incident at this address.');
  return { settings, incident, components };
}
