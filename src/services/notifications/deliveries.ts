import type { FailedDelivery } from '../../db/repos/outbox-repo.js';
import { can } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { authorize, type Actor } from '../auth/actor.js';

/** A failed email as a member may see it: the address only for roles that may read subscribers. */
export type FailedDeliveryView = Omit<FailedDelivery, 'email'> & { email: string | null };

/**
 * The latest failed emails of an incident (or a maintenance), newest first.
 * Delivery progress is for every member, but addresses are subscribers'
 * personal data: the same rule as the subscriber list decides who sees them.
 */
export async function failedDeliveries(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  incidentId: string,
  limit: number,
): Promise<FailedDeliveryView[]> {
  authorize(actor, 'admin:read');
  const failures = await deps.repos.outbox.failedForIncident(incidentId, limit);
  if (can(actor.role, 'subscribers:read')) return failures;
  return failures.map((failure) => ({ ...failure, email: null }));
}
