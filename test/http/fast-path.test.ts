// The Node entry's fast path (src/entry/node-fast-path.ts) against the app
// itself: two real HTTP servers over the same deps, one with the fast path and
// one without, must answer every repeated request byte for byte alike.
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { MINUTE } from '../../src/domain/calendar.js';
import { createNodeServer } from '../../src/entry/node-fast-path.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function start(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function raw(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: 'status.test', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Headers that differ between two answers for reasons other than their content. */
function comparable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = headers;
  return rest;
}

async function setup(): Promise<{ deps: TestDeps; fast: number; plain: number; incidentId: string }> {
  const deps = await createTestDeps({ config: { publicUrl: 'https://status.test' } });
  const api = await makeComponent(deps, { name: 'API' });
  const incidentId = await makeIncident(deps, { title: 'Elevated <API> errors', components: [{ componentId: api, status: 'major_outage' }] });
  const app = createApp(deps);
  return { deps, fast: await start(createNodeServer(app, deps.fastPath)), plain: await start(createNodeServer(app, null)), incidentId };
}

describe('the Node fast path for repeated cached GETs', () => {
  it('answers a repeated request exactly as the app does, for every coding, validator and method', async () => {
    const { deps, fast, plain } = await setup();
    const first = await raw(plain, 'GET', '/', { 'accept-encoding': 'br' });
    const etagBr = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/', {}],
      ['GET', '/', { 'accept-encoding': 'br, gzip' }],
      ['GET', '/', { 'accept-encoding': 'gzip;q=1, br;q=0.5' }],
      ['GET', '/', { 'accept-encoding': 'identity' }],
      ['GET', '/', { 'accept-encoding': 'br', 'if-none-match': etagBr }],
      ['GET', '/', { 'accept-encoding': 'br', 'if-none-match': '"stale"' }],
      ['GET', '/', { 'if-modified-since': lastModified }],
      ['HEAD', '/', { 'accept-encoding': 'br' }],
      ['GET', '/api/v2/summary.json', { 'accept-encoding': 'gzip' }],
      ['GET', '/history.atom', {}],
      ['GET', '/badge.svg', {}],
      ['GET', '/embed', { 'accept-encoding': 'br' }],
      ['GET', '/embed?theme=dark', {}],
      ['GET', '/history?page=1', {}],
    ];
    for (const [method, path, headers] of cases) {
      const label = `${method} ${path} ${JSON.stringify(headers)}`;
      await raw(fast, method, path, headers); // through Hono, remembered
      const before = deps.fastPath.served;
      const answered = await raw(fast, method, path, headers);
      expect(deps.fastPath.served, `${label} was not answered by the fast path`).toBe(before + 1);
      const expected = await raw(plain, method, path, headers);
      expect(answered.status, label).toBe(expected.status);
      if (method === 'HEAD') {
        // The fast path also tells a HEAD the length of what GET would send (RFC 9110 9.3.2 allows it).
        expect(answered.headers['content-length'], label).toBe(String((await raw(plain, 'GET', path, headers)).body.byteLength));
        delete answered.headers['content-length'];
      }
      expect(comparable(answered.headers), label).toEqual(comparable(expected.headers));
      expect(answered.body.equals(expected.body), label).toBe(true);
    }
    // The security headers are there (the fast path takes them from the same prebuilt set).
    const page = await raw(fast, 'GET', '/');
    expect(page.headers['content-security-policy']).toContain("script-src 'none'");
    expect(page.headers['strict-transport-security']).toBeDefined();
    expect(page.headers['x-frame-options']).toBe('DENY');
    const embed = await raw(fast, 'GET', '/embed');
    expect(embed.headers['content-security-policy']).toContain('frame-ancestors *');
    expect(embed.headers['x-frame-options']).toBeUndefined();
  });

  it('never serves a stale answer: a write, or the clock, sends the request back through the app', async () => {
    const { deps, fast, incidentId } = await setup();
    await raw(fast, 'GET', '/');
    const before = await raw(fast, 'GET', '/');
    await postUpdate(deps, { incidentId, status: 'identified', body: 'Found the broken router.' }, FIXTURE_ACTOR);
    const served = deps.fastPath.served;
    const after = await raw(fast, 'GET', '/');
    expect(deps.fastPath.served).toBe(served);
    expect(after.body.toString()).toContain('Found the broken router.');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect((await raw(fast, 'GET', '/')).body.toString()).toContain('Found the broken router.');
    expect(deps.fastPath.served).toBe(served + 1);

    // The page's figures expire within a minute: then it renders again.
    deps.clock.advance(MINUTE + 1);
    await raw(fast, 'GET', '/');
    expect(deps.fastPath.served).toBe(served + 1);
  });

  it('leaves other hosts, methods and unseen requests to the app', async () => {
    const { deps, fast } = await setup();
    await raw(fast, 'GET', '/');
    const served = deps.fastPath.served;
    expect((await raw(fast, 'GET', '/', { host: 'evil.test' })).status).toBe(421);
    expect((await raw(fast, 'GET', '/', { host: 'evil.test' })).status).toBe(421);
    expect((await raw(fast, 'GET', '/?other')).status).toBe(200);
    expect((await raw(fast, 'POST', '/')).status).toBe(404);
    expect((await raw(fast, 'GET', '/nope')).status).toBe(404);
    expect((await raw(fast, 'GET', '/nope')).status).toBe(404);
    expect(deps.fastPath.served).toBe(served);
  });
});
