/**
 * Working through a long, ordered list within one invocation's time.
 */
import { chunk, mapBounded } from '../concurrency.ts';
import { orWhenTimeUp, type Budget } from './budget.ts';

export interface OrderedWork<T> {
  readonly budget: Budget;
  /** Work the first item whatever the budget, so that every call gets somewhere. */
  readonly atLeastOne?: boolean;
  /** Items per chunk: each chunk is prepared (read) together and checkpointed once done. */
  readonly chunkSize: number;
  readonly concurrency: number;
  /**
   * Reads what the chunk's items need, in batches, before any of them is worked on. May stop
   * early when time runs out, saying how many of the items, from the first, it read: only
   * those are worked on.
   */
  readonly prepare?: (items: readonly T[]) => Promise<number | void>;
  readonly work: (item: T) => Promise<void>;
  /** After each chunk: every item up to and including `last` is done. */
  readonly checkpoint: (last: T) => Promise<void>;
}

/**
 * Works through `items` in their order (the first whatever the budget, if asked). Once the
 * budget is spent no further item is started, and the checkpoint only ever names an item all
 * of whose predecessors are done, so the next invocation continues right after it and
 * nothing is skipped or done twice (items in flight beyond a gap are done again, which is
 * harmless: the work is idempotent).
 *
 * @returns `finished` when every item is done; otherwise the last item done without a gap
 *   before it (undefined when none was).
 */
export async function workInOrder<T>(items: readonly T[], options: OrderedWork<T>): Promise<{ readonly finished: boolean; readonly last?: T }> {
  let last: T | undefined;
  let started = 0;
  // The first item is owed whatever the budget when asked for; after it, the budget decides.
  const mayStart = () => (options.atLeastOne === true && started === 0) || !options.budget.spent();
  for (const batch of chunk(items, options.chunkSize)) {
    if (!mayStart()) return { finished: false, last };
    const prepared = (await orWhenTimeUp(Promise.resolve(options.prepare?.(batch)), 0)) ?? batch.length;
    const done = await mapBounded(batch, options.concurrency, async (item, index) => {
      if (index >= prepared || !mayStart()) return false;
      started++;
      // An item whose paced calls would outlast the invocation is not done: the next
      // invocation starts again at it (the work is idempotent).
      return orWhenTimeUp(
        options.work(item).then(() => true),
        false,
      );
    });
    const gap = done.indexOf(false);
    const reached = gap === -1 ? batch.length : gap;
    if (reached > 0) {
      last = batch[reached - 1] as T;
      await options.checkpoint(last);
    }
    if (gap !== -1) return { finished: false, last };
  }
  return { finished: true, last };
}

