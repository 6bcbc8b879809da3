import { describe, expect, it } from 'vitest';
import {
  LifecycleError,
  allowedNextStatuses,
  applyUpdate,
  impactForSeverity,
  isClosedStatus,
  isIncidentStatus,
  isMaintenanceStatus,
  maintenancePhase,
  restoredComponents,
  updateCadenceMs,
  type LifecycleState,
  type MaintenanceWindow,
} from '../../src/domain/lifecycle.js';

const MIN = 60_000;
const H = 3_600_000;
/** 2026-06-01T10:00:00Z */
const START = Date.UTC(2026, 5, 1, 10);

function incident(overrides: Partial<LifecycleState> = {}): LifecycleState {
  return {
    kind: 'incident',
    status: 'investigating',
    startedAt: START,
    monitoringAt: null,
    resolvedAt: null,
    ...overrides,
  };
}

function maintenance(overrides: Partial<LifecycleState> = {}): LifecycleState {
  return {
    kind: 'maintenance',
    status: 'scheduled',
    startedAt: START,
    monitoringAt: null,
    resolvedAt: null,
    ...overrides,
  };
}

describe('status predicates', () => {
  it('recognises incident statuses', () => {
    for (const s of ['investigating', 'identified', 'monitoring', 'resolved']) expect(isIncidentStatus(s)).toBe(true);
    for (const s of ['scheduled', 'in_progress', 'verifying', 'completed', 'open', '']) {
      expect(isIncidentStatus(s)).toBe(false);
    }
  });

  it('recognises maintenance statuses', () => {
    for (const s of ['scheduled', 'in_progress', 'verifying', 'completed']) expect(isMaintenanceStatus(s)).toBe(true);
    for (const s of ['investigating', 'identified', 'monitoring', 'resolved', 'done', '']) {
      expect(isMaintenanceStatus(s)).toBe(false);
    }
  });

  it('treats only resolved and completed as closed', () => {
    expect(isClosedStatus('resolved')).toBe(true);
    expect(isClosedStatus('completed')).toBe(true);
    for (const s of ['investigating', 'identified', 'monitoring', 'scheduled', 'in_progress', 'verifying'] as const) {
      expect(isClosedStatus(s)).toBe(false);
    }
  });
});

describe('allowedNextStatuses', () => {
  it('allows any incident status for a new incident', () => {
    expect(allowedNextStatuses('incident', null)).toEqual(['investigating', 'identified', 'monitoring', 'resolved']);
  });

  it('allows any maintenance status for a new maintenance', () => {
    expect(allowedNextStatuses('maintenance', null)).toEqual(['scheduled', 'in_progress', 'verifying', 'completed']);
  });

  it('lets open incident statuses follow each other in any order, including repeats', () => {
    const all = ['investigating', 'identified', 'monitoring', 'resolved'];
    expect(allowedNextStatuses('incident', 'investigating')).toEqual(all);
    expect(allowedNextStatuses('incident', 'identified')).toEqual(all);
    expect(allowedNextStatuses('incident', 'monitoring')).toEqual(all);
  });

  it('lets open maintenance statuses follow each other in any order, including repeats', () => {
    const all = ['scheduled', 'in_progress', 'verifying', 'completed'];
    expect(allowedNextStatuses('maintenance', 'scheduled')).toEqual(all);
    expect(allowedNextStatuses('maintenance', 'in_progress')).toEqual(all);
    expect(allowedNextStatuses('maintenance', 'verifying')).toEqual(all);
  });

  it('only allows another resolved update (an addendum) once an incident is resolved', () => {
    expect(allowedNextStatuses('incident', 'resolved')).toEqual(['resolved']);
  });

  it('only allows another completed update once a maintenance is completed', () => {
    expect(allowedNextStatuses('maintenance', 'completed')).toEqual(['completed']);
  });

  it('never offers statuses of the other kind', () => {
    expect(allowedNextStatuses('incident', 'investigating')).not.toContain('in_progress');
    expect(allowedNextStatuses('maintenance', 'in_progress')).not.toContain('monitoring');
  });

  it('returns a fresh list that callers may modify safely', () => {
    const list = allowedNextStatuses('incident', null);
    list.pop();
    expect(allowedNextStatuses('incident', null)).toEqual(['investigating', 'identified', 'monitoring', 'resolved']);
  });
});

