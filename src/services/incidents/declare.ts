import { z } from 'zod';
import { COMPONENT_STATUSES, DETECTION_SOURCES, IMPACTS, INCIDENT_STATUSES, SEVERITIES } from '../../domain/constants.js';
import { applyUpdate, impactForSeverity } from '../../domain/lifecycle.js';
import { impactFromStatus, worstStatus } from '../../domain/status.js';
import type { Deps } from '../../deps.js';
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { componentStatusStatements } from '../components/status-changes.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { assertNoPlaceholders, parseInput, PlaceholderValues, PublicId, Timestamp } from '../validation.js';
import { notifyOfUpdate } from '../notifications/publish.js';
import { notifyDestinations, type NotifyDeps } from '../destinations/notify.js';
import { assignStatements, declaredRoles, IncidentLinksInput, namesOf, RolesInput } from './roles.js';

export const ComponentStatusChange = z.object({
  componentId: PublicId,
  status: z.enum(COMPONENT_STATUSES),
});

export const DeclareIncidentInput = IncidentLinksInput.extend({
  title: z.string().trim().min(1, { error: 'is required' }).max(200),
  severity: z.union(SEVERITIES.map((s) => z.literal(s)), { error: 'choose one, from 1 (the most severe) to 4' }),
  /** Defaults from the severity. */
  impact: z.enum(IMPACTS).optional(),
  status: z.enum(INCIDENT_STATUSES).default('investigating'),
  body: z.string().trim().min(1, { error: 'is required' }).max(20_000),
  components: z.array(ComponentStatusChange).max(200).default([]),
  /** When impact began; defaults to now. Earlier values backfill a past incident. */
  startedAt: Timestamp.optional(),
  /** When the first update was published; defaults to startedAt. */
  at: Timestamp.optional(),
  /** Send updates to subscribers; defaults to on for SEV-1 and SEV-2. */
  notify: z.boolean().optional(),
  /** The next update promised to customers; null for none. */
  nextUpdateAt: Timestamp.nullable().optional(),
  example: z.boolean().default(false),
  /** The template placeholder values the text was written with; the next update starts from them. */
  placeholders: PlaceholderValues.optional(),
  /** Who runs it; the declaring person is Incident Commander and Comms Lead unless given here. */
  roles: RolesInput.optional(),
  /** How the team learned of it; declaring from an alert's draft makes it `alert`. */
  detectionSource: z.enum(DETECTION_SOURCES, { error: `must be one of ${DETECTION_SOURCES.join(', ')}` }).optional(),
  /** The alert draft it is declared from: its detection and acknowledgement times carry over, its alerts stay on the incident. */
  alertDraftId: PublicId.optional(),
});
export type DeclareIncidentInput = z.input<typeof DeclareIncidentInput>;

/** Declares an incident with its first update, in one atomic write. Returns the incident id. */
export async function declareIncident(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'> & NotifyDeps,
  raw: DeclareIncidentInput,
  actor: Actor,
): Promise<string> {
  authorize(actor, 'incidents:write');
  const input = parseInput(DeclareIncidentInput, raw);
  assertNoPlaceholders({ title: input.title, body: input.body });
  const now = deps.clock.now();
  const startedAt = input.startedAt ?? now;
  const at = input.at ?? startedAt;
  const id = newId();
  const updateId = newId();
  const state = applyUpdate(
    { kind: 'incident', status: 'investigating', startedAt, monitoringAt: null, resolvedAt: null },
    input.status,
    at,
  );
  const { statements, changes } = await componentStatusStatements(deps, input.components, at, id);
  const impact =
    input.impact ??
    (input.components.length
      ? impactFromStatus(worstStatus(input.components.map((c) => c.status)))
      : impactForSeverity(input.severity));
  const notify = input.notify ?? input.severity <= 2;
  const roles = await declaredRoles(deps, input.roles, actor);
  const draft = input.alertDraftId ? await draftToDeclare(deps, input.alertDraftId) : null;
  const incident = {
    id,
    kind: 'incident' as const,
    title: input.title,
    severity: input.severity,
    impact,
    status: state.status,
    startedAt,
    monitoringAt: state.monitoringAt,
    resolvedAt: state.resolvedAt,
    nextUpdateAt: state.resolvedAt === null ? (input.nextUpdateAt ?? null) : null,
    notify,
    example: input.example,
    warRoomUrl: input.warRoomUrl ?? null,
    runbookUrl: input.runbookUrl ?? null,
    dashboardUrl: input.dashboardUrl ?? null,
    detectionSource: draft ? ('alert' as const) : (input.detectionSource ?? null),
    detectedAt: draft?.detectedAt ?? null,
    // Declaring from a draft takes it on, if nobody had acknowledged it yet.
    acknowledgedAt: draft ? (draft.acknowledgedAt ?? now) : null,
    acknowledgedBy: draft ? (draft.acknowledgedBy ?? actor.label) : null,
    alertDraftId: draft?.id ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const componentIds = input.components.map((c) => c.componentId);
  await deps.db.atomic([
    ...deps.repos.incidents.insert(incident, componentIds),
    ...assignStatements(deps, id, roles, actor, now),
    ...deps.repos.incidents.insertUpdate(
      { id: updateId, incidentId: id, status: input.status, body: input.body, at, placeholders: input.placeholders ?? null, createdAt: now, updatedAt: now },
      changes,
    ),
    ...notifyOfUpdate(deps, incident, { id: updateId, at, createdAt: now }),
    ...(await notifyDestinations(deps, { ...incident, componentIds }, namesOf(roles), {
      kind: 'declaration',
      text: input.body,
      postedOnStatusPage: true,
      at,
    })),
    ...statements,
    ...(draft
      ? [
          deps.repos.alerts.updateDraft(draft.id, {
            status: 'declared',
            acknowledgedAt: incident.acknowledgedAt,
            acknowledgedBy: incident.acknowledgedBy,
            updatedAt: now,
          }),
        ]
      : []),
    auditEntry(deps, actor, {
      action: 'incident.declare',
      targetType: 'incident',
      targetId: id,
      details: { title: input.title, severity: input.severity, status: input.status, ...(draft ? { alertDraftId: draft.id } : {}) },
    }),
  ]).catch(async (error: unknown) => {
    // Two people declaring the same draft at once: incidents.alert_draft_id is unique, the second write fails whole.
    if (draft && (await deps.repos.alerts.findDraft(draft.id))?.incidentId) throw declaredAlready();
    throw error;
  });
  return id;
}

const declaredAlready = () => new ConflictError('An incident was already declared from this alert draft.');

/** The draft an incident is being declared from: it must exist and not have an incident yet. */
async function draftToDeclare(deps: Pick<Deps, 'repos'>, draftId: string) {
  const draft = await deps.repos.alerts.findDraft(draftId);
  if (!draft) throw new ValidationError('There is no alert draft with this id.', { alertDraftId: ['is not an alert draft'] });
  if (draft.incidentId) throw declaredAlready();
  return draft;
}
