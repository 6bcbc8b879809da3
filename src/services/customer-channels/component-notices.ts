import type { Statement } from '../../db/database.js';
import type { ComponentStatus } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { newId } from '../../lib/ids.js';

/*
 * Component status notifications (issue 18): a component's status changed
 * outside an incident, by hand or by an alert rule's automatic status, and
 * the page setting `component_notifications` is on.
 *
 * Flap coalescing: the change writes (or joins) the component's waiting
 * notice in the same write, due a flap window (`component_flap_window_seconds`)
 * after the last change. Each further change within the window takes the new
 * status and waits again, so A -> B -> C is one notice A -> C, and A -> B -> A
 * ends where it started and is dropped at the end of the window: nothing is
 * sent. A component that never stops flapping is still announced: a notice
 * waits at most MAX_WAIT_WINDOWS windows after its first change. The
 * background tick ends the wait (promoteComponentNotices); the expanders then
 * tell the channels and the opted-in email subscribers.
 *
 * An incident update's component changes never write a component notice: the
 * update's own notice (notices.ts) carries them; and a waiting notice whose
 * component an incident update moved meanwhile is dropped (it would announce
 * an older status after the incident's newer one).
 */

/** A waiting notice is announced at the latest this many flap windows after its first change. */
export const MAX_WAIT_WINDOWS = 10;
/** Email subscribers per expansion write (as the update fan-out). */
export const COMPONENT_EMAIL_CHUNK = 2_000;

/**
 * The notice statements for a component's status change outside an incident,
 * for the write that changes it (none while the page setting is off or
 * nothing changes).
 */
export async function noticeComponentChange(
  deps: Pick<Deps, 'repos'>,
  change: { componentId: string; from: ComponentStatus; to: ComponentStatus },
  now: number,
): Promise<Statement[]> {
  if (change.from === change.to) return [];
  const settings = await deps.repos.settings.get();
  if (!settings?.componentNotifications) return [];
  const windowMs = Math.max(0, settings.componentFlapWindowSeconds) * 1000;
  return deps.repos.customerNotices.noteComponentChange({
    id: newId(),
    ...change,
    now,
    windowMs,
    maxWaitMs: MAX_WAIT_WINDOWS * windowMs,
  });
}

/**
 * Ends the wait of the notices whose window is over: each becomes ready (to
 * be told) or is dropped (it came back to where it started, an incident update
 * moved the component since, or the setting was turned off meanwhile). One conditional write: of two ticks, the second
 * finds nothing. Returns how many notices it ended.
 */
export async function promoteComponentNotices(deps: Pick<Deps, 'repos' | 'db'>, now: number): Promise<number> {
  const settings = await deps.repos.settings.get();
  return deps.db.claim(deps.repos.customerNotices.promoteDue(now, { announce: settings?.componentNotifications ?? false }));
}

/**
 * Writes the next chunk of component emails (subscribers who opted in to
 * component updates) of the oldest ready component notice; false when none is
 * left. Each chunk and the notice's new email cursor are one write guarded by
 * the old cursor, so a crash resumes at the next chunk and two drainers never
 * queue one subscriber twice.
 */
export async function expandComponentEmailChunk(deps: Pick<Deps, 'repos' | 'db'>): Promise<boolean> {
  const notice = await deps.repos.customerNotices.nextEmailExpansion();
  if (!notice) return false;
  const end = await deps.repos.outbox.fanoutChunkEnd(notice.emailCursor, COMPONENT_EMAIL_CHUNK);
  await deps.db.atomic(deps.repos.customerNotices.expandEmail(notice, end));
  if (end === null) await deps.db.claim(deps.repos.customerNotices.finishNotice(notice.id));
  return true;
}
