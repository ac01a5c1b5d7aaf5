import type { PacerClock } from '../../../shared/call-pacer.ts';

/**
 * Time as a pacer and a budget see it, moved on by sleeping alone. Sleepers wake in the order
 * of their wake-up times, each moving time on to its own, once every other worker has gone to
 * sleep too: concurrent paced calls (reads and writes, several in flight) overlap as they would
 * in real time, and a test can say how long the work took without a wall clock.
 */
export class VirtualTime {
  now = Date.parse('2026-12-02T08:00:00Z');
  /** Every sleep asked for, in ms, in the order asked. */
  readonly sleeps: number[] = [];
  private readonly sleepers: { at: number; wake: () => void }[] = [];
  readonly clock: PacerClock = {
    now: () => this.now,
    sleep: (ms: number) => {
      this.sleeps.push(ms);
      return new Promise<void>((wake) => {
        this.sleepers.push({ at: this.now + ms, wake });
        // After the microtasks: by then every worker that can run has run.
        if (this.sleepers.length === 1) setImmediate(() => this.wakeEarliest());
      });
    },
  };

  private wakeEarliest(): void {
    this.sleepers.sort((a, b) => a.at - b.at);
    const next = this.sleepers.shift()!;
    this.now = Math.max(this.now, next.at);
    next.wake();
    if (this.sleepers.length > 0) setImmediate(() => this.wakeEarliest());
  }
}
