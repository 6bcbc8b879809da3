/**
 * Keeps each rendered public response until something it shows changes, so a
 * stampede of reloads during an outage costs one render, not one per request.
 * An entry is fresh while the content revision (bumped by database triggers on
 * every write, from any process) is unchanged and its own deadline (the next
 * moment the clock alone changes the page) has not passed.
 */

export interface Rendered {
  /** UTF-8, encoded once per render: re-encoding a large string per request costs more than the rest of the request. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  contentType: string;
  /** When the content last changed (or the render time), for Last-Modified. */
  lastModified: number;
}

export interface RenderResult {
  body: string;
  contentType: string;
  /** When the clock alone will change this response (e.g. a maintenance starts). */
  validUntil: number;
  /** When the content last changed, if known; defaults to the render time. */
  lastModified?: number;
}

interface Entry {
  revision: string;
  validUntil: number;
  value: Promise<Rendered>;
}

export class RenderCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 500) {}

  async get(
    key: string,
    revision: string,
    now: number,
    render: () => Promise<RenderResult>,
  ): Promise<Rendered> {
    const hit = this.entries.get(key);
    if (hit && hit.revision === revision && now < hit.validUntil) return hit.value;

    // Concurrent misses share one render instead of each doing the work.
    const entry: Entry = { revision, validUntil: Number.POSITIVE_INFINITY, value: Promise.resolve(null as never) };
    entry.value = render().then(
      async (result) => {
        entry.validUntil = result.validUntil;
        const body = new TextEncoder().encode(result.body);
        return {
          body,
          contentType: result.contentType,
          etag: await etagOf(body),
          lastModified: result.lastModified ?? now,
        };
      },
      (error: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      },
    );
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
    return entry.value;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** A strong ETag from the SHA-256 of the body (Web Crypto, so both runtimes). */
export async function etagOf(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', body);
  const hex = Array.from(new Uint8Array(digest).subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
  return `"${hex}"`;
}
