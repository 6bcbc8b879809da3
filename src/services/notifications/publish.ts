import type { Statement } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { audiencesOf } from '../../domain/notify.js';

/**
 * What publishing an update notifies, as statements for the publishing write
 * (after the update row, in the same `db.atomic`): recorded with the update or
 * not at all, then sent by the drainers. Every publishing service calls this
 * once per update; the decision itself is `audiencesOf` (domain/notify.ts).
 */
export function notifyOfUpdate(
  deps: Pick<Deps, 'repos'>,
  incident: { notify: boolean },
  update: { id: string; at: number; createdAt: number },
): Statement[] {
  const audiences = audiencesOf(incident, update);
  return audiences.emailSubscribers ? [deps.repos.outbox.insertFanout(update.id, update.createdAt)] : [];
}
