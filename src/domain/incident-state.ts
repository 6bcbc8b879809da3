import type { AnyIncidentStatus, IncidentKind } from './constants.js';
import { applyUpdate, type LifecycleState } from './lifecycle.js';

/**
 * An incident's lifecycle state replayed from its updates (oldest first), so
 * that deleting an update leaves the incident as if it had never been posted.
 * Updates that the lifecycle would refuse in sequence are skipped.
 */
export function replayLifecycle(
  kind: IncidentKind,
  startedAt: number,
  updates: readonly { status: AnyIncidentStatus; at: number }[],
): LifecycleState {
  let state: LifecycleState = {
    kind,
    status: kind === 'incident' ? 'investigating' : 'scheduled',
    startedAt,
    monitoringAt: null,
    resolvedAt: null,
  };
  for (const update of [...updates].sort((a, b) => a.at - b.at)) {
    try {
      state = applyUpdate(state, update.status, update.at);
    } catch {
      // A published history can hold moves today's rules refuse; keep what it said.
    }
  }
  return state;
}
