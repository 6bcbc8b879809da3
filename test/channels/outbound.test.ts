// The guarded outbound POST against real local HTTP servers on 127.0.0.1
// (allowed with allowLoopback, as OUTBOUND_ALLOW_LOOPBACK=1 will allow it).
// Outcomes and order are asserted, never elapsed time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter, postOutbound, type OutboundOptions } from '../../src/lib/outbound.js';

const SECRET_PATH = '/services/T000/SECRET-TOKEN?token=SECRET-QUERY';
const HUGE_TOTAL = 64 * 1024 * 1024;

interface Received {
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}

let main: Server;
let sink: Server;
let base = '';
let sinkBase = '';
const received: Received[] = [];
const sinkReceived: string[] = [];
const huge = { written: 0, closed: null as Promise<void> | null };

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = req.url ?? '';
  received.push({ path, body, headers: req.headers });
  if (path.startsWith('/ok')) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  else if (path.startsWith('/limited')) res.writeHead(429, { 'retry-after': '7' }).end('slow down');
  else if (path.startsWith('/unavailable')) res.writeHead(503, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end();
  else if (path.startsWith('/error')) res.writeHead(500).end(`boom at ${path}`);
  else if (path.startsWith('/missing')) res.writeHead(404).end('no such hook');
  else if (path.startsWith('/redirect')) res.writeHead(302, { location: `${sinkBase}/catch` }).end();
  else if (path.startsWith('/hang')) return; // never answers
  else if (path.startsWith('/huge')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    huge.closed = new Promise((resolve) => res.on('close', () => resolve()));
    const pump = (): void => {
      while (huge.written < HUGE_TOTAL && !res.destroyed) {
        huge.written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  } else res.writeHead(400).end();
}

beforeAll(async () => {
  main = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => route(req, res, body));
  });
  sink = createServer((req, res) => {
    sinkReceived.push(req.url ?? '');
    res.writeHead(200).end('followed');
  });
  base = await listen(main);
  sinkBase = await listen(sink);
});

afterAll(async () => {
  main.closeAllConnections();
  sink.closeAllConnections();
  await new Promise((r) => main.close(r));
  await new Promise((r) => sink.close(r));
});

const loopback: Pick<OutboundOptions, 'allowLoopback' | 'resolve'> = {
  allowLoopback: true,
  resolve: async () => {
    throw new Error('no name should be resolved');
  },
};

function expectNoSecret(result: unknown): void {
  expect(JSON.stringify(result)).not.toMatch(/SECRET|services|token/);
}

