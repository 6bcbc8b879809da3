// Shared by the publisher (bench/run/publisher.ts) and the poller (bench/run/freshness-poller.ts, which looks for it on `/`).
// A module of its own because importing a child script runs it.

/** Every update the publisher posts carries this, followed by a 6-digit sequence number. */
export const PUBLISH_MARKER_PREFIX = 'herald-bench-update-';
