/**
 * Keeps each rendered public response until something it shows changes, so a
 * stampede of reloads during an outage costs one render, not one per request.
 * An entry is fresh while the content revision (bumped by database triggers on
 * every write, from any process) is unchanged and its own deadline (the next
 * moment the clock alone changes the page) has not passed.
 *
 * Each render is also compressed once (gzip, and brotli where the runtime has
 * it), so a reload costs no compression work either.
 */

/** The content codings Herald precompresses into. */
export type ContentCoding = 'br' | 'gzip';

/** Server preference when the client accepts several codings equally. */
export const CONTENT_CODINGS: readonly ContentCoding[] = ['br', 'gzip'];

/**
 * Compresses a rendered body (a runtime capability, see `Deps.compress`).
 * Resolves to null when the runtime does not offer that coding.
 */
export type Compress = (body: Uint8Array<ArrayBuffer>, coding: ContentCoding) => Promise<Uint8Array<ArrayBuffer> | null>;

/** Bodies smaller than this go out uncompressed: they fit in one packet anyway. */
export const MIN_COMPRESSED_BYTES = 1024;

/** One stored representation of a rendered response. */
export interface Variant {
  body: Uint8Array<ArrayBuffer>;
  /** Strong and distinct per coding: `"<hash>-br"`, `"<hash>-gz"`. */
  etag: string;
}

export interface Rendered {
  /** UTF-8, encoded once per render: re-encoding a large string per request costs more than the rest of the request. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  contentType: string;
  /** When the content last changed (or the render time), for Last-Modified. */
  lastModified: number;
  /**
   * The same body compressed, once per render. A coding is missing when the
   * body is small, the runtime cannot produce it, or it would not be smaller.
   */
  encoded: Partial<Record<ContentCoding, Variant>>;
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
  /** The value, once the render (and its compression) succeeded. */
  settled?: Rendered;
  /** While this entry renders: the key's previous render, and when this render began. */
  previous?: { rendered: Rendered; value: Promise<Rendered>; since: number };
}

/**
 * While a key re-renders, requests that arrive meanwhile get its previous
 * render for up to this long instead of waiting (the request that found the
 * change waits for the new one). A publish then stalls no reader for the
 * render, its compression and its hash; issue 6 gives new content one second
 * to appear, and a render takes milliseconds.
 */
export const STALE_WHILE_RENDERING_MS = 1_000;

const ETAG_SUFFIX: Record<ContentCoding, string> = { br: '-br', gzip: '-gz' };

export class RenderCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 500) {}

  /**
   * The entry for `key` at `revision`, rendering (and compressing, when
   * `compress` is given) only on a miss.
   */
  get(
    key: string,
    revision: string,
    now: number,
    render: () => Promise<RenderResult>,
    compress?: Compress,
  ): Promise<Rendered> {
    // Not async: a hit hands back a settled promise kept in the entry, no new one per request.
    const hit = this.entries.get(key);
    if (hit && hit.revision === revision && now < hit.validUntil) {
      return !hit.settled && hit.previous && now - hit.previous.since < STALE_WHILE_RENDERING_MS ? hit.previous.value : hit.value;
    }

    // A re-render often produces the same bytes (the once-a-minute refresh of a
    // quiet page, a write that does not show here): then the previous variants are reused.
    const previous = hit?.settled ?? hit?.previous?.rendered;
    // Concurrent misses share one render instead of each doing the work.
    const entry: Entry = {
      revision,
      validUntil: Number.POSITIVE_INFINITY,
      value: Promise.resolve(null as never),
      previous: previous && { rendered: previous, value: Promise.resolve(previous), since: now },
    };
    entry.value = render()
      .then(async (result) => {
        entry.validUntil = result.validUntil;
        const body = new TextEncoder().encode(result.body);
        const etag = await etagOf(body);
        const rendered: Rendered = {
          body,
          contentType: result.contentType,
          etag,
          lastModified: result.lastModified ?? now,
          encoded: previous?.etag === etag ? previous.encoded : await compressAll(body, etag, compress),
        };
        entry.settled = rendered;
        entry.previous = undefined;
        return rendered;
      })
      .catch((error: unknown) => {
        // A failed render (or compression) is not kept: the next request tries again.
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw error;
      });
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
    return entry.value;
  }

  /** What `get` would answer at once for `key` (the current render, or the previous one while it re-renders); never renders. */
  peek(key: string, revision: string, now: number): Rendered | undefined {
    const hit = this.entries.get(key);
    if (!hit || hit.revision !== revision || now >= hit.validUntil) return undefined;
    return hit.settled ?? (hit.previous && now - hit.previous.since < STALE_WHILE_RENDERING_MS ? hit.previous.rendered : undefined);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Every coding at once (they run in parallel where the runtime can). */
async function compressAll(
  body: Uint8Array<ArrayBuffer>,
  etag: string,
  compress: Compress | undefined,
): Promise<Rendered['encoded']> {
  const encoded: Rendered['encoded'] = {};
  if (!compress || body.byteLength < MIN_COMPRESSED_BYTES) return encoded;
  const bodies = await Promise.all(CONTENT_CODINGS.map((coding) => compress(body, coding)));
  CONTENT_CODINGS.forEach((coding, i) => {
    const compressed = bodies[i];
    if (compressed && compressed.byteLength < body.byteLength) {
      encoded[coding] = { body: compressed, etag: `${etag.slice(0, -1)}${ETAG_SUFFIX[coding]}"` };
    }
  });
  return encoded;
}

/** A strong ETag from the SHA-256 of the body (Web Crypto, so both runtimes). */
export async function etagOf(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', body);
  const hex = Array.from(new Uint8Array(digest).subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
  return `"${hex}"`;
}
