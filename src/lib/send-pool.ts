/*
 * The pool both outbound drainers send through (the destinations',
 * services/destinations/deliveries.ts, and the customer channels',
 * services/customer-channels/deliveries.ts):
 * - at most `globalLimit` sends in flight, at most `hostLimit` to one host,
 *   and at most one per queue (a destination, a subscriber), so each queue
 *   gets its messages in order;
 * - a slot that frees up is refilled at once, so a hanging receiver holds
 *   one slot for at most its timeout and delays nobody else;
 * - first tries go before retries, so when there are more queues with work
 *   than slots, the failing ones wait, not the healthy ones.
 * The pool knows nothing of rows or HTTP: the source lists what is due,
 * claims one item (the database decides who wins) and sends it.
 */

export interface SendPoolLimits {
  globalLimit: number;
  hostLimit: number;
  /** Milliseconds of real time, for the drain budget. */
  elapsed: () => number;
}

export interface SendSource<T> {
  /** Up to `limit` due items, in queue order. */
  due(limit: number): Promise<T[]>;
  /** The item's queue: one send per queue at a time. */
  queueOf(item: T): string;
  /** The host it goes to ("hooks.slack.com"), for the per-host limit. */
  hostOf(item: T): string;
  /** Whether it was tried before (retries wait behind first tries). */
  isRetry(item: T): boolean;
  /** Takes the item under a lease; null when another drainer has it. */
  claim(item: T): Promise<string | null>;
  /** One attempt, recorded under the lease. Rejections are logged through `failed`. */
  send(item: T, lease: string): Promise<void>;
  /** A send rejected (recording its result failed). */
  failed(item: T, error: unknown): void;
}

export interface SendPool {
  /**
   * Claims and sends until nothing is due, `budgetMs` of real time is
   * spent or `maxSends` were started (sends in flight are finished); how
   * many sends it started. Overlapping calls share the limits.
   */
  drain<T>(source: SendSource<T>, budgetMs: number, maxSends?: number): Promise<number>;
}


export function createSendPool(limits: SendPoolLimits): SendPool {
  /** Sends in flight across overlapping drain() calls (the Worker may start several). */
  const inFlight = new Set<Promise<void>>();
  const hosts = new Map<string, number>();
  const queuesBusy = new Set<string>();

  /** Claims and starts the items of `buffer` that fit the limits (taking them out of it); how many it started. */
  async function startFrom<T>(source: SendSource<T>, buffer: T[], room: number): Promise<number> {
    let started = 0;
    for (let i = 0; i < buffer.length && inFlight.size < limits.globalLimit && started < room; ) {
      const item = buffer[i]!;
      const host = source.hostOf(item);
      const queue = source.queueOf(item);
      if (queuesBusy.has(queue) || (hosts.get(host) ?? 0) >= limits.hostLimit) {
        i++;
        continue;
      }
      buffer.splice(i, 1);
      const lease = await source.claim(item);
      if (lease === null) continue; // another drainer has it, or it is no longer due
      started++;
      queuesBusy.add(queue);
      hosts.set(host, (hosts.get(host) ?? 0) + 1);
      const task: Promise<void> = source
        .send(item, lease)
        .catch((error: unknown) => source.failed(item, error))
        .finally(() => {
          inFlight.delete(task);
          queuesBusy.delete(queue);
          const left = (hosts.get(host) ?? 1) - 1;
          if (left > 0) hosts.set(host, left);
          else hosts.delete(host);
        });
      inFlight.add(task);
    }
    return started;
  }

  /**
   * Starts what is due and fits: first from `buffer`, the due items read
   * before (each claim checks its row again, so a stale one is only a lost
   * claim; one read serves many sends), then, when none of those could
   * start, from a fresh read. How many it started.
   */
  async function fill<T>(source: SendSource<T>, buffer: T[], room: number): Promise<number> {
    if (inFlight.size >= limits.globalLimit) return 0;
    let started = await startFrom(source, buffer, room);
    if (started === 0 && inFlight.size < limits.globalLimit) {
      // Stable sort: first tries before retries, otherwise in queue order.
      const due = (await source.due(limits.globalLimit * 4)).sort((a, b) => Number(source.isRetry(a)) - Number(source.isRetry(b)));
      buffer.splice(0, buffer.length, ...due);
      started = await startFrom(source, buffer, room);
    }
    return started;
  }

  return {
    async drain<T>(source: SendSource<T>, budgetMs: number, maxSends = Infinity) {
      const deadline = limits.elapsed() + budgetMs;
      const buffer: T[] = [];
      let total = 0;
      const open = () => limits.elapsed() < deadline && total < maxSends;
      for (;;) {
        const started = open() ? await fill(source, buffer, maxSends - total) : 0;
        total += started;
        if (inFlight.size === 0) {
          // Nothing running: done unless this round started something (it finished already).
          if (started === 0) break;
          continue;
        }
        if (started === 0 && !open()) {
          await Promise.all([...inFlight]);
          break;
        }
        // Wait for any send to end: its slot, its host's share and its queue's next message are free again.
        await Promise.race(inFlight);
      }
      return total;
    },
  };
}
