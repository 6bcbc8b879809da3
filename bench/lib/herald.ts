// What every benchmark gives Herald's own code: who acts, and where it logs.
import type { Logger } from '../../src/deps.js';
import { systemActor } from '../../src/services/auth/actor.js';

/** Benchmarks seed and publish from the shell, as the command line does. */
export const BENCH_ACTOR = systemActor('command line');

/** For the databases a bench builds in process: errors only, no info lines between the figures. */
export const ERRORS_ONLY: Logger = { info() {}, error: (message, fields) => console.error(message, fields) };
