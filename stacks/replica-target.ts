/**
 * The other half of cross-account disaster recovery: what a target account deploys so that
 * a FiggyEvents deployment in another account may write replicas into it, and nothing else.
 */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Construct } from 'constructs';
import { partitionOf } from '../shared/partitions.ts';
import { FUNCTIONS, FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import { DEFAULT_NAME_PREFIX } from '../shared/tables.ts';
import { functionRoleName } from './function.ts';
import { named } from './logical-ids.ts';
import { prefixArnPatterns, type PolicyDocument, type PolicyStatement } from './permissions.ts';
import { checkPrefixes } from '../shared/parameter-paths.ts';
import { FiggyEventsConfigError } from './settings.ts';
import { ACCOUNT_ID } from '../shared/aws-identifiers.ts';

/** A FiggyEvents deployment allowed to replicate into this account. */
export interface ReplicaSource {
  /** Account of the FiggyEvents deployment. */
  readonly accountId: string;
  /** Region of the FiggyEvents deployment (its role names carry it). */
  readonly region: string;
  /** That deployment's `namePrefix`. @defaultValue `'figgy'` */
  readonly namePrefix?: string;
}

/**
 * Props of {@link FiggyReplicaTarget}.
 *
 * @example
 * ```ts
 * import type { FiggyReplicaTargetProps } from 'figgy-events';
 *
 * const props: FiggyReplicaTargetProps = {
 *   accountId: '210987654321',
 *   regions: ['eu-central-1'],
 *   destinationPrefixes: ['/dr/'],
 *   sources: [{ accountId: '123456789012', region: 'eu-west-1' }],
 * };
 * ```
 */
export interface FiggyReplicaTargetProps {
  /** This (the target) account's id, for the ARNs in the role's policy. */
  readonly accountId: string;
  /** The regions of this account replicas may be written to. */
  readonly regions: readonly string[];
  /** The only prefixes replicas may be written under. `/` is refused. */
  readonly destinationPrefixes: readonly string[];
  /** The deployments whose replicators and syncer may assume the role: trusted by role ARN, nothing else. */
  readonly sources: readonly ReplicaSource[];
  /**
   * Keys (one per region, in this account) SecureString replicas are encrypted with; the
   * role may use them only through Parameter Store. Absent: each region's default SSM key,
   * which needs no grant.
   */
  readonly kmsKeyArns?: readonly string[];
  /** Name of the role. @defaultValue `'figgy-replica-writer'` */
  readonly roleName?: string;
}

/** The functions that write replicas: those the catalog lets write destinations. */
export const REPLICA_WRITERS: readonly FunctionName[] = FUNCTION_NAMES.filter((name) =>
  (FUNCTIONS[name].ssm as readonly string[]).includes('write-destinations'),
);


/**
 * A role in the target account that the source deployments' replicators and syncer assume to
 * write replicas: Parameter Store writes, reads and tags under the destination prefixes of the
 * given regions only, and its keys only through Parameter Store. Deploy it in the target
 * account (its own stack and provider) and give its `roleArn` to the source's
 * `replicaTargets`.
 *
 * @example
 * ```ts
 * import { App, TerraformStack } from 'cdktf';
 * import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
 * import { FiggyReplicaTarget } from 'figgy-events';
 *
 * const app = new App();
 * const stack = new TerraformStack(app, 'dr-target');
 * new AwsProvider(stack, 'aws', { region: 'eu-central-1' });
 * const target = new FiggyReplicaTarget(stack, 'replicas', {
 *   accountId: '210987654321',
 *   regions: ['eu-central-1'],
 *   destinationPrefixes: ['/dr/'],
 *   sources: [{ accountId: '123456789012', region: 'eu-west-1' }],
 * });
 * console.log(target.roleArn); // arn:aws:iam::210987654321:role/figgy-replica-writer
 * app.synth();
 * ```
 */
export class FiggyReplicaTarget extends Construct {
  /** The role the source deployments assume to write replicas. */
  readonly role: IamRole;
  /** The role's ARN, known at synth: what the source's `replicaTargets[].roleArn` names. */
  readonly roleArn: string;
  /** The source roles trusted to assume it. */
  readonly trustedRoleArns: readonly string[];

  constructor(scope: Construct, id: string, props: FiggyReplicaTargetProps) {
    super(scope, id);
    if (!ACCOUNT_ID.test(props.accountId)) {
      throw new FiggyEventsConfigError('accountId', `is "${props.accountId}"; use the 12-digit account id`);
    }
    if (props.regions.length === 0) throw new FiggyEventsConfigError('regions', 'lists no region');
    if (props.sources.length === 0) throw new FiggyEventsConfigError('sources', 'lists no FiggyEvents deployment to trust');
    const prefixes = checkPrefixes(
      props.destinationPrefixes,
      (reason) => new FiggyEventsConfigError('destinationPrefixes', reason),
      { rootAllowed: false },
    );
    const partition = partitionOf(props.regions[0] as string);
    const roleName = props.roleName ?? 'figgy-replica-writer';
    this.roleArn = `arn:${partition}:iam::${props.accountId}:role/${roleName}`;
    this.trustedRoleArns = props.sources.flatMap((source) => {
      if (!ACCOUNT_ID.test(source.accountId)) {
        throw new FiggyEventsConfigError('sources', `has account "${source.accountId}"; use the 12-digit account id`);
      }
      return REPLICA_WRITERS.map(
        (name) =>
          `arn:${partitionOf(source.region)}:iam::${source.accountId}:role/` +
          functionRoleName(source.namePrefix ?? DEFAULT_NAME_PREFIX, name, source.region),
      );
    });

    this.role = named(
      new IamRole(this, 'role', {
        name: roleName,
        description: 'Writes figgy-events replicas; assumed only by the replicating deployments',
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ReplicatorsAssumeRole',
              Effect: 'Allow',
              Principal: { AWS: this.trustedRoleArns },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
      'replica_writer_role',
    );
    named(
      new IamRolePolicy(this, 'policy', {
        name: 'replica-writes',
        role: this.role.name,
        policy: JSON.stringify(replicaWriterPolicy(partition, props, prefixes)),
      }),
      'replica_writer_policy',
    );
  }
}

/** The replica writer's policy: SSM under the prefixes of each region, keys only through SSM. */
export function replicaWriterPolicy(
  partition: string,
  props: Pick<FiggyReplicaTargetProps, 'accountId' | 'regions' | 'kmsKeyArns'>,
  prefixes: readonly string[],
): PolicyDocument {
  const resources = props.regions.flatMap((region) => prefixArnPatterns({ partition, region, accountId: props.accountId }, prefixes));
  const statements: PolicyStatement[] = [
    {
      Sid: 'WriteReplicas',
      Effect: 'Allow',
      Action: [
        'ssm:AddTagsToResource',
        'ssm:DeleteParameter',
        'ssm:DeleteParameters',
        'ssm:PutParameter',
        'ssm:RemoveTagsFromResource',
      ],
      Resource: resources,
    },
    {
      Sid: 'ReadReplicas',
      Effect: 'Allow',
      // The current replica decides whether a write is needed; its tags whether they drifted.
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:ListTagsForResource'],
      Resource: resources,
    },
    {
      Sid: 'DescribeReplicas',
      Effect: 'Allow',
      // Tier, data type, pattern and description are only listed by DescribeParameters, which
      // supports no resource-level permission.
      Action: ['ssm:DescribeParameters'],
      Resource: ['*'],
    },
  ];
  if (props.kmsKeyArns && props.kmsKeyArns.length > 0) {
    statements.push({
      Sid: 'UseReplicaKeysThroughSsm',
      Effect: 'Allow',
      // Standard parameters use Encrypt, advanced ones GenerateDataKey; reading a replica back Decrypt.
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: [...props.kmsKeyArns],
      Condition: { StringEquals: { 'kms:ViaService': props.regions.map((region) => `ssm.${region}.amazonaws.com`) } },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
