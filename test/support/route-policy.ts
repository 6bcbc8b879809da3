import type { Role } from '../../src/domain/constants.js';

/*
 * Who may call each route under /admin and /api/v1: the lowest role allowed,
 * written by hand from the roles in SECURITY.md ("Roles and permissions").
 * It is deliberately NOT derived from src/domain/roles.ts or the API
 * registry: a walk that asks the code what to expect cannot notice the code
 * changing (lowering settings:write to comms passed the old walk). A new
 * route fails test/admin/route-table.test.ts until it is classified here.
 */

export type Lowest = 'public' | Role;
/** Who a probe acts as: nobody, or a member (session) or token with this role. */
export type Who = 'anonymous' | Role;

/** Low to high; each role has everything the roles before it have. */
export const ROUTE_POLICY_ROLES = ['viewer', 'comms', 'admin', 'owner'] as const satisfies readonly Role[];
const RANK: Record<Lowest | Who, number> = { public: 0, anonymous: 0, viewer: 1, comms: 2, admin: 3, owner: 4 };

export function permits(lowest: Lowest, who: Who): boolean {
  return RANK[who] >= RANK[lowest];
}

export const LOWEST_ROLE: Readonly<Record<string, Lowest>> = {
  // Before signing in: signing in, first-owner setup, password links, "Forgot your password?", the API description.
  'GET /admin/login': 'public',
  'POST /admin/login': 'public',
  'GET /admin/forgot': 'public',
  'POST /admin/forgot': 'public',
  'GET /admin/setup/:token': 'public',
  'POST /admin/setup/:token': 'public',
  'GET /admin/reset/:token': 'public',
  'POST /admin/reset/:token': 'public',
  'GET /api/v1/openapi.json': 'public',

  // Viewers read the admin side and change nothing (signing out aside).
  'POST /admin/logout': 'viewer',
  'GET /admin': 'viewer',
  'GET /admin/incidents': 'viewer',
  'GET /admin/incidents/:id': 'viewer',
  // Delivery progress stays viewer-readable; subscriber addresses in it are for comms and up.
  'GET /admin/incidents/:id/deliveries': 'viewer',
  'GET /admin/maintenance': 'viewer',
  'GET /admin/maintenance/:id': 'viewer',
  'GET /admin/components': 'viewer',
  'GET /admin/components/:id': 'viewer',
  'GET /admin/groups': 'viewer',
  'GET /admin/groups/:id': 'viewer',
  'GET /admin/templates': 'viewer',
  // Alert drafts and rules are read by the whole team.
  'GET /admin/alerts': 'viewer',
  'GET /admin/alerts/:id': 'viewer',
  'GET /admin/alerts/rules': 'viewer',
  'GET /api/v1/incidents': 'viewer',
  'GET /api/v1/incidents/:id': 'viewer',
  'GET /api/v1/incidents/:id/deliveries': 'viewer',
  'GET /api/v1/incidents/:id/internal-updates': 'viewer',
  'GET /api/v1/maintenance': 'viewer',
  'GET /api/v1/maintenance/:id': 'viewer',
  'GET /api/v1/maintenance/:id/deliveries': 'viewer',
  'GET /api/v1/components': 'viewer',
  'GET /api/v1/components/:id': 'viewer',
  'GET /api/v1/component-groups': 'viewer',
  'GET /api/v1/component-groups/:id': 'viewer',
  'GET /api/v1/settings': 'viewer',
  'GET /api/v1/templates': 'viewer',
  'GET /api/v1/templates/:id': 'viewer',

  // Comms runs incidents, maintenance and templates, and sees the subscriber list and the outbox.
  'GET /admin/incidents/new': 'comms',
  'POST /admin/incidents/new': 'comms',
  'GET /admin/incidents/backfill': 'comms',
  'POST /admin/incidents/backfill': 'comms',
  'POST /admin/incidents/:id/updates': 'comms',
  'POST /admin/incidents/:id/severity': 'comms',
  'POST /admin/incidents/:id/roles': 'comms',
  'POST /admin/incidents/:id/links': 'comms',
  'POST /admin/incidents/:id/internal-updates': 'comms',
  'POST /admin/incidents/:id/detection-source': 'comms',
  // Acting on an alert draft is part of running incidents. The acknowledge link asks (GET) before it acts (POST).
  'GET /admin/alerts/:id/acknowledge': 'comms',
  'POST /admin/alerts/:id/acknowledge': 'comms',
  'POST /admin/alerts/:id/dismiss': 'comms',
  // Posting alerts: an `alerts` token (outside the ranks: it can do nothing else, test/api-v1 proves it) or comms and up.
  'POST /api/v1/alerts/alertmanager': 'comms',
  'POST /api/v1/alerts/grafana': 'comms',
  'POST /api/v1/alerts/uptime-kuma': 'comms',
  'POST /api/v1/alerts': 'comms',
  'GET /admin/incidents/:id/updates/:updateId/edit': 'comms',
  'POST /admin/incidents/:id/updates/:updateId/edit': 'comms',
  'GET /admin/incidents/:id/updates/:updateId/delete': 'comms',
  'POST /admin/incidents/:id/updates/:updateId/delete': 'comms',
  'GET /admin/maintenance/new': 'comms',
  'POST /admin/maintenance/new': 'comms',
  'POST /admin/maintenance/:id/updates': 'comms',
  'GET /admin/templates/new': 'comms',
  'POST /admin/templates/new': 'comms',
  // A template's own page is its edit form.
  'GET /admin/templates/:id': 'comms',
  'POST /admin/templates/:id': 'comms',
  'GET /admin/templates/:id/delete': 'comms',
  'POST /admin/templates/:id/delete': 'comms',
  'GET /admin/subscribers': 'comms',
  'POST /api/v1/incidents': 'comms',
  'POST /api/v1/incidents/backfill': 'comms',
  'POST /api/v1/incidents/:id/updates': 'comms',
  'PATCH /api/v1/incidents/:id/updates/:update_id': 'comms',
  'DELETE /api/v1/incidents/:id/updates/:update_id': 'comms',
  'PUT /api/v1/incidents/:id/severity': 'comms',
  'PUT /api/v1/incidents/:id/roles': 'comms',
  'PUT /api/v1/incidents/:id/links': 'comms',
  'POST /api/v1/incidents/:id/internal-updates': 'comms',
  'POST /api/v1/maintenance': 'comms',
  'POST /api/v1/maintenance/:id/updates': 'comms',
  'PATCH /api/v1/maintenance/:id/updates/:update_id': 'comms',
  'DELETE /api/v1/maintenance/:id/updates/:update_id': 'comms',
  'POST /api/v1/templates': 'comms',
  'PATCH /api/v1/templates/:id': 'comms',
  'DELETE /api/v1/templates/:id': 'comms',
  'GET /api/v1/subscribers': 'comms',
  'GET /api/v1/outbox': 'comms',

  // Admins manage components, the page settings and the subscribers (import, export, removal).
  'POST /admin/components': 'admin',
  'POST /admin/groups': 'admin',
  'POST /admin/components/:id': 'admin',
  'POST /admin/components/:id/status': 'admin',
  'POST /admin/components/:id/move': 'admin',
  'GET /admin/components/:id/delete': 'admin',
  'POST /admin/components/:id/delete': 'admin',
  'POST /admin/groups/:id': 'admin',
  // Alert rules decide what the page's components mean to an alert (and may move their status): admins.
  'GET /admin/alerts/rules/new': 'admin',
  'POST /admin/alerts/rules/new': 'admin',
  'GET /admin/alerts/rules/:id/edit': 'admin',
  'POST /admin/alerts/rules/:id/edit': 'admin',
  'POST /admin/alerts/rules/:id/move': 'admin',
  'GET /admin/alerts/rules/:id/delete': 'admin',
  'POST /admin/alerts/rules/:id/delete': 'admin',
  'POST /admin/groups/:id/move': 'admin',
  'GET /admin/groups/:id/delete': 'admin',
  'POST /admin/groups/:id/delete': 'admin',
  'GET /admin/settings': 'admin',
  'POST /admin/settings': 'admin',
  'GET /admin/subscribers/import': 'admin',
  'POST /admin/subscribers/import': 'admin',
  'POST /admin/subscribers/export.csv': 'admin',
  'GET /admin/subscribers/:subscriberId/remove': 'admin',
  'POST /admin/subscribers/:subscriberId/remove': 'admin',
  'POST /api/v1/components': 'admin',
  'PATCH /api/v1/components/:id': 'admin',
  'PUT /api/v1/components/:id/status': 'admin',
  'PUT /api/v1/components/order': 'admin',
  'DELETE /api/v1/components/:id': 'admin',
  'POST /api/v1/component-groups': 'admin',
  'PATCH /api/v1/component-groups/:id': 'admin',
  'PUT /api/v1/component-groups/order': 'admin',
  'DELETE /api/v1/component-groups/:id': 'admin',
  'PATCH /api/v1/settings': 'admin',
  'POST /api/v1/subscribers/import': 'admin',
  'DELETE /api/v1/subscribers/:id': 'admin',
  // Destinations (the company's channels): their URLs and signing secrets are secrets, so even reading them is for admins.
  'GET /admin/destinations': 'admin',
  'GET /admin/destinations/new': 'admin',
  'POST /admin/destinations/new': 'admin',
  'GET /admin/destinations/:id': 'admin',
  'GET /admin/destinations/:id/edit': 'admin',
  'POST /admin/destinations/:id/edit': 'admin',
  'POST /admin/destinations/:id/test': 'admin',
  'POST /admin/destinations/:id/pause': 'admin',
  'POST /admin/destinations/:id/resume': 'admin',
  'POST /admin/destinations/:id/rotate-secret': 'admin',
  'GET /admin/destinations/:id/delete': 'admin',
  'POST /admin/destinations/:id/delete': 'admin',
  'GET /api/v1/destinations': 'admin',
  'POST /api/v1/destinations': 'admin',
  'GET /api/v1/destinations/:id': 'admin',
  'PATCH /api/v1/destinations/:id': 'admin',
  'DELETE /api/v1/destinations/:id': 'admin',
  'POST /api/v1/destinations/:id/test': 'admin',
  'POST /api/v1/destinations/:id/rotate-secret': 'admin',

  // Only owners manage the team, the API tokens and the audit log.
  'GET /admin/team': 'owner',
  'POST /admin/team': 'owner',
  'POST /admin/team/:id/role': 'owner',
  'POST /admin/team/:id/reset': 'owner',
  'GET /admin/team/:id/remove': 'owner',
  'POST /admin/team/:id/remove': 'owner',
  'GET /admin/tokens': 'owner',
  'POST /admin/tokens': 'owner',
  'GET /admin/tokens/:id/revoke': 'owner',
  'POST /admin/tokens/:id/revoke': 'owner',
  'GET /admin/audit': 'owner',
};
