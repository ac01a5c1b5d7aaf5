/**
 * Builds the replication services the three replication functions share from the environment.
 */
import { DynamoReplicationMappings, DynamoSourceIndex } from '../../shared/aws/dynamo-replication.ts';
import { kmsKeyArnsBeside } from '../../shared/aws/kms-key-arns.ts';
import { SsmReplicaPlaces } from '../../shared/aws/replica-places.ts';
import { ENV, homeAccountId, replicationSettings, requireEnv } from '../../shared/config.ts';
import type { Log } from '../../shared/log.ts';
import type { ReplicatorDependencies } from '../../shared/replication/replicator.ts';
import { documents, parameterStore, ssmClient } from './clients.ts';

/** The ports and settings the three replication functions share, from their environment. */
export function replicationDependencies(log: Log, env = process.env): ReplicatorDependencies {
  const settings = replicationSettings(env);
  const targets = settings.replicaTargets ?? [];
  // Mirrors compare a replica's key with the configured one as KMS names them.
  const home = parameterStore.withKeys(kmsKeyArnsBeside(ssmClient));
  return {
    parameters: home,
    mappings: new DynamoReplicationMappings(documents, requireEnv(env, ENV.replicationTable)),
    sourceIndex: new DynamoSourceIndex(documents, requireEnv(env, ENV.replicationSourcesTable)),
    settings,
    // Without targets no ARN destination is allowed, so STS is never called.
    ...(targets.length > 0 && {
      places: new SsmReplicaPlaces({
        home,
        // Lambda sets both; the sandbox gives each function the same.
        region: env.AWS_REGION ?? '',
        account: homeAccountId(env),
        targets,
        sessionName: env.AWS_LAMBDA_FUNCTION_NAME ?? 'figgy-events-replication',
      }),
    }),
    log,
  };
}
