import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { DAY } from '../../src/domain/calendar.js';
import { apiV1Operations } from '../../src/routes/api-v1/index.js';
import { honoPath } from '../../src/routes/api-v1/registry.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, apiToken, signIn, type TestSession } from '../support/admin.js';
import { makeComponent, makeGroup, makeIncident, makeMaintenance } from '../support/factories.js';
import { snapshotDatabase } from './support.js';

/*
 * SQL injection: classic payloads in every path parameter and every query
 * parameter of every route (walked from the app's route table) come back as
 * a validation error or a 404: never a 500, never data, and the database is
 * byte for byte what it was.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

const PAYLOADS = [
  "' OR '1'='1",
  "' OR '1'='1' --",
  "1' OR 1=1--",
  "') OR ('1'='1",
  '1; DROP TABLE incidents;--',
  "'; DROP TABLE incidents; --",
  '" OR ""="',
  '1 UNION SELECT name, sql FROM sqlite_master--',
  "' UNION SELECT email, password_hash FROM users--",
  "admin'--",
  '\u2018 OR \u20181\u2019=\u20181', // ‘ OR ‘1’=‘1
  '\u02BC OR 1=1 --', // modifier letter apostrophe
  '\uFF07 OR \uFF071\uFF07=\uFF071', // fullwidth apostrophes
  '%00',
  '\u0000',
  "abc\u0000' OR 1=1",
  "%' OR '%'='",
  '%',
  '_',
  '*',
  '../../etc/passwd',
  '-1',
  '0',
  '1e309',
  '0x7fffffff',
  '9'.repeat(400),
  'NULL',
  'true',
  '[]',
  '{"$gt":""}',
  '__proto__',
  'constructor',
];

/** Query parameters each public route reads; anything else is ignored (and must change nothing). */
const PUBLIC_QUERY: Record<string, string[]> = {
  '/history': ['page'],
  '/embed': ['theme'],
  '/badge.svg': ['style', 'metric', 'window'],
  '/badge.json': ['style', 'metric', 'window'],
  '/badge/:file': ['style', 'metric', 'window'],
};

/** Free text by design: a badge label is shown as given (escaped), up to 60 characters. */
const TEXT_QUERY = new Set(['label']);

const SECRETS = ['Secret incident title', 'Hidden billing backend', 'Quiet group', 'owner-sql@example.com', 'pbkdf2-sha256$'];

interface Fixture {
  deps: TestDeps;
  owner: TestSession;
  token: string;
  routes: { method: string; path: string }[];
}