describe('postOutbound against local servers', () => {
  it('posts the body and headers and reports ok, status, body and the injected clock latency', async () => {
    let clock = 1_000_000;
    const result = await postOutbound(`${base}/ok${SECRET_PATH}`, {
      ...loopback,
      body: '{"hello":"world"}',
      headers: { 'webhook-id': 'evt_1' },
      now: () => clock,
      fetch: (input, init) => {
        clock += 250;
        return fetch(input, init);
      },
    });
    expect(result).toEqual({
      outcome: 'ok',
      status: 200,
      latencyMs: 250,
      body: 'ok',
      bodyTruncated: false,
      retryAfterSeconds: null,
      error: null,
      target: base,
    });
    const last = received.at(-1)!;
    expect(last.body).toBe('{"hello":"world"}');
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['webhook-id']).toBe('evt_1');
  });

  it('asks to retry a 429 and reads its Retry-After seconds', async () => {
    const result = await postOutbound(`${base}/limited${SECRET_PATH}`, { ...loopback, body: '{}' });
    expect(result).toMatchObject({ outcome: 'retry', status: 429, retryAfterSeconds: 7, body: 'slow down', error: 'HTTP 429' });
    expectNoSecret(result);
  });

  it('reads a Retry-After HTTP date against the injected clock', async () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:27:30 GMT');
    const result = await postOutbound(`${base}/unavailable${SECRET_PATH}`, { ...loopback, body: '{}', now: () => now });
    expect(result).toMatchObject({ outcome: 'retry', status: 503, retryAfterSeconds: 30 });
  });

  it('asks to retry a 500, and never echoes the path the server put in its body into the error', async () => {
    const result = await postOutbound(`${base}/error${SECRET_PATH}`, { ...loopback, body: '{}' });
    expect(result).toMatchObject({ outcome: 'retry', status: 500, error: 'HTTP 500' });
    expect(result.error).not.toContain('SECRET');
  });

  it('gives up on a 404', async () => {
    const result = await postOutbound(`${base}/missing${SECRET_PATH}`, { ...loopback, body: '{}' });
    expect(result).toMatchObject({ outcome: 'permanent', status: 404, body: 'no such hook', error: 'HTTP 404' });
    expectNoSecret(result);
  });

  it('does not follow a 302: a permanent failure, and the redirect target hears nothing', async () => {
    const result = await postOutbound(`${base}/redirect${SECRET_PATH}`, { ...loopback, body: '{}' });
    expect(result).toMatchObject({ outcome: 'permanent', status: 302, error: 'redirect (HTTP 302) not followed' });
    expect(received.at(-1)?.path).toBe(`/redirect${SECRET_PATH}`);
    expect(sinkReceived).toEqual([]);
    expectNoSecret(result);
  });

  it('times out on a server that never answers, as a retry', async () => {
    const result = await postOutbound(`${base}/hang${SECRET_PATH}`, { ...loopback, body: '{}', timeoutMs: 200 });
    expect(result).toMatchObject({ outcome: 'retry', status: null, error: 'timed out after 200 ms' });
    expect(received.at(-1)?.path).toBe(`/hang${SECRET_PATH}`);
    expectNoSecret(result);
  });

  it('reads a huge body only up to the limit and stops the download', async () => {
    const result = await postOutbound(`${base}/huge${SECRET_PATH}`, { ...loopback, body: '{}', maxBodyBytes: 4096 });
    expect(result).toMatchObject({ outcome: 'ok', status: 200, bodyTruncated: true });
    expect(result.body).toBe('a'.repeat(4096));
    await huge.closed;
    // The server saw its response closed before it had written everything.
    expect(huge.written).toBeLessThan(HUGE_TOTAL);
  });

  it('reports a refused connection as a network error to retry', async () => {
    const closed = createServer();
    const closedBase = await listen(closed);
    await new Promise((r) => closed.close(r));
    const result = await postOutbound(`${closedBase}${SECRET_PATH}`, { ...loopback, body: '{}' });
    expect(result).toMatchObject({ outcome: 'retry', status: null, error: 'network error (ECONNREFUSED)' });
    expectNoSecret(result);
  });

  it('allows http to a name resolving to loopback when loopback is allowed', async () => {
    const port = new URL(base).port;
    const hosts: string[] = [];
    const result = await postOutbound(`http://localhost:${port}/ok${SECRET_PATH}`, {
      allowLoopback: true,
      resolve: async (host) => (hosts.push(host), ['127.0.0.1']),
      body: '{}',
    });
    expect(hosts).toEqual(['localhost']);
    expect(result).toMatchObject({ outcome: 'ok', status: 200, target: `http://localhost:${port}` });
  });
});

