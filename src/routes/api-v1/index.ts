import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { alertOperations } from './alerts.js';
import { channelSubscriberOperations } from './channel-subscribers.js';
import { componentOperations } from './components.js';
import { destinationOperations } from './destinations.js';
import { incidentOperations } from './incidents.js';
import { maintenanceOperations } from './maintenance.js';
import { metricsOperations } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { postmortemOperations } from './postmortems.js';
import { mountOperations, type ApiEnv, type Operation } from './registry.js';
import { settingsOperations } from './settings.js';
import { subscriberOperations } from './subscribers.js';
import { templateOperations } from './templates.js';

/** Every operation of the management API, in the order the document lists them. */
export function apiV1Operations(): Operation[] {
  return [
    ...incidentOperations(),
    ...maintenanceOperations(),
    ...componentOperations(),
    ...settingsOperations(),
    ...templateOperations(),
    ...subscriberOperations(),
    ...channelSubscriberOperations(),
    ...destinationOperations(),
    ...alertOperations(),
    ...postmortemOperations(),
    ...metricsOperations(),
  ];
}

let document: string | undefined;

/**
 * The management API under /api/v1: JSON, bearer tokens, one operation
 * registry for the routes and the OpenAPI document. Only openapi.json
 * answers without a token.
 */
export function apiV1Routes(deps: Deps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const operations = apiV1Operations();

  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });

  app.get('/openapi.json', (c) => {
    // The same for every request and every instance: built once, on first use.
    document ??= JSON.stringify(buildOpenApiDocument(operations));
    return c.body(document, 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
      'Access-Control-Allow-Origin': '*',
    });
  });

  mountOperations(app, deps, operations);
  return app;
}
