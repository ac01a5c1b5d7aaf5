/**
 * Paces calls to Parameter Store to a steady rate.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PacerClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<unknown>;
}

/**
 * Spaces calls at least `1 / perSecond` seconds apart.
 *
 * Parameter Store's quotas (a few writes, a few dozen reads per second) are per account and
 * region, shared with every application there; background work that bursts would throttle
 * them too. Pacing evenly rather than in bursts of N keeps the shared budget usable.
 *
 * @example
 * const pacer = new CallPacer(3);
 * for (const write of writes) {
 *   await pacer.next();
 *   await target.write(write);
 * }
 */
export class CallPacer {
  private readonly interval: number;

  constructor(
    perSecond: number,
    private readonly clock: PacerClock = { now: Date.now, sleep },
    /** Epoch ms the first call may start: where an earlier worker's pace left off. */
    private nextAt = -Infinity,
  ) {
    if (!Number.isFinite(perSecond) || perSecond <= 0) {
      throw new RangeError(`calls per second must be a positive number, got ${perSecond}`);
    }
    this.interval = 1000 / perSecond;
  }

  /** Epoch ms the next call may start, so a later worker can keep the pace. */
  get nextStart(): number {
    return this.nextAt;
  }

  /** Resolves when the next call may start. */
  async next(): Promise<void> {
    const now = this.clock.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.interval;
    if (at > now) await this.clock.sleep(at - now);
  }
}
