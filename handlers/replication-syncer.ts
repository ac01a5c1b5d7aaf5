import { ReplicationSyncer } from '../shared/replication/replication-syncer.ts';
import { figgyHandler } from './runtime/figgy-handler.ts';
import { replicationDependencies } from './runtime/replication.ts';

/** Schedule → repair every out-of-sync destination and the source index. */
export const handler = figgyHandler('replication-syncer', (log) => {
  const syncer = new ReplicationSyncer(replicationDependencies(log));
  return () => syncer.sync();
});
