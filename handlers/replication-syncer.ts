import { REPLICATION_PASS } from '../shared/metric-counts.ts';
import { REPLICATION_JOB, ReplicationSyncer } from '../shared/replication/replication-syncer.ts';
import { figgyHandler } from './runtime/figgy-handler.ts';
import { replicationDependencies } from './runtime/replication.ts';
import { syncInvocation, syncProgress } from './runtime/sync.ts';

/**
 * Schedule → this invocation's share of the repair pass (every out-of-sync destination and the
 * source index) and of the mirrors' first copies, continued from where the last one stopped.
 */
export const handler = figgyHandler('replication-syncer', (log) => {
  const syncer = new ReplicationSyncer(replicationDependencies(log));
  const progress = syncProgress();
  return (event: unknown, { context, metrics }) => syncInvocation(REPLICATION_JOB, syncer, REPLICATION_PASS, event, { context, log, metrics }, progress);
});
