import type { Statement } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { newId } from '../../lib/ids.js';

/*
 * Customer notices: what the customers' own channels (webhooks, Slack, Teams,
 * Discord; and, for component changes, opted-in email subscribers) are told.
 * A notice is written in the write that makes the news, so it is recorded with
 * it or not at all; the expanders (services/customer-channels/expand.ts for the
 * channels, expandComponentEmailChunk for email) turn it into deliveries.
 *
 * - kind `incident`: one per published update that customers are told of
 *   (the email rule, notifyOfUpdate in services/notifications/publish.ts),
 *   ready at once.
 * - kind `component`: a component's status changed outside an incident
 *   (component-notices.ts): it waits out the flap window first.
 */

/** The notice of a published update, for the publishing write (after the update row). */
export function incidentNotice(deps: Pick<Deps, 'repos'>, update: { id: string; createdAt: number }): Statement {
  return deps.repos.customerNotices.insert({
    id: newId(),
    kind: 'incident',
    updateId: update.id,
    state: 'ready',
    dueAt: update.createdAt,
    createdAt: update.createdAt,
    updatedAt: update.createdAt,
  });
}
