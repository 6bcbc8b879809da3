import type { Deps } from '../../deps.js';
import { NoticeGoneError, noticePayload } from './payloads.js';

/*
 * Expanding customer notices into customer_deliveries, as the email fan-out
 * does into mail_outbox (expandFanoutChunk, services/notifications/outbox.ts):
 * a chunk of channel subscribers per write, each write moving the notice's
 * cursor and guarded by the cursor it read, so a crash resumes at the next
 * chunk and two drainers never queue a chunk twice (the unique message id
 * is the second guard). The first chunk stores the notice's notification
 * (customer_notices.payload), built once, so every subscriber and every
 * retry gets the same facts.
 */

/** Channel subscribers per write: a few milliseconds of a Node process each. */
export const CUSTOMER_FANOUT_CHUNK = 2_000;

export type ExpandDeps = Pick<Deps, 'repos' | 'db' | 'clock' | 'log'> & Partial<Pick<Deps, 'config'>>;

export type ChunkOutcome = 'expanded' | 'dropped' | 'none';

/** Writes the next chunk of the ready notice due first; 'none' when nothing waits. */
export async function expandNoticeChunk(deps: ExpandDeps, chunkSize: number = CUSTOMER_FANOUT_CHUNK): Promise<ChunkOutcome> {
  const { customerDeliveries } = deps.repos;
  const notice = await customerDeliveries.nextNotice();
  if (!notice) return 'none';
  const now = deps.clock.now();
  let payload: Record<string, unknown> | null = null;
  if (!notice.hasPayload && !(await customerDeliveries.anyConfirmedBy(notice.readyAt))) {
    // Nobody was subscribed when it was published: the channel side is finished in one write, nothing built.
    await deps.db.atomic(customerDeliveries.skipChannelSide(notice));
    return 'expanded';
  }
  if (!notice.hasPayload) {
    const row = await deps.repos.customerNotices.findById(notice.id);
    if (!row) return 'expanded'; // deleted meanwhile: look again
    try {
      payload = (await noticePayload(deps, row, now)) as unknown as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof NoticeGoneError)) throw error;
      await deps.db.claim(customerDeliveries.dropNotice(notice.id));
      deps.log.info('customer channels: notice has nothing left to announce, nothing sent', { notice: notice.id, reason: error.message });
      return 'dropped';
    }
  }
  const end = await customerDeliveries.chunkEnd(notice.cursor, chunkSize);
  await deps.db.atomic(customerDeliveries.expand(notice, end, now, payload));
  return 'expanded';
}

const yieldToLoop = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Expands chunks until none is left or `until()` says stop, yielding between chunks (a page request waits at most one); how many. */
export async function expandNotices(deps: ExpandDeps, until: () => boolean, chunkSize?: number): Promise<number> {
  let chunks = 0;
  while (!until()) {
    const outcome = await expandNoticeChunk(deps, chunkSize);
    if (outcome === 'none') break;
    chunks++;
    await yieldToLoop();
  }
  return chunks;
}
