import { Hono } from 'hono';
import { parseLocalDateTime } from '../../domain/calendar.js';
import type { Deps } from '../../deps.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import { presentActionItem, presentPostmortemSummary, PRIORITY_OPTIONS, STATUS_OPTIONS } from '../../presenters/admin-postmortem.js';
import { formErrors } from '../../presenters/form-errors.js';
import { formatterFor, type Formatter, type TimeView } from '../../presenters/format.js';
import { memberOptions } from '../../presenters/incident-roles.js';
import { createActionItem, deleteActionItem, findActionItem, updateActionItem } from '../../services/postmortems/action-items.js';
import {
  loadPostmortem,
  postmortemEmailable,
  publishPublicPostmortem,
  savePostmortem,
  setPostmortemState,
  startPostmortem,
  type PostmortemView,
  type SavePostmortemInput,
} from '../../services/postmortems/postmortems.js';
import { loadSettings } from '../../services/settings/reads.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

const NOTICES: Record<string, string> = {
  started: 'Postmortem started. The document below is the template with what Herald knows filled in: edit it and save.',
  saved: 'Saved.',
  state: 'Review state changed.',
  'public-published': 'The customer-facing postmortem is on the status page.',
  'public-removed': 'The customer-facing postmortem is off the status page.',
  'public-emailed': 'The customer-facing postmortem is on the status page, and its email to the incident’s subscribers is on its way.',
  'item-added': 'Action item added.',
  'item-saved': 'Action item saved.',
  'item-deleted': 'Action item deleted.',
};

const SAVE_LABELS: Record<string, string> = { body: 'Document', baseRevision: 'Revision', ownerUserId: 'Owner', ownerName: 'Owner', dueAt: 'Due' };
const ITEM_LABELS: Record<string, string> = { title: 'Action', ownerUserId: 'Owner', ownerName: 'Owner', priority: 'Priority', dueAt: 'Due', url: 'Ticket link', status: 'Status', reason: 'Reason' };
const PUBLIC_LABELS: Record<string, string> = { publicBody: 'Text for customers' };

type Form = Record<string, string | string[]>;
const field = (form: Form, name: string): string => (typeof form[name] === 'string' ? (form[name] as string) : '');
/** A textarea's text: browsers send its line breaks as CRLF; the documents keep LF, as the API writes them. */
const textOf = (form: Form, name: string): string => field(form, name).replace(/\r\n?/g, '\n');

/** A datetime-local value in the page's zone: null when blank, NaN when malformed (the services refuse it). */
function localTimeOrNull(text: string, timeZone: string): number | null {
  if (!text.trim()) return null;
  return parseLocalDateTime(text, timeZone) ?? Number.NaN;
}

/** An action item's owner from the form: a member, else a typed name, else nobody. */
function itemOwner(form: Form): { ownerUserId: string | null; ownerName: string | null } {
  const member = field(form, 'owner');
  if (member) return { ownerUserId: member, ownerName: null };
  return { ownerUserId: null, ownerName: field(form, 'owner_name').trim() || null };
}

const BLANK_ITEM = { title: '', owner: '', owner_name: '', priority: 'P1', due: '', url: '' };

/**
 * /admin/incidents/:id/postmortem: the postmortem document (saved against
 * the revision the editor opened, so a save over a colleague's is refused
 * and both texts are shown), its owner, due date and review state, the
 * customer-facing text for the status page, and the incident's action items.
 */
/**
 * The "also email it" choice of the publish form: offered once, and only when
 * the incident's updates were emailed to subscribers (notify on); otherwise
 * the form says why it is not there.
 */
