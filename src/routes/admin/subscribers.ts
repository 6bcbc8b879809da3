import { Hono } from 'hono';
import { z } from 'zod';
import { formatLocalDateTime } from '../../domain/calendar.js';
import { SUBSCRIBER_STATUS_LABELS, SUBSCRIBER_STATUSES, type SubscriberStatus } from '../../domain/constants.js';
import type { SubscriberRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { formatDuration, formatterFor, type Formatter } from '../../presenters/format.js';
import { loadSettings } from '../../services/settings/reads.js';
import { exportSubscribersCsv, importSubscribers, listSubscribers, removeSubscriber, SUBSCRIBERS_PAGE_SIZE } from '../../services/subscribers/manage.js';
import { parseInput } from '../../services/validation.js';
import { renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

/**
 * What fits in one import: the app refuses bodies over 1 MB (MAX_BODY_BYTES),
 * and a line of a typical export is well under 50 bytes.
 */
export const IMPORT_CAPACITY_TEXT = 'about 20,000 addresses';

/** Fixed notices after a redirect (never user text in the URL). */
const NOTICES: Record<string, string> = {
  removed: 'Subscriber removed, with any email still queued for them.',
};

const blankAsMissing = (value: unknown): unknown => (value === '' ? undefined : value);

/** The list page's query string. Anything else in it is ignored; a bad value is a 400 page. */
const ListQuery = z.object({
  q: z.preprocess(blankAsMissing, z.string().trim().max(254, { error: 'is too long (at most 254 characters)' }).optional()),
  status: z.preprocess(
    blankAsMissing,
    z.enum(SUBSCRIBER_STATUSES, { error: `must be one of ${SUBSCRIBER_STATUSES.join(', ')}` }).optional(),
  ),
  after: z.preprocess(blankAsMissing, z.string().max(254, { error: 'is not a page of this list' }).optional()),
  done: z.string().max(40).optional(),
});
type ListQuery = z.output<typeof ListQuery>;

/** A link to the list with these filters (empty ones left out). */
function listHref(query: { q?: string; status?: SubscriberStatus; after?: string }): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.status) params.set('status', query.status);
  if (query.after) params.set('after', query.after);
  const search = params.toString();
  return search ? `/admin/subscribers?${search}` : '/admin/subscribers';
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** "All", or what a subscriber picked ("2 components · 1 group"). */
async function scopeText(deps: Deps, row: SubscriberRow): Promise<string> {
  if (row.allComponents) return 'All';
  const scope = await deps.repos.subscribers.scopeOf(row.id);
  const parts = [
    ...(scope.componentIds.length ? [plural(scope.componentIds.length, 'component', 'components')] : []),
    ...(scope.groupIds.length ? [plural(scope.groupIds.length, 'group', 'groups')] : []),
  ];
  return parts.length ? parts.join(' · ') : 'None';
}

async function presentSubscriber(deps: Deps, row: SubscriberRow, format: Formatter) {
  return {
    id: row.id,
    email: row.email,
    status: row.status,
    statusLabel: SUBSCRIBER_STATUS_LABELS[row.status],
    reason: row.status === 'suppressed' ? (row.reason ?? 'no reason recorded') : null,
    components: await scopeText(deps, row),
    source: row.source,
    createdAt: format.date(row.createdAt),
    confirmedAt: row.confirmedAt === null ? null : format.date(row.confirmedAt),
  };
}

/** Where subscriber emails go, in words. */
function transportOf(deps: Deps): { name: string | null; label: string } {
  const name = deps.mail?.name ?? null;
  if (name === 'resend') return { name, label: 'Resend: emails are sent.' };
  if (name === 'files') return { name, label: 'Files: emails are written to disk on the server, not sent (no RESEND_API_KEY).' };
  if (name) return { name, label: name };
  return { name: null, label: 'None: emails are queued but not sent until a transport is configured (RESEND_API_KEY).' };
}

/** /admin/subscribers: the list (comms and up); import, export and removal (admins and up). */
export function subscriberAdminRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'subscribers:read');
  const write = requirePermission(deps, 'subscribers:write');

  app.get('/subscribers', read, async (c) => {
    const query: ListQuery = parseInput(ListQuery, c.req.query());
    const now = deps.clock.now();
    const [page, settings, outbox, oldest] = await Promise.all([
      listSubscribers(deps, c.get('actor'), { search: query.q, status: query.status, after: query.after }),
      loadSettings(deps),
      deps.repos.outbox.counts(),
      deps.repos.outbox.oldestWaiting(),
    ]);
    const format = formatterFor(settings.timeZone);
    const total = SUBSCRIBER_STATUSES.reduce((sum, s) => sum + page.counts[s], 0);
    const filter = { q: query.q ?? '', status: query.status ?? null, statusLabel: query.status ? SUBSCRIBER_STATUS_LABELS[query.status] : null };
    return renderAdmin(c, deps, 'subscribers/list', {
      title: 'Subscribers',
      notice: NOTICES[query.done ?? ''] ?? null,
      filter,
      statusLinks: [
        { label: 'All', count: total, href: listHref({ q: query.q }), current: !query.status },
        ...SUBSCRIBER_STATUSES.map((status) => ({
          label: SUBSCRIBER_STATUS_LABELS[status],
          count: page.counts[status],
          href: listHref({ q: query.q, status }),
          current: query.status === status,
        })),
      ],
      total,
      rows: await Promise.all(page.rows.map((row) => presentSubscriber(deps, row, format))),
      pageSize: SUBSCRIBERS_PAGE_SIZE,
      next: page.next === null ? null : listHref({ q: query.q, status: query.status, after: page.next }),
      first: query.after ? listHref({ q: query.q, status: query.status }) : null,
      filtered: Boolean(query.q || query.status),
      outbox: {
        queued: outbox.queued,
        sending: outbox.sending,
        sent: outbox.sent,
        failed: outbox.failed,
        preparing: outbox.preparing,
        oldestWaiting: oldest === null ? null : { at: format.dateTime(oldest), age: formatDuration(Math.max(0, now - oldest)) },
      },
      transport: transportOf(deps),
    });
  });

  const renderImport = (c: AdminContext, state: { csv?: string; consent?: boolean; errors?: { message: string; fields?: Record<string, string[]> } } = {}, status: 200 | 400 = 200) =>
    renderAdmin(
      c,
      deps,
      'subscribers/import',
      {
        title: 'Import subscribers',
        csv: state.csv ?? '',
        consent: state.consent ?? false,
        capacity: IMPORT_CAPACITY_TEXT,
        errors: state.errors ?? null,
      },
      status,
    );

  app.get('/subscribers/import', write, (c) => renderImport(c));

  app.post('/subscribers/import', write, async (c) => {
    // Already parsed (and cached) by requirePermission's CSRF check; files are kept here.
    const body = await c.req.parseBody();
    const pasted = typeof body.csv === 'string' ? body.csv : '';
    const consent = body.consent === 'yes';
    const file = body.file;
    const fileText = typeof file === 'object' && file !== null && file.size > 0 ? await file.text() : '';
    if (fileText.trim() && pasted.trim()) {
      return renderImport(c, { csv: pasted, consent, errors: { message: 'Choose a file or paste addresses, not both: import them one after the other.' } }, 400);
    }
    const csv = (fileText.trim() ? fileText : pasted).replace(/^\uFEFF/, '');
    if (!csv.trim()) {
      return renderImport(c, { csv: pasted, consent, errors: { message: 'Nothing to import: choose a CSV file or paste addresses, one per line.' } }, 400);
    }
    try {
      const report = await importSubscribers(deps, c.get('actor'), csv, { consented: consent });
      return renderAdmin(c, deps, 'subscribers/imported', { title: 'Import done', report, consent });
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return renderImport(c, { csv: pasted, consent, errors: { message: error.message } }, 400);
    }
  });

  // A POST (with the CSRF token): the export writes its audit entry, and GETs change nothing.
  app.post('/subscribers/export.csv', write, async (c) => {
    const csv = await exportSubscribersCsv(deps, c.get('actor'));
    const settings = await loadSettings(deps);
    const day = formatLocalDateTime(deps.clock.now(), settings.timeZone).slice(0, 10);
    return c.body(csv, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="subscribers-${day}.csv"`,
      'Cache-Control': 'no-store',
    });
  });

  const findSubscriber = async (id: string): Promise<SubscriberRow> => {
    const row = ID_PATTERN.test(id) ? await deps.repos.subscribers.findById(id) : undefined;
    if (!row) throw new NotFoundError('There is no subscriber with this id (they may have been removed already).');
    return row;
  };

  app.get('/subscribers/:subscriberId/remove', write, async (c) => {
    const row = await findSubscriber(c.req.param('subscriberId'));
    return renderAdmin(c, deps, 'subscribers/remove', {
      title: `Remove ${row.email}`,
      subscriber: { id: row.id, email: row.email, statusLabel: SUBSCRIBER_STATUS_LABELS[row.status], suppressed: row.status === 'suppressed' },
    });
  });

  app.post('/subscribers/:subscriberId/remove', write, async (c) => {
    const row = await findSubscriber(c.req.param('subscriberId'));
    await removeSubscriber(deps, c.get('actor'), row.id);
    return c.redirect('/admin/subscribers?done=removed', 303);
  });

  return app;
}
