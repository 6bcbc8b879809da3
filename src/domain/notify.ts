import { HOUR } from './calendar.js';

/*
 * Who hears of a published update besides the page, the feeds and the APIs
 * (which always show it). One rule for every publishing path: the admin and
 * the API (declare, post an update), scheduling maintenance and the
 * maintenance clock. Channels to come (internal destinations, customer
 * webhooks) add their audience here.
 */

/** Updates dated more than this before they are written are backfill: history, told to no one. */
export const BACKFILL_NO_NOTIFY_MS = HOUR;

export interface Audiences {
  /** Confirmed email subscribers whom the update concerns (the drainer picks them). */
  emailSubscribers: boolean;
}

export function audiencesOf(incident: { notify: boolean }, update: { at: number; createdAt: number }): Audiences {
  const backfill = update.at < update.createdAt - BACKFILL_NO_NOTIFY_MS;
  return { emailSubscribers: incident.notify && !backfill };
}
