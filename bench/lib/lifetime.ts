// How a bench script ends, whichever way it ends (done, an error, Ctrl-C,
// SIGTERM): the children it started are stopped (SIGKILLed at once when
// interrupted), its temporary folders are removed, and on exit any child
// still alive is SIGKILLed as a last resort. The children also exit by
// themselves when the parent's IPC channel closes, so only a SIGKILL of the
// script itself leaves a temporary folder behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A child process a script started. */
export interface Stoppable {
  /** Gracefully (SIGTERM), then SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
  /** SIGKILL at once, synchronously (from an exit handler); nothing when already gone. */
  kill(): void;
}

/** An error as the scripts print it: the stack when there is one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export class Lifetime {
  private readonly children: Stoppable[] = [];
  private readonly folders: string[] = [];

  /** `name` prefixes what the script prints when it is interrupted or fails. */
  constructor(private readonly name: string) {
    process.on('exit', () => this.killChildren());
    // Interrupted: at once, as whoever interrupts (npx, tsx, a terminal) may not wait for a graceful stop.
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\n${name}: ${signal}, stopping${this.children.length ? ' the children' : ''}`);
        this.killChildren();
        this.removeFolders();
        process.exit(130);
      });
    }
  }

  private killChildren(): void {
    for (const child of this.children) child.kill();
  }

  private removeFolders(): void {
    for (const dir of this.folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  }

  /** Stops `child` at the end, whatever happens. */
  adopt<T extends Stoppable>(child: T): T {
    this.children.push(child);
    return child;
  }

  /** A new temporary folder, removed at the end unless `keep`. */
  tempDir(prefix: string, options: { keep: boolean }): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    if (!options.keep) this.folders.push(dir);
    return dir;
  }

  /** Stops every child (gracefully) and removes the temporary folders. */
  async end(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()));
    this.removeFolders();
  }

  /** Runs the script's `main`, then ends; exits 1 (after printing the error) when it could not measure. */
  run(main: () => Promise<void>): void {
    main().then(
      () => this.end().finally(() => process.exit(0)),
      (error: unknown) => {
        console.error(`${this.name}: ${describeError(error)}`);
        void this.end().finally(() => process.exit(1));
      },
    );
  }
}
