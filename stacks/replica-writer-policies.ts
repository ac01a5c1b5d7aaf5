/**
 * The IAM a FiggyReplicaTarget gives each source deployment's role, as plain documents: the
 * construct synthesizes them, and the sandbox grants the same without loading the CDK framework.
 */
import { partitionOf } from '../shared/partitions.ts';
import { FUNCTIONS, FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import { DEFAULT_NAME_PREFIX } from '../shared/tables.ts';
import { functionRoleName } from './function-role-name.ts';
import { prefixArnPatterns } from './parameter-arn-patterns.ts';
import type { PolicyDocument, PolicyStatement, TrustPolicyDocument } from './policy-documents.ts';
import { describeKeysStatement, replicaKeyStatement, replicaParameterStatements } from './replica-grants.ts';

/** A FiggyEvents deployment allowed to replicate into this account. */
export interface ReplicaSource {
  /** Account of the FiggyEvents deployment. */
  readonly accountId: string;
  /** Region of the FiggyEvents deployment (its role names carry it). */
  readonly region: string;
  /** That deployment's `namePrefix`. @defaultValue `'figgy'` */
  readonly namePrefix?: string;
  /**
   * The only prefixes this source may write, tag and delete replicas under, each within the
   * target's `destinationPrefixes`; no two sources' may overlap, so one source can never
   * overwrite or delete another's replicas. Give the source's `replicaTargets` entry the same.
   * Required when there is more than one source.
   * @defaultValue the target's `destinationPrefixes`, when this is its only source
   */
  readonly destinationPrefixes?: readonly string[];
}

/** The target account's side of a source's role policy, as FiggyReplicaTarget's props give it. */
export interface ReplicaTargetAccount {
  readonly accountId: string;
  /** The regions of the account replicas may be written to. */
  readonly regions: readonly string[];
  /** Keys SecureString replicas are encrypted with; absent, each region's default SSM key. */
  readonly kmsKeyArns?: readonly string[];
}

/** The functions that write replicas: those the catalog lets write destinations. */
export const REPLICA_WRITERS: readonly FunctionName[] = FUNCTION_NAMES.filter((name) =>
  (FUNCTIONS[name].ssm as readonly string[]).includes('write-destinations'),
);

/** The ARNs of the source's roles that write replicas: its replicators' and its syncer's. */
export function replicaSourceRoleArns(source: ReplicaSource): string[] {
  return REPLICA_WRITERS.map(
    (name) =>
      `arn:${partitionOf(source.region)}:iam::${source.accountId}:role/` +
      functionRoleName(source.namePrefix ?? DEFAULT_NAME_PREFIX, name, source.region),
  );
}

/**
 * Who may assume one source's role: its account, and within it only the roles of the
 * source's replicating functions. Trusting the account and naming the roles in
 * `aws:PrincipalArn` lets this deploy before the source's roles exist (IAM refuses a role
 * principal that does not), keeps matching a source role that is re-created, and stays
 * the same size however many functions write.
 *
 * @example
 * replicaWriterTrustPolicy({ accountId: '123456789012', region: 'eu-west-1' });
 * // Principal { AWS: 'arn:aws:iam::123456789012:root' }, ArnEquals aws:PrincipalArn [its three roles]
 */
export function replicaWriterTrustPolicy(source: ReplicaSource): TrustPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SourceReplicatorsAssumeRole',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partitionOf(source.region)}:iam::${source.accountId}:root` },
        Action: ['sts:AssumeRole'],
        Condition: { ArnEquals: { 'aws:PrincipalArn': replicaSourceRoleArns(source) } },
      },
    ],
  };
}

/**
 * One source's role policy: SSM under its prefixes in each region, the keys only through SSM
 * for those parameters, and every key's metadata (to compare a replica's key with the
 * configured one).
 */
export function replicaWriterPolicy(
  partition: string,
  props: ReplicaTargetAccount,
  prefixes: readonly string[],
): PolicyDocument {
  const resources = props.regions.flatMap((region) => prefixArnPatterns({ partition, region, accountId: props.accountId }, prefixes));
  const statements: PolicyStatement[] = [
    ...replicaParameterStatements(resources),
    {
      Sid: 'DescribeReplicas',
      Effect: 'Allow',
      // Tier, data type, pattern and description are only listed by DescribeParameters, which
      // supports no resource-level permission.
      Action: ['ssm:DescribeParameters'],
      Resource: ['*'],
    },
    describeKeysStatement(
      'DescribeReplicaKeys',
      partition,
      props.regions.map((region) => ({ region, accountId: props.accountId })),
    ),
  ];
  if (props.kmsKeyArns && props.kmsKeyArns.length > 0) {
    statements.push(
      replicaKeyStatement({ sid: 'UseReplicaKeysThroughSsm', keyArns: props.kmsKeyArns, regions: props.regions, parameterPatterns: resources }),
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}
