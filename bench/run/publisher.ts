// The publisher of bench/run/server.ts: posts an update on the open incident
// every `intervalMs` through the postUpdate service, as an admin would, each
// carrying the marker the freshness poller looks for.
import type { NodeDeps } from '../../src/entry/node-deps.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { BENCH_ACTOR } from '../lib/herald.js';
import { PUBLISH_MARKER_PREFIX } from './publish-marker.js';
import type { PublishRecord } from './server.js';

export class Publisher {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private seq = 0;
  /** Since the last start: when each update was requested and committed, and what failed. */
  records: PublishRecord[] = [];
  failures: string[] = [];

  constructor(private readonly deps: NodeDeps) {}

  /** Posts the first update right away, then one every `intervalMs`; the incident posted on. */
  async start(intervalMs: number): Promise<string> {
    const incidentId = (await this.deps.repos.incidents.listOpenIncidents())[0]?.id;
    if (!incidentId) throw new Error('the seeded page has no open incident to post updates on');
    this.running = true;
    this.records = [];
    this.failures = [];
    const began = Date.now();
    let n = 0;
    const tick = (): void => {
      if (!this.running) return;
      n++;
      // On a fixed schedule (a late timer does not slow the rate), and never two at once.
      if (!this.inFlight) this.inFlight = this.post(incidentId);
      this.timer = setTimeout(tick, Math.max(0, began + n * intervalMs - Date.now()));
    };
    tick();
    return incidentId;
  }

  /** Stops the schedule; resolves once the update in flight (if any) is done. */
  async stop(): Promise<void> {
    this.halt();
    await this.inFlight;
  }

  /** Stops the schedule at once (shutting down). */
  halt(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private post(incidentId: string): Promise<void> {
    const seq = ++this.seq;
    const requestedAt = Date.now();
    return postUpdate(this.deps, {
      incidentId,
      status: 'identified',
      body:
        `Update ${seq}: we are still moving the affected API servers back to the primary database. ` +
        `Error rates are falling. Next update within 30 minutes. (${PUBLISH_MARKER_PREFIX}${String(seq).padStart(6, '0')})`,
      nextUpdateAt: requestedAt + 30 * 60_000,
    }, BENCH_ACTOR)
      .then(() => void this.records.push({ seq, requestedAt, committedAt: Date.now() }))
      .catch((error: unknown) => void this.failures.push(error instanceof Error ? error.message : String(error)))
      .finally(() => (this.inFlight = undefined));
  }
}
