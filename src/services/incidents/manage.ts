import { z } from 'zod';
import { COMPONENT_STATUSES, DETECTION_SOURCES, SEVERITIES, type Severity } from '../../domain/constants.js';
import { replayLifecycle } from '../../domain/incident-state.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { declareIncident } from './declare.js';
import { postUpdate } from './post-update.js';
import { factsOf, notifyDestinations, roleNames, severityLabel, type NotifyDeps } from '../destinations/notify.js';
import { assertNoPlaceholders, parseInput, PublicId, Timestamp } from '../validation.js';

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'> & NotifyDeps;

async function findIncident(deps: WriteDeps, id: string): Promise<IncidentDetail> {
  const incident = await deps.repos.incidents.findById(id);
  if (!incident) throw new NotFoundError(`No incident with id ${id}.`);
  return incident;
}

function findUpdate(incident: IncidentDetail, updateId: string) {
  const update = incident.updates.find((u) => u.id === updateId);
  if (!update) throw new NotFoundError('No such update on this incident.');
  return update;
}

export const EditUpdateInput = z.object({
  body: z.string().trim().min(1, { error: 'is required' }).max(20_000),
});

/** Fixes the text of a published update (a typo); its time and status stay as they were. */
export async function editUpdate(deps: WriteDeps, actor: Actor, incidentId: string, updateId: string, raw: unknown): Promise<void> {
  authorize(actor, 'incidents:write');
  const { body } = parseInput(EditUpdateInput, raw);
  assertNoPlaceholders({ body });
  const incident = await findIncident(deps, incidentId);
  const update = findUpdate(incident, updateId);
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.incidents.editUpdate(updateId, { body, updatedAt: now }),
    deps.repos.incidents.update(incidentId, { updatedAt: now }),
    auditEntry(deps, actor, { action: 'incident.edit_update', targetType: 'incident', targetId: incidentId, details: { updateId, before: update.body, after: body } }),
  ]);
}

/**
 * Deletes a published update. The incident's status and times are replayed
 * from the updates that remain; component statuses it set are left alone
 * (change them explicitly if they were wrong). The last update cannot go.
 */
export async function deleteUpdate(deps: WriteDeps, actor: Actor, incidentId: string, updateId: string): Promise<void> {
  authorize(actor, 'incidents:write');
  const incident = await findIncident(deps, incidentId);
  const update = findUpdate(incident, updateId);
  const remaining = incident.updates.filter((u) => u.id !== updateId);
  if (remaining.length === 0) throw new ValidationError('This is the only update; an incident needs at least one.');
  const state = replayLifecycle(incident.kind, incident.startedAt, remaining);
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.incidents.deleteUpdate(updateId),
    deps.repos.incidents.update(incidentId, {
      status: state.status,
      monitoringAt: state.monitoringAt,
      resolvedAt: state.resolvedAt,
      updatedAt: now,
    }),
    auditEntry(deps, actor, { action: 'incident.delete_update', targetType: 'incident', targetId: incidentId, details: { updateId, status: update.status, body: update.body } }),
  ]);
}

export const ChangeSeverityInput = z.object({
  severity: z.coerce.number().pipe(z.union(SEVERITIES.map((s) => z.literal(s)), { error: 'choose one, from 1 (the most severe) to 4' })),
  reason: z.string().trim().max(500, { error: 'at most 500 characters' }).optional(),
});

/**
 * Changes an incident's severity at any time. The change is audited with its
 * reason and announced ("SEV-2 → SEV-1", the reason) in the same write to every
 * destination that wants the incident at either severity: #exec, which wants
 * SEV-1 only, hears both of an escalation to SEV-1 and of the way down from it.
 */
