// Shared by bench/server.ts (the publisher) and bench/freshness-poller.ts (which looks for it on `/`).
// A module of its own because importing bench/server.ts runs the server.

/** Every update the publisher posts carries this, followed by a 6-digit sequence number. */
export const PUBLISH_MARKER_PREFIX = 'herald-bench-update-';
