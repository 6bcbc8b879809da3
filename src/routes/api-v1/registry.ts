import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { can, PERMISSIONS, type Permission } from '../../domain/roles.js';
import type { Deps } from '../../deps.js';
import { AppError, fieldMessages, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../lib/errors.js';
import { authenticateBearer } from '../../services/auth/api-tokens.js';
import type { Actor } from '../../services/auth/actor.js';
import { loadSettings } from '../../services/settings/reads.js';
import { baseUrlFor } from '../base-url.js';

/*
 * The operation registry of the management API. Each operation is defined
 * once (method, path, permission, zod schemas, response model, handler);
 * `mountOperations` turns the list into Hono routes and `openapi.ts` into the
 * OpenAPI document, so the two cannot drift apart.
 */

/** Largest request body accepted (413 above it). */
export const MAX_BODY_BYTES = 256 * 1024;

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export type ApiEnv = { Variables: { actor: Actor } };

export interface RunContext<P, Q, B> {
  deps: Deps;
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  /** The request's time, from the injected clock. */
  now: number;
  /** The page's public base URL (loaded once, on first use). */
  baseUrl(): Promise<string>;
}

type Schema = z.ZodType;
type EmptyObject = z.ZodObject<{}>;

export interface OperationSpec<P extends Schema, Q extends Schema, B extends Schema, R extends Schema | null> {
  /** Unique; becomes operationId. */
  operationId: string;
  method: Method;
  /** OpenAPI style, relative to /api/v1: "/incidents/{id}". */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The permission the token's scope must grant (domain/roles.ts). */
  permission: Permission;
  params?: P;
  query?: Q;
  /** JSON request body; its input type is documented, its output goes to `run`. */
  body?: B;
  /** Largest body accepted; MAX_BODY_BYTES when absent. */
  maxBodyBytes?: number;
  /** Success status; 204 answers without a body. */
  status?: 200 | 201 | 204;
  /** A model registered in schemas.ts `models`, or null for 204. */
  response: R;
  /** Answers the handler's string as this type instead of JSON (a Markdown export); `response` then documents a string. */
  contentType?: string;
  responseDescription?: string;
  run(ctx: RunContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<R extends Schema ? z.input<R> : void>;
}

export type Operation = OperationSpec<Schema, Schema, Schema, Schema | null>;

/** Defines an operation, inferring the types its handler gets from its schemas. */
export function operation<
  P extends Schema = EmptyObject,
  Q extends Schema = EmptyObject,
  B extends Schema = z.ZodUndefined,
  R extends Schema | null = null,
>(spec: OperationSpec<P, Q, B, R>): Operation {
  return spec as unknown as Operation;
}

/** "/incidents/{id}" -> "/incidents/:id" */
export function honoPath(path: string): string {
  return path.replace(/\{([a-z_]+)\}/g, ':$1');
}

/** The lowest token scope an operation needs. */
export function scopeFor(permission: Permission): string {
  return permission === 'alerts:ingest' ? 'alerts, or comms' : PERMISSIONS[permission];
}

/** 401 without a valid token, 403 when its scope is too low; sets the actor. */
export function requireToken(deps: Deps, permission: Permission): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    let actor: Actor;
    try {
      actor = await authenticateBearer(deps, c.req.header('Authorization'));
    } catch (error) {
      if (error instanceof UnauthorizedError) c.header('WWW-Authenticate', 'Bearer realm="Herald management API"');
      throw error;
    }
    if (!can(actor.role, permission)) {
      throw new ForbiddenError(
        `This token's scope (${actor.role}) does not allow this: it needs ${scopeFor(permission)} or higher.`,
      );
    }
    c.set('actor', actor);
    await next();
  };
}

const tooLarge = (maxBytes: number) => (): never => {
  throw new AppError(413, 'payload_too_large', `The request body is larger than ${maxBytes / 1024} KB.`);
};

