/**
 * Builds the replication services the three replication functions share from the environment.
 */
import { DynamoReplicationMappings, DynamoSourceIndex } from '../../shared/aws/dynamo-replication.ts';
import { ENV, destinationPrefixes, optionalEnv, requireEnv } from '../../shared/config.ts';
import type { Log } from '../../shared/log.ts';
import type { ReplicatorDependencies } from '../../shared/replication/replicator.ts';
import { documents, parameterStore } from './clients.ts';

export function replicationDependencies(log: Log, env = process.env): ReplicatorDependencies {
  return {
    parameters: parameterStore,
    mappings: new DynamoReplicationMappings(documents, requireEnv(env, ENV.replicationTable)),
    sourceIndex: new DynamoSourceIndex(documents, requireEnv(env, ENV.replicationSourcesTable)),
    settings: {
      destinationPrefixes: destinationPrefixes(env),
      kmsKeyId: optionalEnv(env, ENV.replicationKmsKeyId),
    },
    log,
  };
}
