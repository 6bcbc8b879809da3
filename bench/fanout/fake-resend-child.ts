// Child process of bench/fanout.ts (never run by hand; it expects an IPC channel).
//
// Runs the local fake Resend API of the tests (test/support/fake-resend.ts) in
// its own process, so that its work (parsing ~1 MB of JSON per batch request,
// validating 100 emails, fingerprinting the body for the idempotency key)
// neither shares an event loop with autocannon in the parent nor with Herald.
//
// The fake keeps every request, every delivered email and every idempotency
// fingerprint (a canonical copy of the whole body) for the tests' assertions:
// about 3 GB for 100,000 emails. This child counts what it needs as the
// emails arrive (onDelivery: count, first/last time, one entry per recipient
// to catch duplicates) and empties the fake every PRUNE_MS, keeping requests
// still in flight. Emptying also forgets idempotency keys; nothing in a
// healthy run (no latency, no scripted faults) retries, and any 409 or
// replay is counted and reported.
import { startFakeResend, type FakeResend, type RecordedRequest } from '../../test/support/fake-resend.js';
import { toParent } from '../lib/ipc.js';
import { describeError } from '../lib/lifetime.js';

const PRUNE_MS = 200;

export interface FakeStats {
  type: 'stats';
  /** Deliveries since the last `epoch` command. */
  delivered: number;
  /** Recipients that got more than one email in this epoch. */
  duplicates: number;
  /** Date.now() of the first and last delivery of this epoch; null before the first. */
  firstAt: number | null;
  lastAt: number | null;
  /** Send requests answered in this epoch, by status code. */
  statuses: Record<string, number>;
  /** Requests answered from a stored idempotent response (a retry after a lost answer). */
  replays: number;
  /** Request body bytes received in this epoch. */
  bodyBytes: number;
  /** Deliveries per whole second since the epoch started (index 0 = first second). */
  perSecond: number[];
  /** process.cpuUsage() so far, microseconds. */
  cpuUs: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/**
 * `guard`: process groups to SIGKILL if the parent disappears without
 * cleaning up (it was SIGKILLed): Herald runs detached in its own group, and
 * this child is the one that notices (its IPC channel closes).
 */
export type FakeCommand = { type: 'epoch' } | { type: 'stats' } | { type: 'guard'; groups: number[] };
export type FakeMessage = { type: 'ready'; url: string; pid: number } | FakeStats | { type: 'epoch-started'; at: number } | { type: 'error'; message: string };

const send = toParent<FakeMessage>('bench/fanout/fake-resend-child.ts', 'bench/fanout.ts');

/** What is counted since the last `epoch` command, and the recipients seen (to catch duplicates). */
interface Epoch extends Pick<FakeStats, 'delivered' | 'duplicates' | 'firstAt' | 'lastAt' | 'statuses' | 'replays' | 'bodyBytes' | 'perSecond'> {
  startedAt: number;
  recipients: Set<string>;
}

function newEpoch(): Epoch {
  return {
    startedAt: Date.now(),
    delivered: 0,
    recipients: new Set(),
    duplicates: 0,
    firstAt: null,
    lastAt: null,
    statuses: {},
    replays: 0,
    bodyBytes: 0,
    perSecond: [],
  };
}

async function main(): Promise<void> {
  let epoch = newEpoch();
  let guarded: number[] = [];
  const fake: FakeResend = await startFakeResend({
    latencyMs: Number(process.env.FANOUT_FAKE_LATENCY_MS || 0),
    onDelivery(delivered) {
      const now = delivered.at.getTime();
      epoch.delivered++;
      epoch.firstAt ??= now;
      epoch.lastAt = now;
      const second = Math.floor((now - epoch.startedAt) / 1000);
      while (epoch.perSecond.length <= second) epoch.perSecond.push(0);
      epoch.perSecond[second]!++;
      for (const to of delivered.to) {
        if (epoch.recipients.has(to)) epoch.duplicates++;
        else epoch.recipients.add(to);
      }
    },
  });

  /** Counts the answered requests and empties the fake, keeping the ones still in flight. */
  const prune = (): void => {
    const pending: RecordedRequest[] = [];
    for (const request of fake.requests) {
      if (request.outcome === 'pending') {
        pending.push(request);
        continue;
      }
      const status = String(request.status ?? request.outcome);
      epoch.statuses[status] = (epoch.statuses[status] ?? 0) + 1;
      if (request.replay) epoch.replays++;
      epoch.bodyBytes += Buffer.byteLength(request.rawBody);
    }
    fake.reset();
    fake.requests.push(...pending);
  };
  const timer = setInterval(prune, PRUNE_MS);

  const stats = (): FakeStats => {
    prune();
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      type: 'stats',
      delivered: epoch.delivered,
      duplicates: epoch.duplicates,
      firstAt: epoch.firstAt,
      lastAt: epoch.lastAt,
      statuses: { ...epoch.statuses },
      replays: epoch.replays,
      bodyBytes: epoch.bodyBytes,
      perSecond: [...epoch.perSecond],
      cpuUs: cpu.user + cpu.system,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
    };
  };

  process.on('message', (command: FakeCommand) => {
    if (command.type === 'epoch') {
      prune();
      epoch = newEpoch();
      send({ type: 'epoch-started', at: epoch.startedAt });
    } else if (command.type === 'stats') {
      send(stats());
    } else if (command.type === 'guard') {
      guarded = command.groups;
    }
  });
  // The parent is gone (even SIGKILLed): take Herald along, do not linger.
  process.on('disconnect', () => {
    for (const group of guarded) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    clearInterval(timer);
    void fake.close().finally(() => process.exit(0));
  });
  process.on('SIGTERM', () => {
    clearInterval(timer);
    void fake.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', url: fake.url, pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: describeError(error) });
  process.exit(1);
});
