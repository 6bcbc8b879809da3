import { describe, expect, it } from 'vitest';
import type { ComponentStatus } from '../../src/domain/constants.js';
import {
  automaticUpdateId,
  dueMaintenanceMove,
  holdsComponents,
  maintenanceComponentChanges,
  maintenanceNextUpdateAt,
  planMaintenanceClock,
  type MaintenanceSnapshot,
} from '../../src/domain/maintenance-clock.js';

const MIN = 60_000;
const H = 60 * MIN;
/** 2026-06-01T10:00:00Z */
const START = Date.UTC(2026, 5, 1, 10);
const END = START + 2 * H;

function maintenance(overrides: Partial<MaintenanceSnapshot> = {}): MaintenanceSnapshot {
  return {
    id: 'mnt000000001',
    kind: 'maintenance',
    status: 'scheduled',
    scheduledFor: START,
    scheduledUntil: END,
    componentIds: ['api', 'web'],
    updateStatuses: ['scheduled'],
    ...overrides,
  };
}

const statuses = (entries: Record<string, ComponentStatus>): Map<string, ComponentStatus> => new Map(Object.entries(entries));

describe('dueMaintenanceMove', () => {
  it('does nothing before the window opens', () => {
    expect(dueMaintenanceMove(maintenance(), START - 1)).toBeNull();
    expect(dueMaintenanceMove(maintenance(), START - 30 * MIN)).toBeNull();
  });

  it('starts a scheduled maintenance from the first instant of its window', () => {
    expect(dueMaintenanceMove(maintenance(), START)).toBe('start');
    expect(dueMaintenanceMove(maintenance(), START + H)).toBe('start');
    expect(dueMaintenanceMove(maintenance(), END - 1)).toBe('start');
  });

  it('completes at the end of the window, from any open step', () => {
    for (const status of ['scheduled', 'in_progress', 'verifying'] as const) {
      expect(dueMaintenanceMove(maintenance({ status }), END)).toBe('complete');
      expect(dueMaintenanceMove(maintenance({ status }), END + 3 * H)).toBe('complete');
    }
  });

  it('completes a maintenance that never started (the window passed while nothing ran) without starting it', () => {
    expect(dueMaintenanceMove(maintenance({ status: 'scheduled', updateStatuses: ['scheduled'] }), END + MIN)).toBe('complete');
  });

  it('leaves a maintenance already in progress or verifying alone during the window', () => {
    expect(dueMaintenanceMove(maintenance({ status: 'in_progress', updateStatuses: ['scheduled', 'in_progress'] }), START + H)).toBeNull();
    expect(dueMaintenanceMove(maintenance({ status: 'verifying', updateStatuses: ['scheduled', 'verifying'] }), START + H)).toBeNull();
  });

  it('never touches a completed maintenance, even long after', () => {
    expect(dueMaintenanceMove(maintenance({ status: 'completed' }), START + H)).toBeNull();
    expect(dueMaintenanceMove(maintenance({ status: 'completed' }), END + 100 * H)).toBeNull();
  });

  it('does not start again one the Comms Lead started and then set back to Scheduled', () => {
    const postponed = maintenance({ status: 'scheduled', updateStatuses: ['scheduled', 'in_progress', 'scheduled'] });
    expect(dueMaintenanceMove(postponed, START + H)).toBeNull();
    expect(dueMaintenanceMove(postponed, END)).toBe('complete');
  });

  it('ignores incidents and maintenance without a window', () => {
    expect(dueMaintenanceMove(maintenance({ kind: 'incident', status: 'investigating' }), END + H)).toBeNull();
    expect(dueMaintenanceMove(maintenance({ scheduledFor: null }), END + H)).toBeNull();
    expect(dueMaintenanceMove(maintenance({ scheduledUntil: null }), END + H)).toBeNull();
  });
});

describe('holdsComponents', () => {
  it('holds them while the window is open and the maintenance is not completed', () => {
    expect(holdsComponents(maintenance(), START - 1)).toBe(false);
    expect(holdsComponents(maintenance(), START)).toBe(true);
    expect(holdsComponents(maintenance({ status: 'verifying' }), END - 1)).toBe(true);
    expect(holdsComponents(maintenance(), END)).toBe(false);
    expect(holdsComponents(maintenance({ status: 'completed' }), START + H)).toBe(false);
  });

  it('holds them before the window when the Comms Lead started early', () => {
    expect(holdsComponents(maintenance({ status: 'in_progress' }), START - 10 * MIN)).toBe(true);
  });
});