describe('applyUpdate', () => {
  it('moves an incident to the new status and keeps its kind and start', () => {
    expect(applyUpdate(incident(), 'identified', START + 10 * MIN)).toEqual({
      kind: 'incident',
      status: 'identified',
      startedAt: START,
      monitoringAt: null,
      resolvedAt: null,
    });
  });

  it('records when the incident first moved to monitoring', () => {
    const next = applyUpdate(incident({ status: 'identified' }), 'monitoring', START + 30 * MIN);
    expect(next.monitoringAt).toBe(START + 30 * MIN);
    expect(next.resolvedAt).toBeNull();
  });

  it('keeps the first monitoring time when monitoring is posted again', () => {
    const state = incident({ status: 'monitoring', monitoringAt: START + 30 * MIN });
    expect(applyUpdate(state, 'monitoring', START + H).monitoringAt).toBe(START + 30 * MIN);
  });

  it('keeps the monitoring time when a fix bounces back to investigating', () => {
    const state = incident({ status: 'monitoring', monitoringAt: START + 30 * MIN });
    expect(applyUpdate(state, 'investigating', START + H)).toEqual({
      kind: 'incident',
      status: 'investigating',
      startedAt: START,
      monitoringAt: START + 30 * MIN,
      resolvedAt: null,
    });
  });

  it('keeps the first monitoring time after bouncing and monitoring again', () => {
    let state = incident();
    state = applyUpdate(state, 'monitoring', START + 30 * MIN);
    state = applyUpdate(state, 'investigating', START + H);
    state = applyUpdate(state, 'monitoring', START + 2 * H);
    expect(state.monitoringAt).toBe(START + 30 * MIN);
  });

  it('records when the incident was resolved', () => {
    const state = incident({ status: 'monitoring', monitoringAt: START + 30 * MIN });
    expect(applyUpdate(state, 'resolved', START + 2 * H)).toEqual({
      kind: 'incident',
      status: 'resolved',
      startedAt: START,
      monitoringAt: START + 30 * MIN,
      resolvedAt: START + 2 * H,
    });
  });

  it('leaves monitoringAt empty when an incident is resolved without monitoring', () => {
    const next = applyUpdate(incident(), 'resolved', START + H);
    expect(next.monitoringAt).toBeNull();
    expect(next.resolvedAt).toBe(START + H);
  });

  it('can declare an incident already resolved', () => {
    const next = applyUpdate(incident(), 'resolved', START);
    expect(next.status).toBe('resolved');
    expect(next.resolvedAt).toBe(START);
  });

  it('keeps the first resolution time when an addendum is posted', () => {
    const state = incident({ status: 'resolved', resolvedAt: START + 2 * H });
    expect(applyUpdate(state, 'resolved', START + 5 * H)).toEqual({
      kind: 'incident',
      status: 'resolved',
      startedAt: START,
      monitoringAt: null,
      resolvedAt: START + 2 * H,
    });
  });

  it('clears a stale resolution when the update is an open status', () => {
    const state = incident({ status: 'monitoring', monitoringAt: START + 30 * MIN, resolvedAt: START + H });
    expect(applyUpdate(state, 'identified', START + 2 * H).resolvedAt).toBeNull();
  });

  it('rejects reopening a resolved incident with a LifecycleError', () => {
    const state = incident({ status: 'resolved', resolvedAt: START + H });
    for (const status of ['investigating', 'identified', 'monitoring'] as const) {
      expect(() => applyUpdate(state, status, START + 2 * H)).toThrow(LifecycleError);
    }
  });

  it('names the current and the requested status in the error message', () => {
    const state = incident({ status: 'resolved', resolvedAt: START + H });
    expect(() => applyUpdate(state, 'investigating', START + 2 * H)).toThrow(/resolved.*investigating/);
  });

  it('throws an Error subclass', () => {
    let caught: unknown;
    try {
      applyUpdate(incident({ status: 'resolved', resolvedAt: START }), 'monitoring', START + H);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LifecycleError);
    expect(caught).toBeInstanceOf(Error);
  });

  it('rejects a maintenance status on an incident', () => {
    expect(() => applyUpdate(incident(), 'in_progress', START + H)).toThrow(LifecycleError);
    expect(() => applyUpdate(incident(), 'completed', START + H)).toThrow(LifecycleError);
  });

  it('rejects an incident status on a maintenance', () => {
    expect(() => applyUpdate(maintenance(), 'monitoring', START + H)).toThrow(LifecycleError);
    expect(() => applyUpdate(maintenance(), 'resolved', START + H)).toThrow(LifecycleError);
  });

  it('moves a maintenance from scheduled to in progress without recording monitoring or resolution', () => {
    expect(applyUpdate(maintenance(), 'in_progress', START)).toEqual({
      kind: 'maintenance',
      status: 'in_progress',
      startedAt: START,
      monitoringAt: null,
      resolvedAt: null,
    });
  });

  it('records verifying as the monitoring time of a maintenance', () => {
    const next = applyUpdate(maintenance({ status: 'in_progress' }), 'verifying', START + H);
    expect(next.monitoringAt).toBe(START + H);
    expect(next.resolvedAt).toBeNull();
  });

  it('keeps the first verifying time when verifying is posted again', () => {
    const state = maintenance({ status: 'verifying', monitoringAt: START + H });
    expect(applyUpdate(state, 'verifying', START + 90 * MIN).monitoringAt).toBe(START + H);
  });

  it('records completion as the resolution time of a maintenance', () => {
    const state = maintenance({ status: 'verifying', monitoringAt: START + H });
    expect(applyUpdate(state, 'completed', START + 2 * H)).toEqual({
      kind: 'maintenance',
      status: 'completed',
      startedAt: START,
      monitoringAt: START + H,
      resolvedAt: START + 2 * H,
    });
  });

  it('keeps the first completion time when a completed addendum is posted', () => {
    const state = maintenance({ status: 'completed', resolvedAt: START + 2 * H });
    expect(applyUpdate(state, 'completed', START + 3 * H).resolvedAt).toBe(START + 2 * H);
  });

  it('rejects reopening a completed maintenance', () => {
    const state = maintenance({ status: 'completed', resolvedAt: START + 2 * H });
    expect(() => applyUpdate(state, 'in_progress', START + 3 * H)).toThrow(LifecycleError);
    expect(() => applyUpdate(state, 'scheduled', START + 3 * H)).toThrow(LifecycleError);
  });

  it('does not modify the state it is given', () => {
    const state = incident({ status: 'identified' });
    applyUpdate(state, 'monitoring', START + H);
    applyUpdate(state, 'resolved', START + 2 * H);
    expect(state).toEqual(incident({ status: 'identified' }));
  });
});

