/**
 * Builds the replication services the three replication functions share from the environment.
 */
import { DynamoReplicationMappings, DynamoSourceIndex } from '../../shared/aws/dynamo-replication.ts';
import { ENV, destinationPrefixes, optionalEnv, requireEnv, sourcePrefixes } from '../../shared/config.ts';
import type { Log } from '../../shared/log.ts';
import type { ReplicatorDependencies } from '../../shared/replication/replicator.ts';
import { documents, parameterStore } from './clients.ts';

/** The ports and settings the three replication functions share, from their environment. */
export function replicationDependencies(log: Log, env = process.env): ReplicatorDependencies {
  return {
    parameters: parameterStore,
    mappings: new DynamoReplicationMappings(documents, requireEnv(env, ENV.replicationTable)),
    sourceIndex: new DynamoSourceIndex(documents, requireEnv(env, ENV.replicationSourcesTable)),
    settings: {
      destinationPrefixes: destinationPrefixes(env),
      sourcePrefixes: sourcePrefixes(env),
      kmsKeyId: optionalEnv(env, ENV.replicationKmsKeyId),
    },
    log,
  };
}
