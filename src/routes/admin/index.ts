import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { compressHtml } from '../compress-html.js';
import { alertRoutes } from './alerts.js';
import { authRoutes } from './auth-routes.js';
import type { AdminEnv } from './context.js';
import { dashboardRoutes } from './dashboard.js';
import { destinationRoutes } from './destinations.js';
import { incidentRoutes } from './incidents.js';
import { teamRoutes } from './team.js';
import { tokenRoutes } from './tokens.js';
import { auditRoutes } from './audit.js';
import { componentRoutes } from './components.js';
import { settingsRoutes } from './settings.js';
import { templateRoutes } from './templates.js';
import { maintenanceRoutes } from './maintenance.js';
import { subscriberAdminRoutes } from './subscribers.js';
import { channelSubscriberAdminRoutes } from './channel-subscribers.js';
import { timelineRoutes } from './timeline.js';
import { postmortemRoutes } from './postmortems.js';
import { actionItemRoutes } from './action-items.js';
import { metricsRoutes } from './metrics.js';

/** Everything under /admin. Each module guards its own routes with requirePermission. */
export function adminRoutes(deps: Deps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  // Compressed per request and never cached: every admin page is someone's own.
  app.use('*', compressHtml(deps));
  app.route('/', authRoutes(deps));
  app.route('/', dashboardRoutes(deps));
  app.route('/', incidentRoutes(deps));
  app.route('/', teamRoutes(deps));
  app.route('/', tokenRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', componentRoutes(deps));
  app.route('/', settingsRoutes(deps));
  app.route('/', templateRoutes(deps));
  app.route('/', maintenanceRoutes(deps));
  app.route('/', subscriberAdminRoutes(deps));
  app.route('/', channelSubscriberAdminRoutes(deps));
  app.route('/', destinationRoutes(deps));
  app.route('/', alertRoutes(deps));
  app.route('/', timelineRoutes(deps));
  app.route('/', postmortemRoutes(deps));
  app.route('/', actionItemRoutes(deps));
  app.route('/', metricsRoutes(deps));
  return app;
}