describe('postOutbound refuses targets before connecting', () => {
  const publicResolver = async (): Promise<string[]> => ['93.184.216.34'];

  it.each<[string, string, Partial<OutboundOptions>, string]>([
    ['plain http to the local server', 'BASE/ok', { resolve: publicResolver }, 'refused: plain http is not allowed'],
    ['https to 127.0.0.1', 'https://127.0.0.1:1/ok', { resolve: publicResolver }, 'refused: loopback address'],
    ['http to [::1]', 'http://[::1]:1/ok', { resolve: publicResolver }, 'refused: plain http is not allowed'],
    ['https to [::1]', 'https://[::1]/ok', { resolve: publicResolver }, 'refused: loopback address'],
    ['https to [::ffff:127.0.0.1]', 'https://[::ffff:127.0.0.1]/ok', { resolve: publicResolver }, 'refused: loopback address'],
    ['a name resolving to 10.0.0.1', 'https://chat.internal.example/hook', { resolve: async () => ['10.0.0.1'] }, 'refused: private address'],
    ['a name with one private address among public ones', 'https://mixed.example/hook', { resolve: async () => ['93.184.216.34', '10.0.0.1'] }, 'refused: private address'],
    ['a name resolving to the metadata address, even with private allowed', 'https://meta.example/', { resolve: async () => ['169.254.169.254'], allowPrivate: true }, 'refused: link-local address'],
    ['2130706433 (127.0.0.1 in decimal)', 'https://2130706433/', { resolve: publicResolver }, 'refused: loopback address'],
    ['0x7f.1 (127.0.0.1 in hex)', 'https://0x7f.1/', { resolve: publicResolver }, 'refused: loopback address'],
    ['0.0.0.0', 'https://0.0.0.0/', { resolve: publicResolver, allowLoopback: true }, 'refused: unspecified address'],
    ['100.64.0.1', 'https://100.64.0.1/', { resolve: publicResolver }, 'refused: cgnat address'],
    ['[fd00::1]', 'https://[fd00::1]/', { resolve: publicResolver }, 'refused: unique-local address'],
    ['http to a public name even with loopback allowed', 'http://hooks.example/x', { resolve: publicResolver, allowLoopback: true }, 'refused: plain http only to loopback'],
    ['credentials in the URL', 'https://user:pass@hooks.example/x', { resolve: publicResolver }, 'refused: credentials in the URL'],
    ['an ftp URL', 'ftp://hooks.example/x', { resolve: publicResolver }, 'refused: only https URLs'],
    ['a private IP literal on the Worker (no resolver)', 'https://10.1.2.3/x', { resolve: null }, 'refused: private address'],
    ['not a URL', 'hooks.example/SECRET', { resolve: publicResolver }, 'refused: not a valid URL'],
  ])('%s', async (_name, url, options, error) => {
    const before = received.length;
    let fetched = false;
    const result = await postOutbound(`${url.replace('BASE', base)}${SECRET_PATH}`, {
      body: '{}',
      resolve: null,
      ...options,
      fetch: async () => {
        fetched = true;
        return new Response('should not happen');
      },
    });
    expect(result).toMatchObject({ outcome: 'permanent', status: null, error });
    expect(fetched).toBe(false);
    expect(received.length).toBe(before);
    expectNoSecret(result);
  });

  it('lets an admin allow a private target', async () => {
    const urls: string[] = [];
    const result = await postOutbound(`https://chat.internal.example${SECRET_PATH}`, {
      body: '{}',
      resolve: async () => ['10.0.0.1'],
      allowPrivate: true,
      fetch: async (input) => (urls.push(String(input)), new Response('ok')),
    });
    expect(result).toMatchObject({ outcome: 'ok', status: 200, target: 'https://chat.internal.example' });
    expect(urls).toEqual([`https://chat.internal.example${SECRET_PATH}`]);
  });

  it('trusts the platform on the Worker (no resolver) for a public name', async () => {
    let fetched = 0;
    const result = await postOutbound('https://hooks.slack.com/services/T/B/X', { body: '{}', resolve: null, fetch: async () => (fetched++, new Response('ok')) });
    expect(result.outcome).toBe('ok');
    expect(fetched).toBe(1);
  });

  it('retries when DNS fails, without naming the path', async () => {
    const result = await postOutbound(`https://gone.example${SECRET_PATH}`, {
      body: '{}',
      resolve: async () => {
        throw new Error(`ENOTFOUND gone.example${SECRET_PATH}`);
      },
    });
    expect(result).toMatchObject({ outcome: 'retry', status: null, error: 'DNS lookup failed' });
    expectNoSecret(result);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2015-10-21T07:28:00Z');
  it.each([
    ['120', 120],
    [' 0 ', 0],
    ['Wed, 21 Oct 2015 07:29:00 GMT', 60],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['-5', null],
    ['1.5', null],
    ['soon', null],
    [null, null],
  ])('reads %j as %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
