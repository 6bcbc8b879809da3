import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { createApp, hostNameOf, MAX_BODY_BYTES } from '../../src/app.js';
import { DAY } from '../../src/domain/calendar.js';
import { createNodeServer } from '../../src/entry/node-fast-path.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { adminGet, adminPost, apiCall, apiToken, signIn } from '../support/admin.js';
import { makeComponent, makeIncident, makeMaintenance } from '../support/factories.js';
import { inspectHtml } from './support.js';

/*
 * What every answer says to the browser (headers), how much a request may
 * send (body limit), and which host names Herald answers for.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);

/** "a b; c d" -> { a: ['b'], c: ['d'] } */
function directives(policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name.toLowerCase()] = values;
  }
  return out;
}

async function fixture(config: Partial<TestDeps['config']> = {}) {
  const deps = await createTestDeps({ now: NOON, config });
  const component = await makeComponent(deps, { name: 'API' });
  const incident = await makeIncident(deps, { title: 'Slow API', components: [{ componentId: component, status: 'degraded_performance' }] });
  await makeMaintenance(deps, { scheduledFor: NOON + DAY, scheduledUntil: NOON + DAY + 3_600_000 });
  return { deps, component, incident };
}

/** Every kind of answer: pages, feeds, badges, APIs, errors, admin pages, redirects. */
function publicPaths(ids: { component: string; incident: string }): string[] {
  return [
    '/',
    `/incidents/${ids.incident}`,
    '/history',
    '/history.atom',
    '/history.rss',
    `/components/${ids.component}/history.atom`,
    '/maintenance.ics',
    '/badge.svg',
    `/badge/${ids.component}.json`,
    '/embed.js',
    '/api/v2/summary.json',
    '/api/v1/openapi.json',
    '/api/v1/incidents',
    '/healthz',
    '/no/such/page',
    '/history?page=oops',
    '/admin',
    '/admin/login',
  ];
}