function emailOptionOf(view: PostmortemView, format: Formatter): { emailedAt: TimeView | null; available: boolean; reason: string | null } {
  const pm = view.postmortem;
  if (!pm) return { emailedAt: null, available: false, reason: null };
  if (pm.emailedAt !== null) return { emailedAt: format.dateTime(pm.emailedAt), available: false, reason: null };
  if (postmortemEmailable(view.incident, pm)) return { emailedAt: null, available: true, reason: null };
  return {
    emailedAt: null,
    available: false,
    reason: view.incident.notify
      ? null
      : 'It cannot be emailed: this incident’s updates were not sent to subscribers (“Notify subscribers” was off), so its postmortem is not either.',
  };
}

export function postmortemRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const read = requirePermission(deps, 'admin:read');
  const write = requirePermission(deps, 'incidents:write');

  const renderPage = async (c: AdminContext, extra: Record<string, unknown> = {}, status: 200 | 400 | 409 = 200) => {
    const id = c.req.param('id')!;
    const [view, settings, users] = await Promise.all([loadPostmortem(deps, c.get('actor'), id), loadSettings(deps), deps.repos.accounts.listUsers()]);
    const format = formatterFor(settings.timeZone);
    const now = deps.clock.now();
    const summary = view.postmortem ? presentPostmortemSummary(view.postmortem, view.urgency, format, now) : null;
    const members = memberOptions(users);
    return renderAdmin(
      c,
      deps,
      'postmortems/show',
      {
        title: `Postmortem: ${view.incident.title}`,
        incident: { id: view.incident.id, title: view.incident.title, resolved: view.incident.resolvedAt !== null, severity: view.incident.severity },
        notice: NOTICES[c.req.query('done') ?? ''] ?? null,
        postmortem: summary,
        // The owner when it is a name only (not a member): kept unless changed.
        ownerNameOnly: summary && !summary.ownerUserId && summary.ownerName ? summary.ownerName : null,
        editor: { body: view.body, baseRevision: summary?.revision ?? 0 },
        conflict: null,
        publicBody: summary?.publicBody ?? '',
        emailOption: emailOptionOf(view, format),
        emailChecked: false,
        members,
        timeZone: settings.timeZone,
        items: view.actionItems.map((item) => presentActionItem(item, format, now)),
        priorities: PRIORITY_OPTIONS,
        statuses: STATUS_OPTIONS,
        newItem: BLANK_ITEM,
        ...extra,
      },
      status,
    );
  };

  const refusal = (error: unknown): AppError => {
    if (error instanceof AppError && (error.status === 400 || error.status === 409)) return error;
    throw error;
  };

  app.get('/incidents/:id/postmortem', read, (c) => renderPage(c));

  app.post('/incidents/:id/postmortem/start', write, async (c) => {
    const id = c.req.param('id');
    await startPostmortem(deps, c.get('actor'), id);
    return c.redirect(`/admin/incidents/${id}/postmortem?done=started`, 303);
  });

  app.post('/incidents/:id/postmortem', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const settings = await loadSettings(deps);
    const body = textOf(form, 'body');
    const baseRevision = Number(field(form, 'base_revision'));
    const owner = field(form, 'owner');
    const input: SavePostmortemInput = { body, baseRevision: Number.isInteger(baseRevision) ? baseRevision : -1 };
    if (owner !== 'keep') {
      input.ownerUserId = owner || null;
      if (!owner) input.ownerName = null;
    }
    // Only a moved due date is sent: saving the same one would re-arm its reminders.
    if (field(form, 'due') !== field(form, 'due_was')) input.dueAt = localTimeOrNull(field(form, 'due'), settings.timeZone);
    try {
      await savePostmortem(deps, c.get('actor'), id, input);
      return c.redirect(`/admin/incidents/${id}/postmortem?done=saved#editor`, 303);
    } catch (error) {
      const refused = refusal(error);
      const current = (await loadPostmortem(deps, c.get('actor'), id)).postmortem;
      if (refused.status === 409 && current) {
        // Nothing typed is lost: the editor keeps it, the saved text is shown beside it, and the
        // next save starts from the saved revision (the person merged, or chose theirs).
        return renderPage(
          c,
          {
            editor: { body, baseRevision: current.revision },
            conflict: { message: refused.message, saved: current.body, revision: current.revision },
          },
          409,
        );
      }
      return renderPage(c, { editor: { body, baseRevision: input.baseRevision }, errors: formErrors(refused, SAVE_LABELS, 'Not saved.') }, 400);
    }
  });

  app.post('/incidents/:id/postmortem/state', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    try {
      await setPostmortemState(deps, c.get('actor'), id, { state: field(form, 'state') as 'draft' });
      return c.redirect(`/admin/incidents/${id}/postmortem?done=state`, 303);
    } catch (error) {
      return renderPage(c, { errors: formErrors(refusal(error), { state: 'State' }, 'Not changed.') }, 400);
    }
  });

  app.post('/incidents/:id/postmortem/public', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const takeOff = field(form, 'action') === 'take-off';
    try {
      const emailSubscribers = !takeOff && field(form, 'email_subscribers') !== '';
      await publishPublicPostmortem(deps, c.get('actor'), id, { publicBody: takeOff ? null : textOf(form, 'public_body'), emailSubscribers });
      const done = takeOff ? 'public-removed' : emailSubscribers ? 'public-emailed' : 'public-published';
      return c.redirect(`/admin/incidents/${id}/postmortem?done=${done}#public`, 303);
    } catch (error) {
      return renderPage(
        c,
        { publicErrors: formErrors(refusal(error), PUBLIC_LABELS, 'Not published.'), publicBody: field(form, 'public_body'), emailChecked: field(form, 'email_subscribers') !== '' },
        400,
      );
    }
  });

  app.post('/incidents/:id/action-items', write, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const settings = await loadSettings(deps);
    try {
      await createActionItem(deps, c.get('actor'), id, {
        title: field(form, 'title'),
        ...itemOwner(form),
        priority: (field(form, 'priority') || 'P1') as 'P1',
        dueAt: localTimeOrNull(field(form, 'due'), settings.timeZone),
        url: field(form, 'url').trim() || null,
      });
      return c.redirect(`/admin/incidents/${id}/postmortem?done=item-added#action-items`, 303);
    } catch (error) {
      const newItem = Object.fromEntries(Object.keys(BLANK_ITEM).map((k) => [k, field(form, k)]));
      return renderPage(c, { itemErrors: formErrors(refusal(error), ITEM_LABELS, 'Not added.'), newItem }, 400);
    }
  });

  const itemOfIncident = async (c: AdminContext) => {
    const item = await findActionItem(deps, c.get('actor'), c.req.param('itemId')!);
    if (item.incidentId !== c.req.param('id')) throw new NotFoundError('There is no such action item on this incident.');
    return item;
  };

  app.post('/incidents/:id/action-items/:itemId', write, async (c) => {
    const id = c.req.param('id');
    const item = await itemOfIncident(c);
    const form = await formOf(c);
    const settings = await loadSettings(deps);
    try {
      await updateActionItem(deps, c.get('actor'), item.id, {
        title: field(form, 'title'),
        ...itemOwner(form),
        priority: field(form, 'priority') as 'P1',
        dueAt: localTimeOrNull(field(form, 'due'), settings.timeZone),
        url: field(form, 'url').trim() || null,
        status: field(form, 'status') as 'open',
        reason: field(form, 'reason').trim() || null,
      });
      return c.redirect(`/admin/incidents/${id}/postmortem?done=item-saved#item-${item.id}`, 303);
    } catch (error) {
      return renderPage(c, { itemErrors: formErrors(refusal(error), ITEM_LABELS, `“${item.title}” was not saved.`), openItem: item.id }, 400);
    }
  });

  app.post('/incidents/:id/action-items/:itemId/delete', write, async (c) => {
    const id = c.req.param('id');
    const item = await itemOfIncident(c);
    await deleteActionItem(deps, c.get('actor'), item.id);
    return c.redirect(`/admin/incidents/${id}/postmortem?done=item-deleted#action-items`, 303);
  });

  return app;
}
