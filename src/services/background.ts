import { DAY } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { escalateUnacknowledgedDrafts, type EscalationResult } from './alerts/escalation.js';
import { systemActor } from './auth/actor.js';
import { promoteComponentNotices } from './customer-channels/component-notices.js';
import { advanceMaintenance, type MaintenanceClockResult } from './maintenance/clock.js';
import { pruneDeliveries } from './destinations/deliveries.js';
import { remindOverdueInternalUpdates, type ReminderResult } from './destinations/reminders.js';
import { pruneOutbox } from './notifications/outbox.js';
import { remindPostmortems, type PostmortemReminderResult } from './postmortems/reminders.js';

export interface BackgroundTickResult {
  maintenance: MaintenanceClockResult | null;
  /** Writes that pruned old finished emails (null when the task failed). */
  pruned: number | null;
  /** Counted attempts forgotten, older than ATTEMPT_RETENTION_MS (null when the task failed). */
  attemptsPruned: number | null;
  /** Destination deliveries finished more than 30 days ago, deleted (null when the task failed). */
  deliveriesPruned: number | null;
  /** Overdue internal updates reminded of (null when the task failed). */
  reminders: ReminderResult | null;
  /** Alert drafts (SEV-1/2) escalated for staying unacknowledged (null when the task failed). */
  escalations: EscalationResult | null;
  /** Postmortems due soon or overdue, reminded of (null when the task failed). */
  postmortemReminders: PostmortemReminderResult | null;
  /** Component notices whose flap window ended: made ready or dropped (null when the task failed). */
  componentNotices: number | null;
}

/** Counted attempts (sign-in, subscribe, webhook ids) are kept a day: the longest window is an hour. */
export const ATTEMPT_RETENTION_MS = DAY;

/**
 * One round of background work, the same on every runtime: Node calls it on
 * an interval (src/entry/node.ts), the Worker from its cron trigger
 * (`scheduled()` in src/entry/worker.ts). Each task is guarded on its own, so
 * one failing task is logged and does not stop the others; the tick itself
 * never throws.
 */
export async function runBackgroundTick(
  deps: Pick<Deps, 'repos' | 'db' | 'clock' | 'log' | 'views' | 'mail' | 'wakeOutbox'> & Partial<Pick<Deps, 'config'>>,
): Promise<BackgroundTickResult> {
  const maintenance = await guarded(deps, 'maintenance clock', async () => {
    const result = await advanceMaintenance(deps, systemActor('maintenance clock'), deps.clock.now());
    if (result.started.length || result.completed.length) {
      deps.log.info('maintenance clock advanced', { started: result.started, completed: result.completed });
    }
    return result;
  });
  const pruned = await guarded(deps, 'outbox pruning', () => pruneOutbox(deps, deps.clock.now()));
  const attemptsPruned = await guarded(deps, 'attempt pruning', () =>
    deps.db.claim(deps.repos.accounts.pruneAttempts(deps.clock.now() - ATTEMPT_RETENTION_MS)),
  );
  const deliveriesPruned = await guarded(deps, 'delivery log pruning', () => pruneDeliveries(deps, deps.clock.now()));
  const reminders = await guarded(deps, 'internal update reminders', async () => {
    const result = await remindOverdueInternalUpdates(deps, deps.clock.now());
    if (result.queued > 0) deps.wakeOutbox();
    return result;
  });
  const escalations = await guarded(deps, 'alert escalation', async () => {
    const result = await escalateUnacknowledgedDrafts(deps, deps.clock.now());
    if (result.queued > 0) deps.wakeOutbox();
    return result;
  });
  const postmortemReminders = await guarded(deps, 'postmortem reminders', async () => {
    const result = await remindPostmortems(deps, deps.clock.now());
    if (result.queued > 0) deps.wakeOutbox();
    return result;
  });
  const componentNotices = await guarded(deps, 'component notices', async () => {
    const ended = await promoteComponentNotices(deps, deps.clock.now());
    if (ended > 0) deps.wakeOutbox();
    return ended;
  });
  return { maintenance, pruned, attemptsPruned, deliveriesPruned, reminders, escalations, postmortemReminders, componentNotices };
}

async function guarded<T>(deps: Pick<Deps, 'log'>, task: string, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (error) {
    deps.log.error(`background: ${task} failed`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return null;
  }
}
