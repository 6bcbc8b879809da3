import { z } from 'zod';
import type { SubscriberStatus } from '../../domain/constants.js';
import type { Statement } from '../../db/database.js';
import { JSON_ROWS_PER_STATEMENT } from '../../db/repos/subscribers-repo.js';
import type { SubscriberRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { randomToken } from '../../lib/crypto.js';
import { newId } from '../../lib/ids.js';
import { auditEntry, authorize, type Actor } from '../auth/actor.js';
import { parseInput } from '../validation.js';
import { EmailAddress, loadNames, namesOf } from './subscriptions.js';

/*
 * The team's side of the subscriber list: browsing it, removing someone,
 * importing addresses from CSV and exporting the list (audited).
 */

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
