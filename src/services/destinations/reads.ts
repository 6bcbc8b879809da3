import type { DestinationDeliveryRow, DestinationRow } from '../../db/schema.js';
import { DESTINATION_TYPE_LABELS, type DeliveryStatus, type DestinationType, type NotificationKind } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { maskUrl } from '../../lib/mask.js';
import { authorize, type Actor } from '../auth/actor.js';
import { NotFoundError } from '../../lib/errors.js';
import { hostHint } from './urls.js';

/*
 * What the admin and the API show of destinations: never the URL (only its
 * masked form) and never the signing secret (only whether there is one).
 */

/** Delivery log entries shown on a destination's page and in the API. */
export const DELIVERY_LOG_SIZE = 50;

export interface DeliveryView {
  id: number;
  messageId: string;
  kind: NotificationKind;
  incidentId: string | null;
  status: DeliveryStatus;
  attempts: number;
  responseStatus: number | null;
  latencyMs: number | null;
  error: string | null;
  createdAt: number;
  lastAttemptAt: number | null;
  finishedAt: number | null;
}

export interface DestinationView {
  id: string;
  name: string;
  type: DestinationType;
  typeLabel: string;
  urlMasked: string;
  hasSigningSecret: boolean;
  severities: number[] | null;
  componentIds: string[] | null;
  allowPrivate: boolean;
  pausedAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** When the URL's host is not where this type's webhooks usually live. */
  hostWarning: string | null;
  lastDelivery: DeliveryView | null;
}

/** A destination, or 404. */
export async function destinationRow(deps: Pick<Deps, 'repos'>, id: string): Promise<DestinationRow> {
  const row = await deps.repos.destinations.findById(id);
  if (!row) throw new NotFoundError('No such destination.');
  return row;
}

export function deliveryView(row: DestinationDeliveryRow): DeliveryView {
  return {
    id: row.id,
    messageId: row.messageId,
    kind: row.kind,
    incidentId: row.incidentId,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.responseStatus,
    latencyMs: row.latencyMs,
    error: row.error,
    createdAt: row.createdAt,
    lastAttemptAt: row.lastAttemptAt,
    finishedAt: row.finishedAt,
  };
}

export function destinationView(row: DestinationRow, lastDelivery: DestinationDeliveryRow | undefined): DestinationView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    typeLabel: DESTINATION_TYPE_LABELS[row.type],
    urlMasked: maskUrl(row.url),
    hasSigningSecret: row.signingSecret !== null,
    severities: row.severities,
    componentIds: row.componentIds,
    allowPrivate: row.allowPrivate,
    pausedAt: row.pausedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    hostWarning: hostHint(row.type, row.url),
    lastDelivery: lastDelivery ? deliveryView(lastDelivery) : null,
  };
}

/** Every destination by name, each with its latest delivery. */
export async function listDestinations(deps: Pick<Deps, 'repos'>, actor: Actor): Promise<DestinationView[]> {
  authorize(actor, 'destinations:manage');
  const rows = await deps.repos.destinations.list();
  const latest = await Promise.all(rows.map((row) => deps.repos.destinations.deliveriesOf(row.id, 1)));
  return rows.map((row, i) => destinationView(row, latest[i]![0]));
}

/** One destination with its delivery log, newest first. */
export async function findDestination(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  id: string,
): Promise<{ destination: DestinationView; deliveries: DeliveryView[] }> {
  authorize(actor, 'destinations:manage');
  const row = await destinationRow(deps, id);
  const deliveries = await deps.repos.destinations.deliveriesOf(id, DELIVERY_LOG_SIZE);
  return { destination: destinationView(row, deliveries[0]), deliveries: deliveries.map(deliveryView) };
}
