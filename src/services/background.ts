import type { Deps } from '../deps.js';
import { advanceMaintenance, type MaintenanceClockResult } from './maintenance-clock.js';

export interface BackgroundTickResult {
  maintenance: MaintenanceClockResult | null;
}

/**
 * One round of background work, the same on every runtime: Node calls it on
 * an interval (src/entry/node.ts), the Worker from its cron trigger
 * (`scheduled()` in src/entry/worker.ts). Each task is guarded on its own, so
 * one failing task is logged and does not stop the others; the tick itself
 * never throws.
 */
export async function runBackgroundTick(deps: Pick<Deps, 'repos' | 'db' | 'clock' | 'log'>): Promise<BackgroundTickResult> {
  const result: BackgroundTickResult = { maintenance: null };
  try {
    const maintenance = await advanceMaintenance(deps, deps.clock.now());
    result.maintenance = maintenance;
    if (maintenance.started.length || maintenance.completed.length) {
      deps.log.info('maintenance clock advanced', { started: maintenance.started, completed: maintenance.completed });
    }
  } catch (error) {
    deps.log.error('background: maintenance clock failed', {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
  return result;
}
