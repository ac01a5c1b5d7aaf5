/**
 * A syncer's pass that continues across invocations from where the last one stopped.
 */
import type { Log } from '../log.ts';
import { Budget } from './budget.ts';
import { JobLease, LeaseLostError } from './job-lease.ts';
import type { FinishedPass, JobProgress, SyncProgressStore } from './types.ts';

/**
 * What invoked the syncer: its schedule (`start` a pass, or continue the open one) or the
 * continuation schedule (`continue` the open pass; nothing to do without one).
 */
export type SyncTrigger = 'start' | 'continue';

/** The event the continuation schedule sends, so the handler can tell it from the start schedule's. */
export const CONTINUE_EVENT = { 'figgy-events': 'continue' } as const;

/**
 * The request a start schedule leaves when it finds the job busy (`start:<its owner>`, unique,
 * so acknowledging one never drops another), so its pass still begins once the job is free.
 */
export function startRequest(owner: string): string {
  return `start:${owner}`;
}

function isStartRequest(request: string): boolean {
  return request.startsWith('start:');
}

/** The trigger an event stands for: the continuation schedule's event, or any other. */
export function syncTriggerOf(event: unknown): SyncTrigger {
  const marker = (event as Record<string, unknown> | null)?.['figgy-events'];
  return marker === CONTINUE_EVENT['figgy-events'] ? 'continue' : 'start';
}

/** A pass's state as saved: the work's own cursor and what it has counted so far. */
export interface PassState<C, R> {
  readonly startedAt: number;
  readonly invocations: number;
  readonly cursor: C;
  readonly report: R;
}

/** What an invocation did: finished the pass, saved it to continue, or found nothing to do. */
export type SyncOutcome<R> =
  | {
      readonly status: 'finished' | 'continuing';
      readonly invocations: number;
      readonly report: R;
      /** How long the pass has been open, from its first invocation's claim. */
      readonly openMs: number;
      /**
       * Finished, the job's first pass ever: it brought in what was there before the install
       * (a new deployment's parameters, mappings or history), which no event could have.
       */
      readonly firstPass?: true;
    }
  | { readonly status: 'busy' | 'idle' | 'lease-lost' };

export interface PassTools<C, R> {
  readonly budget: Budget;
  /** The job as claimed: requests from other functions, the pace carried over. */
  readonly progress: JobProgress;
  /** Saves where the pass stands; the next invocation continues from the last save. */
  checkpoint(cursor: C, report: R, handled?: readonly string[]): Promise<void>;
}

/** One step of the pass: where it stopped (or `done`) and the counts so far. */
export interface PassStep<C, R> {
  readonly done: boolean;
  readonly cursor: C;
  readonly report: R;
  /** Requests taken care of in this invocation. */
  readonly handled?: readonly string[];
  /** Epoch ms before which the next paced call (read or write) may not start. */
  readonly notBefore?: number;
  /** With `done`: how far the pass covered its source, where the next pass begins. */
  readonly coveredUntil?: number;
}

export interface SyncPass<C, R> {
  /** The cursor and counts of a new pass; a `continue` begins one only when `hasWork` says so. */
  begin(trigger: SyncTrigger): { readonly cursor: C; readonly report: R };
  /** Works from `cursor` until the pass is done or the budget is spent, checkpointing as it goes. */
  run(cursor: C, report: R, tools: PassTools<C, R>): Promise<PassStep<C, R>>;
  /** True when a `continue` with no open pass still has work: requests waiting. */
  readonly hasWork?: (progress: JobProgress) => boolean;
  /** The open cursor to continue from, given whether a start was asked for meanwhile. */
  readonly resume?: (cursor: C, startAsked: boolean) => C;
}

export interface PassOptions {
  readonly store: SyncProgressStore;
  readonly job: string;
  /** This invocation (Lambda's request id): a retry of it may claim its own lease again. */
  readonly owner: string;
  readonly trigger: SyncTrigger;
  readonly budget: Budget;
  readonly log: Log;
  readonly now?: () => number;
  /**
   * Told how long the open pass has been open as soon as this invocation takes it over, before
   * any work: a pass wedged by a call that fails every time still reports its age.
   */
  readonly onOpenPass?: (openMs: number) => void;
}

