// Settings of the benchmarks, from the environment: one reader for every bench script.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/** A number from `env[name]`, `fallback` when unset or empty; anything below `min` stops the run. */
export function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw} must be a number >= ${min}`);
  return value;
}

/** envNumber, rounded to a whole number (counts, connections). */
export function envWholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  return Math.round(envNumber(env, name, fallback, min));
}

/** A yes/no switch: 1, true, yes or on. */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  return ['1', 'true', 'yes', 'on'].includes((env[name] ?? '').toLowerCase());
}

/**
 * The request headers of a load: `Accept-Encoding` from `env[name]`, by default
 * what a browser sends (Chromium offers br over loopback too); set but empty sends none.
 */
export function envAcceptEncoding(env: NodeJS.ProcessEnv, name: string): Record<string, string> {
  const acceptEncoding = env[name] ?? 'br, gzip';
  return acceptEncoding ? { 'accept-encoding': acceptEncoding } : {};
}

/** What Herald's Node config reads; `PREFIX_*` names a family. */
export const HERALD_VARIABLES = ['HERALD_*', 'PORT', 'HOST', 'DATABASE_PATH', 'PUBLIC_URL', 'NODE_ENV'] as const;

/** `env` without the named variables (`PREFIX_*` for a family), so that a stray one in the caller's shell cannot change what is measured. */
export function envWithout(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  const dropped = (key: string): boolean => names.some((name) => (name.endsWith('*') ? key.startsWith(name.slice(0, -1)) : key === name));
  return Object.fromEntries(Object.entries(env).filter(([key]) => !dropped(key)));
}

/** The installed version of an npm package, as the results record it; 'unknown' when it cannot be read. */
export function versionOf(pkg: string): string {
  try {
    const file = join(ROOT, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
