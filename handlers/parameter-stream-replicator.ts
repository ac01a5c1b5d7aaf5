import { countReplication } from '../shared/metric-counts.ts';
import { Replicator } from '../shared/replication/replicator.ts';
import { replicationDependencies } from './runtime/replication.ts';
import { ssmEventHandler } from './runtime/ssm-event.ts';

/** CloudTrail SSM rule → every destination that maps from the changed source. */
export const handler = ssmEventHandler('parameter-stream-replicator', (log, metrics) => {
  const replicator = new Replicator(replicationDependencies(log));
  return async (change) => {
    const outcomes = await replicator.onParameterChanged(change);
    countReplication(outcomes, metrics);
    return outcomes;
  };
});
