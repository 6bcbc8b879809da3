import type { ComponentRow, SettingsRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { loadSettings } from '../settings/reads.js';
import { withPublicPostmortems, type PublicIncident } from './postmortem.js';

export interface IncidentPageData {
  settings: SettingsRow;
  /** With its postmortem, once published on the status page. */
  incident: PublicIncident;
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
  const [withPostmortem] = await withPublicPostmortems(deps, [incident]);
  return { settings, incident: withPostmortem!, components };
}
