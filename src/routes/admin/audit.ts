import { Hono } from 'hono';
import type { AuditRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { formatterFor, type Formatter } from '../../presenters/format.js';
import { listAuditLog } from '../../services/auth/actor.js';
import { loadSettings } from '../../services/settings/reads.js';
import { renderAdmin, requirePermission, type AdminEnv } from './context.js';

/** Plain words for the actions Herald records; unknown ones show their code only. */
const ACTION_LABELS: Record<string, string> = {
  'session.login': 'Signed in',
  'session.logout': 'Signed out',
  'user.create': 'Added a team member',
  'user.change_role': 'Changed a role',
  'user.reset_password': 'Created a password link',
  'user.reset_requested': 'Password link emailed (Forgot your password?)',
  'user.set_password': 'Set a password',
  'user.remove': 'Removed a team member',
  'token.create': 'Created an API token',
  'token.revoke': 'Revoked an API token',
};

/** Details are JSON written by Herald; show them as name/value pairs (escaped by the view). */
function detailsOf(details: string | null): { key: string; value: string }[] {
  if (!details) return [];
  try {
    const parsed: unknown = JSON.parse(details);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.entries(parsed).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) }));
    }
    return [{ key: 'details', value: JSON.stringify(parsed) }];
  } catch {
    return [{ key: 'details', value: details }];
  }
}

function presentEntry(row: AuditRow, format: Formatter) {
  return {
    id: row.id,
    at: format.dateTime(row.at),
    actor: row.actor,
    action: row.action,
    actionLabel: ACTION_LABELS[row.action] ?? null,
    target: row.targetType ? `${row.targetType}${row.targetId ? ` ${row.targetId}` : ''}` : null,
    details: detailsOf(row.details),
  };
}

/** /admin/audit: who did what, newest first, 50 a page (`?before=<id>` for older). Owners only. */
export function auditRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/audit', requirePermission(deps, 'audit:read'), async (c) => {
    const before = c.req.query('before');
    const page = await listAuditLog(deps, c.get('actor'), { before: before === undefined || before === '' ? undefined : before });
    const format = formatterFor((await loadSettings(deps)).timeZone);
    return renderAdmin(c, deps, 'audit', {
      title: 'Audit log',
      entries: page.entries.map((row) => presentEntry(row, format)),
      older: page.nextBefore === null ? null : `/admin/audit?before=${page.nextBefore}`,
      paged: before !== undefined && before !== '',
      timeZone: format.timeZone,
    });
  });
  return app;
}
