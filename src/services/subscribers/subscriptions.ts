import { z } from 'zod';
import type { Statement } from '../../db/database.js';
import type { SubscriberScope } from '../../db/repos/subscribers-repo.js';
import type { SubscriberRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { constantTimeEqual, randomToken } from '../../lib/crypto.js';
import { NotFoundError, TooManyRequestsError, ValidationError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { reserveAttempts } from '../auth/throttle.js';
import { parseInput, PublicId } from '../validation.js';

/**
 * Subscribing by email, with double opt-in. The form answers the same way
 * whoever types an address (no enumeration); what happens behind it:
 * - new or unsubscribed address: pending, a confirmation email;
 * - pending: its choice is updated and the confirmation sent again;
 * - confirmed: an "already subscribed" email with the link to manage it;
 * - suppressed (bounced, complained): nothing.
 * Mails about the subscription itself go out at most once per
 * NOTICE_INTERVAL_MS per address, and each client address may submit the form
 * SUBSCRIBE_LIMIT times per hour.
 */

export const NOTICE_INTERVAL_MS = 10 * 60_000;
export const SUBSCRIBE_LIMIT = 10;
const SUBSCRIBE_WINDOW_MS = 60 * 60_000;

/** An email address, as forms and imports give it: trimmed, lower-cased, sensibly bounded. */
export const EmailAddress = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, { error: 'is too long for an email address' })
  .pipe(z.email({ error: 'must be an email address such as ada@example.com' }));

export const ScopeInput = z.object({
  /** Every component (the default), or only those chosen below. */
  all: z.boolean().default(true),
  componentIds: z.array(PublicId).max(500).default([]),
  groupIds: z.array(PublicId).max(100).default([]),
});
export type ScopeInput = z.input<typeof ScopeInput>;

export const SubscribeInput = z.object({
  email: EmailAddress,
  scope: ScopeInput.default({ all: true, componentIds: [], groupIds: [] }),
  /** Also email component status changes outside incidents (offered only while the page sends them; undefined: not asked). */
  componentUpdates: z.boolean().optional(),
});
export type SubscribeInput = z.input<typeof SubscribeInput>;

/** The token in every link of a subscriber's emails: "<id>.<secret>". */
export function subscriberToken(subscriber: Pick<SubscriberRow, 'id' | 'secret'>): string {
  return `${subscriber.id}.${subscriber.secret}`;
}

/** The subscriber a link token belongs to; NotFoundError for anything else. */
export async function subscriberByToken(deps: Pick<Deps, 'repos'>, token: string): Promise<SubscriberRow> {
  // Exactly "<id>.<secret>": a token with more segments is not one Herald made.
  const parts = token.split('.');
  const [id, secret] = parts.length === 2 ? parts : [];
  const subscriber = id && secret && /^[a-z0-9]{6,32}$/.test(id) ? await deps.repos.subscribers.findById(id) : undefined;
  if (!subscriber || !secret || !constantTimeEqual(secret, subscriber.secret)) {
    throw new NotFoundError('This link is not valid (it may be incomplete, or the subscription was removed).');
  }
  return subscriber;
}

/** Keeps only components and groups that exist; "all" when nothing is left. */
export async function checkedScope(deps: Pick<Deps, 'repos'>, input: z.output<typeof ScopeInput>): Promise<SubscriberScope> {
  if (input.all) return { all: true, componentIds: [], groupIds: [] };
  const [components, groups] = await Promise.all([deps.repos.components.list(), deps.repos.components.listGroups()]);
  const componentIds = [...new Set(input.componentIds)].filter((id) => components.some((c) => c.id === id && !c.hidden));
  const groupIds = [...new Set(input.groupIds)].filter((id) => groups.some((g) => g.id === id));
  if (componentIds.length === 0 && groupIds.length === 0) {
    throw new ValidationError('Choose at least one component, or all of them.', { scope: ['choose at least one component, or all'] });
  }
  return { all: false, componentIds, groupIds };
}

/** What a subscriber chose, in words (for emails and pages). */
export async function scopeNames(deps: Pick<Deps, 'repos'>, subscriber: Pick<SubscriberRow, 'id'>): Promise<{ all: boolean; names: string[] }> {
  const scope = await deps.repos.subscribers.scopeOf(subscriber.id);
  if (scope.all) return { all: true, names: [] };
  return { all: false, names: namesOf(scope, await loadNames(deps)) };
}

type NameLists = { components: { id: string; name: string }[]; groups: { id: string; name: string }[] };

export async function loadNames(deps: Pick<Deps, 'repos'>): Promise<NameLists> {
  const [components, groups] = await Promise.all([deps.repos.components.list(), deps.repos.components.listGroups()]);
  return { components, groups };
}

/** Group names, then component names, in page order. */
export function namesOf(scope: { componentIds: string[]; groupIds: string[] }, { components, groups }: NameLists): string[] {
  return [
    ...groups.filter((g) => scope.groupIds.includes(g.id)).map((g) => g.name),
    ...components.filter((c) => scope.componentIds.includes(c.id)).map((c) => c.name),
  ];
}

/**
 * The public form. Throws only for invalid input or too many submissions from
 * one client; otherwise the outcome is deliberately invisible to the caller.
 */
export async function subscribe(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  raw: SubscribeInput,
  clientAddress: string,
): Promise<void> {
  const input = parseInput(SubscribeInput, raw);
  const now = deps.clock.now();
  const scope = await checkedScope(deps, input.scope);
  const refused = await reserveAttempts(deps, [{ key: `subscribe:${clientAddress}`, max: SUBSCRIBE_LIMIT }], SUBSCRIBE_WINDOW_MS);
  if (refused) {
    throw new TooManyRequestsError('Too many subscription requests from your network. Try again in an hour.', refused.retryAfterSeconds);
  }
  const existing = await deps.repos.subscribers.findByEmail(input.email);
  const statements: Statement[] = [];
  const noticeDue = !existing?.lastNoticeAt || existing.lastNoticeAt <= now - NOTICE_INTERVAL_MS;
  if (!existing) {
    const id = newId();
    statements.push(
      ...deps.repos.subscribers.insert(
        {
          id,
          email: input.email,
          status: 'pending',
          secret: randomToken(24),
          source: 'form',
          createdAt: now,
          updatedAt: now,
          lastNoticeAt: now,
          componentUpdates: input.componentUpdates ?? false,
        },
        scope,
      ),
      deps.repos.outbox.enqueue('confirm', id, now),
    );
  } else if (existing.status === 'pending' || existing.status === 'unsubscribed') {
    statements.push(
      ...deps.repos.subscribers.setScope(existing.id, scope, now),
      deps.repos.subscribers.update(existing.id, {
        status: 'pending',
        updatedAt: now,
        ...(noticeDue ? { lastNoticeAt: now } : {}),
        ...(input.componentUpdates !== undefined ? { componentUpdates: input.componentUpdates } : {}),
      }),
    );
    if (noticeDue) statements.push(deps.repos.outbox.enqueue('confirm', existing.id, now));
  } else if (existing.status === 'confirmed' && noticeDue) {
    statements.push(
      deps.repos.subscribers.update(existing.id, { lastNoticeAt: now }),
      deps.repos.outbox.enqueue('already_subscribed', existing.id, now),
    );
  }
  await deps.db.atomic(statements);
}

const SUPPRESSED_CANNOT_CONFIRM = 'Emails to this address bounced or were reported as spam, so it cannot be subscribed again from here.';

/**
 * The confirmation link. Returns the subscriber as it is now. Using the link
 * again (or twice at once) changes nothing more; a suppression that lands
 * between the lookup and the write is not undone.
 */
export async function confirmSubscription(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, token: string): Promise<SubscriberRow> {
  const subscriber = await subscriberByToken(deps, token);
  if (subscriber.status === 'suppressed') throw new ValidationError(SUPPRESSED_CANNOT_CONFIRM);
  if (subscriber.status === 'confirmed') return subscriber;
  const now = deps.clock.now();
  if ((await deps.db.claim(deps.repos.subscribers.confirm(subscriber.id, now))) === 1) {
    return { ...subscriber, status: 'confirmed', confirmedAt: now, updatedAt: now };
  }
  const current = await subscriberByToken(deps, token);
  if (current.status === 'suppressed') throw new ValidationError(SUPPRESSED_CANNOT_CONFIRM);
  return current;
}

/** Manage preferences (from a link in any email). `componentUpdates` undefined leaves that choice as it is. */
export async function updatePreferences(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  token: string,
  raw: ScopeInput,
  componentUpdates?: boolean,
): Promise<void> {
  const subscriber = await subscriberByToken(deps, token);
  const scope = await checkedScope(deps, parseInput(ScopeInput, raw));
  const now = deps.clock.now();
  await deps.db.atomic([
    ...deps.repos.subscribers.setScope(subscriber.id, scope, now),
    ...(componentUpdates !== undefined ? [deps.repos.subscribers.update(subscriber.id, { componentUpdates, updatedAt: now })] : []),
  ]);
}

/** One-click unsubscribe (RFC 8058) and the button on the unsubscribe page. Idempotent. */
export async function unsubscribe(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, token: string): Promise<SubscriberRow> {
  const subscriber = await subscriberByToken(deps, token);
  if (subscriber.status === 'unsubscribed' || subscriber.status === 'suppressed') return subscriber;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.subscribers.update(subscriber.id, { status: 'unsubscribed', updatedAt: now }),
    deps.repos.outbox.skipQueuedFor(subscriber.id, 'unsubscribed'),
  ]);
  return { ...subscriber, status: 'unsubscribed' };
}

/** A bounce or complaint (Resend webhook): never mail the address again. Returns whether it was known. */
export async function suppressAddress(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, email: string, reason: string): Promise<boolean> {
  const subscriber = await deps.repos.subscribers.findByEmail(email.trim().toLowerCase());
  if (!subscriber) return false;
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.subscribers.update(subscriber.id, { status: 'suppressed', reason: reason.slice(0, 500), updatedAt: now }),
    deps.repos.outbox.skipQueuedFor(subscriber.id, `suppressed: ${reason.slice(0, 200)}`),
  ]);
  return true;
}
