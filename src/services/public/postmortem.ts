import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { PublicPostmortem } from '../../db/repos/postmortems-repo.js';
import type { Deps } from '../../deps.js';

/*
 * The customer-facing postmortem (issue 17) on the public side: the incident
 * page, the feeds and /api/v2 show it once it is published on the status
 * page (never the internal document, never before).
 */

export type { PublicPostmortem };

/** An incident as the public side shows it: with its published postmortem, if any. */
export type PublicIncident = IncidentDetail & { publicPostmortem: PublicPostmortem | null };

/** Attaches each incident's published postmortem (one query for the whole list). */
export async function withPublicPostmortems(deps: Pick<Deps, 'repos'>, incidents: IncidentDetail[]): Promise<PublicIncident[]> {
  const ids = incidents.filter((i) => i.kind === 'incident').map((i) => i.id);
  const found = ids.length ? await deps.repos.postmortems.publicOf(ids) : new Map<string, PublicPostmortem>();
  return incidents.map((incident) => ({ ...incident, publicPostmortem: found.get(incident.id) ?? null }));
}
