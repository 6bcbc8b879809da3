/**
 * Bounds costly work in flight (password checks): at most `total` at once,
 * and at most `perKey` for one key (one account). A caller that finds the
 * bound reached is refused at once instead of queued, so a flood of requests
 * costs a lookup each, not a hash each.
 */
export class WorkGate {
  private inFlight = 0;
  private readonly byKey = new Map<string, number>();

  constructor(private readonly limits: { total: number; perKey: number }) {}

  /** Enters the gate: a function that leaves it (call it exactly once), or null when full. */
  tryEnter(key: string): (() => void) | null {
    const forKey = this.byKey.get(key) ?? 0;
    if (this.inFlight >= this.limits.total || forKey >= this.limits.perKey) return null;
    this.inFlight++;
    this.byKey.set(key, forKey + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
      const remaining = (this.byKey.get(key) ?? 1) - 1;
      if (remaining > 0) this.byKey.set(key, remaining);
      else this.byKey.delete(key);
    };
  }
}
