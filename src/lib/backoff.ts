/**
 * Backoff before attempt `attempts + 1`: exponential from `baseMs`, capped at
 * `capMs`, with "equal jitter" (half fixed, half random). The email outbox and
 * the destinations' deliveries retry with it, each with its own base and cap.
 */
export function equalJitterBackoff(attempts: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
