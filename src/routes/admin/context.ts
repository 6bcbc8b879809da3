import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { UserRow } from '../../db/schema.js';
import { can, SCOPE_LABELS, type Permission } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { constantTimeEqual } from '../../lib/crypto.js';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.js';
import { presentPage } from '../../presenters/page.js';
import type { Actor } from '../../services/auth/actor.js';
import { resumeSession, userActor } from '../../services/auth/sessions.js';
import { loadSettings } from '../../services/settings/reads.js';

export const SESSION_COOKIE = 'herald_session';

export interface AdminVariables {
  actor: Actor;
  user: UserRow;
  csrf: string;
  sessionToken: string;
}
export type AdminEnv = { Variables: AdminVariables };
export type AdminContext = Context<AdminEnv>;

/** Cookies are Secure whenever the page is served over https. */
export function isHttps(deps: Pick<Deps, 'config'>, c: Context): boolean {
  return (deps.config.publicUrl ?? c.req.url).startsWith('https:');
}

/**
 * Signed-in admin routes: resumes the session from its cookie and checks the
 * role. Anonymous GETs go to the login page (and come back after); anything
 * else gets 401. An under-privileged request gets 403 and no data.
 */
export function requirePermission(deps: Deps, permission: Permission): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const found = token ? await resumeSession(deps, token) : undefined;
    if (!found || !token) {
      if (c.req.method === 'GET') {
        const next = encodeURIComponent(new URL(c.req.url).pathname + new URL(c.req.url).search);
        return c.redirect(`/admin/login?next=${next}`, 303);
      }
      throw new UnauthorizedError('Your session has ended. Sign in again; what you typed is still in the form if you go back.');
    }
    const actor = userActor(found.user);
    if (!can(actor.role, permission)) throw new ForbiddenError(`Your role (${SCOPE_LABELS[actor.role]}) does not allow this.`);
    c.set('actor', actor);
    c.set('user', found.user);
    c.set('csrf', found.session.csrfToken);
    c.set('sessionToken', token);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const form = await formOf(c);
      const sent = typeof form._csrf === 'string' ? form._csrf : (c.req.header('X-CSRF-Token') ?? '');
      if (!constantTimeEqual(sent, found.session.csrfToken)) {
        throw new ForbiddenError('This form has expired (its security token does not match). Reload the page and submit it again.');
      }
    }
    await next();
  };
}

/** Form fields as strings; repeated fields (checkboxes) as arrays. */
export async function formOf(c: Context): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
    else if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** Renders an admin view inside the admin layout, with the navigation the role allows. */
export async function renderAdmin(
  c: AdminContext,
  deps: Deps,
  view: string,
  data: Record<string, unknown> & { title: string },
  status: 200 | 400 | 403 | 404 | 409 | 422 | 429 = 200,
): Promise<Response> {
  const actor = c.get('actor');
  const [settings, waiting] = await Promise.all([loadSettings(deps), deps.repos.alerts.listWaitingDrafts()]);
  // Drafts nobody has taken on yet: the count beside "Alerts", so they are seen from any page.
  const unacknowledged = waiting.filter((d) => d.acknowledgedAt === null).length;
  const nav = [
    { href: '/admin', label: 'Dashboard', show: true },
    { href: '/admin/incidents', label: 'Incidents', show: true },
    { href: '/admin/alerts', label: 'Alerts', show: true, count: unacknowledged },
    { href: '/admin/action-items', label: 'Action items', show: true },
    { href: '/admin/metrics', label: 'Metrics', show: true },
    { href: '/admin/maintenance', label: 'Maintenance', show: true },
    { href: '/admin/components', label: 'Components', show: true, also: '/admin/groups' },
    { href: '/admin/templates', label: 'Templates', show: true },
    { href: '/admin/subscribers', label: 'Subscribers', show: can(actor.role, 'subscribers:read') },
    { href: '/admin/settings', label: 'Settings', show: can(actor.role, 'settings:write') },
    { href: '/admin/destinations', label: 'Destinations', show: can(actor.role, 'destinations:manage') },
    { href: '/admin/team', label: 'Team', show: can(actor.role, 'team:manage') },
    { href: '/admin/tokens', label: 'API tokens', show: can(actor.role, 'tokens:manage') },
    { href: '/admin/audit', label: 'Audit log', show: can(actor.role, 'audit:read') },
  ].filter((item) => item.show);
  const path = new URL(c.req.url).pathname;
  const body = deps.views.render(`admin/${view}`, {
    ...data,
    page: presentPage(settings),
    me: { name: c.get('user').name, role: SCOPE_LABELS[actor.role] },
    can: (permission: Permission) => can(actor.role, permission),
    csrf: c.get('csrf'),
    nav: nav.map((item) => ({
      ...item,
      current:
        item.href === '/admin'
          ? path === '/admin'
          : path.startsWith(item.href) || ('also' in item && typeof item.also === 'string' && path.startsWith(item.also)),
    })),
  });
  c.header('Cache-Control', 'no-store');
  return c.html(body, status);
}
