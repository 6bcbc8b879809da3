import type { Role } from './constants.js';

export type { Role };

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
  'components:write': 'admin',
  'settings:write': 'admin',
  /** The company's own channels (Slack, Teams, ... webhooks): their URLs are secrets. */
  'destinations:manage': 'admin',
  'team:manage': 'owner',
  'tokens:manage': 'owner',
  'audit:read': 'owner',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return RANK[role] >= RANK[PERMISSIONS[permission]];
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  comms: 'Comms',
  viewer: 'Viewer',
};