describe('restoredComponents', () => {
  const current = new Map([
    ['api', 'major_outage' as const],
    ['web', 'partial_outage' as const],
    ['cdn', 'operational' as const],
  ]);

  it('sets the affected components that are not operational back to operational on resolution', () => {
    expect(restoredComponents('resolved', ['api', 'web', 'cdn'], current, [])).toEqual([
      { componentId: 'api', status: 'operational' },
      { componentId: 'web', status: 'operational' },
    ]);
  });

  it('leaves a component given an explicit status, and components the incident never affected', () => {
    expect(restoredComponents('resolved', ['api', 'web'], current, [{ componentId: 'web' }])).toEqual([{ componentId: 'api', status: 'operational' }]);
  });

  it('restores nothing on any other status, nor for components that no longer exist', () => {
    expect(restoredComponents('monitoring', ['api'], current, [])).toEqual([]);
    expect(restoredComponents('completed', ['api'], current, [])).toEqual([]);
    expect(restoredComponents('resolved', ['gone'], current, [])).toEqual([]);
  });
});

describe('impactForSeverity', () => {
  it('maps severity 1 to critical impact', () => {
    expect(impactForSeverity(1)).toBe('critical');
  });

  it('maps severity 2 to major impact', () => {
    expect(impactForSeverity(2)).toBe('major');
  });

  it('maps severity 3 to minor impact', () => {
    expect(impactForSeverity(3)).toBe('minor');
  });

  it('maps severity 4 to no impact', () => {
    expect(impactForSeverity(4)).toBe('none');
  });
});

