import { createApp } from '../../src/app.js';
import type { Role, TokenScope } from '../../src/domain/constants.js';
import type { Deps } from '../../src/deps.js';
import { hashPassword } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import { createApiToken } from '../../src/services/auth/api-tokens.js';
import { login } from '../../src/services/auth/sessions.js';
import { FIXTURE_ACTOR } from './actors.js';

/** A cheap hash for test accounts (the real 600k iterations would slow every test). */
let testHash: Promise<string> | undefined;
export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestSession {
  userId: string;
  email: string;
  cookie: string;
  csrf: string;
}

/** Creates a team member with `role` and signs them in. */
export async function signIn(deps: Deps, role: Role, email = `${role}-${newId(6)}@example.com`): Promise<TestSession> {
  const now = deps.clock.now();
  const userId = newId();
  await deps.db.atomic([
    deps.repos.accounts.insertUser({
      id: userId,
      email,
      name: `Test ${role}`,
      role,
      passwordHash: await (testHash ??= hashPassword(TEST_PASSWORD, 1000)),
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  const { token, session } = await login(deps, { email, password: TEST_PASSWORD }, '192.0.2.10');
  return { userId, email, cookie: `herald_session=${token}`, csrf: session.csrfToken };
}

/** A management API token with `scope` (a role, or `alerts`: intake only) as its scope. */
export async function apiToken(deps: Deps, scope: TokenScope): Promise<string> {
  return (await createApiToken(deps, FIXTURE_ACTOR, { name: `test ${scope}`, scope })).token;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
}

async function send(deps: Deps, path: string, init: RequestInit): Promise<TestResponse> {
  const response = await createApp(deps).request(path, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** GET as a signed-in member. */
export function adminGet(deps: Deps, path: string, session: TestSession): Promise<TestResponse> {
  return send(deps, path, { headers: { Cookie: session.cookie } });
}

/** POSTs a form as a signed-in member, with their CSRF token unless `csrf: false`. */
export function adminPost(
  deps: Deps,
  path: string,
  session: TestSession,
  fields: Record<string, string | string[]>,
  options: { csrf?: boolean } = {},
): Promise<TestResponse> {
  const body = new URLSearchParams();
  if (options.csrf !== false) body.append('_csrf', session.csrf);
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  }
  return send(deps, path, {
    method: 'POST',
    headers: { Cookie: session.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
}

/** Calls the management API with a bearer token. */
export function apiCall(
  deps: Deps,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<TestResponse> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return send(deps, path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

/** The one-time password link (`/admin/reset/<token>`) in a page or an email's text. */
export function passwordLinkIn(text: string): string {
  const match = /(http:\/\/status\.test\/admin\/reset\/[A-Za-z0-9_-]{43})/.exec(text);
  if (!match) throw new Error('no password link in the text');
  return match[1]!;
}

/** Sets a password through a link the way a browser would: GET the form, POST it back with its form token. */
export async function usePasswordLink(deps: Deps, link: string, password: string): Promise<Response> {
  const path = new URL(link).pathname;
  const page = await createApp(deps).request(path);
  if (page.status !== 200) throw new Error(`GET ${path} answered ${page.status}`);
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  return createApp(deps).request(path, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, password }),
  });
}

/**
 * A preview shown where the eye is: the Preview button of `formId` posts to a
 * URL ending in #preview, the preview section comes before that form, and
 * right under the preview a Publish button submits the same form.
 */
export function expectPreviewFirst(html: string, formId: string, publishLabel: string): void {
  const form = new RegExp(`<form [^>]*id="${formId}"`).exec(html);
  if (!form) throw new Error(`no form with id ${formId}`);
  const action = /action="([^"]+)"/.exec(form[0])![1]!;
  if (!html.includes(`formaction="${action}#preview">Preview</button>`)) throw new Error(`the Preview button of ${formId} does not jump to #preview`);
  const start = html.indexOf('<section class="preview" id="preview"');
  if (start < 0) throw new Error('no preview section with id="preview"');
  if (start > form.index) throw new Error('the preview comes after the form');
  const section = html.slice(start, html.indexOf('</section>', start));
  if (!section.includes(`<button type="submit" form="${formId}" name="action" value="publish">${publishLabel}</button>`)) {
    throw new Error(`no "${publishLabel}" button for ${formId} in the preview`);
  }
}
