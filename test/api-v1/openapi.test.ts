import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { apiCall } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { get } from '../support/http.js';
import { allOperations } from './helpers.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Documented {
  path: string;
  method: string;
  operation: any;
}

let deps: TestDeps;
let doc: any;
let documented: Documented[];

beforeAll(async () => {
  deps = await createTestDeps();
  const res = await get(deps, '/api/v1/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = JSON.parse(res.text);
  documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
  );
});

/** Every "$ref" in a JSON value. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

describe('GET /api/v1/openapi.json', () => {
  it('is a well-formed OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: '/api/v1' }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(documented.length).toBeGreaterThan(30);

    const ids = new Set<string>();
    for (const { path, method, operation } of documented) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(path, where).toMatch(/^\//);
      expect(typeof operation.operationId, where).toBe('string');
      expect(ids.has(operation.operationId), `${where}: duplicate operationId`).toBe(false);
      ids.add(operation.operationId);
      expect(operation.summary, where).toBeTruthy();
      expect(Object.keys(operation.responses ?? {}).length, `${where}: responses`).toBeGreaterThan(0);
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        expect(status, where).toMatch(/^[1-5]\d\d$/);
        expect(response.$ref ?? response.description, `${where} ${status}`).toBeTruthy();
      }
      expect(Array.isArray(operation.security), `${where}: security`).toBe(true);
      // Path parameters are declared, and only those.
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (operation.parameters ?? []).filter((p: any) => p.in === 'path');
      expect(declared.map((p: any) => p.name).sort(), where).toEqual(inPath);
      for (const p of declared) expect(p.required, where).toBe(true);
      if (operation.requestBody) {
        // An object, or a choice of objects (the generic alert intake: one alert, or {"alerts": [...]}).
        const schema = operation.requestBody.content['application/json'].schema;
        for (const option of schema.anyOf ?? [schema]) expect(option.type, where).toBe('object');
      }
    }
  });

  it('resolves every $ref inside the document', () => {
    for (const ref of refsIn(doc)) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split('/')
        .reduce((node: any, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      expect(target, ref).toBeDefined();
    }
  });

  it('documents request bodies as what clients send: ISO times, snake_case, required fields', () => {
    const declare = doc.paths['/incidents'].post.requestBody.content['application/json'].schema;
    expect(declare.required).toEqual(['title', 'severity', 'body']);
    expect(declare.additionalProperties).toBe(false);
    expect(declare.properties.started_at).toMatchObject({ type: 'string', format: 'date-time' });
    expect(declare.properties.severity).toMatchObject({ type: 'integer', enum: [1, 2, 3, 4] });
    expect(declare.properties.components.items.properties).toHaveProperty('component_id');
    expect(doc.components.schemas.Incident.properties.updates.items).toEqual({ $ref: '#/components/schemas/IncidentUpdate' });
  });

  it('documents restore_components on an incident update: a boolean, on by default, explained', () => {
    const op = doc.paths['/incidents/{id}/updates'].post;
    const body = op.requestBody.content['application/json'].schema;
    expect(body.properties.restore_components).toMatchObject({ type: 'boolean', default: true });
    expect(body.properties.restore_components.description).toContain('operational');
    expect(body.required ?? []).not.toContain('restore_components');
    expect(op.description).toContain('restore_components');
  });

  it('documents the subscriber and email delivery operations with their scopes and models', () => {
    const op = (method: string, path: string) => doc.paths[path]?.[method];
    const expected: [string, string, string, string, string | null][] = [
      ['get', '/subscribers', 'listSubscribers', 'comms', 'SubscriberList'],
      ['post', '/subscribers/import', 'importSubscribers', 'admin', 'ImportReport'],
      ['delete', '/subscribers/{id}', 'deleteSubscriber', 'admin', null],
      ['get', '/outbox', 'getOutbox', 'comms', 'Outbox'],
      ['get', '/incidents/{id}/deliveries', 'getIncidentDeliveries', 'viewer', 'Deliveries'],
      ['get', '/maintenance/{id}/deliveries', 'getMaintenanceDeliveries', 'viewer', 'Deliveries'],
    ];
    for (const [method, path, operationId, scope, model] of expected) {
      const operation = op(method, path);
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation).toMatchObject({ operationId, 'x-herald-scope': scope });
      expect(operation.description).toContain(`scope \`${scope}\``);
      const success = operation.responses[method === 'delete' ? '204' : '200'];
      if (model) expect(success.content['application/json'].schema).toEqual({ $ref: `#/components/schemas/${model}` });
      else expect(success.content).toBeUndefined();
    }
    const list = op('get', '/subscribers');
    expect(list.parameters.map((p: any) => p.name)).toEqual(['search', 'status', 'after', 'per_page']);
    expect(list.parameters.find((p: any) => p.name === 'status').schema.enum).toEqual(['pending', 'confirmed', 'unsubscribed', 'suppressed']);
    expect(list.parameters.find((p: any) => p.name === 'per_page').schema).toMatchObject({ maximum: 100, default: 20 });
    const importBody = op('post', '/subscribers/import').requestBody.content['application/json'].schema;
    expect(importBody).toMatchObject({ type: 'object', required: ['csv', 'consented'], additionalProperties: false });
    expect(importBody.properties.csv).toMatchObject({ type: 'string', maxLength: 256 * 1024 });
    expect(importBody.properties.consented.type).toBe('boolean');
    expect(op('post', '/subscribers/import').responses['413']).toEqual({ $ref: '#/components/responses/PayloadTooLarge' });
    expect(op('delete', '/subscribers/{id}').responses['404']).toEqual({ $ref: '#/components/responses/NotFound' });

    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.Subscriber.properties)).toEqual([
      'id', 'email', 'status', 'reason', 'source', 'all_components', 'component_ids', 'group_ids', 'created_at', 'updated_at', 'confirmed_at',
    ]);
    expect(schemas.Subscriber.properties).not.toHaveProperty('secret');
    expect(schemas.SubscriberList.properties.pagination).toEqual({ $ref: '#/components/schemas/CursorPagination' });
    expect(Object.keys(schemas.ImportReport.properties)).toEqual(['added', 'existing', 'duplicates', 'invalid', 'invalid_count']);
    expect(schemas.Deliveries.properties.updates.items).toEqual({ $ref: '#/components/schemas/UpdateDelivery' });
    expect(Object.keys(schemas.UpdateDelivery.properties)).toEqual(['update_id', 'status', 'at', 'preparing', 'queued', 'sent', 'failed', 'skipped', 'total', 'channels']);
    expect(Object.keys(schemas.DeliveryFailure.properties)).toEqual(['update_id', 'email', 'reason', 'at']);
    expect(Object.keys(schemas.Outbox.properties.counts.properties)).toEqual(['queued', 'sending', 'sent', 'failed', 'skipped']);
    expect(doc.tags.map((t: { name: string }) => t.name)).toContain('Subscribers');
  });

  it('documents the alert operations: intake for the alerts scope with a 1 MB limit, drafts and rules with theirs', () => {
    const op = (method: string, path: string) => doc.paths[path]?.[method];
    const expected: [string, string, string, string, string | null][] = [
      ['post', '/alerts/alertmanager', 'ingestAlertmanager', 'alerts, or comms', 'AlertIntakeResult'],
      ['post', '/alerts/grafana', 'ingestGrafana', 'alerts, or comms', 'AlertIntakeResult'],
      ['post', '/alerts/uptime-kuma', 'ingestUptimeKuma', 'alerts, or comms', 'AlertIntakeResult'],
      ['post', '/alerts', 'ingestAlerts', 'alerts, or comms', 'AlertIntakeResult'],
      ['get', '/alerts/drafts', 'listAlertDrafts', 'viewer', 'AlertDraftList'],
      ['get', '/alerts/drafts/{id}', 'getAlertDraft', 'viewer', 'AlertDraft'],
      ['post', '/alerts/drafts/{id}/acknowledge', 'acknowledgeAlertDraft', 'comms', 'AlertDraft'],
      ['post', '/alerts/drafts/{id}/dismiss', 'dismissAlertDraft', 'comms', 'AlertDraft'],
      ['get', '/alerts/rules', 'listAlertRules', 'viewer', 'AlertRuleList'],
      ['post', '/alerts/rules', 'createAlertRule', 'admin', 'AlertRule'],
      ['get', '/alerts/rules/{id}', 'getAlertRule', 'viewer', 'AlertRule'],
      ['patch', '/alerts/rules/{id}', 'updateAlertRule', 'admin', 'AlertRule'],
      ['delete', '/alerts/rules/{id}', 'deleteAlertRule', 'admin', null],
      ['put', '/incidents/{id}/detection-source', 'setIncidentDetectionSource', 'comms', 'Incident'],
    ];
    for (const [method, path, operationId, scope, model] of expected) {
      const operation = op(method, path);
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(operation).toMatchObject({ operationId, 'x-herald-scope': scope, tags: [path.startsWith('/alerts') ? 'Alerts' : 'Incidents'] });
      const success = operation.responses[method === 'delete' ? '204' : method === 'post' && path === '/alerts/rules' ? '201' : '200'];
      if (model) expect(success.content['application/json'].schema).toEqual({ $ref: `#/components/schemas/${model}` });
      else expect(success.content).toBeUndefined();
    }
    const generic = op('post', '/alerts').requestBody.content['application/json'].schema;
    expect(generic.anyOf).toHaveLength(2);
    expect(generic.anyOf[0].required).toEqual(['key', 'status', 'summary']);
    expect(generic.anyOf[1].properties.alerts.type).toBe('array');
    const declare = op('post', '/incidents').requestBody.content['application/json'].schema;
    expect(declare.properties.alert_draft_id.type).toBe('string');
    expect(declare.properties.detection_source.enum).toEqual(['alert', 'customer_report', 'internal', 'other']);
    const schemas = doc.components.schemas;
    for (const field of ['detection_source', 'detected_at', 'acknowledged_at', 'acknowledged_by', 'alert_draft_id']) {
      expect(schemas.Incident.required, field).toContain(field);
    }
    expect(schemas.AlertDraft.properties.alerts.items).toEqual({ $ref: '#/components/schemas/Alert' });
    expect(Object.keys(schemas.AlertRule.properties)).toEqual([
      'id', 'name', 'position', 'source', 'matchers', 'components', 'severity', 'auto_component_status', 'enabled', 'created_at', 'updated_at',
    ]);
    expect(doc.info.description).toContain('`alerts`');
  });

  it('lists every registered /api/v1 route, and every operation of the registry', () => {
    const routes = createApp(deps)
      .routes.filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/^\/api\/v1/, '').replace(/:([a-z_]+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(30);
    const inDocument = new Set(documented.map((d) => `${d.method} ${d.path}`));
    for (const route of routes) expect(inDocument.has(route), `${route} is not in openapi.json`).toBe(true);
    expect(new Set(routes)).toEqual(inDocument);
    const operationIds = documented.map((d) => d.operation.operationId);
    for (const op of allOperations) expect(operationIds).toContain(op.operationId);
  });

  it('answers 401 to anonymous requests on every operation but itself', async () => {
    const publicOnes = documented.filter((d) => d.operation.security.length === 0);
    expect(publicOnes.map((d) => `${d.method} ${d.path}`)).toEqual(['get /openapi.json']);
    for (const { path, method, operation } of documented) {
      if (operation.security.length === 0) continue;
      expect(operation.security).toEqual([{ bearerAuth: [] }]);
      expect(operation.responses['401'], `${method} ${path}`).toBeDefined();
      const url = `/api/v1${path.replace(/\{[^}]+\}/g, 'abcdef123456')}`;
      const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
      const res = await apiCall(deps, method.toUpperCase(), url, null, body);
      expect(res.status, `${method.toUpperCase()} ${url}: ${res.text}`).toBe(401);
      expect(JSON.parse(res.text)).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('is public and cacheable', async () => {
    const res = await get(deps, '/api/v1/openapi.json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });
});
