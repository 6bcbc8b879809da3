import { z } from 'zod';
import type { ChannelCursor, ChannelDeliveryCounts, ChannelDeliveryLogRow } from '../../db/repos/channel-admin-repo.js';
import type { ChannelSubscriberRow } from '../../db/schema.js';
import {
  CHANNEL_HEALTHS,
  CHANNEL_SUBSCRIBER_STATUSES,
  CHANNEL_SUBSCRIBER_TYPE_LABELS,
  CHANNEL_SUBSCRIBER_TYPES,
  type ChannelHealth,
  type ChannelSubscriberStatus,
  type ChannelSubscriberType,
} from '../../domain/constants.js';
import type { Permission } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { maskUrl, urlHost } from '../../lib/mask.js';
import { authorize, type Actor } from '../auth/actor.js';
import { parseInput } from '../validation.js';

/*
 * What the admin and the API show of customers' webhook and chat
 * subscriptions. A chat webhook URL is a secret (whoever holds it can post
 * to the channel), and a webhook URL may carry a token too: only the type,
 * the host and the masked URL leave this file, never the URL itself, the
 * manage-link secret or the signing secret.
 */

/**
 * Seeing them: the roles that may see email subscribers' addresses (a
 * contact address is personal data). Removing and re-enabling one:
 * `channels:manage` (comms and up too), since fixing a customer's failing
 * hook is part of talking to customers.
 */
export const CHANNEL_VIEW: Permission = 'subscribers:read';
export const CHANNEL_MANAGE: Permission = 'channels:manage';

export const CHANNEL_PAGE_SIZE = 50;
/** Delivery log entries shown for one subscriber. */
export const CHANNEL_LOG_SIZE = 50;

export interface ChannelSubscriberView {
  id: string;
  type: ChannelSubscriberType;
  typeLabel: string;
  contactEmail: string;
  /** The endpoint's host (and port). */
  host: string;
  /** Scheme, host and a short first path segment: never the secret part. */
  urlMasked: string;
  status: ChannelSubscriberStatus;
  /** null while pending (nothing is sent before confirmation). */
  health: ChannelHealth | null;
  hasSigningSecret: boolean;
  allComponents: boolean;
  componentIds: string[];
  groupIds: string[];
  createdAt: number;
  updatedAt: number;
  confirmedAt: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastFailureStatus: number | null;
  lastFailureError: string | null;
  failingSince: number | null;
  disabledAt: number | null;
}

export type ChannelDeliveryView = ChannelDeliveryLogRow;


/** A text that might quote the URL or its path (an error message), with them masked. */
export function withoutUrl(text: string | null, url: string): string | null {
  if (text === null) return null;
  let masked = text.split(url).join(maskUrl(url));
  let secretParts: string[] = [];
  try {
    const parsed = new URL(url);
    // The path with its query, then the path alone (an error may quote either).
    secretParts = [`${parsed.pathname}${parsed.search}`, parsed.pathname];
  } catch {
    // Not a URL: only the whole text above can be found.
  }
  for (const part of secretParts) if (part.length > 1) masked = masked.split(part).join('/…');
  return masked;
}

export function healthOf(row: Pick<ChannelSubscriberRow, 'status' | 'failingSince'>): ChannelHealth | null {
  if (row.status === 'disabled') return 'disabled';
  if (row.failingSince !== null) return 'failing';
  return row.status === 'confirmed' ? 'healthy' : null;
}

export function channelSubscriberView(row: ChannelSubscriberRow): ChannelSubscriberView {
  return {
    id: row.id,
    type: row.type,
    typeLabel: CHANNEL_SUBSCRIBER_TYPE_LABELS[row.type],
    contactEmail: row.contactEmail,
    host: urlHost(row.url),
    urlMasked: maskUrl(row.url),
    status: row.status,
    health: healthOf(row),
    hasSigningSecret: row.signingSecret !== null,
    allComponents: row.allComponents,
    componentIds: row.componentIds,
    groupIds: row.groupIds,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    confirmedAt: row.confirmedAt,
    lastSuccessAt: row.lastSuccessAt,
    lastFailureAt: row.lastFailureAt,
    lastFailureStatus: row.lastFailureStatus,
    lastFailureError: withoutUrl(row.lastFailureError, row.url),
    failingSince: row.failingSince,
    disabledAt: row.disabledAt,
  };
}

