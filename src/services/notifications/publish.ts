import type { Statement } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { audiencesOf } from '../../domain/notify.js';
import { incidentNotice } from '../customer-channels/notices.js';

/**
 * What publishing an update notifies, as statements for the publishing write
 * (after the update row, in the same `db.atomic`): recorded with the update or
 * not at all, then sent by the drainers. Every publishing service calls this
 * once per update; the decision itself is `audiencesOf` (domain/notify.ts).
 * Customers told by email are told in their own channels too: the email
 * fan-out and the update's customer notice (services/customer-channels/notices.ts).
 */
export function notifyOfUpdate(
  deps: Pick<Deps, 'repos'>,
  incident: { notify: boolean; example: boolean },
  update: { id: string; at: number; createdAt: number },
): Statement[] {
  const audiences = audiencesOf(incident, update);
  if (!audiences.emailSubscribers) return [];
  // The example page's content is announced to nobody's channels (its emails
  // reach nobody either: the example is written before anyone subscribes).
  const notice = incident.example ? [] : [incidentNotice(deps, update)];
  return [deps.repos.outbox.insertFanout(update.id, update.createdAt), ...notice];
}
