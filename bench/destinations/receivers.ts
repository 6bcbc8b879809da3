// What bench/destinations.ts and its receivers child (receivers-child.ts) share.

export const BEHAVIOURS = ['fast', 'slow', 'hanging', 'error'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** How long the slow receivers take to answer. */
export const SLOW_MS = 2_000;

export type ReceiverCommand = { type: 'stats' } | { type: 'guard'; groups: number[] };
export type ReceiverMessage =
  | { type: 'ready'; ports: number[]; pid: number }
  | { type: 'stats'; requests: Record<Behaviour, number>; cpuUs: number }
  | { type: 'error'; message: string };
