// Settings of the benchmarks, from the environment: one reader for every bench script.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A number from `env[name]`, `fallback` when unset or empty; anything below `min` stops the run. */
export function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw} must be a number >= ${min}`);
  return value;
}

/** A yes/no switch: 1, true, yes or on. */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  return ['1', 'true', 'yes', 'on'].includes((env[name] ?? '').toLowerCase());
}

/** The installed version of an npm package, as the results record it; 'unknown' when it cannot be read. */
export function versionOf(pkg: string): string {
  try {
    const file = fileURLToPath(new URL(`../node_modules/${pkg}/package.json`, import.meta.url));
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