describe('security headers', () => {
  it('send a strict policy on every answer: no script anywhere, no framing, no sniffing, no powerful features', async () => {
    const { deps, component, incident } = await fixture();
    const owner = await signIn(deps, 'owner');
    const app = createApp(deps);
    const answers: [string, Response][] = [];
    for (const path of publicPaths({ component, incident })) answers.push([path, await app.request(path)]);
    for (const path of ['/admin', '/admin/incidents', `/admin/incidents/${incident}`, '/admin/settings', '/admin/team']) {
      answers.push([`${path} (signed in)`, await app.request(path, { headers: { Cookie: owner.cookie } })]);
    }
    answers.push(['POST /admin/logout without token', await app.request('/admin/logout', { method: 'POST', headers: { Cookie: owner.cookie } })]);
    answers.push(['304', await app.request('/', { headers: { 'If-None-Match': (await app.request('/')).headers.get('etag')! } })]);
    for (const [what, res] of answers) {
      const csp = directives(res.headers.get('content-security-policy') ?? '');
      expect(csp['default-src'], what).toEqual(["'none'"]);
      expect(csp['script-src'], what).toEqual(["'none'"]);
      expect(csp['style-src'], what).toEqual(["'unsafe-inline'"]);
      expect(csp['img-src'], what).toEqual(["'self'", 'https:']);
      expect(csp['base-uri'], what).toEqual(["'none'"]);
      expect(csp['form-action'], what).toEqual(["'self'"]);
      expect(csp['frame-ancestors'], what).toEqual(["'none'"]);
      expect(res.headers.get('x-frame-options'), what).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), what).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
      const permissions = res.headers.get('permissions-policy') ?? '';
      for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'fullscreen']) expect(permissions, what).toContain(`${feature}=()`);
      // Served over http here: no HSTS (RFC 6797 8.1).
      expect(res.headers.get('strict-transport-security'), what).toBeNull();
    }
  });

  it('leave no inline script, event handler or script URL in any page (so the policy breaks nothing)', async () => {
    const { deps, component, incident } = await fixture();
    const owner = await signIn(deps, 'owner');
    const paths = [
      ...publicPaths({ component, incident }),
      '/embed',
      ...createApp(deps)
        .routes.filter((r) => r.method === 'GET' && r.path.startsWith('/admin') && !r.path.includes(':'))
        .map((r) => r.path),
    ];
    for (const path of new Set(paths)) {
      const res = await adminGet(deps, path, owner);
      if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) continue;
      const report = inspectHtml(res.text);
      expect(report.problems, path).toEqual([]);
      expect(res.text, path).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
    }
  });

  it('let /embed be framed by any site, with its own policy, and nothing else', async () => {
    const { deps } = await fixture();
    const res = await createApp(deps).request('/embed');
    const csp = directives(res.headers.get('content-security-policy')!);
    expect(csp['frame-ancestors']).toEqual(['*']);
    expect(csp['default-src']).toEqual(["'none'"]);
    expect(csp['script-src'] ?? csp['default-src']).toEqual(["'none'"]);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await createApp(deps).request('/embed?theme=dark')).headers.get('x-frame-options')).toBeNull();
    expect((await createApp(deps).request('/embed/other')).headers.get('x-frame-options')).toBe('DENY');
  });

  it('add Strict-Transport-Security only when the page is served over https', async () => {
    const viaConfig = await fixture({ publicUrl: 'https://status.example.com' });
    for (const path of ['/', '/admin/login', '/no/such/page', '/api/v2/status.json', '/embed']) {
      const res = await createApp(viaConfig.deps).request(path);
      expect(res.headers.get('strict-transport-security'), path).toBe('max-age=31536000; includeSubDomains');
    }
    // No PUBLIC_URL (Workers): the request's own scheme decides.
    const derived = await fixture({ publicUrl: null });
    expect((await createApp(derived.deps).request('https://status.example.org/')).headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await createApp(derived.deps).request('http://status.example.org/')).headers.get('strict-transport-security')).toBeNull();
    const plain = await fixture({ publicUrl: 'http://status.test' });
    expect((await createApp(plain.deps).request('/')).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('request body limit', () => {
  const big = (bytes: number) => 'x'.repeat(bytes);

  it('refuses a form over 1 MB with 413 and a clear page, before reading it into any handler', async () => {
    const deps = await createTestDeps({ now: NOON });
    const owner = await signIn(deps, 'comms');
    const res = await adminPost(deps, '/admin/incidents/new', owner, { title: 'Outage', severity: '2', body: big(MAX_BODY_BYTES) });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.text).toContain('<title>Too much data</title>');
    expect(res.text).toContain('The request body is larger than 1 MB.');
    expect(inspectHtml(res.text).problems).toEqual([]);
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
    // Anonymous forms too (sign-in), and whatever the route.
    for (const path of ['/admin/login', '/', '/no/such/page']) {
      const anonymous = await createApp(deps).request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `email=a&password=${big(MAX_BODY_BYTES + 1)}`,
      });
      expect(anonymous.status, path).toBe(413);
    }
  });

  it('counts the bytes of a body sent without Content-Length (chunked)', async () => {
    const deps = await createTestDeps({ now: NOON });
    const chunk = new TextEncoder().encode(big(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES + chunk.length) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await createApp(deps).request('/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('answers JSON on the APIs: 413 over 1 MB anywhere, 256 KB on the management API', async () => {
    const deps = await createTestDeps({ now: NOON });
    const token = await apiToken(deps, 'comms');
    const huge = await apiCall(deps, 'POST', '/api/v1/incidents', token, { title: 'x', severity: 2, body: big(MAX_BODY_BYTES) });
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.text).error.code).toBe('payload_too_large');
    const anonymous = await apiCall(deps, 'POST', '/api/v1/incidents', null, { body: big(MAX_BODY_BYTES) });
    expect(anonymous.status).toBe(413);
    const api = await apiCall(deps, 'POST', '/api/v1/incidents', token, { title: 'x', severity: 2, body: big(300 * 1024) });
    expect(api.status).toBe(413);
    expect(JSON.parse(api.text).error.message).toContain('256 KB');
    expect(await deps.repos.incidents.listOpenIncidents()).toEqual([]);
  });

  it('answers deeply nested or malformed JSON under the limit with 400, not a crash', async () => {
    const deps = await createTestDeps({ now: NOON });
    const token = await apiToken(deps, 'owner');
    const bodies = [
      '['.repeat(120_000) + ']'.repeat(120_000),
      `{"title":${'['.repeat(100_000)}${']'.repeat(100_000)},"severity":2,"body":"x"}`,
      '{"a":1,'.repeat(30_000),
      // A raw control character inside a JSON string is not JSON.
      '{"title":"raw \u0000 NUL","severity":2,"body":"x"}',
      '\u0000',
    ];
    for (const body of bodies) {
      const res = await createApp(deps).request('/api/v1/incidents', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
      expect(res.status, body.slice(0, 30)).toBe(400);
      expect(['invalid_input', 'invalid_json']).toContain(((await res.json()) as { error: { code: string } }).error.code);
    }
  });

  it('lets a large but acceptable form through to validation (a clear 400, not a 413 or 500)', async () => {
    const deps = await createTestDeps({ now: NOON });
    const owner = await signIn(deps, 'comms');
    const res = await adminPost(deps, '/admin/incidents/new', owner, { title: 'Outage', severity: '2', body: big(500_000) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('body');
  });
});

describe('host names', () => {
  const PUBLIC = 'https://status.example.com';

  it('answer only for the PUBLIC_URL host: others get 421 (HTML or JSON), nothing is cached for them', async () => {
    const { deps, incident } = await fixture({ publicUrl: PUBLIC });
    const app = createApp(deps);
    for (const path of ['/', `/incidents/${incident}`, '/history.atom', '/api/v2/summary.json', '/badge.svg', '/embed', '/admin/login', '/api/v1/incidents']) {
      const res = await app.request(`https://evil.example${path}`);
      expect(res.status, path).toBe(421);
      const text = await res.text();
      expect(text, path).toContain('This server answers for status.example.com only.');
      expect(text, path).not.toContain('Slow API');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      if (path.startsWith('/api/')) expect(JSON.parse(text).error.code, path).toBe('misdirected_request');
      else expect(text, path).toContain('<title>Wrong address</title>');
    }
    // Writes never reach a handler either.
    const post = await app.request('https://evil.example/admin/login', { method: 'POST', body: new URLSearchParams({ email: 'a@example.com' }) });
    expect(post.status).toBe(421);
    for (const url of [
      `${PUBLIC}/`,
      'https://STATUS.example.COM/',
      'https://status.example.com./',
      'http://status.example.com/',
      'https://status.example.com:8443/',
      'http://localhost:3000/',
      'http://127.0.0.1:3000/',
      'http://[::1]:3000/',
      '/',
    ]) {
      const res = await app.request(url);
      expect(res.status, url).toBe(200);
      // Links come from PUBLIC_URL, never from the request.
      expect(await res.text(), url).not.toMatch(/localhost|127\.0\.0\.1|STATUS\.example/);
    }
    const feed = await (await app.request('http://localhost:3000/history.atom')).text();
    expect(feed).toContain(`${PUBLIC}/incidents/${incident}`);
    expect(feed).not.toContain('evil.example');
  });

  it('let health checks through by address', async () => {
    const { deps } = await fixture({ publicUrl: PUBLIC });
    const res = await createApp(deps).request('http://10.0.0.7:3000/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('are not checked without a PUBLIC_URL, or with one on a loopback name (a local install)', async () => {
    for (const publicUrl of [null, 'http://localhost:3000', 'http://127.0.0.1:8080']) {
      const { deps } = await fixture({ publicUrl });
      const res = await createApp(deps).request('http://192.168.1.20:3000/');
      expect(res.status, String(publicUrl)).toBe(200);
    }
  });

  it('are read from the Host header on Node (a real socket, as an attacker would send it)', async () => {
    const { deps } = await fixture({ publicUrl: PUBLIC });
    const server = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const ask = (host: string, path = '/') =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await ask('evil.example')).toBe(421);
      expect(await ask('status.example.com.evil.example')).toBe(421);
      expect(await ask('evil.example', '/healthz')).toBe(200);
      expect(await ask('status.example.com')).toBe(200);
      expect(await ask(`127.0.0.1:${port}`)).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuse a request with two Host headers with 400, on the app and on a real Node socket (fast path included)', async () => {
    const { deps } = await fixture({});
    expect((await createApp(deps).request('/', { headers: { Host: 'status.test, evil.example' } })).status).toBe(400);
    const server = createNodeServer(createApp(deps), deps.fastPath);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const send = (hosts: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`GET / HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}Connection: close\r\n\r\n`),
        );
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
        socket.on('end', () => resolve(answer.split('\r\n')[0]!));
        socket.on('error', reject);
      });
    try {
      // Twice with one Host, so the fast path remembers "/"; then two Hosts get past neither path.
      expect(await send(['status.test'])).toBe('HTTP/1.1 200 OK');
      expect(await send(['status.test'])).toBe('HTTP/1.1 200 OK');
      expect(await send(['status.test', 'evil.example'])).toBe('HTTP/1.1 400 Bad Request');
      expect(await send(['evil.example', 'status.test'])).toBe('HTTP/1.1 400 Bad Request');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('hostNameOf reads the name of a URL the way browsers send it', () => {
    expect(hostNameOf('https://Status.Example.com:8443/x?y#z')).toBe('status.example.com');
    expect(hostNameOf('http://status.example.com./')).toBe('status.example.com');
    expect(hostNameOf('http://[::1]:3000/')).toBe('[::1]');
    expect(hostNameOf('http://user:pass@evil.example@status.example.com/')).toBe('status.example.com');
    expect(hostNameOf('http://localhost')).toBe('localhost');
  });
});

describe('unknown routes', () => {
  it('answer 404 for every method, HTML or JSON, with nothing from the page', async () => {
    const { deps } = await fixture();
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/wp-admin.php', '/.env', '/.git/config', '/admin/../.env', '/api/v2/secret.json', '/api/v1/nothing']) {
        const res = await createApp(deps).request(path, { method });
        expect([404, 401], `${method} ${path}`).toContain(res.status);
        expect(await res.text(), `${method} ${path}`).not.toContain('Slow API');
      }
    }
  });
});
