/**
 * What the scheduled functions share: their job's progress table and this invocation's share.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { DynamoSyncProgress } from '../../shared/aws/dynamo-sync-progress.ts';
import { ENV, requireEnv } from '../../shared/config.ts';
import type { ScheduledFunctionName } from '../../shared/functions.ts';
import { countOpenPass, countSync, type PassReading } from '../../shared/metric-counts.ts';
import { Budget } from '../../shared/sync/budget.ts';
import { runSyncPass, syncTriggerOf, type SyncOutcome, type SyncPass } from '../../shared/sync/sync-pass.ts';
import type { SyncProgressStore } from '../../shared/sync/types.ts';
import { documents } from './clients.ts';
import type { HandlerTools } from './figgy-handler.ts';

/**
 * Who holds a lease: this invocation, and only it. The request id names it in the logs; the
 * random part keeps two deliveries of one event (which may share a request id) apart.
 */
export function leaseOwner(context: Context): string {
  return `${context.awsRequestId}/${randomUUID()}`;
}

/** The progress table, from the environment. */
export function syncProgress(env = process.env): DynamoSyncProgress {
  return new DynamoSyncProgress(documents, requireEnv(env, ENV.syncProgressTable));
}

/**
 * Runs this invocation's share of the function's pass: the job is named after the function,
 * the lease lasts until Lambda's timeout, and new work stops in time to save. The invocation
 * is counted by what it did, and a finished pass by what it repaired (`reading`); an open pass
 * it takes over reports its age first, whether or not this invocation then fails.
 */
export async function syncInvocation<C, R>(
  name: ScheduledFunctionName,
  pass: SyncPass<C, R>,
  reading: PassReading<R>,
  event: unknown,
  { context, log, metrics }: HandlerTools,
  store: SyncProgressStore,
): Promise<SyncOutcome<R>> {
  metrics.add('EventsHandled', 1);
  const outcome = await runSyncPass(
    {
      store,
      job: name,
      owner: leaseOwner(context),
      trigger: syncTriggerOf(event),
      budget: Budget.of(context.getRemainingTimeInMillis()),
      log,
      onOpenPass: (openMs) => countOpenPass(openMs, metrics),
    },
    pass,
  );
  countSync(outcome, reading, metrics);
  return outcome;
}
