// Node-only: reads views/**/*.eta from disk as { name: source }.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VIEWS_DIR = fileURLToPath(new URL('../../views', import.meta.url));

export function loadViewSources(dir: string = VIEWS_DIR): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.eta')) continue;
    const path = join(entry.parentPath, entry.name);
    const name = relative(dir, path).split(sep).join('/').replace(/\.eta$/, '');
    sources[name] = readFileSync(path, 'utf8');
  }
  return sources;
}
