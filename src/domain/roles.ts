import type { Role, TokenScope } from './constants.js';

export type { Role, TokenScope };

/**
 * Roles are cumulative: each has everything the roles below it have.
 * viewer: read the admin side. comms: incidents, maintenance, templates, the
 * subscriber list. admin: components, page settings, subscriber import, export
 * and removal, the internal destinations. owner: the team,
 * API tokens, the audit log.
 */
const RANK: Record<Role, number> = { viewer: 0, comms: 1, admin: 2, owner: 3 };

export const PERMISSIONS = {
  'admin:read': 'viewer',
  'incidents:write': 'comms',
  'templates:write': 'comms',
  'subscribers:read': 'comms',
  'subscribers:write': 'admin',
  /** Customers' webhook and chat subscriptions: remove one, re-enable one Herald disabled (viewing them is subscribers:read). */
  'channels:manage': 'comms',
  'components:write': 'admin',
  'settings:write': 'admin',
  /** The company's own channels (Slack, Teams, ... webhooks): their URLs are secrets. */
  'destinations:manage': 'admin',
  'team:manage': 'owner',
  'tokens:manage': 'owner',
  'audit:read': 'owner',
  /** Posting alerts to the intake endpoints: an `alerts` token, or comms and above. */
  'alerts:ingest': 'comms',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * Whether a role (or a token's scope) grants a permission. The `alerts` scope
 * is outside the ranks: it grants posting alerts and nothing else.
 */
export function can(role: TokenScope, permission: Permission): boolean {
  if (role === 'alerts') return permission === 'alerts:ingest';
  return RANK[role] >= RANK[PERMISSIONS[permission]];
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  comms: 'Comms',
  viewer: 'Viewer',
};

export const SCOPE_LABELS: Record<TokenScope, string> = { ...ROLE_LABELS, alerts: 'Alerts (intake only)' };
