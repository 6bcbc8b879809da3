import type { Deps } from '../../deps.js';
import { ConflictError } from '../../lib/errors.js';
import { maskUrl, urlHost } from '../../lib/mask.js';
import type { ChannelSubscriberRow } from '../../db/schema.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { CHANNEL_MANAGE, channelSubscriberRow, channelSubscriberView, type ChannelSubscriberView } from './reads.js';

/*
 * The team's changes to customers' webhook and chat subscriptions: removing
 * one, and re-enabling one Herald disabled after it kept failing. Each is
 * audited in the same write, naming the endpoint by type, host and masked
 * URL only (the URL is a secret).
 */

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

/** What the audit log says of a subscriber: never the URL itself. */
function auditDetails(row: ChannelSubscriberRow): Record<string, unknown> {
  return { type: row.type, host: urlHost(row.url), url: maskUrl(row.url), contactEmail: row.contactEmail, status: row.status };
}

/** Deletes a subscriber, with its queued messages and its delivery log. */
export async function removeChannelSubscriber(deps: WriteDeps, actor: Actor, id: string): Promise<void> {
  authorize(actor, CHANNEL_MANAGE);
  const row = await channelSubscriberRow(deps, id);
  await deps.db.atomic([
    deps.repos.channelSubscribers.delete(row.id),
    auditEntry(deps, actor, { action: 'channel_subscriber.remove', targetType: 'channel_subscriber', targetId: row.id, details: auditDetails(row) }),
  ]);
}

/**
 * Turns a disabled subscriber back on: confirmed again, its failure streak
 * forgotten (the last failure stays on record), so the next notice goes to
 * it. 409 unless it is disabled.
 */
export async function enableChannelSubscriber(deps: WriteDeps, actor: Actor, id: string): Promise<ChannelSubscriberView> {
  authorize(actor, CHANNEL_MANAGE);
  const row = await channelSubscriberRow(deps, id);
  if (row.status !== 'disabled') throw new ConflictError('Only a disabled subscriber can be re-enabled; this one is not disabled.');
  // The same conditional write as the customer's own re-enable link (only while disabled).
  await deps.db.atomic([
    deps.repos.channelSubscribers.reEnable(row.id, deps.clock.now()),
    auditEntry(deps, actor, { action: 'channel_subscriber.enable', targetType: 'channel_subscriber', targetId: row.id, details: auditDetails(row) }),
  ]);
  return channelSubscriberView(await channelSubscriberRow(deps, id));
}
