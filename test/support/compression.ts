import { createApp } from '../../src/app.js';
import type { Deps } from '../../src/deps.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  /** The bytes as sent, still compressed. */
  body: Buffer;
}

/** A request through the app, its body left as sent (no decompression). */
export async function rawRequest(deps: Deps, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const response = await createApp(deps).request(path, { headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** Counts calls to deps.compress, per coding. */
export function countCompressions(deps: Deps): Record<string, number> {
  const counts: Record<string, number> = { br: 0, gzip: 0 };
  const compress = deps.compress;
  deps.compress = (body, coding) => {
    counts[coding]!++;
    return compress(body, coding);
  };
  return counts;
}
