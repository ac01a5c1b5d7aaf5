/**
 * Holding a long job's lease, and saving where it stands as it goes.
 */
import { FiggyEventsError } from '../errors.ts';
import type { JobProgress, JobSave, Lease, SyncProgressStore } from './types.ts';

/**
 * Bumped when a job's saved state changes shape: an invocation of a new version that finds an
 * older state starts a new pass rather than misreading it.
 */
const STATE_VERSION = 1;

/** Another invocation holds the job now: this one's lease ran out. It stops without writing more. */
export class LeaseLostError extends FiggyEventsError {
  readonly retryable = true;
  constructor(
    readonly job: string,
    options?: ErrorOptions,
  ) {
    super(`the lease of job ${job} was taken over by another invocation; this one stopped where it last saved`, options);
    this.name = 'LeaseLostError';
  }
}

/**
 * A job whose lease this invocation holds: its saved state, what others asked of it, and the
 * means to save progress. Only the holder writes the state, so two invocations never work on
 * one job and a paced job never writes faster than its pace.
 *
 * @example
 * const job = await JobLease.claim<{ cursor: string }>(store, { job: 'config-cache-syncer', owner, until }, now);
 * if (!job) return 'busy';
 * try { await job.save(next); } finally { await job.release(); }
 */
export class JobLease<S> {
  private constructor(
    private readonly store: SyncProgressStore,
    readonly lease: Lease,
    readonly progress: JobProgress,
    /** The state saved by the last holder, if a pass is open and of this version. */
    readonly state: S | undefined,
  ) {}

  static async claim<S>(store: SyncProgressStore, lease: Lease, now: number): Promise<JobLease<S> | undefined> {
    const progress = await store.claim(lease, now);
    return progress && new JobLease<S>(store, lease, progress, readState<S>(progress.state));
  }

  /**
   * Saves the state to continue from (`null`: the pass is over; `undefined`: left as it is)
   * and the requests handled.
   */
  save(state: S | null | undefined, options: Omit<JobSave, 'state'> = {}): Promise<void> {
    const saved = state === null || state === undefined ? (state as null | undefined) : JSON.stringify({ v: STATE_VERSION, state });
    return this.store.save(this.lease, { ...(saved !== undefined && { state: saved }), ...options });
  }

  release(notBefore?: number): Promise<void> {
    return this.store.release(this.lease, notBefore);
  }
}

/**
 * A job's saved `state` as its holder wrote it; undefined when no pass is open or the state is
 * of another version (which the next invocation starts over from).
 */
export function readState<S>(json: string | undefined): S | undefined {
  if (json === undefined) return undefined;
  const saved = JSON.parse(json) as { v?: unknown; state?: S };
  return saved.v === STATE_VERSION ? saved.state : undefined;
}