async function fixture(): Promise<Fixture> {
  const deps = await createTestDeps({ now: NOON });
  const group = await makeGroup(deps, 'Quiet group');
  const hidden = await makeComponent(deps, { name: 'Hidden billing backend', hidden: true, groupId: group });
  await makeIncident(deps, { title: 'Secret incident title', components: [{ componentId: hidden, status: 'major_outage' }] });
  await makeMaintenance(deps, { title: 'Secret incident title (maintenance)', scheduledFor: NOON + DAY, scheduledUntil: NOON + 2 * DAY });
  const owner = await signIn(deps, 'owner', 'owner-sql@example.com');
  const token = await apiToken(deps, 'owner');
  // Warm up: the token's last-used time and the session are written once, before the snapshot.
  await createApp(deps).request('/api/v1/incidents', { headers: { Authorization: `Bearer ${token}` } });
  const seen = new Set<string>();
  const routes = createApp(deps)
    .routes.filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, path: r.path }))
    .filter((r) => {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  return { deps, owner, token, routes };
}

const ADMIN_FIELDS = { role: 'viewer', status: 'operational', direction: 'up', severity: '2', body: 'x', name: 'x', step: 'incident:investigating' };

interface Answer {
  status: number;
  text: string;
  type: string;
}

async function send(f: Fixture, method: string, path: string): Promise<Answer> {
  let res: { status: number; text: string; headers: Headers };
  if (path.startsWith('/admin')) {
    // Valid-looking fields, so the path parameter is what gets looked at.
    res = method === 'GET' ? await adminGet(f.deps, path, f.owner) : await adminPost(f.deps, path, f.owner, ADMIN_FIELDS);
  } else {
    const headers: Record<string, string> = { Authorization: `Bearer ${f.token}` };
    const init: RequestInit = { method, headers };
    if (method !== 'GET' && method !== 'DELETE') {
      headers['Content-Type'] = 'application/json';
      init.body = '{}';
    }
    const response = await createApp(f.deps).request(path, init);
    res = { status: response.status, text: await response.text(), headers: response.headers };
  }
  return { status: res.status, text: res.text, type: res.headers.get('content-type') ?? '' };
}

function expectRefused(answer: Answer, what: string, allowed: number[] = [400, 404]): void {
  expect(allowed, `${what} -> ${answer.status}: ${answer.text.slice(0, 300)}`).toContain(answer.status);
  for (const secret of SECRETS) expect(answer.text, `${what} leaks ${secret}`).not.toContain(secret);
  // No database error leaks out (a 404 may quote the name it did not find, escaped: that is not an error).
  expect(answer.text, what).not.toMatch(/SQLITE_[A-Z]/);
  expect(answer.text, what).not.toMatch(/syntax error|no such (table|column)|unrecognized token/i);
  // The answer is in the route's format: JSON for the APIs, a page otherwise.
  if (what.includes('/api/') || /\.json(\?|$| )/.test(what)) expect(answer.type, what).toContain('application/json');
  else expect(answer.type, what).toContain('text/html');
}

/** Paths with every :param replaced, one payload at a time (encoded as a client would, and a few raw). */
function injectedPaths(path: string): string[] {
  const names = path.match(/:[a-zA-Z_]+/g) ?? [];
  const out: string[] = [];
  for (const name of names) {
    const suffix = path === '/badge/:file' ? '.svg' : '';
    for (const payload of PAYLOADS) {
      out.push(path.replace(name, encodeURIComponent(payload) + suffix).replace(/:[a-zA-Z_]+/g, 'aaaaaaaaaaaa'));
    }
    // Malformed escapes, as a hand-written client might send them.
    for (const raw of ['%', '%zz', '%00', "'%20OR%20'1'='1", '%E2%80%98'])
      out.push(path.replace(name, raw + suffix).replace(/:[a-zA-Z_]+/g, 'aaaaaaaaaaaa'));
  }
  return out;
}

/**
 * Management API query parameters some payloads are valid values of: any text (the subscriber search and its
 * paging cursor), any id-shaped text (an owner or incident filter finds nothing for a made-up one), a boolean ("true").
 */
const FREE_TEXT_QUERY = new Set(['search', 'after', 'owner', 'incident_id', 'overdue']);

describe('SQL injection', () => {
  it('the route table has public, management API and admin routes with parameters to attack', async () => {
    const { routes } = await fixture();
    const withParams = routes.filter((r) => r.path.includes(':'));
    expect(withParams.some((r) => r.path.startsWith('/api/v1/'))).toBe(true);
    expect(withParams.some((r) => r.path.startsWith('/admin/'))).toBe(true);
    expect(withParams.some((r) => !r.path.startsWith('/api/v1/') && !r.path.startsWith('/admin/'))).toBe(true);
  });

  it('in a path parameter of any route answers 400 or 404, never 500 or data, and changes nothing', async () => {
    const f = await fixture();
    const before = await snapshotDatabase(f.deps);
    let tried = 0;
    for (const route of f.routes.filter((r) => r.path.includes(':'))) {
      for (const path of injectedPaths(route.path)) {
        const answer = await send(f, route.method, path);
        tried++;
        // Setup and password links answer 404 for an unknown token; forms before sign-in need their own token (403).
        const allowed = /^\/admin\/(setup|reset)\//.test(route.path) ? (route.method === 'GET' ? [404] : [403]) : [400, 404];
        expectRefused(answer, `${route.method} ${path}`, allowed);
      }
    }
    expect(tried).toBeGreaterThan(1_000);
    expect(await snapshotDatabase(f.deps)).toEqual(before);
    expect(f.deps.log.lines.filter((line) => line.level === 'error')).toEqual([]);
  }, 120_000);

  it('in a query parameter of any public or API route answers 400, or is shown as text, or changes nothing', async () => {
    const f = await fixture();
    const before = await snapshotDatabase(f.deps);
    const app = createApp(f.deps);
    const fetchText = async (path: string, auth: boolean): Promise<Answer> => {
      const res = await app.request(path, auth ? { headers: { Authorization: `Bearer ${f.token}` } } : {});
      return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
    };
    const apiQuery = new Map(
      apiV1Operations()
        .filter((op) => op.method === 'get')
        .map((op) => [`/api/v1${honoPath(op.path)}`, op.query && 'shape' in op.query ? Object.keys((op.query as unknown as { shape: object }).shape) : []]),
    );
    const gets = f.routes.filter((r) => r.method === 'GET' && !r.path.startsWith('/admin') && !r.path.includes(':') && r.path !== '/*');
    expect(gets.length).toBeGreaterThan(20);
    for (const route of [...gets, { method: 'GET', path: '/badge/:file' }]) {
      const base = route.path === '/badge/:file' ? '/badge/aaaaaaaaaaaa.svg' : route.path;
      const api = route.path.startsWith('/api/v1/') && route.path !== '/api/v1/openapi.json';
      const read = api ? (apiQuery.get(route.path) ?? []) : (PUBLIC_QUERY[route.path] ?? []);
      const plain = await fetchText(base, api);
      for (const payload of PAYLOADS) {
        for (const param of [...read, ...TEXT_QUERY, 'id', 'q']) {
          const path = `${base}?${param}=${encodeURIComponent(payload)}`;
          const answer = await fetchText(path, api);
          const what = `GET ${path}`;
          if (read.includes(param) && FREE_TEXT_QUERY.has(param)) {
            // A search text or a keyset cursor: any string up to its length limit is valid (400 beyond it),
            // and it is only ever compared as a value.
            expect([200, 400], what).toContain(answer.status);
            expect(answer.text, what).not.toMatch(/SQLITE_[A-Z]|syntax error|unrecognized token/i);
            if (param === 'search' && answer.status === 200) expect(JSON.parse(answer.text).data, what).toEqual([]);
          } else if (read.includes(param)) {
            expectRefused(answer, what, [400, ...(route.path === '/badge/:file' ? [404] : [])]);
          } else if (TEXT_QUERY.has(param) && route.path.startsWith('/badge')) {
            // A label: the payload is the badge's text, nothing more.
            expect([200, 400, 404], what).toContain(answer.status);
            for (const secret of SECRETS) expect(answer.text, what).not.toContain(secret);
          } else {
            // Ignored: the very same answer as without it.
            expect(answer.status, what).toBe(plain.status);
            expect(answer.text, what).toBe(plain.text);
          }
        }
      }
    }
    expect(await snapshotDatabase(f.deps)).toEqual(before);
    expect(f.deps.log.lines.filter((line) => line.level === 'error')).toEqual([]);
  }, 120_000);

  it('in the admin query parameters (audit paging, templates, notices, next) answers 400 or is ignored', async () => {
    const f = await fixture();
    const before = await snapshotDatabase(f.deps);
    for (const payload of PAYLOADS) {
      const q = encodeURIComponent(payload);
      // Paging takes a positive whole number (zod's coercion reads 0x7fffffff as one); anything else is a 400.
      const audit = await send(f, 'GET', `/admin/audit?before=${q}`);
      const number = Number(payload);
      if (Number.isSafeInteger(number) && number > 0) expect(audit.status, payload).toBe(200);
      else expectRefused(audit, `audit before=${payload}`, [400]);
      for (const path of [`/admin/incidents/new?template=${q}`, `/admin/maintenance/new?template=${q}`, `/admin/templates/new?step=${q}`, `/admin/components?done=${q}`, `/admin/team?done=${q}`]) {
        const answer = await send(f, 'GET', path);
        expect(answer.status, path).toBe(200);
        expect(answer.text, path).not.toMatch(/SQLITE|syntax error/i);
      }
      // Issue 18: the webhook & chat list: the search is text (nothing found); its filters and cursor are checked (400).
      const channelSearch = await send(f, 'GET', `/admin/channel-subscribers?q=${q}`);
      expect([200, 400], `channel q=${payload}`).toContain(channelSearch.status);
      expect(channelSearch.text, `channel q=${payload}`).not.toMatch(/SQLITE_[A-Z]|syntax error|<tr id="channel-subscriber-/);
      for (const param of ['type', 'status', 'health', 'after']) {
        expectRefused(await send(f, 'GET', `/admin/channel-subscribers?${param}=${q}`), `channel ${param}=${payload}`, [400]);
      }
      const login = await createApp(f.deps).request(`/admin/login?next=${q}`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain('name="next" value="/admin"');
    }
    expect(await snapshotDatabase(f.deps)).toEqual(before);
  }, 60_000);

  it('in sign-in fields is a wrong password, not a way in', async () => {
    const f = await fixture();
    for (const email of ["owner-sql@example.com' --", "' OR '1'='1", "owner-sql@example.com'/*"]) {
      for (const password of ["' OR '1'='1", "anything' --"]) {
        const page = await createApp(f.deps).request('/admin/login');
        const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
        const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
        const res = await createApp(f.deps).request('/admin/login', {
          method: 'POST',
          headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Test-Client': `198.51.100.${email.length}` },
          body: new URLSearchParams({ _csrf: csrf, email, password }),
        });
        expect([400, 429], `${email} / ${password}`).toContain(res.status);
        expect(res.headers.get('set-cookie') ?? '').not.toContain('herald_session=');
      }
    }
  });

  it('finds no way to build SQL from text in the source: only drizzle and fixed statements', () => {
    const files: string[] = [];
    const collect = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) collect(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    collect('src');
    expect(files.length).toBeGreaterThan(50);
    const driverFiles = files.filter((file) => /src[\\/](db|entry)[\\/]/.test(file));
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/sql\.raw\(/);
      if (!driverFiles.includes(file)) continue;
      // Raw statements (the SQLite driver's maintenance queries) are literals with ? parameters, never built strings.
      for (const match of source.matchAll(/\.(prepare|exec|pragma)\((?!\))/g)) {
        const rest = source.slice(match.index! + match[0].length, match.index! + match[0].length + 200);
        expect(rest, `${file}: ${match[0]}`).toMatch(/^(?:'[^'\n$`]*'|"[^"\n$`]*")\s*[),]/);
      }
    }
  });
});
