import { Hono } from 'hono';
import { z } from 'zod';
import { ACTION_ITEM_STATUSES, ACTION_ITEM_STATUS_LABELS } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { formatterFor } from '../../presenters/format.js';
import { presentActionItem } from '../../presenters/postmortems-across.js';
import { listActionItems } from '../../services/postmortems/action-items.js';
import { actionItemOwners } from '../../services/postmortems/overview.js';
import { loadSettings } from '../../services/settings/reads.js';
import { PublicId } from '../../services/validation.js';
import { renderAdmin, requirePermission, type AdminEnv } from './context.js';

/** The most listed at once; a filter narrows it further. */
const LIST_MAX = 500;

/** The filters as a GET query: owner (a member's id or empty for anyone), status (or "all"), overdue ("1"). */
const Filters = z.object({
  owner: z.union([z.literal(''), PublicId]).default(''),
  status: z.enum([...ACTION_ITEM_STATUSES, 'all']).default('open'),
  overdue: z.enum(['', '1']).default(''),
});
type Filters = z.output<typeof Filters>;

const STATUS_CHOICES = [
  ...ACTION_ITEM_STATUSES.map((value) => ({ value, label: ACTION_ITEM_STATUS_LABELS[value] })),
  { value: 'all', label: 'Any status' },
] as const;

/** /admin/action-items: the action items of every incident, filtered by owner, status and overdue. */
export function actionItemRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/action-items', requirePermission(deps, 'admin:read'), async (c) => {
    const actor = c.get('actor');
    const query = { owner: c.req.query('owner'), status: c.req.query('status'), overdue: c.req.query('overdue') };
    const parsed = Filters.safeParse(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)));
    const owners = await actionItemOwners(deps, actor);
    if (!parsed.success) {
      // A hand-edited or stale link: say so and show the unfiltered form rather than an error page.
      return renderAdmin(
        c,
        deps,
        'action-items/list',
        {
          title: 'Action items',
          error: 'Those filters are not valid (an unknown owner, status or overdue value). Choose them again below.',
          filters: Filters.parse({}),
          owners,
          statuses: STATUS_CHOICES,
          items: [],
          truncated: false,
        },
        400,
      );
    }
    const filters: Filters = parsed.data;
    const now = deps.clock.now();
    const [rows, settings] = await Promise.all([
      listActionItems(
        deps,
        actor,
        {
          ...(filters.owner ? { ownerUserId: filters.owner } : {}),
          // "Overdue" means open and late, whatever status was chosen.
          ...(filters.overdue === '1' ? { overdue: true } : filters.status !== 'all' ? { status: filters.status } : {}),
        },
        LIST_MAX,
      ),
      loadSettings(deps),
    ]);
    const format = formatterFor(settings.timeZone);
    return renderAdmin(c, deps, 'action-items/list', {
      title: 'Action items',
      error: null,
      filters,
      owners,
      statuses: STATUS_CHOICES,
      items: rows.map((row) => presentActionItem(row, format, now)),
      truncated: rows.length >= LIST_MAX,
    });
  });
  return app;
}
