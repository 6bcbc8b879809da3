// Child process of bench/run.ts (never run by hand; it expects an IPC channel).
//
// Polls one URL (Herald's `/`) back to back over one keep-alive connection,
// like a reader pressing reload, and notes for every response the highest
// publisher sequence number it shows (the marker that bench/run/publisher.ts puts in
// each update it posts, see publish-marker.ts). The parent joins these with
// the publisher's log: freshness = end of the first response showing update N
// − when update N was requested. Times are Date.now(), the same clock as the
// server child's on this machine.
//
// It runs in its own process so that autocannon's busy event loop in the
// parent does not delay the polls or their timestamps.
import { toParent } from '../lib/ipc.js';
import { describeError } from '../lib/lifetime.js';
import { sleep } from '../lib/time.js';
import { PUBLISH_MARKER_PREFIX } from './publish-marker.js';

export interface Poll {
  sentAt: number;
  receivedAt: number;
  status: number;
  /** Highest update sequence number on the page; 0 for none. */
  maxSeq: number;
}

export type PollerCommand =
  | { type: 'start'; url: string; headers: Record<string, string>; minIntervalMs: number; maxSeconds: number }
  | { type: 'stop' };

export type PollerMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'stopped'; polls: Poll[]; errors: string[]; /** This process's CPU time from start to stop. */ cpuUs: number }
  | { type: 'error'; message: string };

const send = toParent<PollerMessage>('bench/run/freshness-poller.ts', 'bench/run.ts');
const MARKER = new RegExp(`${PUBLISH_MARKER_PREFIX}(\\d{6})`, 'g');

let running = false;
let cpuAtStart = process.cpuUsage();
let loop: Promise<void> | undefined;
const polls: Poll[] = [];
const errors: string[] = [];

async function pollLoop({ url, headers, minIntervalMs, maxSeconds }: Extract<PollerCommand, { type: 'start' }>): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  // Bounded: stops on `stop`, at maxSeconds, or when the parent goes away.
  while (running && Date.now() < deadline) {
    const sentAt = Date.now();
    try {
      // fetch() decodes br/gzip; `headers` are the load's, so the poller reads the variant the load gets.
      const response = await fetch(url, { headers });
      const text = await response.text();
      let maxSeq = 0;
      for (const match of text.matchAll(MARKER)) maxSeq = Math.max(maxSeq, Number(match[1]));
      polls.push({ sentAt, receivedAt: Date.now(), status: response.status, maxSeq });
    } catch (error) {
      if (errors.length < 20) errors.push(error instanceof Error ? error.message : String(error));
      await sleep(50);
    }
    const wait = minIntervalMs - (Date.now() - sentAt);
    if (wait > 0) await sleep(wait);
  }
}

process.on('message', (message: PollerCommand) => {
  if (message.type === 'start') {
    if (running) return;
    running = true;
    cpuAtStart = process.cpuUsage();
    loop = pollLoop(message).catch((error: unknown) => {
      send({ type: 'error', message: describeError(error) });
    });
    send({ type: 'started' });
  } else if (message.type === 'stop') {
    running = false;
    void (loop ?? Promise.resolve()).then(() => {
      const cpu = process.cpuUsage(cpuAtStart);
      send({ type: 'stopped', polls, errors, cpuUs: cpu.user + cpu.system });
    });
  }
});
// The parent died or is done: do not linger.
process.once('disconnect', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
send({ type: 'ready' });
