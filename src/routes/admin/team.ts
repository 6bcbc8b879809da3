import { Hono } from 'hono';
import { ROLES, type Role } from '../../domain/constants.js';
import { ROLE_LABELS } from '../../domain/roles.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';
import { formatterFor } from '../../presenters/format.js';
import {
  changeRole,
  createResetLink,
  createUser,
  findMember,
  listTeam,
  RESET_LINK_TTL_MS,
  removeUser,
  type CreateUserInput,
} from '../../services/auth/accounts.js';
import { emailTeamLink } from '../../services/auth/password-mail.js';
import { loadSettings } from '../../services/settings/reads.js';
import { baseUrlFor } from '../base-url.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';

/** What each role may do, in the words the team and token pages use. */
export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  owner: 'Everything, including the team, API tokens and the audit log.',
  admin: 'Components and page settings, plus everything Comms can do.',
  comms: 'Incidents, maintenance, update templates and subscribers.',
  viewer: 'Read-only: sees the admin pages, changes nothing.',
};

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role], description: ROLE_DESCRIPTIONS[role] }));

/** Fixed notices after a redirect (never user text in the URL). */
const NOTICES: Record<string, string> = {
  role: 'Role changed. It applies from their next page load.',
  removed: 'Member removed. Their sessions have ended.',
};

/** A form failure the page shows next to the form (bad input, duplicate email, last owner); anything else goes to onError. */
function formFailure(error: unknown): AppError {
  if (error instanceof AppError && (error.status === 400 || error.status === 409)) return error;
  throw error;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** /admin/team: members, roles, password links. Owners only. */
export function teamRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const guard = requirePermission(deps, 'team:manage');

  const presentMember = (user: UserRow, me: string, format: ReturnType<typeof formatterFor>) => ({
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    roleLabel: ROLE_LABELS[user.role],
    createdAt: format.date(user.createdAt),
    isMe: user.id === me,
    disabled: user.disabledAt !== null,
  });

  interface TeamPageState {
    notice?: string | null;
    form?: { name: string; email: string; role: string; sendEmail?: boolean };
    addErrors?: { message: string; fields?: Record<string, string[]> };
    memberErrors?: { id: string; message: string };
  }

  const showTeam = async (c: AdminContext, state: TeamPageState = {}, status: 200 | 400 | 409 = 200) => {
    const actor = c.get('actor');
    const [members, settings] = await Promise.all([listTeam(deps, actor), loadSettings(deps)]);
    const format = formatterFor(settings.timeZone);
    return renderAdmin(
      c,
      deps,
      'team/index',
      {
        title: 'Team',
        notice: state.notice ?? null,
        members: members.map((m) => presentMember(m, actor.id, format)),
        roles: ROLE_OPTIONS,
        form: state.form ?? { name: '', email: '', role: '' },
        addErrors: state.addErrors ?? null,
        memberErrors: state.memberErrors ?? null,
        mailEnabled: deps.mail !== null,
      },
      status,
    );
  };

  /**
   * The one page that ever shows a password link: it is stored only as a hash.
   * When mail works and the owner left "Email the link" ticked, the link is
   * emailed too (an invitation, or a reset email) and the page says whether
   * that worked.
   */
  const showLink = async (c: AdminContext, kind: 'invite' | 'reset', user: UserRow, token: string, form: Record<string, unknown>) => {
    const settings = await loadSettings(deps);
    const format = formatterFor(settings.timeZone);
    const self = user.id === c.get('actor').id;
    const baseUrl = baseUrlFor(deps, c, settings.url);
    const me = c.get('user');
    const emailed =
      deps.mail && form.send_email !== undefined
        ? await emailTeamLink({ ...deps, mail: deps.mail }, kind, user, token, { name: me.name, roleLabel: ROLE_LABELS[user.role], baseUrl })
        : null;
    return renderAdmin(c, deps, 'team/link', {
      title: kind === 'invite' ? 'Member added' : 'Password link',
      kind,
      self,
      emailed,
      member: { name: user.name, email: user.email, roleLabel: ROLE_LABELS[user.role] },
      url: `${baseUrl}/admin/reset/${token}`,
      expires: format.dateTime(deps.clock.now() + RESET_LINK_TTL_MS),
    });
  };

  app.get('/team', guard, (c) => showTeam(c, { notice: NOTICES[c.req.query('done') ?? ''] ?? null }));

  app.post('/team', guard, async (c) => {
    const form = await formOf(c);
    const input = { name: str(form.name), email: str(form.email), role: str(form.role) };
    try {
      // Raw form text; the service validates it.
      const { user, link } = await createUser(deps, c.get('actor'), input as CreateUserInput);
      return await showLink(c, 'invite', user, link, form);
    } catch (error) {
      const failure = formFailure(error);
      return showTeam(c, { form: { ...input, sendEmail: form.send_email !== undefined }, addErrors: { message: failure.message, fields: failure.fields } }, failure.status as 400);
    }
  });

  app.post('/team/:id/role', guard, async (c) => {
    const id = c.req.param('id');
    const form = await formOf(c);
    const actor = c.get('actor');
    try {
      await changeRole(deps, actor, id, str(form.role));
    } catch (error) {
      const failure = formFailure(error);
      return showTeam(c, { memberErrors: { id, message: failure.message } }, failure.status as 400);
    }
    // Demoting yourself takes the team page away: go where the new role can go.
    if (id === actor.id && form.role !== 'owner') return c.redirect('/admin', 303);
    return c.redirect('/admin/team?done=role', 303);
  });

  app.post('/team/:id/reset', guard, async (c) => {
    const user = await findMember(deps, c.get('actor'), c.req.param('id'));
    const token = await createResetLink(deps, c.get('actor'), user.id);
    return showLink(c, 'reset', user, token, await formOf(c));
  });

  const showRemove = async (c: AdminContext, user: UserRow, errors: { message: string } | null = null, status: 200 | 400 = 200) =>
    renderAdmin(
      c,
      deps,
      'team/remove',
      {
        title: `Remove ${user.name}`,
        member: { id: user.id, name: user.name, email: user.email, roleLabel: ROLE_LABELS[user.role] },
        self: user.id === c.get('actor').id,
        errors,
      },
      status,
    );

  app.get('/team/:id/remove', guard, async (c) => showRemove(c, await findMember(deps, c.get('actor'), c.req.param('id'))));

  app.post('/team/:id/remove', guard, async (c) => {
    const actor = c.get('actor');
    const user = await findMember(deps, actor, c.req.param('id'));
    try {
      await removeUser(deps, actor, user.id);
    } catch (error) {
      const failure = formFailure(error);
      return showRemove(c, user, { message: failure.message }, 400);
    }
    // Removing yourself ends your own session with the account.
    if (user.id === actor.id) return c.redirect('/admin/login', 303);
    return c.redirect('/admin/team?done=removed', 303);
  });

  return app;
}
