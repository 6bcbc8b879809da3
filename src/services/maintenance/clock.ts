import {
  automaticUpdateId,
  dueMaintenanceMove,
  maintenanceNextUpdateAt,
  planMaintenanceClock,
  type MaintenanceSnapshot,
  type MaintenanceStep,
} from '../../domain/maintenance-clock.js';
import { applyUpdate } from '../../domain/lifecycle.js';
import { fillTemplate, placeholdersIn } from '../../domain/templates.js';
import type { IncidentDetail } from '../../db/repos/incidents-repo.js';
import type { ComponentGroupRow, ComponentRow, TemplateRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { formatterFor, type Formatter } from '../../presenters/format.js';
import { maintenancePlaceholderValues } from '../../presenters/maintenance-form.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { componentStatusStatements } from '../components/status-changes.js';
import { loadSettings } from '../settings/reads.js';
import { notifyOfUpdate } from '../notifications/publish.js';

type ClockDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'log'>;

export interface MaintenanceClockResult {
  /** Ids of the maintenances this run started. */
  started: string[];
  /** Ids of the maintenances this run completed. */
  completed: string[];
}

/** Every maintenance not yet completed, with its updates (the window filter of the repo is opened all the way). */
export async function listOpenMaintenance(deps: Pick<Deps, 'repos'>): Promise<IncidentDetail[]> {
  return deps.repos.incidents.listPendingMaintenance(-1);
}

export function snapshotOf(m: IncidentDetail): MaintenanceSnapshot {
  return {
    id: m.id,
    kind: m.kind,
    status: m.status,
    scheduledFor: m.scheduledFor,
    scheduledUntil: m.scheduledUntil,
    componentIds: m.componentIds,
    updateStatuses: m.updates.map((u) => u.status),
  };
}

/** The names customers see for the components of a maintenance, in page order (group by group, ungrouped last). */
export function visibleComponentNames(
  componentIds: readonly string[],
  components: readonly ComponentRow[],
  groups: readonly ComponentGroupRow[] = [],
): string[] {
  const ids = new Set(componentIds);
  const groupRank = new Map(groups.map((g) => [g.id, g.position]));
  const rank = (c: ComponentRow): number => (c.groupId !== null ? (groupRank.get(c.groupId) ?? Infinity) : Infinity);
  return components
    .filter((c) => ids.has(c.id) && !c.hidden)
    .sort((a, b) => rank(a) - rank(b) || a.position - b.position)
    .map((c) => c.name);
}

/**
 * The text of an automatic update: the maintenance template for the step
 * (the first "In progress" or "Completed" one) filled from the maintenance.
 * If a placeholder would stay unfilled (or there is no template), a plain
 * sentence instead: an automatic update never publishes "{{...}}".
 */
export function automaticUpdateBody(
  step: MaintenanceStep['move'],
  maintenance: IncidentDetail,
  templates: readonly TemplateRow[],
  components: readonly ComponentRow[],
  groups: readonly ComponentGroupRow[],
  format: Formatter,
): string {
  const status = step === 'start' ? 'in_progress' : 'completed';
  const end = maintenance.scheduledUntil;
  const values = maintenancePlaceholderValues(
    {
      scheduledFor: maintenance.scheduledFor,
      scheduledUntil: end,
      componentNames: visibleComponentNames(maintenance.componentIds, components, groups),
      nextUpdateAt: step === 'start' ? end : null,
    },
    format,
  );
  const template = templates.find((t) => t.audience === 'public' && t.kind === 'maintenance' && t.status === status);
  if (template) {
    const body = fillTemplate(template.body, values).trim();
    if (body && placeholdersIn(body).length === 0 && !/\{\{|\}\}/.test(body)) return body;
  }
  const title = maintenance.title.replace(/"/g, "'");
  return step === 'start'
    ? `The planned maintenance "${title}" has started.` +
        (end !== null ? ` We will post the next update when the work is complete, by ${format.dateTime(end).text} at the latest.` : '')
    : `The planned maintenance "${title}" is complete. Thank you for your patience.`;
}

/**
 * The maintenance clock: for every maintenance whose window has started but
 * which is still Scheduled, posts an automatic "In progress" update that puts
 * its components Under maintenance; for every one whose window has ended and
 * which is not Completed, posts "Completed" and sets the components it still
 * holds Under maintenance back to Operational. The decisions are
 * domain/maintenance-clock.ts. The actor is `systemActor('maintenance clock')`
 * (services/background.ts), which the audit log names.
 *
 * Idempotent and safe to run twice at once: each automatic update has a fixed
 * id, so a racing second write fails whole on it and is dropped here after
 * checking that the move is no longer due.
 */
export async function advanceMaintenance(deps: ClockDeps, actor: Actor, now: number): Promise<MaintenanceClockResult> {
  authorize(actor, 'incidents:write');
  const result: MaintenanceClockResult = { started: [], completed: [] };
  const open = await listOpenMaintenance(deps);
  if (!open.some((m) => dueMaintenanceMove(snapshotOf(m), now) !== null)) return result;
  const components = await deps.repos.components.list();
  const current = new Map(components.map((c) => [c.id, c.status]));
  const steps = planMaintenanceClock(open.map(snapshotOf), current, now);
  if (steps.length === 0) return result;
  const [settings, templates, groups] = await Promise.all([
    loadSettings(deps),
    deps.repos.templates.list(),
    deps.repos.components.listGroups(),
  ]);
  const format = formatterFor(settings.timeZone);
  const byId = new Map(open.map((m) => [m.id, m]));

  for (const step of steps) {
    const maintenance = byId.get(step.id)!;
    try {
      await applyStep(deps, actor, step, maintenance, automaticUpdateBody(step.move, maintenance, templates, components, groups, format), now);
      (step.move === 'start' ? result.started : result.completed).push(step.id);
    } catch (error) {
      // Another run (process, isolate, overlapping tick) may have done it first.
      const fresh = await deps.repos.incidents.findById(step.id);
      if (!fresh || dueMaintenanceMove(snapshotOf(fresh), now) !== step.move) continue;
      deps.log.error('maintenance clock: could not advance a maintenance', {
        maintenanceId: step.id,
        move: step.move,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return result;
}

async function applyStep(
  deps: ClockDeps,
  actor: Actor,
  step: MaintenanceStep,
  maintenance: IncidentDetail,
  body: string,
  now: number,
): Promise<void> {
  const status = step.move === 'start' ? 'in_progress' : 'completed';
  const next = applyUpdate(maintenance, status, now);
  const { statements, changes } = await componentStatusStatements(deps, step.components, now, maintenance.id);
  const updateId = automaticUpdateId(maintenance.id, step.move);
  const nextUpdateAt =
    maintenance.scheduledFor !== null && maintenance.scheduledUntil !== null
      ? maintenanceNextUpdateAt(status, { scheduledFor: maintenance.scheduledFor, scheduledUntil: maintenance.scheduledUntil }, now)
      : null;
  await deps.db.atomic([
    // First: on a race, this insert is the one that collides, before anything else is written.
    ...deps.repos.incidents.insertUpdate(
      { id: updateId, incidentId: maintenance.id, status, body, at: now, createdAt: now, updatedAt: now },
      changes,
    ),
    ...notifyOfUpdate(deps, maintenance, { id: updateId, at: now, createdAt: now }),
    deps.repos.incidents.update(maintenance.id, {
      status: next.status,
      monitoringAt: next.monitoringAt,
      resolvedAt: next.resolvedAt,
      nextUpdateAt,
      updatedAt: now,
    }),
    ...statements,
    auditEntry(deps, actor, {
      action: step.move === 'start' ? 'maintenance.auto_start' : 'maintenance.auto_complete',
      targetType: 'incident',
      targetId: maintenance.id,
      details: { updateId, components: step.components },
    }),
  ]);
}
