import { createApp } from '../../src/app.js';
import type { Deps } from '../../src/deps.js';

/** Sends a request through the real app in-process and returns status, headers and text. */
export async function get(
  deps: Deps,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await createApp(deps).request(path, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The text content of the page with tags removed and whitespace folded, for reading assertions. */
export function textOf(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
