import { Hono } from 'hono';
import { COMPONENT_STATUS_LABELS, INCIDENT_ROLE_LABELS } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { presentAdminIncident } from '../../presenters/admin-incident.js';
import { presentDraft, unacknowledgedFirst } from '../../presenters/admin-alerts.js';
import { formatterFor } from '../../presenters/format.js';
import { presentIncident } from '../../presenters/incident.js';
import { presentInternalDue } from '../../presenters/internal-due.js';
import { listDrafts } from '../../services/alerts/drafts.js';
import { presentActionItem, presentDuePostmortem } from '../../presenters/postmortems-across.js';
import { postmortemsAtAGlance } from '../../services/postmortems/overview.js';
import { loadDashboard } from '../../services/incidents/dashboard.js';
import { renderAdmin, requirePermission, type AdminEnv } from './context.js';

export function dashboardRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.get('/', requirePermission(deps, 'admin:read'), async (c) => {
    const now = deps.clock.now();
    const [data, drafts, after] = await Promise.all([
      loadDashboard(deps, now),
      listDrafts(deps, c.get('actor'), 0),
      postmortemsAtAGlance(deps, c.get('actor'), now),
    ]);
    const format = formatterFor(data.settings.timeZone);
    const byId = new Map(data.components.map((x) => [x.id, x]));
    return renderAdmin(c, deps, 'dashboard', {
      title: 'Dashboard',
      // Alerts waiting for a person come first: the first minutes decide an incident.
      drafts: unacknowledgedFirst(drafts.waiting.map((d) => presentDraft(d, byId, format, now))),
      incidents: data.openIncidents.map((i) => ({
        ...presentAdminIncident(i, byId, format, now),
        internalDue: presentInternalDue(data.internalDue.get(i.id), format, now),
        // Who runs it, at a glance: the Incident Commander and the Comms Lead.
        runBy: (['incident_commander', 'comms_lead'] as const).flatMap((role) => {
          const held = data.roles.find((r) => r.incidentId === i.id && r.role === role);
          return held ? [{ label: INCIDENT_ROLE_LABELS[role], name: held.name }] : [];
        }),
      })),
      maintenance: data.pendingMaintenance.map((m) => presentIncident(m, byId, format, now)).filter((m) => !m.closed),
      components: data.components.map((x) => ({ ...x, statusLabel: COMPONENT_STATUS_LABELS[x.status] })),
      // After the fire: postmortems still to write, and the late P0/P1 follow-ups.
      postmortems: after.postmortems.map((p) => presentDuePostmortem(p, format, now)),
      overdueItems: after.overdueItems.map((item) => presentActionItem(item, format, now)),
    });
  });
  return app;
}
