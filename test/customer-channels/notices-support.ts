import { and, eq } from 'drizzle-orm';
import { customerNotices, mailOutbox, settings } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { randomToken } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import type { SubscriberStatus } from '../../src/domain/constants.js';

type TestDb = Pick<Deps, 'db' | 'repos' | 'clock'>;

/** Turns component notifications on (or off), with a flap window in seconds. */
export async function componentNotifications(deps: TestDb, on: boolean, windowSeconds = 120): Promise<void> {
  await deps.db.atomic([deps.db.orm.update(settings).set({ componentNotifications: on, componentFlapWindowSeconds: windowSeconds }).where(eq(settings.id, 1))]);
}

export async function notices(deps: TestDb) {
  return deps.db.orm.select().from(customerNotices).all();
}

export async function componentNotices(deps: TestDb, componentId?: string) {
  const kind = eq(customerNotices.kind, 'component');
  return deps.db.orm
    .select()
    .from(customerNotices)
    .where(componentId ? and(kind, eq(customerNotices.componentId, componentId)) : kind)
    .orderBy(customerNotices.createdAt)
    .all();
}

export async function componentEmails(deps: TestDb) {
  return deps.db.orm.select().from(mailOutbox).where(eq(mailOutbox.kind, 'component')).all();
}

export interface EmailSubscriberOptions {
  status?: SubscriberStatus;
  componentIds?: string[];
  groupIds?: string[];
  /** Opted in to component updates (default true). */
  componentUpdates?: boolean;
  confirmedAt?: number;
}

/** Email subscribers straight through the repo (one write), opted in to component updates unless told otherwise. */
export async function addEmailSubscribers(deps: TestDb, emails: readonly string[], options: EmailSubscriberOptions = {}): Promise<string[]> {
  const now = deps.clock.now();
  const all = !options.componentIds?.length && !options.groupIds?.length;
  const ids: string[] = [];
  const statements = emails.flatMap((email) => {
    const id = newId();
    ids.push(id);
    return deps.repos.subscribers.insert(
      {
        id,
        email,
        status: options.status ?? 'confirmed',
        secret: randomToken(24),
        source: 'import',
        componentUpdates: options.componentUpdates ?? true,
        createdAt: now,
        updatedAt: now,
        confirmedAt: options.status === 'pending' ? null : (options.confirmedAt ?? now),
      },
      { all, componentIds: options.componentIds ?? [], groupIds: options.groupIds ?? [] },
    );
  });
  for (let i = 0; i < statements.length; i += 5_000) await deps.db.atomic(statements.slice(i, i + 5_000));
  return ids;
}

export async function addEmailSubscriber(deps: TestDb, email: string, options: EmailSubscriberOptions = {}): Promise<string> {
  return (await addEmailSubscribers(deps, [email], options))[0]!;
}