/** Registers every operation as a Hono route: token, body limit, parsing, handler, JSON answer. */
export function mountOperations(app: Hono<ApiEnv>, deps: Deps, operations: readonly Operation[]): void {
  for (const op of operations) {
    const handlers: MiddlewareHandler<ApiEnv>[] = [requireToken(deps, op.permission)];
    const maxBytes = op.maxBodyBytes ?? MAX_BODY_BYTES;
    if (op.body) handlers.push(bodyLimit({ maxSize: maxBytes, onError: tooLarge(maxBytes) }));
    handlers.push(async (c) => {
      const params = parseParams(op, c.req.param() as Record<string, string>);
      const query = op.query ? parseRequest(op.query, c.req.query()) : {};
      const body = op.body ? parseRequest(op.body, await readJson(c)) : undefined;
      let settingsUrl: Promise<string> | undefined;
      const result = await withApiFieldNames(() =>
        op.run({
          deps,
          actor: c.get('actor'),
          params,
          query,
          body,
          now: deps.clock.now(),
          baseUrl: () => (settingsUrl ??= loadSettings(deps).then((s) => baseUrlFor(deps, c, s.url))),
        }),
      );
      if (op.status === 204) return c.body(null, 204);
      if (op.contentType) return c.body(String(result), op.status ?? 200, { 'Content-Type': op.contentType });
      return c.json(result as object, op.status ?? 200);
    });
    app.on(op.method.toUpperCase(), honoPath(op.path), ...(handlers as [MiddlewareHandler<ApiEnv>]));
  }
}

function parseParams(op: Operation, raw: Record<string, string>): unknown {
  if (!op.params) return {};
  const result = op.params.safeParse(raw);
  if (!result.success) throw new NotFoundError('There is nothing with this id.');
  return result.data;
}

/** The body as JSON: 400 invalid_input when it is empty, 400 invalid_json when it does not parse. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new ValidationError('Send the request body as a JSON object.', { _: ['is required'] });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(400, 'invalid_json', `The request body is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
}

/** Messages clearer than zod's defaults for the common cases. */
const requestErrors: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return undefined;
};

/**
 * Parses a query or body with an API schema, throwing a ValidationError with
 * messages per field (dotted paths; unknown keys are named one by one).
 */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { error: requestErrors });
  if (result.success) return result.data;
  const fields = fieldMessages();
  const add = (path: readonly PropertyKey[], message: string) => {
    const key = path.length ? path.map(String).join('.') : '_';
    (fields[key] ??= []).push(message);
  };
  for (const issue of result.error.issues.flatMap(meantIssues)) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], 'is not a field of this request');
    } else if (issue.code === 'invalid_type' && issue.path.length === 0) {
      add([], `must be a JSON ${issue.expected}`);
    } else {
      add(issue.path, issue.message);
    }
  }
  throw new ValidationError(summarize(fields), fields);
}

/**
 * Nested failures as the client can act on them. A union's failure (the generic alert intake: one alert, or {"alerts": [...]})
 * as the issues of the option the client meant, so each field gets its own
 * message: the first option that does not refuse the object's own keys.
 */
function meantIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  // A record key refused (an alert rule's label name): the key's own message, not "Invalid key in record".
  if (issue.code === 'invalid_key' && issue.issues.length) return issue.issues.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as z.core.$ZodIssue);
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const refusesKeys = (issues: z.core.$ZodIssue[]) => issues.some((i) => i.code === 'unrecognized_keys' && i.path.length === 0);
  const meant = issue.errors.find((issues) => !refusesKeys(issues)) ?? issue.errors[0]!;
  // A choice of values (severity 1..4) or of types at this place keeps its own message.
  if (!meant.some((i) => i.path.length > 0)) return [issue];
  return meant.map((i) => ({ ...i, path: [...issue.path, ...i.path] })).flatMap(meantIssues);
}

function summarize(fields: Record<string, string[]>): string {
  return `Invalid input (${Object.entries(fields)
    .map(([key, messages]) => `${key}: ${messages.join(', ')}`)
    .join('; ')})`;
}

/** "components.0.componentId" -> "components.0.component_id" */
export function snakeCase(path: string): string {
  return path.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/**
 * Services name invalid fields in their own (camelCase) spelling; the API's
 * fields are the snake_case of the same names, so errors are renamed here.
 */
async function withApiFieldNames<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ValidationError) || !error.fields) throw error;
    const fields = fieldMessages();
    for (const [key, messages] of Object.entries(error.fields)) (fields[snakeCase(key)] ??= []).push(...messages);
    const message = error.message.startsWith('Invalid input (') ? summarize(fields) : error.message;
    throw new ValidationError(message, fields);
  }
}

/** Services name a list of components `componentIds`; the API calls it `components`: errors are renamed to match. */
export async function withComponentsNamed<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ValidationError) || !error.fields) throw error;
    const rename = (key: string): string => key.replace(/^componentIds\b/, 'components');
    const fields = fieldMessages();
    for (const [key, messages] of Object.entries(error.fields)) (fields[rename(key)] ??= []).push(...messages);
    throw new ValidationError(error.message.replaceAll('componentIds', 'components'), fields);
  }
}