/**
 * Runs one invocation's share of a pass. The job's lease (until Lambda would end the
 * invocation) makes it the only worker; an open pass is always continued from its last
 * checkpoint, never begun again, and a new one begins only on the start schedule.
 *
 * @example
 * const outcome = await runSyncPass({ store, job: 'config-cache-syncer', owner, trigger, budget, log }, pass);
 */
export async function runSyncPass<C, R>(options: PassOptions, pass: SyncPass<C, R>): Promise<SyncOutcome<R>> {
  const { log, job: name } = options;
  const now = options.now ?? Date.now;
  const claimedAt = now();
  const job = await JobLease.claim<PassState<C, R>>(options.store, { job: name, owner: options.owner, until: options.budget.deadline }, claimedAt);
  if (!job) {
    // Dropped, a start would wait for the next one: left as a request, it begins its pass
    // within a minute of the job coming free.
    if (options.trigger === 'start') await options.store.request(name, startRequest(options.owner));
    log.info('another invocation holds the job; nothing done now', { job: name, trigger: options.trigger });
    return { status: 'busy' };
  }
  let notBefore: number | undefined;
  try {
    const open = job.state;
    if (open) options.onOpenPass?.(claimedAt - open.startedAt);
    const starts = job.progress.requests.filter(isStartRequest);
    const startAsked = options.trigger === 'start' || starts.length > 0;
    const others = { ...job.progress, requests: job.progress.requests.filter((request) => !isStartRequest(request)) };
    if (!open && !startAsked && !pass.hasWork?.(others)) return { status: 'idle' };
    const state: PassState<C, R> = open
      ? { ...open, invocations: open.invocations + 1, cursor: pass.resume ? pass.resume(open.cursor, startAsked) : open.cursor }
      : { startedAt: claimedAt, invocations: 1, ...pass.begin(startAsked ? 'start' : 'continue') };
    const lastFinished = job.progress.finishedAt;
    log.info(open ? 'pass continued' : 'pass started', {
      job: name,
      invocations: state.invocations,
      ...(lastFinished !== undefined && { last_finished_at: new Date(lastFinished).toISOString() }),
    });
    // The start requests taken on are acknowledged with the first save.
    let unacknowledged = starts;
    const acknowledging = (handled: readonly string[] = []) => {
      const all = [...handled, ...unacknowledged];
      unacknowledged = [];
      return all.length > 0 ? { handled: all } : {};
    };
    const step = await pass.run(state.cursor, state.report, {
      budget: options.budget,
      progress: others,
      checkpoint: (cursor, report, handled) => job.save({ ...state, cursor, report }, acknowledging(handled)),
    });
    notBefore = step.notBefore;
    const handled = acknowledging(step.handled);
    if (step.done) {
      const finishedAt = now();
      const firstPass = lastFinished === undefined ? { firstPass: true as const } : {};
      const finished: FinishedPass<R> = { startedAt: state.startedAt, finishedAt, invocations: state.invocations, report: step.report, ...firstPass };
      await job.save(null, {
        ...handled,
        finishedAt,
        lastPass: JSON.stringify(finished),
        ...(step.coveredUntil !== undefined && { coveredUntil: step.coveredUntil }),
      });
      const openMs = finishedAt - state.startedAt;
      log.info('pass finished', { job: name, invocations: state.invocations, seconds: Math.round(openMs / 1000) });
      return { status: 'finished', invocations: state.invocations, report: step.report, openMs, ...firstPass };
    }
    await job.save({ ...state, cursor: step.cursor, report: step.report }, { ...handled });
    log.info('pass saved to continue', { job: name, invocations: state.invocations });
    return { status: 'continuing', invocations: state.invocations, report: step.report, openMs: now() - state.startedAt };
  } catch (error) {
    if (!(error instanceof LeaseLostError)) throw error;
    log.warn('lease lost: another invocation took the job over', { job: name });
    return { status: 'lease-lost' };
  } finally {
    await job.release(notBefore).catch((error: unknown) => {
      if (!(error instanceof LeaseLostError)) throw error;
    });
  }
}

/**
 * Runs a whole pass in one call, with no time limit and no lease: for tests and for callers
 * that own the only worker. Checkpoints are kept in memory only.
 */
export async function runWholePass<C, R>(pass: SyncPass<C, R>, progress: JobProgress = { requests: [] }): Promise<R> {
  const { cursor, report } = pass.begin('start');
  const step = await pass.run(cursor, report, { budget: Budget.unlimited(), progress, checkpoint: async () => undefined });
  return step.report;
}
