import { z } from 'zod';
import { ROLES } from '../../domain/constants.js';
import { scopeFor, type Operation } from './registry.js';
import { models } from './schemas.js';

/*
 * The OpenAPI 3.1 document of /api/v1, generated from the operation registry
 * and its zod schemas: request schemas as their input type (what a client
 * sends), responses as the registered models.
 */

type JsonSchema = Record<string, unknown>;

const SCHEMA_REF = '#/components/schemas/';

/** Trims what JSON Schema generation adds that only clutters an API document. */
function tidy(ctx: { jsonSchema: JsonSchema }): void {
  const schema = ctx.jsonSchema;
  // format: date-time says it; the generated regex is unreadable.
  if (schema.format === 'date-time') delete schema.pattern;
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  // A union of number literals (severity) reads better as an enum.
  const options = schema.anyOf as JsonSchema[] | undefined;
  if (options?.length && options.every((o) => typeof o.const === 'number' && Object.keys(o).length === 2)) {
    delete schema.anyOf;
    const values = options.map((o) => o.const as number);
    schema.type = values.every(Number.isInteger) ? 'integer' : 'number';
    schema.enum = values;
  }
}

function requestSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', override: tidy }) as JsonSchema;
  delete json.$schema;
  return json;
}

function modelRef(schema: z.ZodType): JsonSchema {
  const id = models.get(schema)?.id;
  if (!id) throw new Error('An /api/v1 response schema must be registered in schemas.ts models.');
  return { $ref: `${SCHEMA_REF}${id}` };
}

function modelSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(models, { uri: (id) => `${SCHEMA_REF}${id}`, target: 'draft-2020-12', override: tidy }) as {
    schemas: Record<string, JsonSchema>;
  };
  if ('__shared' in schemas) throw new Error('An /api/v1 model uses a schema that is neither inline nor registered.');
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

/** Path or query parameters from an object schema's properties. */
function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = requestSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `${SCHEMA_REF}Error` } } },
});

const ERROR_RESPONSES = {
  InvalidInput: errorResponse(
    'Invalid input (code invalid_input, with messages per field in error.fields) or a body that is not JSON (code invalid_json).',
  ),
  Unauthorized: errorResponse('No token, or a token that is unknown or revoked (code unauthorized).'),
  Forbidden: errorResponse("The token's scope does not allow this operation (code forbidden)."),
  NotFound: errorResponse('No such resource (code not_found).'),
  PayloadTooLarge: errorResponse('The request body is larger than the operation allows: 256 KB, 1 MB for alert intake (code payload_too_large).'),
};

const responseRef = (name: keyof typeof ERROR_RESPONSES) => ({ $ref: `#/components/responses/${name}` });

function operationObject(op: Operation): JsonSchema {
  const scope = scopeFor(op.permission);
  const success: JsonSchema = op.response
    ? {
        description: op.responseDescription ?? (op.status === 201 ? 'Created' : 'OK'),
        content: { [op.contentType?.split(';')[0] ?? 'application/json']: { schema: modelRef(op.response) } },
      }
    : { description: op.responseDescription ?? 'Done; no content' };
  const responses: Record<string, JsonSchema> = { [String(op.status ?? 200)]: success };
  if (op.query || op.body) responses['400'] = responseRef('InvalidInput');
  responses['401'] = responseRef('Unauthorized');
  responses['403'] = responseRef('Forbidden');
  if (op.params) responses['404'] = responseRef('NotFound');
  if (op.body) responses['413'] = responseRef('PayloadTooLarge');
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: `${op.description ? `${op.description}\n\n` : ''}Needs a token with scope \`${scope}\` or higher.`,
    tags: [op.tag],
    ...(op.params || op.query
      ? { parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')] }
      : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: requestSchema(op.body) } } } }
      : {}),
    responses,
    security: [{ bearerAuth: [] }],
    'x-herald-permission': op.permission,
    'x-herald-scope': scope,
  };
}

export function buildOpenApiDocument(operations: readonly Operation[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This document',
        description: 'The OpenAPI 3.1 description of the management API. Public: no token needed.',
        tags: ['Meta'],
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
  };
  const ids = new Set<string>();
  for (const op of operations) {
    if (ids.has(op.operationId)) throw new Error(`Duplicate operationId ${op.operationId}`);
    ids.add(op.operationId);
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`Duplicate operation ${op.method.toUpperCase()} ${op.path}`);
    item[op.method] = operationObject(op);
  }
  const tags = [...new Set(operations.map((op) => op.tag)), 'Meta'].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Herald management API',
      version: '1',
      description: [
        'Everything the admin pages can do, as JSON. Authenticate with a management API token',
        '(created in the admin under API tokens, or with the command line) sent as',
        '`Authorization: Bearer hrld_...`. A token acts with its scope: ' + ROLES.map((r) => `\`${r}\``).join(', ') + ',',
        'each including the ones after it; `alerts` may only post alerts to the /alerts intake endpoints. Times are ISO 8601; ids are Herald ids. Errors are',
        '`{"error": {"code", "message", "fields"?}}` with messages per invalid field.',
      ].join(' '),
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/api/v1' }],
    security: [{ bearerAuth: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'hrld_<43 characters>',
          description: 'A management API token; its scope (owner, admin, comms, viewer, or alerts: intake only) decides what it may do.',
        },
      },
      schemas: modelSchemas(),
      responses: ERROR_RESPONSES,
    },
  };
}