describe('maintenanceComponentChanges', () => {
  it('puts operational components under maintenance on start', () => {
    const changes = maintenanceComponentChanges('start', maintenance(), statuses({ api: 'operational', web: 'operational' }), [], START);
    expect(changes).toEqual([
      { componentId: 'api', status: 'under_maintenance' },
      { componentId: 'web', status: 'under_maintenance' },
    ]);
  });

  it('never hides an outage behind planned work, and skips components already under maintenance', () => {
    const changes = maintenanceComponentChanges(
      'start',
      maintenance({ componentIds: ['api', 'web', 'db'] }),
      statuses({ api: 'major_outage', web: 'under_maintenance', db: 'operational' }),
      [],
      START,
    );
    expect(changes).toEqual([{ componentId: 'db', status: 'under_maintenance' }]);
  });

  it('skips components that no longer exist', () => {
    const changes = maintenanceComponentChanges('start', maintenance({ componentIds: ['api', 'gone'] }), statuses({ api: 'operational' }), [], START);
    expect(changes).toEqual([{ componentId: 'api', status: 'under_maintenance' }]);
  });

  it('on completion, sets back only the components still under maintenance', () => {
    const changes = maintenanceComponentChanges(
      'complete',
      maintenance({ componentIds: ['api', 'web', 'db'] }),
      statuses({ api: 'under_maintenance', web: 'partial_outage', db: 'operational' }),
      [],
      END,
    );
    expect(changes).toEqual([{ componentId: 'api', status: 'operational' }]);
  });

  it('on completion, leaves a component that an overlapping maintenance still holds', () => {
    const first = maintenance({ id: 'first0000001', status: 'in_progress', componentIds: ['api', 'web'] });
    const second = maintenance({ id: 'second000001', status: 'in_progress', componentIds: ['web'], scheduledFor: START + H, scheduledUntil: END + 2 * H });
    const changes = maintenanceComponentChanges(
      'complete',
      first,
      statuses({ api: 'under_maintenance', web: 'under_maintenance' }),
      [first, second],
      END,
    );
    expect(changes).toEqual([{ componentId: 'api', status: 'operational' }]);
  });

  it('counts the maintenance itself out of the "others" that hold components', () => {
    const m = maintenance({ status: 'in_progress' });
    const changes = maintenanceComponentChanges('complete', m, statuses({ api: 'under_maintenance', web: 'under_maintenance' }), [m], END - 1);
    expect(changes).toHaveLength(2);
  });
});

describe('planMaintenanceClock', () => {
  it('plans nothing when nothing is due', () => {
    expect(planMaintenanceClock([maintenance()], statuses({ api: 'operational', web: 'operational' }), START - MIN)).toEqual([]);
    expect(planMaintenanceClock([], new Map(), START)).toEqual([]);
  });

  it('plans the start and then the completion as the clock passes each edge', () => {
    const current = statuses({ api: 'operational', web: 'operational' });
    expect(planMaintenanceClock([maintenance()], current, START + 30_000)).toEqual([
      {
        id: 'mnt000000001',
        move: 'start',
        components: [
          { componentId: 'api', status: 'under_maintenance' },
          { componentId: 'web', status: 'under_maintenance' },
        ],
      },
    ]);
    const started = maintenance({ status: 'in_progress', updateStatuses: ['scheduled', 'in_progress'] });
    const during = statuses({ api: 'under_maintenance', web: 'under_maintenance' });
    expect(planMaintenanceClock([started], during, START + H)).toEqual([]);
    expect(planMaintenanceClock([started], during, END)).toEqual([
      {
        id: 'mnt000000001',
        move: 'complete',
        components: [
          { componentId: 'api', status: 'operational' },
          { componentId: 'web', status: 'operational' },
        ],
      },
    ]);
  });

  it('hands a component over from a window that closes to one that opens at the same time', () => {
    const closing = maintenance({ id: 'closing00001', status: 'in_progress', componentIds: ['api'], updateStatuses: ['scheduled', 'in_progress'] });
    const opening = maintenance({ id: 'opening00001', componentIds: ['api'], scheduledFor: END, scheduledUntil: END + H });
    const plan = planMaintenanceClock([opening, closing], statuses({ api: 'under_maintenance' }), END);
    expect(plan).toEqual([
      { id: 'closing00001', move: 'complete', components: [] },
      { id: 'opening00001', move: 'start', components: [] },
    ]);
  });
});

describe('automaticUpdateId', () => {
  it('is fixed per maintenance and move, distinct between moves, and a valid Herald id', () => {
    const start = automaticUpdateId('abcdefghijkl', 'start');
    const done = automaticUpdateId('abcdefghijkl', 'complete');
    expect(start).toBe(automaticUpdateId('abcdefghijkl', 'start'));
    expect(start).not.toBe(done);
    expect(automaticUpdateId('otherid00000', 'start')).not.toBe(start);
    for (const id of [start, done, automaticUpdateId('x'.repeat(32), 'complete')]) expect(id).toMatch(/^[a-z0-9]{6,32}$/);
  });
});

describe('maintenanceNextUpdateAt', () => {
  const window = { scheduledFor: START, scheduledUntil: END };
  it('promises the start while scheduled and the end while work is under way', () => {
    expect(maintenanceNextUpdateAt('scheduled', window, START - H)).toBe(START);
    expect(maintenanceNextUpdateAt('in_progress', window, START + H)).toBe(END);
    expect(maintenanceNextUpdateAt('verifying', window, START + H)).toBe(END);
  });
  it('promises nothing once completed or when the edge has passed', () => {
    expect(maintenanceNextUpdateAt('completed', window, START + H)).toBeNull();
    expect(maintenanceNextUpdateAt('scheduled', window, START + 1)).toBeNull();
    expect(maintenanceNextUpdateAt('in_progress', window, END)).toBeNull();
  });
});
