// Settings of the benchmarks, from the environment: one reader for every bench script.

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
