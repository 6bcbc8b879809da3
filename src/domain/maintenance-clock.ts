/**
 * The maintenance clock's decisions: which maintenance must start or complete
 * at `now`, and which components each move changes. Pure: the service
 * (services/maintenance/clock.ts) loads the rows and writes the results.
 */
import type { AnyIncidentStatus, ComponentStatus, IncidentKind, MaintenanceStatus } from './constants.js';
import { isClosedStatus } from './lifecycle.js';

/** What the clock needs to know about one maintenance. */
export interface MaintenanceSnapshot {
  id: string;
  kind: IncidentKind;
  status: AnyIncidentStatus;
  scheduledFor: number | null;
  scheduledUntil: number | null;
  componentIds: readonly string[];
  /** The statuses of the updates posted so far, in any order. */
  updateStatuses: readonly AnyIncidentStatus[];
}

/** start: the window opened (Scheduled -> In progress); complete: the window closed (-> Completed). */
export type MaintenanceMove = 'start' | 'complete';

export interface ComponentTarget {
  componentId: string;
  status: ComponentStatus;
}

export interface MaintenanceStep {
  id: string;
  move: MaintenanceMove;
  /** The component status changes the move makes (only real changes). */
  components: ComponentTarget[];
}

function hasWindow(m: MaintenanceSnapshot): m is MaintenanceSnapshot & { scheduledFor: number; scheduledUntil: number } {
  return m.kind === 'maintenance' && m.scheduledFor !== null && m.scheduledUntil !== null;
}

/** Whether work on this maintenance was ever under way (an In progress or Verifying update was posted). */
function everStarted(m: MaintenanceSnapshot): boolean {
  return m.updateStatuses.some((s) => s === 'in_progress' || s === 'verifying');
}

/**
 * The move the clock owes a maintenance at `now`, or null:
 * - the window has ended and it is not completed -> complete (also when it
 *   never started: a single Completed update, no "started" after the fact);
 * - the window has started, it is still Scheduled and was never started ->
 *   start. A maintenance the Comms Lead started and then set back to
 *   Scheduled (postponed) is not started again by the clock.
 */
export function dueMaintenanceMove(m: MaintenanceSnapshot, now: number): MaintenanceMove | null {
  if (!hasWindow(m) || isClosedStatus(m.status)) return null;
  if (now >= m.scheduledUntil) return 'complete';
  if (m.status === 'scheduled' && now >= m.scheduledFor && !everStarted(m)) return 'start';
  return null;
}

/**
 * Whether a maintenance keeps its components under maintenance at `now`:
 * open, its window not over, and either its window has started or the Comms
 * Lead started it early.
 */
export function holdsComponents(m: MaintenanceSnapshot, now: number): boolean {
  if (!hasWindow(m) || isClosedStatus(m.status) || now >= m.scheduledUntil) return false;
  return now >= m.scheduledFor || m.status === 'in_progress' || m.status === 'verifying';
}

/**
 * The component changes of a move.
 * - start: components that are Operational go Under maintenance. One already
 *   in an outage or degraded keeps that status: planned work must never hide
 *   an incident from customers.
 * - complete: components still Under maintenance go back to Operational,
 *   except those another maintenance in `others` still holds at `now`
 *   (overlapping windows). Components someone moved to another status since
 *   are left alone.
 */
export function maintenanceComponentChanges(
  move: MaintenanceMove,
  maintenance: Pick<MaintenanceSnapshot, 'id' | 'componentIds'>,
  current: ReadonlyMap<string, ComponentStatus>,
  others: readonly MaintenanceSnapshot[],
  now: number,
): ComponentTarget[] {
  const ids = [...new Set(maintenance.componentIds)].filter((id) => current.has(id));
  if (move === 'start') {
    return ids.filter((id) => current.get(id) === 'operational').map((componentId) => ({ componentId, status: 'under_maintenance' }));
  }
  const held = new Set(
    others.filter((o) => o.id !== maintenance.id && holdsComponents(o, now)).flatMap((o) => o.componentIds),
  );
  return ids
    .filter((id) => current.get(id) === 'under_maintenance' && !held.has(id))
    .map((componentId) => ({ componentId, status: 'operational' }));
}

/**
 * Everything the clock must do at `now`, completions first (so a window that
 * closes and a following one that opens on the same component hand over
 * cleanly). `open` holds every maintenance not yet completed.
 */
export function planMaintenanceClock(
  open: readonly MaintenanceSnapshot[],
  current: ReadonlyMap<string, ComponentStatus>,
  now: number,
): MaintenanceStep[] {
  const steps: MaintenanceStep[] = [];
  for (const move of ['complete', 'start'] as const) {
    for (const m of open) {
      if (dueMaintenanceMove(m, now) !== move) continue;
      steps.push({ id: m.id, move, components: maintenanceComponentChanges(move, m, current, open, now) });
    }
  }
  return steps;
}

/**
 * The id of the clock's automatic update for a move. Fixed per maintenance
 * and move, so when two runs race, the second one's write collides with the
 * first one's update and is rolled back whole: it posts nothing twice.
 */
export function automaticUpdateId(maintenanceId: string, move: MaintenanceMove): string {
  return `${maintenanceId.slice(0, 22)}auto${move === 'start' ? 'start' : 'done'}`;
}

/**
 * The next update a maintenance update promises customers: the start of the
 * window while it is scheduled, the end of the window while work is under way
 * (the clock posts "Completed" then at the latest); none once completed, or
 * when that edge has passed.
 */
export function maintenanceNextUpdateAt(
  status: MaintenanceStatus,
  window: { scheduledFor: number; scheduledUntil: number },
  now: number,
): number | null {
  const edge = status === 'scheduled' ? window.scheduledFor : status === 'completed' ? null : window.scheduledUntil;
  return edge !== null && edge > now ? edge : null;
}
