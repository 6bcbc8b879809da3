import type {
  AnyIncidentStatus,
  ComponentStatus,
  Impact,
  IncidentKind,
  IncidentStatus,
  MaintenanceStatus,
  Severity,
} from './constants.js';
import { INCIDENT_STATUSES, MAINTENANCE_STATUSES } from './constants.js';
import { MINUTE } from './calendar.js';

export function isIncidentStatus(status: string): status is IncidentStatus {
  return (INCIDENT_STATUSES as readonly string[]).includes(status);
}

export function isMaintenanceStatus(status: string): status is MaintenanceStatus {
  return (MAINTENANCE_STATUSES as readonly string[]).includes(status);
}

/** The statuses that close an incident or a maintenance. */
export function isClosedStatus(status: AnyIncidentStatus): boolean {
  return status === 'resolved' || status === 'completed';
}

/**
 * Which statuses an update may carry next. Open statuses may follow each
 * other in any order (a fix that bounces goes from Monitoring back to
 * Investigating) and may repeat; once closed, only a closing update (an
 * addendum) may follow: a relapse is a new incident.
 */
export function allowedNextStatuses(kind: IncidentKind, current: AnyIncidentStatus | null): AnyIncidentStatus[] {
  const all: readonly AnyIncidentStatus[] = kind === 'incident' ? INCIDENT_STATUSES : MAINTENANCE_STATUSES;
  if (current !== null && isClosedStatus(current)) return [current];
  return [...all];
}

export class LifecycleError extends Error {}

/**
 * The component changes a resolving update makes when asked to restore the
 * components: each component the incident affected that is not Operational
 * now and was not given a status explicitly goes back to Operational. Other
 * statuses restore nothing.
 */
export function restoredComponents(
  status: AnyIncidentStatus,
  affected: readonly string[],
  current: ReadonlyMap<string, ComponentStatus>,
  explicit: readonly { componentId: string }[],
): { componentId: string; status: 'operational' }[] {
  if (status !== 'resolved') return [];
  const chosen = new Set(explicit.map((x) => x.componentId));
  return [...new Set(affected)]
    .filter((id) => !chosen.has(id) && current.has(id) && current.get(id) !== 'operational')
    .map((componentId) => ({ componentId, status: 'operational' as const }));
}

export interface LifecycleState {
  kind: IncidentKind;
  status: AnyIncidentStatus;
  startedAt: number;
  monitoringAt: number | null;
  resolvedAt: number | null;
}

/**
 * The incident after an update with `status` at time `at`: the first move to
 * Monitoring and to Resolved/Completed are remembered; a move back to an open
 * status clears the resolution.
 */
export function applyUpdate(state: LifecycleState, status: AnyIncidentStatus, at: number): LifecycleState {
  if (!allowedNextStatuses(state.kind, state.status).includes(status)) {
    throw new LifecycleError(`This ${state.kind} is ${state.status} and cannot move to ${status}.`);
  }
  const closing = isClosedStatus(status);
  return {
    ...state,
    status,
    monitoringAt: status === 'monitoring' || status === 'verifying' ? (state.monitoringAt ?? at) : state.monitoringAt,
    resolvedAt: closing ? (state.resolvedAt ?? at) : null,
  };
}

/** The customer impact a severity implies unless the Comms Lead picks one. */
export function impactForSeverity(severity: Severity): Impact {
  return (['critical', 'major', 'minor', 'none'] as const)[severity - 1]!;
}

/** How often a public update is due for an open incident, by severity; null means no cadence. */
export function updateCadenceMs(severity: Severity): number | null {
  return [15 * MINUTE, 30 * MINUTE, 120 * MINUTE, null][severity - 1]!;
}

export interface MaintenanceWindow {
  status: MaintenanceStatus;
  scheduledFor: number;
  scheduledUntil: number;
}

/**
 * The phase a maintenance is in at `now`: the stored status, moved on by the
 * clock where the window says it has started or ended. An explicit Verifying
 * or Completed posted by the Comms Lead is kept.
 */
export function maintenancePhase(window: MaintenanceWindow, now: number): MaintenanceStatus {
  if (window.status === 'completed') return 'completed';
  if (now >= window.scheduledUntil) return 'completed';
  if (window.status === 'scheduled' && now >= window.scheduledFor) return 'in_progress';
  return window.status;
}

export interface ScheduledStatus {
  status: AnyIncidentStatus;
  scheduledFor: number | null;
  scheduledUntil: number | null;
}

/** The status to show at `now`: a maintenance's phase moves with its window, an incident's does not. */
export function effectiveStatus(item: ScheduledStatus, now: number): AnyIncidentStatus {
  if (!isMaintenanceStatus(item.status) || item.scheduledFor === null || item.scheduledUntil === null) return item.status;
  return maintenancePhase({ status: item.status, scheduledFor: item.scheduledFor, scheduledUntil: item.scheduledUntil }, now);
}
