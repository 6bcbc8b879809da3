import { expect } from 'vitest';
import type { TokenScope } from '../../src/domain/constants.js';
import type { Deps } from '../../src/deps.js';
import { apiV1Operations } from '../../src/routes/api-v1/index.js';
import type { Operation } from '../../src/routes/api-v1/registry.js';
import { apiCall, apiToken, type TestResponse } from '../support/admin.js';

export const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
export const iso = (ms: number): string => new Date(ms).toISOString();

const operations = apiV1Operations();

/** The registered operation a request goes to (by method and path pattern). */
export function operationFor(method: string, path: string): Operation {
  const pathname = path.replace(/^\/api\/v1/, '').split('?')[0]!;
  const matches = operations.filter((op) => {
    if (op.method !== method.toLowerCase()) return false;
    const pattern = new RegExp(`^${op.path.replace(/\{[a-z_]+\}/g, '[^/]+')}$`);
    return pattern.test(pathname);
  });
  // A literal segment ("/components/order") wins over a parameter, as in the router.
  const params = (op: Operation) => op.path.split('{').length;
  matches.sort((a, b) => params(a) - params(b));
  const found = matches[0];
  if (!found) throw new Error(`No operation for ${method} ${path}`);
  return found;
}

export function json(res: TestResponse): any {
  return res.text ? JSON.parse(res.text) : null;
}

/**
 * A client with a token of `role`: each call checks the status and that the
 * answer matches the operation's documented response model exactly (the
 * models are strict, so an undocumented key fails too). Operations answered
 * successfully are recorded in `seen`.
 */
export async function client(deps: Deps, role: TokenScope, seen?: Set<string>) {
  const token = await apiToken(deps, role);
  return {
    token,
    async call(method: string, path: string, body?: unknown, expected = method === 'POST' ? 201 : 200): Promise<any> {
      const res = await apiCall(deps, method, path, token, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(expected);
      const op = operationFor(method, path);
      if (op.contentType && expected < 300) {
        // A text export (the timeline as Markdown): its type, and a string.
        expect(res.headers.get('content-type')).toBe(op.contentType);
        expect(res.headers.get('cache-control')).toBe('no-store');
        seen?.add(op.operationId);
        return res.text;
      }
      const data = json(res);
      if (expected < 300) {
        if (op.response) {
          const parsed = op.response.safeParse(data);
          expect(parsed.success, `${op.operationId} answered off its schema: ${parsed.error?.message}`).toBe(true);
          expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        } else {
          expect(res.text).toBe('');
        }
        expect(res.headers.get('cache-control')).toBe('no-store');
        seen?.add(op.operationId);
      }
      return data;
    },
    /** The raw answer, for error cases. */
    raw(method: string, path: string, body?: unknown): Promise<TestResponse> {
      return apiCall(deps, method, path, token, body);
    },
  };
}

/** Asserts a JSON error answer and returns its error object. */
export function expectError(res: TestResponse, status: number, code: string): { code: string; message: string; fields?: Record<string, string[]> } {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(res.text);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error;
}

export { operations as allOperations };
