import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { Deps } from '../../deps.js';
import { loadIncidents, loadMaintenances, loadPublicPage, type PublicPageData } from './public-api.js';

export interface EmbedData extends PublicPageData {
  /** Open incidents, then maintenance in progress. */
  items: IncidentDetail[];
}

export async function loadEmbed(deps: Pick<Deps, 'repos'>, now: number): Promise<EmbedData> {
  const [page, open, active] = await Promise.all([
    loadPublicPage(deps),
    loadIncidents(deps, 'unresolved'),
    loadMaintenances(deps, 'active', now),
  ]);
  return { ...page, items: [...open, ...active] };
}
