/**
 * What the replicators and the syncer may do in the disaster-recovery targets: the IAM of
 * `replicaTargets`, a pure function of the resolved targets like the rest of permissions.ts,
 * and the statements `FiggyReplicaTarget` grants each source's role in another account.
 */
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
import { prefixArnPatterns } from './parameter-arn-patterns.ts';
import type { PolicyStatement } from './policy-documents.ts';

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

/** Writes and reads of the replicas under `parameterPatterns` (from `prefixArnPatterns`). */
export function replicaParameterStatements(parameterPatterns: readonly string[]): PolicyStatement[] {
  return [
    { Sid: 'WriteReplicas', Effect: 'Allow', Action: REPLICA_WRITE_ACTIONS, Resource: parameterPatterns },
    { Sid: 'ReadReplicas', Effect: 'Allow', Action: REPLICA_READ_ACTIONS, Resource: parameterPatterns },
  ];
}

/** Where replica keys are used: the keys, their regions, and the parameters they may encrypt. */
export interface ReplicaKeyScope {
  readonly sid: string;
  readonly keyArns: readonly string[];
  readonly regions: readonly string[];
  /** The replicas' ARN patterns: Parameter Store binds each ciphertext to its parameter's ARN. */
  readonly parameterPatterns: readonly string[];
}

/**
 * Use of replica keys through Parameter Store, and only for the replicas' own parameters: SSM
 * passes the parameter's ARN as encryption context (`PARAMETER_ARN`) on every encrypt and
 * decrypt, so a key shared with other parameters cannot be turned on them.
 */
export function replicaKeyStatement(scope: ReplicaKeyScope): PolicyStatement {
  return {
    Sid: scope.sid,
    Effect: 'Allow',
    // Standard parameters use Encrypt, advanced ones GenerateDataKey; reading a replica back Decrypt.
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    Resource: [...scope.keyArns],
    Condition: {
      StringEquals: { 'kms:ViaService': [...new Set(scope.regions.map((region) => `ssm.${region}.amazonaws.com`))] },
      StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': [...scope.parameterPatterns] },
    },
  };
}

/**
 * Reading a key's metadata in each place replicas live: Parameter Store names a replica's key
 * by alias, id or ARN, and the replicators compare it with the configured key as KMS
 * identifies both (DescribeKey), not as strings. The replica's key may be any key of the
 * account, so any; DescribeKey reveals no key material and allows no use.
 */
export function describeKeysStatement(sid: string, partition: string, places: readonly { region: string; accountId: string }[]): PolicyStatement {
  const keys = places.map(({ region, accountId }) => `arn:${partition}:kms:${region}:${accountId}:key/*`);
  return { Sid: sid, Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: [...new Set(keys)] };
}

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
  const place = (target: ReplicaTarget) => ({ partition, region: target.region, accountId: target.accountId ?? homeAccountId });
  if (local.length > 0) {
    statements.push(
      ...replicaParameterStatements(local.flatMap((target) => prefixArnPatterns(place(target), target.destinationPrefixes))),
      describeKeysStatement('DescribeReplicaKeys', partition, local.map(place)),
    );
    // One statement per key, named for its region (one same-account target per region): each
    // key may encrypt only its own target's replicas.
    for (const target of local) {
      if (target.kmsKeyArn === undefined) continue;
      statements.push(
        replicaKeyStatement({
          sid: `UseReplicaKeyThroughSsm${target.region.replace(/(?:^|-)([a-z0-9])/g, (_, first: string) => first.toUpperCase())}`,
          keyArns: [target.kmsKeyArn],
          regions: [target.region],
          parameterPatterns: prefixArnPatterns(place(target), target.destinationPrefixes),
        }),
      );
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
