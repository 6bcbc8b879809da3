import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';
import { presentDraft, unacknowledgedFirst } from '../../presenters/admin-alerts.js';
import { formErrors } from '../../presenters/form-errors.js';
import { formatterFor } from '../../presenters/format.js';
import { acknowledgeDraft, dismissDraft, findDraft, listDrafts, type DraftDetail } from '../../services/alerts/drafts.js';
import { loadSettings } from '../../services/settings/reads.js';
import { alertRuleRoutes } from './alert-rules.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

/** Messages after a write (PRG), by key, so no user text travels in the URL. */
const NOTICES: Record<string, string> = {
  acknowledged: 'Acknowledged: the team’s channels are told you have it. Declare an incident if customers are affected, or dismiss it if it is not one.',
  'already-acknowledged': 'Someone had already acknowledged it; their acknowledgement stands.',
  dismissed: 'Dismissed. Nothing was published. Its alerts stay recorded here.',
};

const DISMISS_LABELS: Record<string, string> = { reason: 'Reason' };

/**
 * /admin/alerts: drafts opened by alerts from monitoring, waiting for a
 * person to acknowledge, declare or dismiss them. The team reads them; comms
 * and up act on them. The acknowledge link in the team's chat messages
 * changes nothing on GET (chat apps prefetch links): it asks, and a POST acts.
 */
export function alertRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'incidents:write');

  // Before /alerts/:id, so "rules" is never taken for a draft id.
  app.route('/', alertRuleRoutes(deps));

  const context = async () => {
    const [settings, components] = await Promise.all([loadSettings(deps), deps.repos.components.list()]);
    return { format: formatterFor(settings.timeZone), byId: new Map(components.map((x) => [x.id, x])), now: deps.clock.now() };
  };

  app.get('/alerts', read, async (c) => {
    const [{ waiting, recent }, { format, byId, now }] = await Promise.all([listDrafts(deps, c.get('actor')), context()]);
    return renderAdmin(c, deps, 'alerts/list', {
      title: 'Alerts',
      waiting: unacknowledgedFirst(waiting.map((d) => presentDraft(d, byId, format, now))),
      recent: recent.map((d) => presentDraft(d, byId, format, now)),
    });
  });

  const renderShow = async (c: AdminContext, draft: DraftDetail, extra: Record<string, unknown> = {}, status: 200 | 400 | 409 = 200) => {
    const { format, byId, now } = await context();
    return renderAdmin(
      c,
      deps,
      'alerts/show',
      {
        title: draft.title,
        notice: NOTICES[c.req.query('done') ?? ''] ?? null,
        draft: presentDraft(draft, byId, format, now),
        reason: '',
        ...extra,
      },
      status,
    );
  };

  app.get('/alerts/:id', read, async (c) => renderShow(c, await findDraft(deps, c.get('actor'), c.req.param('id'))));

  app.get('/alerts/:id/acknowledge', write, async (c) => {
    const draft = await findDraft(deps, c.get('actor'), c.req.param('id'));
    const { format, byId, now } = await context();
    return renderAdmin(c, deps, 'alerts/acknowledge', { title: `Acknowledge: ${draft.title}`, draft: presentDraft(draft, byId, format, now) });
  });

  app.post('/alerts/:id/acknowledge', write, async (c) => {
    const id = c.req.param('id');
    const before = await findDraft(deps, c.get('actor'), id);
    await acknowledgeDraft(deps, c.get('actor'), id);
    return c.redirect(`/admin/alerts/${before.id}?done=${before.acknowledgedAt === null ? 'acknowledged' : 'already-acknowledged'}`, 303);
  });

  app.post('/alerts/:id/dismiss', write, async (c) => {
    const id = c.req.param('id');
    const fields = await formOf(c);
    const reason = typeof fields.reason === 'string' ? fields.reason : '';
    try {
      await dismissDraft(deps, c.get('actor'), id, { reason });
      return c.redirect(`/admin/alerts/${id}?done=dismissed`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || (error.status !== 400 && error.status !== 409)) throw error;
      const draft = await findDraft(deps, c.get('actor'), id);
      return renderShow(c, draft, { reason, errors: formErrors(error, DISMISS_LABELS, 'Not dismissed.') }, error.status);
    }
  });

  return app;
}
