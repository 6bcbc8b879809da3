import { mailOutbox, subscribers, type SubscriberRow } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import type { SubscriberStatus } from '../../src/domain/constants.js';
import { randomToken } from '../../src/lib/crypto.js';
import { expandFanoutChunk } from '../../src/services/notifications/outbox.js';
import { newId } from '../../src/lib/ids.js';

/** Adds subscribers straight through the repo (the public flow has its own tests). */
export async function addSubscribers(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  emails: readonly string[],
  options: { status?: SubscriberStatus; componentIds?: string[]; groupIds?: string[] } = {},
): Promise<string[]> {
  const now = deps.clock.now();
  const ids: string[] = [];
  const statements = emails.flatMap((email) => {
    const id = newId();
    ids.push(id);
    const all = !options.componentIds?.length && !options.groupIds?.length;
    return deps.repos.subscribers.insert(
      {
        id,
        email,
        status: options.status ?? 'confirmed',
        secret: randomToken(24),
        source: 'import',
        createdAt: now,
        updatedAt: now,
        confirmedAt: now,
      },
      { all, componentIds: options.componentIds ?? [], groupIds: options.groupIds ?? [] },
    );
  });
  // Chunks: one transaction per few thousand statements keeps memory flat.
  for (let i = 0; i < statements.length; i += 5_000) await deps.db.atomic(statements.slice(i, i + 5_000));
  return ids;
}

/** The outbox as a drainer sees it: pending fan-outs written out first (as `drain` does before sending). */
export async function outboxRows(deps: Pick<Deps, 'db' | 'repos'>) {
  while (await expandFanoutChunk(deps));
  return deps.db.orm.select().from(mailOutbox).all();
}

export async function subscriberRows(deps: Pick<Deps, 'db'>): Promise<SubscriberRow[]> {
  return deps.db.orm.select().from(subscribers).all();
}

/** Status → count over the whole outbox. */
export async function statusCounts(deps: Pick<Deps, 'db' | 'repos'>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const row of await outboxRows(deps)) counts[row.status] = (counts[row.status] ?? 0) + 1;
  return counts;
}
