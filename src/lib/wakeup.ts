/** A sleep that another part of the process can cut short (the outbox loop waits on one). */
export class Wakeup {
  private pending: (() => void) | null = null;
  private woken = false;

  /** Ends the current sleep, or the next one if none is running. */
  wake(): void {
    this.woken = true;
    this.pending?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.pending = null;
        self.woken = false;
        resolve();
      }
      this.pending = done;
    });
  }
}
