import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { DeliveryCounts } from '../../db/repos/outbox-repo.js';
import type { SubscriberRow } from '../../db/schema.js';
import type { IncidentKind, SubscriberStatus } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { FAILURES_SHOWN } from '../../presenters/api-v1-mail-models.js';
import { authorize, type Actor } from '../../services/auth/actor.js';
import type { ChannelDeliveryCounts } from '../../db/repos/channel-admin-repo.js';
import { channelDeliveryCounts } from '../../services/customer-channels/reads.js';
import { failedDeliveries, type FailedDeliveryView } from '../../services/notifications/deliveries.js';

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

export interface SubscriberPageRequest {
  search?: string;
  status?: SubscriberStatus;
  after?: string;
  per_page: number;
}

export interface SubscriberPage {
  rows: SubscriberRow[];
  /** The chosen components and groups of the rows not subscribed to everything. */
  scopes: Map<string, { componentIds: string[]; groupIds: string[] }>;
  counts: Record<SubscriberStatus, number>;
  /** The last address of the page when another page follows (the next `after`). */
  next: string | null;
}

/**
 * One page of subscribers in address order (keyset paging on the address, as
 * the admin list), their scopes in a few chunked reads, and the counts per status.
 * Addresses are personal data: checked here as in listSubscribers, whatever the route did.
 */
export async function listSubscriberPage(deps: Pick<Deps, 'repos'>, actor: Actor, request: SubscriberPageRequest): Promise<SubscriberPage> {
  authorize(actor, 'subscribers:read');
  const [rows, counts] = await Promise.all([
    deps.repos.subscribers.list({
      search: request.search || undefined,
      status: request.status,
      after: request.after,
      limit: request.per_page + 1,
    }),
    deps.repos.subscribers.countByStatus(),
  ]);
  const page = rows.slice(0, request.per_page);
  const scopes = await deps.repos.subscribers.scopesOf(page.filter((row) => !row.allComponents).map((row) => row.id));
  return { rows: page, scopes, counts, next: rows.length > request.per_page ? page.at(-1)!.email : null };
}

/** Delivery counts per update of an incident (or a maintenance), email and webhook/chat, and its latest failed emails. */
export async function loadDeliveries(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  id: string,
  kind: IncidentKind,
): Promise<{
  incident: IncidentDetail;
  counts: Map<string, DeliveryCounts>;
  failures: FailedDeliveryView[];
  channelCounts: Map<string, ChannelDeliveryCounts>;
}> {
  const incident = await findIncidentOfKind(deps, id, kind);
  const updateIds = incident.updates.map((u) => u.id);
  const [counts, failures, channelCounts] = await Promise.all([
    deps.repos.outbox.countsForUpdates(updateIds),
    failedDeliveries(deps, actor, incident.id, FAILURES_SHOWN),
    channelDeliveryCounts(deps, actor, updateIds),
  ]);
  return { incident, counts, failures, channelCounts };
}
