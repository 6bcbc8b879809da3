// The client's own Accept-Encoding on Workers.
//
// Cloudflare (and wrangler dev, which imitates it) replaces the Accept-Encoding
// a Worker sees with "br, gzip" whatever the client sent, and keeps the
// client's value in `request.cf.clientAcceptEncoding`. The app picks a stored
// variant from Accept-Encoding, so without this a client that accepts no coding
// (curl, a health checker, some feed readers) was sent gzip bytes: the edge
// only re-encodes for clients that sent the header at all.

/** What the client itself accepts: null when it sent no Accept-Encoding. */
export function clientAcceptEncoding(request: Request): string | null {
  const cf = (request as { cf?: { clientAcceptEncoding?: unknown } }).cf;
  const original = cf?.clientAcceptEncoding;
  // wrangler dev stores "" for a request without the header; Cloudflare leaves it unset when it kept the header.
  if (typeof original === 'string') return original === '' ? null : original;
  return request.headers.get('Accept-Encoding');
}

/** The request with the client's own Accept-Encoding restored (the same object when nothing changes). */
export function withClientAcceptEncoding(request: Request): Request {
  const client = clientAcceptEncoding(request);
  if (client === request.headers.get('Accept-Encoding')) return request;
  const headers = new Headers(request.headers);
  if (client === null) headers.delete('Accept-Encoding');
  else headers.set('Accept-Encoding', client);
  return new Request(request, { headers });
}
