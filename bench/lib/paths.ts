// Where the bench scripts live and write, wherever they are started from.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (the cwd of every child a benchmark starts). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
/** Git-ignored: results JSON and CPU profiles. */
export const RESULTS_DIR = join(BENCH_DIR, 'results');
