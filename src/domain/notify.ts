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

/**
 * Whether the company's own channels (destinations) hear of something about
 * an incident: real incidents only (not the example page, not maintenance,
 * which has its own calendar), and not backfill.
 */
export function toldInternally(incident: { kind: string; example: boolean }, event: { at: number; createdAt: number }): boolean {
  return incident.kind === 'incident' && !incident.example && event.at >= event.createdAt - BACKFILL_NO_NOTIFY_MS;
}

/** A destination's routing: the severities and components it wants (null: all). */
export interface Routing {
  severities: readonly number[] | null;
  componentIds: readonly string[] | null;
}

/** Whether a destination with this routing wants an incident of this severity touching these components. */
export function wants(routing: Routing, incident: { severity: number; componentIds: readonly string[] }): boolean {
  if (routing.severities && !routing.severities.includes(incident.severity)) return false;
  if (routing.componentIds && !routing.componentIds.some((id) => incident.componentIds.includes(id))) return false;
  return true;
}
