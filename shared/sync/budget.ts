/**
 * How long an invocation may keep starting work.
 */
import { FiggyEventsError } from '../errors.ts';

/** Never less than this is kept back: a chunk in flight must still end and be saved. */
const MIN_RESERVE_MS = 2_000;
/** Never more than this: half a minute finishes any chunk and save at a sensible pace. */
const MAX_RESERVE_MS = 30_000;
/** Time kept after the last paced call's turn for the call itself and the checkpoint after it. */
const LAST_CALL_MARGIN_MS = 2_000;

/**
 * The time an invocation has, split into time to start work and a reserve to finish the work
 * in flight and save where it stands (a quarter of it, 2 to 30 seconds): Lambda ends an
 * invocation at its timeout without warning, so work that would cross it is never started.
 *
 * @example
 * const budget = Budget.of(context.getRemainingTimeInMillis());
 * while (!budget.spent() && more()) await step();
 */
export class Budget {
  private constructor(
    /** Epoch ms Lambda ends the invocation. */
    readonly deadline: number,
    private readonly stopAt: number,
    private readonly now: () => number,
  ) {}

  static of(remainingMs: number, now: () => number = Date.now): Budget {
    const start = now();
    const reserve = Math.min(MAX_RESERVE_MS, Math.max(MIN_RESERVE_MS, remainingMs / 4));
    return new Budget(start + remainingMs, start + remainingMs - reserve, now);
  }

  /** No deadline: tests, the CLI and benchmarks that run a job to its end. */
  static unlimited(now: () => number = Date.now): Budget {
    return new Budget(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, now);
  }

  /** True once no new work should start. */
  spent(): boolean {
    return this.now() >= this.stopAt;
  }

  /**
   * The latest a paced call may be given its turn, on the pacer's `clock`: late enough to use
   * the invocation's time, early enough for the call to end and the checkpoint after it to be
   * saved before Lambda ends the invocation.
   */
  lastTurn(clock: () => number): number {
    return clock() + (this.deadline - this.now()) - LAST_CALL_MARGIN_MS;
  }
}

/**
 * A paced call whose turn would come after the invocation's deadline: waiting for it would
 * have Lambda end the invocation before it could save where it stands, so the work stops
 * here and the next invocation continues behind the last item done.
 */
export class TimeUpError extends FiggyEventsError {
  readonly retryable = true;
  constructor(readonly turnAt: number, readonly deadline: number) {
    super(`the next paced call's turn (${new Date(turnAt).toISOString()}) comes after the invocation's deadline`);
    this.name = 'TimeUpError';
  }
}

/** What `step` resolves to, or `instead` when a paced call in it ran out of the invocation's time. */
export async function orWhenTimeUp<T, U>(step: Promise<T>, instead: U): Promise<T | U> {
  try {
    return await step;
  } catch (error) {
    if (error instanceof TimeUpError) return instead;
    throw error;
  }
}
