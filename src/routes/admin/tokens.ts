import { Hono } from 'hono';
import { SCOPE_LABELS } from '../../domain/roles.js';
import type { ApiTokenRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';
import { formatterFor, type Formatter } from '../../presenters/format.js';
import { createApiToken, findApiToken, listApiTokens, revokeApiToken, type CreateTokenInput } from '../../services/auth/api-tokens.js';
import { loadSettings } from '../../services/settings/reads.js';
import { baseUrlFor } from '../base-url.js';
import { formOf, renderAdmin, requirePermission, type AdminContext, type AdminEnv } from './context.js';
import { ROLE_OPTIONS } from './team.js';

/** The roles, then the scope a monitoring system's token needs. */
const SCOPE_OPTIONS = [
  ...ROLE_OPTIONS,
  {
    value: 'alerts',
    label: SCOPE_LABELS.alerts,
    description: 'post alerts from Alertmanager, Grafana, Uptime Kuma or a script to /api/v1/alerts; nothing else',
  },
];

const NOTICES: Record<string, string> = {
  revoked: 'Token revoked. Requests with it are refused from now on.',
};

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function presentToken(row: ApiTokenRow, format: Formatter) {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    scopeLabel: SCOPE_LABELS[row.scope],
    createdBy: row.createdBy ?? 'unknown',
    createdAt: format.dateTime(row.createdAt),
    lastUsedAt: row.lastUsedAt === null ? null : format.dateTime(row.lastUsedAt),
    revokedAt: row.revokedAt === null ? null : format.dateTime(row.revokedAt),
  };
}

/** /admin/tokens: management API tokens. Owners only. */
export function tokenRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  const guard = requirePermission(deps, 'tokens:manage');

  const showTokens = async (
    c: AdminContext,
    state: { notice?: string | null; form?: { name: string; scope: string }; errors?: { message: string; fields?: Record<string, string[]> } } = {},
    status: 200 | 400 = 200,
  ) => {
    const [rows, settings] = await Promise.all([listApiTokens(deps, c.get('actor')), loadSettings(deps)]);
    const format = formatterFor(settings.timeZone);
    // Active tokens first, newest first within each group.
    const tokens = rows
      .map((row) => presentToken(row, format))
      .sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.createdAt.iso.localeCompare(a.createdAt.iso));
    return renderAdmin(
      c,
      deps,
      'tokens/index',
      {
        title: 'API tokens',
        notice: state.notice ?? null,
        tokens,
        roles: SCOPE_OPTIONS,
        form: state.form ?? { name: '', scope: '' },
        errors: state.errors ?? null,
        baseUrl: baseUrlFor(deps, c, settings.url),
      },
      status,
    );
  };

  app.get('/tokens', guard, (c) => showTokens(c, { notice: NOTICES[c.req.query('done') ?? ''] ?? null }));

  app.post('/tokens', guard, async (c) => {
    const form = await formOf(c);
    const input = { name: str(form.name), scope: str(form.scope) };
    try {
      // Raw form text; the service validates it.
      const { token, row } = await createApiToken(deps, c.get('actor'), input as CreateTokenInput);
      const settings = await loadSettings(deps);
      return await renderAdmin(c, deps, 'tokens/created', {
        title: 'Token created',
        token,
        name: row.name,
        scopeLabel: SCOPE_LABELS[row.scope],
        baseUrl: baseUrlFor(deps, c, settings.url),
      });
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      return showTokens(c, { form: input, errors: { message: error.message, fields: error.fields } }, 400);
    }
  });

  app.get('/tokens/:id/revoke', guard, async (c) => {
    const row = await findApiToken(deps, c.get('actor'), c.req.param('id'));
    const format = formatterFor((await loadSettings(deps)).timeZone);
    return renderAdmin(c, deps, 'tokens/revoke', { title: `Revoke ${row.name}`, token: presentToken(row, format) });
  });

  app.post('/tokens/:id/revoke', guard, async (c) => {
    await revokeApiToken(deps, c.get('actor'), c.req.param('id'));
    return c.redirect('/admin/tokens?done=revoked', 303);
  });

  return app;
}