const blankAsMissing = (value: unknown): unknown => (value === '' ? undefined : value);

/** A page cursor: "<created_at>.<id>" of the last row of the previous page. */
export const ChannelCursorInput = z
  .string()
  .regex(/^\d{1,15}\.[a-z0-9]{6,32}$/, { error: 'is not a page of this list' })
  .transform((text): ChannelCursor => {
    const [at, id] = text.split('.') as [string, string];
    return { createdAt: Number(at), id };
  });

export const ChannelSubscriberListInput = z.object({
  type: z.preprocess(blankAsMissing, z.enum(CHANNEL_SUBSCRIBER_TYPES, { error: `must be one of ${CHANNEL_SUBSCRIBER_TYPES.join(', ')}` }).optional()),
  status: z.preprocess(
    blankAsMissing,
    z.enum(CHANNEL_SUBSCRIBER_STATUSES, { error: `must be one of ${CHANNEL_SUBSCRIBER_STATUSES.join(', ')}` }).optional(),
  ),
  health: z.preprocess(blankAsMissing, z.enum(CHANNEL_HEALTHS, { error: `must be one of ${CHANNEL_HEALTHS.join(', ')}` }).optional()),
  search: z.preprocess(blankAsMissing, z.string().trim().max(254, { error: 'is too long (at most 254 characters)' }).optional()),
  after: z.preprocess(blankAsMissing, ChannelCursorInput.optional()),
  perPage: z.number().int().min(1).max(100).default(CHANNEL_PAGE_SIZE),
});
export type ChannelSubscriberListInput = z.input<typeof ChannelSubscriberListInput>;

export interface ChannelSubscriberPage {
  rows: ChannelSubscriberView[];
  counts: Record<ChannelSubscriberType, Record<ChannelSubscriberStatus, number>>;
  /** The cursor of the next page; null on the last one. */
  next: string | null;
}

/** One page of webhook and chat subscribers, newest first, and the counts per type and status over the whole list. */
export async function listChannelSubscribers(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  raw: ChannelSubscriberListInput,
): Promise<ChannelSubscriberPage> {
  authorize(actor, CHANNEL_VIEW);
  const input = parseInput(ChannelSubscriberListInput, raw);
  const [rows, counts] = await Promise.all([
    deps.repos.channelAdmin.list({
      type: input.type,
      status: input.status,
      health: input.health,
      search: input.search || undefined,
      after: input.after,
      limit: input.perPage + 1,
    }),
    deps.repos.channelAdmin.countByTypeAndStatus(),
  ]);
  const page = rows.slice(0, input.perPage);
  const last = page.at(-1);
  return {
    rows: page.map(channelSubscriberView),
    counts,
    next: rows.length > input.perPage && last ? `${last.createdAt}.${last.id}` : null,
  };
}

/** A subscriber row, or 404 (a malformed id too). */
export async function channelSubscriberRow(deps: Pick<Deps, 'repos'>, id: string): Promise<ChannelSubscriberRow> {
  const row = ID_PATTERN.test(id) ? await deps.repos.channelSubscribers.findById(id) : undefined;
  if (!row) throw new NotFoundError('There is no webhook or chat subscriber with this id (it may have been removed already).');
  return row;
}

/** One subscriber with its latest deliveries, newest first. */
export async function findChannelSubscriber(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  id: string,
): Promise<{ subscriber: ChannelSubscriberView; deliveries: ChannelDeliveryView[] }> {
  authorize(actor, CHANNEL_VIEW);
  const row = await channelSubscriberRow(deps, id);
  const deliveries = await deps.repos.channelAdmin.recentDeliveries(row.id, CHANNEL_LOG_SIZE);
  return {
    subscriber: channelSubscriberView(row),
    deliveries: deliveries.map((d) => ({ ...d, error: withoutUrl(d.error, row.url) })),
  };
}

/** Webhook and chat deliveries per update (its customer notice), per channel type and status. Counts only: every member may see them. */
export async function channelDeliveryCounts(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  updateIds: readonly string[],
): Promise<Map<string, ChannelDeliveryCounts>> {
  authorize(actor, 'admin:read');
  return deps.repos.channelAdmin.countsForUpdates(updateIds);
}