describe('updateCadenceMs', () => {
  it('expects an update every 15 minutes for severity 1', () => {
    expect(updateCadenceMs(1)).toBe(900_000);
  });

  it('expects an update every 30 minutes for severity 2', () => {
    expect(updateCadenceMs(2)).toBe(1_800_000);
  });

  it('expects an update every 2 hours for severity 3', () => {
    expect(updateCadenceMs(3)).toBe(7_200_000);
  });

  it('has no cadence for severity 4', () => {
    expect(updateCadenceMs(4)).toBeNull();
  });
});

describe('maintenancePhase', () => {
  /** 2026-06-01 02:00–04:00 UTC. */
  const scheduledFor = Date.UTC(2026, 5, 1, 2);
  const scheduledUntil = Date.UTC(2026, 5, 1, 4);
  const window = (status: MaintenanceWindow['status']): MaintenanceWindow => ({
    status,
    scheduledFor,
    scheduledUntil,
  });

  it('stays scheduled before the window starts', () => {
    expect(maintenancePhase(window('scheduled'), scheduledFor - H)).toBe('scheduled');
    expect(maintenancePhase(window('scheduled'), scheduledFor - 1)).toBe('scheduled');
  });

  it('moves a scheduled maintenance to in progress exactly when the window starts', () => {
    expect(maintenancePhase(window('scheduled'), scheduledFor)).toBe('in_progress');
  });

  it('shows a scheduled maintenance as in progress within the window', () => {
    expect(maintenancePhase(window('scheduled'), scheduledFor + H)).toBe('in_progress');
    expect(maintenancePhase(window('scheduled'), scheduledUntil - 1)).toBe('in_progress');
  });

  it('completes a scheduled maintenance exactly when the window ends', () => {
    expect(maintenancePhase(window('scheduled'), scheduledUntil)).toBe('completed');
  });

  it('shows a scheduled maintenance as completed after the window', () => {
    expect(maintenancePhase(window('scheduled'), scheduledUntil + 24 * H)).toBe('completed');
  });

  it('keeps a maintenance that was started early in progress before the window', () => {
    expect(maintenancePhase(window('in_progress'), scheduledFor - 30 * MIN)).toBe('in_progress');
  });

  it('keeps an in-progress maintenance in progress within the window', () => {
    expect(maintenancePhase(window('in_progress'), scheduledFor + H)).toBe('in_progress');
  });

  it('completes an in-progress maintenance when the window ends', () => {
    expect(maintenancePhase(window('in_progress'), scheduledUntil)).toBe('completed');
  });

  it('keeps an explicit verifying within the window instead of showing in progress', () => {
    expect(maintenancePhase(window('verifying'), scheduledFor + H)).toBe('verifying');
  });

  it('keeps an explicit verifying posted before the window starts', () => {
    expect(maintenancePhase(window('verifying'), scheduledFor - H)).toBe('verifying');
  });

  it('completes a verifying maintenance once the window has ended', () => {
    expect(maintenancePhase(window('verifying'), scheduledUntil + MIN)).toBe('completed');
  });

  it('keeps an explicit completed before, within and after the window', () => {
    expect(maintenancePhase(window('completed'), scheduledFor - H)).toBe('completed');
    expect(maintenancePhase(window('completed'), scheduledFor + H)).toBe('completed');
    expect(maintenancePhase(window('completed'), scheduledUntil + H)).toBe('completed');
  });
});
