import type { AttemptLimit } from '../../db/repos/accounts-repo.js';
import type { Deps } from '../../deps.js';

/**
 * Counts an attempt under every key of `limits`, provided each has fewer than
 * its `max` attempts in the last `windowMs`; count and check are one
 * statement, so concurrent requests cannot all slip under a limit. Returns
 * null when counted, or the seconds until a refused attempt can succeed (the
 * oldest attempt under each full key has left the window).
 */
export async function reserveAttempts(
  deps: Pick<Deps, 'repos' | 'db' | 'clock'>,
  limits: readonly AttemptLimit[],
  windowMs: number,
): Promise<{ retryAfterSeconds: number } | null> {
  const now = deps.clock.now();
  const since = now - windowMs;
  if ((await deps.db.claim(deps.repos.accounts.reserveAttempts(limits, now, since))) === limits.length) return null;
  const counts = await Promise.all(limits.map(({ key }) => deps.repos.accounts.attemptsSince(key, since)));
  const freedAt = Math.max(now, ...counts.map(({ count, oldest }, i) => (count >= limits[i]!.max && oldest !== null ? oldest + windowMs : now)));
  return { retryAfterSeconds: (freedAt - now) / 1000 };
}
