// Node-only: the destinations' transport with pinned DNS (src/lib/outbound.ts).
//
// The SSRF check resolves the host and approves its addresses; a plain fetch
// would then resolve the name again, and a name that answers a public
// address first and a private one second (DNS rebinding) would slip
// through. This transport connects only to an approved address: node:http(s)
// `request` with a `lookup` that answers from the checked list, while the
// Host header, TLS SNI and certificate check still use the URL's host name.
// Redirects are never followed (node:http does not follow them).
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import type { OutboundTransport } from '../deps.js';
import type { PinnedSend } from '../lib/outbound.js';

/** Every address a name resolves to (A and AAAA), for the check. */
export async function resolveHost(host: string): Promise<string[]> {
  const records = await dnsLookup(host, { all: true, verbatim: true });
  return records.map((record) => record.address);
}

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export const pinnedSend: PinnedSend = (url, init, addresses) =>
  new Promise<Response>((resolve, reject) => {
    const pinned = addresses[0];
    const lookup: LookupFunction | undefined = pinned
      ? (_host, options, callback) => {
          const family = isIP(pinned);
          if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: pinned, family }]);
          else callback(null, pinned, family);
        }
      : undefined;
    const headers = init.headers as Record<string, string>;
    const body = typeof init.body === 'string' ? init.body : '';
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: init.method ?? 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: init.signal,
        ...(lookup ? { lookup } : {}),
        // A fresh connection each time: a pooled socket could be to another address.
        agent: false,
      },
      (res: IncomingMessage) => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
          else if (value !== undefined) responseHeaders.set(name, value);
        }
        const status = res.statusCode ?? 0;
        if (NULL_BODY.has(status) || status < 200 || status > 599) {
          res.resume();
          resolve(new Response(null, { status: status >= 200 && status <= 599 ? status : 502, headers: responseHeaders }));
          return;
        }
        init.signal.addEventListener('abort', () => res.destroy(new Error('aborted')), { once: true });
        resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage, headers: responseHeaders }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });

/** The Node entry's outbound transport: node:dns for the check, connections pinned to what it approved. */
export const nodeOutbound: OutboundTransport = { resolve: resolveHost, send: pinnedSend };
