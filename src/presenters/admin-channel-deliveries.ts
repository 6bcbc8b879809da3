import type { ChannelDeliveryCounts } from '../db/repos/channel-admin-repo.js';
import { CHANNEL_SUBSCRIBER_TYPE_LABELS, CHANNEL_SUBSCRIBER_TYPES, type ChannelSubscriberType } from '../domain/constants.js';

/** One update's webhook and chat messages as the delivery page shows them: a row per channel type that got any. */
export interface ChannelDeliveriesView {
  rows: { type: ChannelSubscriberType; label: string; queued: number; sending: number; sent: number; failed: number; total: number }[];
  /** Any message still queued or being sent (the page keeps refreshing). */
  inProgress: boolean;
}

export function presentChannelDeliveries(counts: ReadonlyMap<string, ChannelDeliveryCounts>): Map<string, ChannelDeliveriesView> {
  const out = new Map<string, ChannelDeliveriesView>();
  for (const [updateId, byType] of counts) {
    const rows = CHANNEL_SUBSCRIBER_TYPES.map((type) => {
      const c = byType[type];
      return { type, label: CHANNEL_SUBSCRIBER_TYPE_LABELS[type], ...c, total: c.queued + c.sending + c.sent + c.failed };
    }).filter((row) => row.total > 0);
    if (rows.length) out.set(updateId, { rows, inProgress: rows.some((r) => r.queued + r.sending > 0) });
  }
  return out;
}