export async function changeSeverity(deps: WriteDeps, actor: Actor, incidentId: string, raw: unknown): Promise<void> {
  authorize(actor, 'incidents:write');
  const input = parseInput(ChangeSeverityInput, raw);
  const incident = await findIncident(deps, incidentId);
  if (incident.kind !== 'incident') throw new ValidationError('Maintenance has no severity.');
  if (incident.severity === input.severity) return;
  const now = deps.clock.now();
  const severity = input.severity as Severity;
  const reason = input.reason || null;
  const before = factsOf(incident);
  const after = { ...before, severity };
  const change = `${incident.severity === null ? '(none)' : severityLabel(incident.severity)} → ${severityLabel(severity)}`;
  const told = await notifyDestinations(deps, after, roleNames(await deps.repos.roles.rolesOf(incidentId)), {
    kind: 'severity_change',
    text: reason ? `Severity changed ${change}. Reason: ${reason}` : `Severity changed ${change}.`,
    postedOnStatusPage: false,
    at: now,
    extraFacts: [{ label: 'Severity change', value: change }, ...(reason ? [{ label: 'Reason', value: reason }] : [])],
    wantedAsWell: before,
  });
  await deps.db.atomic([
    deps.repos.incidents.update(incidentId, { severity, updatedAt: now }),
    ...told,
    auditEntry(deps, actor, {
      action: 'incident.change_severity',
      targetType: 'incident',
      targetId: incidentId,
      details: { from: incident.severity, to: input.severity, reason },
    }),
  ]);
}

export const BackfillIncidentInput = z
  .object({
    title: z.string().trim().min(1, { error: 'is required' }).max(200),
    severity: z.coerce.number().pipe(z.union(SEVERITIES.map((s) => z.literal(s)))),
    body: z.string().trim().min(1, { error: 'is required' }).max(20_000),
    resolutionBody: z.string().trim().min(1, { error: 'is required' }).max(20_000),
    components: z.array(z.object({ componentId: PublicId, status: z.enum(COMPONENT_STATUSES) })).max(200).default([]),
    startedAt: Timestamp,
    resolvedAt: Timestamp,
  })
  .refine((i) => i.resolvedAt > i.startedAt, { error: 'must be after the start', path: ['resolvedAt'] });
export type BackfillIncidentInput = z.input<typeof BackfillIncidentInput>;

/**
 * Records a past incident with its times and affected components: the status
 * history gets the outage between the two times, so uptime bars and
 * percentages recompute, and nobody is notified.
 */
export async function backfillIncident(deps: WriteDeps, actor: Actor, raw: BackfillIncidentInput): Promise<string> {
  authorize(actor, 'incidents:write');
  const input = parseInput(BackfillIncidentInput, raw);
  if (input.resolvedAt > deps.clock.now()) {
    throw new ValidationError('A backfilled incident must have ended already.', { resolvedAt: ['must be in the past'] });
  }
  const id = await declareIncident(
    deps,
    {
      title: input.title,
      severity: input.severity as Severity,
      body: input.body,
      components: input.components,
      startedAt: input.startedAt,
      at: input.startedAt,
      notify: false,
    },
    actor,
  );
  await postUpdate(
    deps,
    {
      incidentId: id,
      status: 'resolved',
      body: input.resolutionBody,
      at: input.resolvedAt,
      components: input.components.map((c) => ({ componentId: c.componentId, status: 'operational' as const })),
    },
    actor,
  );
  return id;
}

export const SetDetectionSourceInput = z.object({
  detectionSource: z.enum(DETECTION_SOURCES, { error: `must be one of ${DETECTION_SOURCES.join(', ')}` }).nullable(),
});
export type SetDetectionSourceInput = z.input<typeof SetDetectionSourceInput>;

/**
 * Records how the team learned of an incident (for the detection metrics),
 * or clears it (null: not recorded). Audited with the value before.
 */
export async function setDetectionSource(deps: WriteDeps, actor: Actor, incidentId: string, raw: SetDetectionSourceInput): Promise<void> {
  authorize(actor, 'incidents:write');
  const input = parseInput(SetDetectionSourceInput, raw);
  const incident = await findIncident(deps, incidentId);
  if (incident.kind !== 'incident') throw new ValidationError('Maintenance is planned: it has no detection source.');
  if (incident.detectionSource === input.detectionSource) return;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.incidents.update(incidentId, { detectionSource: input.detectionSource, updatedAt: now }),
    auditEntry(deps, actor, {
      action: 'incident.detection_source',
      targetType: 'incident',
      targetId: incidentId,
      details: { from: incident.detectionSource, to: input.detectionSource },
    }),
  ]);
}
