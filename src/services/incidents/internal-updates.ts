import { z } from 'zod';
import type { InternalUpdateRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { factsOf, notifyDestinations, roleNames, type NotifyDeps } from '../destinations/notify.js';
import { assertNoPlaceholders, parseInput } from '../validation.js';

/*
 * Internal-only updates: what the company is told between (or instead of)
 * public updates. Stored beside the incident, sent to the destinations that
 * want it, marked "not on the status page"; never on the public page, the
 * feeds, the public API or in subscriber email.
 */

export const InternalUpdateInput = z.object({
  body: z.string().trim().min(1, { error: 'is required' }).max(20_000, { error: 'at most 20 000 characters' }),
});
export type InternalUpdateInput = z.input<typeof InternalUpdateInput>;

/** Posts an internal-only update on an incident; returns it as stored. */
export async function postInternalUpdate(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'> & NotifyDeps,
  incidentId: string,
  raw: unknown,
  actor: Actor,
): Promise<InternalUpdateRow> {
  authorize(actor, 'incidents:write');
  const { body } = parseInput(InternalUpdateInput, raw);
  assertNoPlaceholders({ body });
  const incident = await deps.repos.incidents.findById(incidentId);
  if (!incident) throw new NotFoundError(`No incident with id ${incidentId}.`);
  if (incident.kind !== 'incident') throw new ValidationError('Maintenance has no internal updates.');
  const now = deps.clock.now();
  const row: InternalUpdateRow = { id: newId(), incidentId, status: incident.status, body, at: now, author: actor.label, createdAt: now };
  const told = await notifyDestinations(deps, factsOf(incident), roleNames(await deps.repos.roles.rolesOf(incidentId)), {
    kind: 'update',
    text: body,
    postedOnStatusPage: false,
    at: now,
  });
  await deps.db.atomic([
    deps.repos.roles.insertInternalUpdate(row),
    ...told,
    auditEntry(deps, actor, { action: 'incident.internal_update', targetType: 'incident', targetId: incidentId, details: { internalUpdateId: row.id } }),
  ]);
  return row;
}

/** An incident's internal updates, newest first (reading needs admin:read, like the rest of the admin). */
export async function listInternalUpdates(deps: Pick<Deps, 'repos'>, incidentId: string, actor: Actor): Promise<InternalUpdateRow[]> {
  authorize(actor, 'admin:read');
  const incident = await deps.repos.incidents.findById(incidentId);
  if (!incident) throw new NotFoundError(`No incident with id ${incidentId}.`);
  return deps.repos.roles.internalUpdatesOf(incidentId);
}
