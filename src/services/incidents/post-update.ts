import { z } from 'zod';
import { ANY_INCIDENT_STATUSES } from '../../domain/constants.js';
import { applyUpdate, LifecycleError, restoredComponents } from '../../domain/lifecycle.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { componentStatusStatements } from '../components/status-changes.js';
import { ComponentStatusChange } from './declare.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { assertNoPlaceholders, parseInput, PlaceholderValues, PublicId, Timestamp } from '../validation.js';
import { notifyOfUpdate } from '../notifications/publish.js';
import { factsOf, notifyDestinations, roleNames, type NotifyDeps } from '../destinations/notify.js';
import { utcText } from '../../channels/message.js';
import { postmortemOnResolution } from '../postmortems/postmortems.js';

export const PostUpdateInput = z.object({
  incidentId: PublicId,
  status: z.enum(ANY_INCIDENT_STATUSES),
  body: z.string().trim().min(1, { error: 'is required' }).max(20_000),
  components: z.array(ComponentStatusChange).max(200).default([]),
  /** Publication time; defaults to now. Earlier values backfill. */
  at: Timestamp.optional(),
  /** The next update promised to customers; null for none. Cleared on resolution. */
  nextUpdateAt: Timestamp.nullable().optional(),
  /**
   * On a Resolved update: set the components the incident affected back to
   * Operational, unless `components` gives them a status. On by default, as in
   * the admin form.
   */
  restoreComponents: z.boolean().default(true),
  /** The template placeholder values the text was written with; the next update starts from them. */
  placeholders: PlaceholderValues.optional(),
});
export type PostUpdateInput = z.input<typeof PostUpdateInput>;

/**
 * Publishes an update on an incident or maintenance: the update, the
 * incident's new status and times, and the component status changes land in
 * one atomic write. Returns the update id.
 */
export async function postUpdate(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'> & NotifyDeps,
  raw: PostUpdateInput,
  actor: Actor,
): Promise<string> {
  authorize(actor, 'incidents:write');
  const input = parseInput(PostUpdateInput, raw);
  assertNoPlaceholders({ body: input.body });
  const incident = await deps.repos.incidents.findById(input.incidentId);
  if (!incident) throw new NotFoundError(`No incident with id ${input.incidentId}.`);
  const now = deps.clock.now();
  const at = input.at ?? now;
  let next;
  try {
    next = applyUpdate(incident, input.status, at);
  } catch (error) {
    if (error instanceof LifecycleError) throw new ValidationError(error.message, { status: [error.message] });
    throw error;
  }
  let components = input.components;
  if (input.restoreComponents && input.status === 'resolved' && incident.componentIds.length) {
    const current = new Map((await deps.repos.components.findByIds(incident.componentIds)).map((c) => [c.id, c.status]));
    components = [...components, ...restoredComponents(input.status, incident.componentIds, current, components)];
  }
  const { statements, changes } = await componentStatusStatements(deps, components, at, incident.id);
  const updateId = newId();
  const nextUpdateAt = next.resolvedAt === null ? (input.nextUpdateAt ?? null) : null;
  // Resolving creates the postmortem its severity requires, in the same write; the resolution message says when it is due.
  const postmortem =
    incident.resolvedAt === null && next.resolvedAt !== null
      ? await postmortemOnResolution(deps, incident, next.resolvedAt, now)
      : { statements: [], dueAt: null };
  const told = await notifyDestinations(
    deps,
    factsOf({ ...incident, status: next.status, nextUpdateAt }),
    roleNames(await deps.repos.roles.rolesOf(incident.id)),
    {
      kind: input.status === 'resolved' ? 'resolution' : 'update',
      text: input.body,
      postedOnStatusPage: true,
      at,
      ...(postmortem.dueAt !== null ? { extraFacts: [{ label: 'Postmortem due', value: utcText(postmortem.dueAt) }] } : {}),
    },
  );
  await deps.db.atomic([
    ...deps.repos.incidents.insertUpdate(
      { id: updateId, incidentId: incident.id, status: input.status, body: input.body, at, placeholders: input.placeholders ?? null, createdAt: now, updatedAt: now },
      changes,
    ),
    ...notifyOfUpdate(deps, incident, { id: updateId, at, createdAt: now }),
    deps.repos.incidents.update(incident.id, {
      status: next.status,
      monitoringAt: next.monitoringAt,
      resolvedAt: next.resolvedAt,
      nextUpdateAt,
      updatedAt: now,
    }),
    ...told,
    ...statements,
    ...postmortem.statements,
    auditEntry(deps, actor, {
      action: 'incident.update',
      targetType: 'incident',
      targetId: incident.id,
      details: { status: input.status, updateId },
    }),
  ]);
  return updateId;
}
