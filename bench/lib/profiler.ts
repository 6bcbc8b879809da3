// V8 CPU profiles of chosen windows of this process (node:inspector), written
// as .cpuprofile files for bench/profile-summary.ts or Chrome DevTools.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';

export class Profiler {
  private session: Session | undefined;

  /** `intervalUs`: the sampling interval. */
  constructor(private readonly intervalUs: number) {}

  async start(): Promise<void> {
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.session.post('Profiler.enable');
      await this.session.post('Profiler.setSamplingInterval', { interval: this.intervalUs });
    }
    await this.session.post('Profiler.start');
  }

  /** Stops the window started last and writes its profile to `path`. */
  async stop(path: string): Promise<void> {
    if (!this.session) throw new Error('the profiler was not started');
    const { profile } = await this.session.post('Profiler.stop');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(profile));
  }

  /** Detaches from the inspector (a later start() attaches again). */
  close(): void {
    this.session?.disconnect();
    this.session = undefined;
  }
}
