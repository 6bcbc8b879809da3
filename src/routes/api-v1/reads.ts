import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { IncidentKind } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';

/*
 * The few reads the management API needs that no service offers yet (the
 * writes all go through services). Repo calls only: no query is built here.
 */

const NAMES: Record<IncidentKind, string> = { incident: 'incident', maintenance: 'maintenance' };

/** An incident (or a maintenance), 404 when missing or of the other kind. */
export async function findIncidentOfKind(deps: Pick<Deps, 'repos'>, id: string, kind: IncidentKind): Promise<IncidentDetail> {
  const incident = await deps.repos.incidents.findById(id);
  if (!incident || incident.kind !== kind) throw new NotFoundError(`No ${NAMES[kind]} with id ${id}.`);
  return incident;
}

export interface PageRequest {
  status: 'open' | 'all';
  page: number;
  per_page: number;
}

/** One page of incidents or maintenances; one row more is read to know whether another page follows. */
export async function listIncidentPage(
  deps: Pick<Deps, 'repos'>,
  kind: IncidentKind,
  request: PageRequest,
  now: number,
): Promise<{ items: IncidentDetail[]; hasMore: boolean }> {
  const rows = await deps.repos.incidents.listPage({
    kind,
    openOnly: request.status === 'open',
    now,
    limit: request.per_page + 1,
    offset: (request.page - 1) * request.per_page,
  });
  return { items: rows.slice(0, request.per_page), hasMore: rows.length > request.per_page };
}
