/**
 * What the replicators and the syncer may do in the disaster-recovery targets: the IAM of
 * `replicaTargets`, a pure function of the resolved targets like the rest of permissions.ts.
 */
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
import { prefixArnPatterns, type PolicyStatement } from './permissions.ts';

/** The Parameter Store calls that keep a replica: its value and metadata, its tags, its deletion. */
export const REPLICA_WRITE_ACTIONS = [
  'ssm:AddTagsToResource',
  'ssm:DeleteParameter',
  'ssm:DeleteParameters',
  'ssm:PutParameter',
  'ssm:RemoveTagsFromResource',
];

/** What a replica is compared by before it is written: its value, its tags. */
export const REPLICA_READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:ListTagsForResource'];

/**
 * Statements for a writer function's role; `homeAccountId` may be a token (the account read
 * at plan time). A target in the deployment's own account is
 * written directly: SSM under its prefixes in its region, its key only through SSM there. A
 * target in another account is written through its role, so the function may only assume
 * that role: what the role may do is the target account's `FiggyReplicaTarget`.
 *
 * @example
 * replicaTargetStatements([{ region: 'eu-central-1', accountId: '123456789012', destinationPrefixes: ['/dr'] }], 'aws', '123456789012');
 * // → ssm writes and reads on arn:aws:ssm:eu-central-1:123456789012:parameter/dr and …/dr/*
 */
export function replicaTargetStatements(
  targets: readonly ReplicaTarget[],
  partition: string,
  homeAccountId: string,
): PolicyStatement[] {
  const local = targets.filter((target) => target.roleArn === undefined);
  const remote = targets.filter((target) => target.roleArn !== undefined);
  const statements: PolicyStatement[] = [];
  if (local.length > 0) {
    const resources = local.flatMap((target) =>
      prefixArnPatterns({ partition, region: target.region, accountId: target.accountId ?? homeAccountId }, target.destinationPrefixes),
    );
    statements.push(
      { Sid: 'WriteReplicas', Effect: 'Allow', Action: REPLICA_WRITE_ACTIONS, Resource: resources },
      { Sid: 'ReadReplicas', Effect: 'Allow', Action: REPLICA_READ_ACTIONS, Resource: resources },
    );
    const keyed = local.filter((target) => target.kmsKeyArn !== undefined);
    if (keyed.length > 0) {
      statements.push({
        Sid: 'UseReplicaKeysThroughSsm',
        Effect: 'Allow',
        // Standard parameters use Encrypt, advanced ones GenerateDataKey; reading a replica back Decrypt.
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: keyed.map((target) => target.kmsKeyArn as string),
        Condition: {
          StringEquals: { 'kms:ViaService': [...new Set(keyed.map((target) => `ssm.${target.region}.amazonaws.com`))] },
        },
      });
    }
  }
  if (remote.length > 0) {
    statements.push({
      Sid: 'AssumeReplicaTargetRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: [...new Set(remote.map((target) => target.roleArn as string))],
    });
  }
  return statements;
}
