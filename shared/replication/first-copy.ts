/**
 * A new mirror's first copy, made by the stream record that announced the mirror.
 */
import { randomUUID } from 'node:crypto';
import type { Log } from '../log.ts';
import type { Budget } from '../sync/budget.ts';
import { JobLease } from '../sync/job-lease.ts';
import type { SyncProgressStore } from '../sync/types.ts';
import { PacedBulkWork } from './paced-bulk-work.ts';
import { REPLICATION_JOB, copyRequest } from './replication-syncer.ts';
import { Replicator, type MirrorCopier, type ReplicatorDependencies } from './replicator.ts';

export interface FirstCopyInvocation {
  readonly store: SyncProgressStore;
  /** This invocation (Lambda's request id). */
  readonly owner: string;
  readonly budget: Budget;
  readonly log: Log;
  readonly now?: () => number;
}

/**
 * Copies a new mirror at once when the replication job is free, paced like every bulk
 * write, for as long as the invocation's budget allows; what is left — or the whole copy, if
 * the replication syncer holds the job — is asked of the replication syncer, which continues
 * behind the last replica written within a minute (its continuation schedule).
 *
 * The copy is asked of the syncer before it starts, so an invocation that dies mid-copy
 * leaves it to the syncer too (which then reads the first replicas again; it does not write
 * them again, as they are in sync).
 *
 * @example
 * const replicator = new Replicator({ ...deps, copyMirror: firstCopier(deps, { store, owner, budget, log }) });
 */
export function firstCopier(deps: ReplicatorDependencies, invocation: FirstCopyInvocation): MirrorCopier {
  const { store, log } = invocation;
  const now = invocation.now ?? Date.now;
  return async (mapping, context) => {
    const id = context.eventId ?? randomUUID();
    const whole = copyRequest({ mirror: mapping.destination, id });
    const job = await JobLease.claim(store, { job: REPLICATION_JOB, owner: invocation.owner, until: invocation.budget.deadline }, now());
    await store.request(REPLICATION_JOB, whole);
    if (!job) {
      log.info('first copy left to the replication syncer, which holds the job', { parameter_name: mapping.destination, event_id: context.eventId });
      return { destination: mapping.destination, result: 'waiting', reason: 'the replication syncer is copying' };
    }
    const paced = new PacedBulkWork(deps, job.progress.notBefore, invocation.budget);
    try {
      const outcome = await new Replicator(paced.dependencies).mirror(mapping, context, { budget: invocation.budget });
      if (outcome.next !== undefined) {
        await store.request(REPLICATION_JOB, copyRequest({ mirror: mapping.destination, after: outcome.next, id }));
        log.info('first copy continues in the replication syncer', { parameter_name: mapping.destination, event_id: context.eventId });
      }
      await job.save(undefined, { handled: [whole] });
      return outcome;
    } finally {
      await job.release(await paced.notBefore());
    }
  };
}
