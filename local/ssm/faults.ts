/**
 * Throttling as SSM does it, on demand: a random fraction of calls, and token buckets for the
 * throughput quotas AWS documents for Parameter Store.
 */
import { performance } from 'node:perf_hooks';
import { AwsError } from './aws-error.ts';
import { TokenBucket } from './token-bucket.ts';
import type { FaultOptions, RateLimits, RegionAndAccount } from './types.ts';

/**
 * AWS's default Parameter Store throughput, from the Systems Manager quota table: 40
 * transactions per second shared by GetParameter, GetParameters and GetParametersByPath, and
 * 3 for PutParameter.
 */
export const DEFAULT_RATE_LIMITS: Required<Pick<RateLimits, 'read' | 'write'>> = { read: 40, write: 3 };

// What AWS's quota table for Systems Manager says, and so what each bucket models:
// - "Max throughput": 40 TPS by default, *shared* by GetParameter, GetParameters and
//   GetParametersByPath (higher throughput raises the first two together and the third on its
//   own, which the emulator does not model): one bucket for the three, not one each.
// - PutParameter: 3 TPS by default, a quota of its own.
// - DescribeParameters, GetParameterHistory, DeleteParameter and DeleteParameters: the table
//   gives them no throughput quota. SSM does throttle them (AWS's knowledge center shows
//   DescribeParameters answering "Rate exceeded"), but at rates it does not document, so the
//   emulator limits them only when a test names a rate; it does not invent a default.
//   Before, the deletes drew on a 3 TPS bucket each, as if PutParameter's quota were theirs.
// - Labels and tags: no quota, and the emulator never throttles them by rate.
// Each operation names its quota in its entry of the table in ssm-operations.ts.
/** The quota (one token bucket per region and account) an SSM operation draws on. */
export type Quota = keyof RateLimits;

/**
 * Decides, call by call, whether SSM throttles it.
 *
 * Token buckets run on the monotonic clock, not the emulator's `clock` option: a test that
 * freezes or jumps the wall clock must not stall or flood the buckets.
 *
 * @example
 * const faults = new FaultInjector({ rateLimits: { write: 1 } });
 * faults.check('write', { region: 'eu-west-1', account: '123456789012' }); // undefined
 * faults.check('write', { region: 'eu-west-1', account: '123456789012' }); // ThrottlingException
 */
export class FaultInjector {
  private throttleRate = 0;
  private throttleRegions: ReadonlySet<string> | undefined;
  private limits: RateLimits | undefined;
  private random: () => number = Math.random;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(options: Partial<FaultOptions> = {}, private readonly now: () => number = () => performance.now()) {
    this.set(options);
  }

  /** Changes the given faults; the others keep their value. New limits start with full buckets. */
  set(options: Partial<FaultOptions>): void {
    if (options.throttleRate !== undefined) {
      if (!(options.throttleRate >= 0 && options.throttleRate <= 1)) {
        throw new RangeError(`throttleRate must be between 0 and 1, got ${options.throttleRate}`);
      }
      this.throttleRate = options.throttleRate;
    }
    if (options.throttleRegions !== undefined) {
      this.throttleRegions = options.throttleRegions === null ? undefined : new Set(options.throttleRegions);
    }
    if (options.rateLimits !== undefined) {
      this.limits = rateLimitsFrom(options.rateLimits);
      this.buckets.clear();
    }
    if (options.random !== undefined) {
      this.random = typeof options.random === 'number' ? seededRandom(options.random) : options.random;
    }
  }

  /**
   * The ThrottlingException to answer a call drawing on `quota` (null: on none) in `place`
   * with, or undefined to let it through. SSM's quotas are per region and account, so each
   * place has its own buckets, and the operations that share a quota share its bucket.
   */
  check(quota: Quota | null, place: RegionAndAccount): AwsError | undefined {
    const throttles = this.throttleRegions === undefined || this.throttleRegions.has(place.region);
    if (throttles && this.throttleRate > 0 && this.random() < this.throttleRate) return throttled();
    const rate = quota === null ? undefined : this.limits?.[quota];
    if (rate === undefined) return undefined;
    const key = `${place.region}/${place.account}/${quota}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rate, this.now());
      this.buckets.set(key, bucket);
    }
    return bucket.take(this.now()) ? undefined : throttled();
  }
}

/**
 * A deterministic generator of numbers in [0, 1) (mulberry32), for reproducible fault runs.
 *
 * @example
 * const random = seededRandom(42);
 * random(); // the same first number on every run
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function rateLimitsFrom(option: boolean | RateLimits): RateLimits | undefined {
  if (option === false) return undefined;
  const limits: RateLimits = option === true ? DEFAULT_RATE_LIMITS : { ...DEFAULT_RATE_LIMITS, ...option };
  for (const [quota, rate] of Object.entries(limits)) {
    if (rate !== undefined && !(rate > 0)) {
      throw new RangeError(`rateLimits.${quota} must be a positive number of calls per second, got ${rate}`);
    }
  }
  return limits;
}

function throttled(): AwsError {
  return new AwsError('ThrottlingException', 'Rate exceeded');
}
