/**
 * The token bucket AWS's per-account, per-region request quotas are modelled with.
 */

/**
 * Lets `perSecond` calls a second through, with one second of burst, as AWS's rate quotas
 * allow short bursts at the rate. Time is whatever monotonic milliseconds the caller passes.
 *
 * @example
 * const bucket = new TokenBucket(2, performance.now());
 * bucket.take(performance.now()); // true, until the second's two are spent
 */
export class TokenBucket {
  private tokens: number;

  constructor(
    private readonly perSecond: number,
    private last: number,
  ) {
    this.tokens = perSecond;
  }

  /** Takes a token for a call at `now`; false when none is left (the call is throttled). */
  take(now: number): boolean {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
