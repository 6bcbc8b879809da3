// One HTTP request on a fresh connection, read as raw bytes: fetch() would
// decode a compressed body, and neither the poller's nor the load's
// keep-alive connections are involved.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as sent (after Content-Encoding, if any). */
  body: Buffer;
  /** Status line and headers as sent, bytes. */
  headerBytes: number;
  /** Date.now() when the request was started and when the response was fully read. */
  startedAt: number;
  endedAt: number;
  /** Request started → response fully read. */
  ms: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Give up (and reject) after this long without an answer. */
  timeoutMs?: number;
}

export function rawRequest(url: string, options: RequestOptions = {}): Promise<RawResponse> {
  const method = options.method ?? 'GET';
  const payload = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
  const headers = { ...options.headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) };
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        let headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n\r\n`.length;
        for (let i = 0; i < res.rawHeaders.length; i += 2) headerBytes += Buffer.byteLength(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), headerBytes, startedAt, endedAt: Date.now(), ms: performance.now() - t0 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${options.timeoutMs! / 1000} s`)));
    }
    req.end(payload);
  });
}
