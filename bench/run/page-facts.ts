// What `/` itself is, for the budgets on its weight and on reading it without
// JavaScript: its sizes as sent to a browser and to a gzip-only client, its
// scripts, and whether what a reader comes for is in the HTML.
import { rawRequest } from '../lib/http.js';

export interface PageFacts {
  uncompressed: number;
  /** What Herald sends a browser (`accept-encoding: br, gzip`) and a gzip-only client: body, and whole response. */
  br: { encoding: string | null; body: number; response: number };
  gzip: { encoding: string | null; body: number; response: number };
  /** No JavaScript needed: no <script> or inline handlers, and what a reader needs is in the HTML. */
  scripts: number;
  inlineHandlers: number;
  missingText: string[];
}

export async function pageFacts(base: string): Promise<PageFacts> {
  const get = (headers: Record<string, string>) => rawRequest(`${base}/`, { headers });
  const [plain, br, gzip] = [await get({}), await get({ 'accept-encoding': 'br, gzip' }), await get({ 'accept-encoding': 'gzip' })];
  const encoding = (response: typeof plain): string | null => response.headers['content-encoding'] ?? null;
  if (plain.status !== 200 || encoding(plain)) throw new Error(`GET / without Accept-Encoding answered ${plain.status} ${encoding(plain) ?? ''}`);
  const html = plain.body.toString('utf8');
  // What a reader comes for: every component, every open incident and its latest update.
  const summary = (await (await fetch(`${base}/api/v2/summary.json`)).json()) as {
    components: { name: string }[];
    incidents: { name: string; incident_updates: { body: string }[] }[];
  };
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  const needed = [
    ...summary.components.map((c) => c.name),
    ...summary.incidents.flatMap((i) => [i.name, ...i.incident_updates.slice(0, 1).map((u) => u.body)]),
  ];
  const text = html.replace(/<[^>]*>/g, '');
  return {
    uncompressed: plain.body.byteLength,
    br: { encoding: encoding(br), body: br.body.byteLength, response: br.headerBytes + br.body.byteLength },
    gzip: { encoding: encoding(gzip), body: gzip.body.byteLength, response: gzip.headerBytes + gzip.body.byteLength },
    scripts: (html.match(/<script\b/gi) ?? []).length,
    inlineHandlers: (html.match(/\son[a-z]+\s*=/gi) ?? []).length,
    missingText: needed.filter((t) => !html.includes(escape(t)) && !text.includes(t)),
  };
}
