import { Replicator } from '../shared/replication/replicator.ts';
import { replicationDependencies } from './runtime/replication.ts';
import { ssmEventHandler } from './runtime/ssm-event.ts';

/** CloudTrail SSM rule → every destination that maps from the changed source. */
export const handler = ssmEventHandler('parameter-stream-replicator', (log) => {
  const replicator = new Replicator(replicationDependencies(log));
  return (change) => replicator.onParameterChanged(change);
});
