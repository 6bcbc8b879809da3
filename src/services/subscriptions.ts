import { z } from 'zod';
import type { SubscriberStatus } from '../domain/constants.js';
import type { Statement } from '../db/database.js';
import { JSON_ROWS_PER_STATEMENT, type SubscriberScope } from '../db/repos/subscribers-repo.js';
import type { SubscriberRow } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { constantTimeEqual, randomToken } from '../lib/crypto.js';
import { NotFoundError, TooManyRequestsError, ValidationError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { auditEntry, authorize, type Actor } from './auth/actor.js';
import { reserveAttempts } from './auth/throttle.js';
import { parseInput, PublicId } from './validation.js';

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

export const SubscribeInput = z.object({ email: EmailAddress, scope: ScopeInput.default({ all: true, componentIds: [], groupIds: [] }) });
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
async function checkedScope(deps: Pick<Deps, 'repos'>, input: z.output<typeof ScopeInput>): Promise<SubscriberScope> {
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

async function loadNames(deps: Pick<Deps, 'repos'>): Promise<NameLists> {
  const [components, groups] = await Promise.all([deps.repos.components.list(), deps.repos.components.listGroups()]);
  return { components, groups };
}

/** Group names, then component names, in page order. */
function namesOf(scope: { componentIds: string[]; groupIds: string[] }, { components, groups }: NameLists): string[] {
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
        { id, email: input.email, status: 'pending', secret: randomToken(24), source: 'form', createdAt: now, updatedAt: now, lastNoticeAt: now },
        scope,
      ),
      deps.repos.outbox.enqueue('confirm', id, now),
    );
  } else if (existing.status === 'pending' || existing.status === 'unsubscribed') {
    statements.push(
      ...deps.repos.subscribers.setScope(existing.id, scope, now),
      deps.repos.subscribers.update(existing.id, { status: 'pending', updatedAt: now, ...(noticeDue ? { lastNoticeAt: now } : {}) }),
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

/** Manage preferences (from a link in any email). */
export async function updatePreferences(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, token: string, raw: ScopeInput): Promise<void> {
  const subscriber = await subscriberByToken(deps, token);
  const scope = await checkedScope(deps, parseInput(ScopeInput, raw));
  await deps.db.atomic(deps.repos.subscribers.setScope(subscriber.id, scope, deps.clock.now()));
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

/* ---- Admin ---- */

export const SUBSCRIBERS_PAGE_SIZE = 50;

export const SubscriberListInput = z.object({
  search: z.string().trim().max(254).optional(),
  status: z.enum(['pending', 'confirmed', 'unsubscribed', 'suppressed']).optional(),
  after: z.string().max(254).optional(),
});

export async function listSubscribers(
  deps: Pick<Deps, 'repos'>,
  actor: Actor,
  raw: z.input<typeof SubscriberListInput>,
): Promise<{ rows: SubscriberRow[]; next: string | null; counts: Record<SubscriberStatus, number> }> {
  authorize(actor, 'subscribers:read');
  const input = parseInput(SubscriberListInput, raw);
  const [rows, counts] = await Promise.all([
    deps.repos.subscribers.list({ search: input.search || undefined, status: input.status, after: input.after, limit: SUBSCRIBERS_PAGE_SIZE + 1 }),
    deps.repos.subscribers.countByStatus(),
  ]);
  const more = rows.length > SUBSCRIBERS_PAGE_SIZE;
  const page = rows.slice(0, SUBSCRIBERS_PAGE_SIZE);
  return { rows: page, next: more ? (page.at(-1)?.email ?? null) : null, counts };
}

/** Removes a subscriber and what is queued for them (an admin action, audited). */
export async function removeSubscriber(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'subscribers:write');
  const subscriber = await deps.repos.subscribers.findById(id);
  if (!subscriber) throw new NotFoundError('No such subscriber.');
  await deps.db.atomic([
    deps.repos.subscribers.delete(id),
    auditEntry(deps, actor, { action: 'subscriber.remove', targetType: 'subscriber', targetId: id, details: { email: subscriber.email } }),
  ]);
}

export const MAX_IMPORT_ROWS = 50_000;

export interface ImportReport {
  added: number;
  /** Already known addresses (left as they are). */
  existing: number;
  /** Addresses repeated within the import (counted once). */
  duplicates: number;
  /** The first 100 invalid lines. */
  invalid: { line: number; value: string; reason: string }[];
  /** Every invalid line, including those not listed. */
  invalidCount: number;
}

/**
 * CSV import: one address per line, in the first column (a header row naming
 * "email" is skipped). New addresses become confirmed only when the importer
 * states the people consented; otherwise they are pending and each gets a
 * confirmation email. Known addresses are left alone (an import never
 * resubscribes someone who left or bounced).
 */
export async function importSubscribers(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  actor: Actor,
  csv: string,
  options: { consented: boolean },
): Promise<ImportReport> {
  authorize(actor, 'subscribers:write');
  const now = deps.clock.now();
  const report: ImportReport = { added: 0, existing: 0, duplicates: 0, invalid: [], invalidCount: 0 };
  const lines = csv.split(/\r?\n/);
  if (lines.length > MAX_IMPORT_ROWS + 1) {
    throw new ValidationError(`An import takes at most ${MAX_IMPORT_ROWS.toLocaleString('en-US')} addresses; split the file.`, {
      csv: ['too many rows'],
    });
  }
  // Parse everything first (no database work per line), then look the
  // addresses up and write them set-based: a statement per few thousand
  // addresses (json_each over one JSON parameter), whatever the file's size.
  const candidates = new Set<string>();
  for (const [index, line] of lines.entries()) {
    const value = firstCsvField(line);
    // A header row names the column ("email", "E-mail", "Email address"); an address such as email@example.com is not one.
    if (value === '' || (index === 0 && /^e-?mail(?:[ _-]?address)?$/i.test(value))) continue;
    const parsed = EmailAddress.safeParse(value);
    if (!parsed.success) {
      report.invalidCount++;
      if (report.invalid.length < 100) report.invalid.push({ line: index + 1, value: value.slice(0, 100), reason: 'not an email address' });
      continue;
    }
    if (candidates.has(parsed.data)) report.duplicates++;
    else candidates.add(parsed.data);
  }
  const known = await deps.repos.subscribers.existingEmails([...candidates]);
  const fresh = [...candidates].filter((email) => !known.has(email)).map((email) => ({ id: newId(), email, secret: randomToken(24) }));
  report.existing = candidates.size - fresh.length;
  report.added = fresh.length;
  const statements: Statement[] = deps.repos.subscribers.insertMany(fresh, {
    status: options.consented ? 'confirmed' : 'pending',
    source: 'import',
    createdAt: now,
    updatedAt: now,
    confirmedAt: options.consented ? now : null,
    lastNoticeAt: options.consented ? null : now,
  });
  if (!options.consented) {
    // One confirmation each, queued in the same write (ids in slices, like the rows).
    for (let i = 0; i < fresh.length; i += JSON_ROWS_PER_STATEMENT) {
      statements.push(deps.repos.outbox.enqueueMany('confirm', fresh.slice(i, i + JSON_ROWS_PER_STATEMENT).map((row) => row.id), now));
    }
  }
  statements.push(
    auditEntry(deps, actor, {
      action: 'subscriber.import',
      targetType: 'subscriber',
      details: { added: report.added, existing: report.existing, duplicates: report.duplicates, invalid: report.invalidCount, consented: options.consented },
    }),
  );
  await deps.db.atomic(statements);
  return report;
}

/** The first field of a CSV line (quoted or not). */
function firstCsvField(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('"')) {
    const end = trimmed.indexOf('"', 1);
    return (end < 0 ? trimmed.slice(1) : trimmed.slice(1, end)).trim();
  }
  return (trimmed.split(/[,;\t]/, 1)[0] ?? '').trim();
}

/** CSV export of every subscriber (an admin action, audited): email, status, scope, dates. */
export async function exportSubscribersCsv(deps: Pick<Deps, 'repos' | 'db' | 'clock'>, actor: Actor): Promise<string> {
  authorize(actor, 'subscribers:write');
  const lines = ['email,status,components,created_at,confirmed_at,reason'];
  // Names once, scopes a page at a time: a few queries per 1,000 rows, not three per row.
  const names = await loadNames(deps);
  let after: string | undefined;
  for (;;) {
    const rows = await deps.repos.subscribers.list({ after, limit: 1000 });
    const scopes = await deps.repos.subscribers.scopesOf(rows.filter((r) => !r.allComponents).map((r) => r.id));
    for (const row of rows) {
      const chosen = scopes.get(row.id);
      const scope = row.allComponents || !chosen ? 'all' : namesOf(chosen, names).join('; ');
      lines.push(
        [row.email, row.status, scope, iso(row.createdAt), iso(row.confirmedAt), row.reason ?? ''].map(csvField).join(','),
      );
    }
    if (rows.length < 1000) break;
    after = rows.at(-1)!.email;
  }
  await deps.db.atomic([auditEntry(deps, actor, { action: 'subscriber.export', targetType: 'subscriber', details: { rows: lines.length - 1 } })]);
  return `${lines.join('\r\n')}\r\n`;
}

function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}

/** RFC 4180 quoting, and a leading ' for anything a spreadsheet would run as a formula. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
