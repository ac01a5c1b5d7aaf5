/**
 * Paces calls to Parameter Store to a steady rate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TimeUpError } from './sync/budget.ts';

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

  /**
   * When a later worker's first call may start, as of `now`: the next turn, but never more
   * than one interval ahead. Turns booked by calls that never ran (a worker that failed or ran
   * out of time while they waited) are not the later worker's to wait for.
   */
  handOver(now: number): number {
    return Math.min(this.nextAt, now + this.interval);
  }

  /**
   * Resolves when the next call may start.
   *
   * @param deadline epoch ms by which the call must have started; a turn that would come
   *   later is not taken and {@link TimeUpError} is thrown instead.
   * @returns epoch ms the call's turn began: what the pace decided, which a busy machine can
   *   only make the call start later than, never sooner.
   */
  async next(deadline = Number.POSITIVE_INFINITY): Promise<number> {
    const now = this.clock.now();
    const at = Math.max(now, this.nextAt);
    if (at > deadline) throw new TimeUpError(at, deadline);
    this.nextAt = at + this.interval;
    if (at > now) await this.clock.sleep(at - now);
    return at;
  }
}
