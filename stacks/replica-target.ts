/**
 * The other half of cross-account disaster recovery: what a target account deploys so that
 * FiggyEvents deployments in other accounts may write replicas into it, each only under its
 * own prefixes, and nothing else.
 */
import { Construct } from 'constructs';
import { IamRole, IamRolePolicy } from './framework.ts';
import { partitionOf } from '../shared/partitions.ts';
import { DEFAULT_NAME_PREFIX } from '../shared/tables.ts';
import { named } from './logical-ids.ts';
import { checkPrefixes, isUnderPrefix, isUnderPrefixes } from '../shared/parameter-paths.ts';
import { FiggyEventsConfigError } from './config-error.ts';
import { NAME_PREFIX } from './settings.ts';
import { ACCOUNT_ID, REGION } from '../shared/aws-identifiers.ts';
import { replicaWriterPolicy, replicaWriterTrustPolicy, type ReplicaSource } from './replica-writer-policies.ts';

// The construct's props name it, so it is exported with them.
export type { ReplicaSource };

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
 *   sources: [
 *     { accountId: '123456789012', region: 'eu-west-1', destinationPrefixes: ['/dr/prod/'] },
 *     { accountId: '111122223333', region: 'eu-west-1', destinationPrefixes: ['/dr/dev/'] },
 *   ],
 * };
 * ```
 */
export interface FiggyReplicaTargetProps {
  /** This (the target) account's id, for the ARNs in the roles' policies. */
  readonly accountId: string;
  /** The regions of this account replicas may be written to. */
  readonly regions: readonly string[];
  /** The only prefixes replicas may be written under, by any source. `/` is refused. */
  readonly destinationPrefixes: readonly string[];
  /** The deployments whose replicators and syncer may write here, each through a role of its own. */
  readonly sources: readonly ReplicaSource[];
  /**
   * Keys (one per region, in this account) SecureString replicas are encrypted with; the
   * roles may use them only through Parameter Store, for parameters under their prefixes.
   * Absent: each region's default SSM key, which needs no grant.
   */
  readonly kmsKeyArns?: readonly string[];
  /**
   * Start of each source's role name: `<roleNamePrefix>-<source region>-<source account>`,
   * with `-<namePrefix>` after the prefix for a source whose `namePrefix` is not `figgy`. Two
   * FiggyReplicaTargets in one account that trust the same source need different prefixes.
   * @defaultValue `'figgy-replica-writer'`
   */
  readonly roleNamePrefix?: string;
}

/** One source's way in: the role its functions assume, and what that role may do. */
export interface ReplicaWriterRole {
  readonly source: ReplicaSource;
  readonly role: IamRole;
  /** Known at synth: what the source's `replicaTargets[].roleArn` names. */
  readonly roleArn: string;
  /** The prefixes, normalised, this source's replicas may be written under. */
  readonly destinationPrefixes: readonly string[];
}

const DEFAULT_ROLE_NAME_PREFIX = 'figgy-replica-writer';
// IAM's limit on a role name.
const ROLE_NAME_MAX = 64;

// The roles each app's FiggyReplicaTargets make (`account/name` → the construct's path):
// IAM names are account-wide, so two targets in one account must not make the same one.
const roleNamesByApp = new WeakMap<object, Map<string, string>>();

/**
 * The role one source's functions assume in the target account.
 *
 * @example
 * replicaWriterRoleName({ accountId: '123456789012', region: 'eu-west-1' });
 * // 'figgy-replica-writer-eu-west-1-123456789012'
 */
export function replicaWriterRoleName(source: ReplicaSource, roleNamePrefix = DEFAULT_ROLE_NAME_PREFIX): string {
  const prefix = (source.namePrefix ?? DEFAULT_NAME_PREFIX) === DEFAULT_NAME_PREFIX ? '' : `-${source.namePrefix}`;
  return `${roleNamePrefix}${prefix}-${source.region}-${source.accountId}`;
}

/**
 * One role per source deployment, in the target account: each may write, read, tag
 * and delete Parameter Store replicas only under its source's prefixes in the given regions,
 * and use the keys only through Parameter Store for those parameters. Deploy it in the
 * target account (its own stack and provider) before or after the sources, and give each
 * source's `replicaTargets` entry its `roleArnFor(source)`.
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
 * const prod = { accountId: '123456789012', region: 'eu-west-1', destinationPrefixes: ['/dr/prod/'] };
 * const target = new FiggyReplicaTarget(stack, 'replicas', {
 *   accountId: '210987654321',
 *   regions: ['eu-central-1'],
 *   destinationPrefixes: ['/dr/'],
 *   sources: [prod],
 * });
 * console.log(target.roleArnFor(prod)); // arn:aws:iam::210987654321:role/figgy-replica-writer-eu-west-1-123456789012
 * app.synth();
 * ```
 */
export class FiggyReplicaTarget extends Construct {
  /** One role per source, in the order of `sources`. */
  readonly writers: readonly ReplicaWriterRole[];

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
    const scopes = sourceScopes(props.sources, prefixes);
    let taken = roleNamesByApp.get(this.node.root);
    if (!taken) roleNamesByApp.set(this.node.root, (taken = new Map()));
    this.writers = props.sources.map((source, index) => {
      const roleName = replicaWriterRoleName(source, props.roleNamePrefix);
      if (roleName.length > ROLE_NAME_MAX) {
        throw new FiggyEventsConfigError(
          'roleNamePrefix',
          `makes the role name "${roleName}" for sources[${index}], longer than IAM's ${ROLE_NAME_MAX} characters; use a shorter prefix`,
        );
      }
      const other = taken.get(`${props.accountId}/${roleName}`);
      if (other !== undefined) {
        throw new FiggyEventsConfigError(
          'roleNamePrefix',
          `makes the role "${roleName}", which ${other} also makes in account ${props.accountId}; give one of them another roleNamePrefix`,
        );
      }
      taken.set(`${props.accountId}/${roleName}`, this.node.path);
      const destinationPrefixes = scopes[index] as readonly string[];
      const stem = logicalIdStem(source, props.roleNamePrefix);
      const role = named(
        new IamRole(this, `role-${stem}`, {
          name: roleName,
          description: `Writes figgy-events replicas under ${destinationPrefixes.join(', ')} for ${source.accountId}/${source.region}`,
          assumeRolePolicy: JSON.stringify(replicaWriterTrustPolicy(source)),
        }),
        `replica_writer_role_${stem}`,
      );
      named(
        new IamRolePolicy(this, `policy-${stem}`, {
          name: 'replica-writes',
          role: role.name,
          policy: JSON.stringify(replicaWriterPolicy(partition, props, destinationPrefixes)),
        }),
        `replica_writer_policy_${stem}`,
      );
      return { source, role, roleArn: `arn:${partition}:iam::${props.accountId}:role/${roleName}`, destinationPrefixes };
    });
  }

  /**
   * The role ARN to give `source`'s `replicaTargets` entry.
   *
   * @throws FiggyEventsConfigError when `source` is not one of `sources`.
   */
  roleArnFor(source: Pick<ReplicaSource, 'accountId' | 'region' | 'namePrefix'>): string {
    const writer = this.writers.find(
      ({ source: each }) =>
        each.accountId === source.accountId &&
        each.region === source.region &&
        (each.namePrefix ?? DEFAULT_NAME_PREFIX) === (source.namePrefix ?? DEFAULT_NAME_PREFIX),
    );
    if (!writer) throw new FiggyEventsConfigError('sources', `has no ${source.accountId}/${source.region} deployment`);
    return writer.roleArn;
  }
}

/**
 * Each source's prefixes, normalised: its own, within the target's, or the target's when it
 * is the only source. Two sources may not share a parameter, so neither can overwrite or
 * delete the other's replicas.
 */
function sourceScopes(sources: readonly ReplicaSource[], targetPrefixes: readonly string[]): string[][] {
  const seen = new Set<string>();
  const scopes = sources.map((source, index) => {
    const prop = `sources[${index}]`;
    const deployment = `${source.accountId}/${source.region}/${source.namePrefix ?? DEFAULT_NAME_PREFIX}`;
    if (seen.has(deployment)) throw new FiggyEventsConfigError(prop, `names ${deployment} a second time; list each deployment once`);
    seen.add(deployment);
    if (!ACCOUNT_ID.test(source.accountId)) {
      throw new FiggyEventsConfigError(`${prop}.accountId`, `is "${source.accountId}"; use the 12-digit account id`);
    }
    if (!REGION.test(source.region)) throw new FiggyEventsConfigError(`${prop}.region`, `is "${source.region}", not a region's name`);
    if (source.namePrefix !== undefined && !NAME_PREFIX.test(source.namePrefix)) {
      throw new FiggyEventsConfigError(
        `${prop}.namePrefix`,
        `is "${source.namePrefix}", which no FiggyEvents deployment can have (lowercase letters, digits and "-", starting with a letter, at most 20 characters)`,
      );
    }
    if (source.destinationPrefixes === undefined) {
      if (sources.length > 1) {
        throw new FiggyEventsConfigError(
          `${prop}.destinationPrefixes`,
          'is required when a target has several sources: give each its own prefixes, so none can overwrite or delete another\'s replicas',
        );
      }
      return [...targetPrefixes];
    }
    const own = checkPrefixes(
      source.destinationPrefixes,
      (reason) => new FiggyEventsConfigError(`${prop}.destinationPrefixes`, reason),
      { rootAllowed: false },
    );
    const outside = own.find((prefix) => !isUnderPrefixes(prefix, targetPrefixes));
    if (outside !== undefined) {
      throw new FiggyEventsConfigError(`${prop}.destinationPrefixes`, `has ${outside}, outside the target's destinationPrefixes ${targetPrefixes.join(', ')}`);
    }
    return own;
  });
  scopes.forEach((own, index) => {
    scopes.slice(0, index).forEach((earlier, other) => {
      const shared = own.find((prefix) => earlier.some((each) => isUnderPrefix(prefix, each) || isUnderPrefix(each, prefix)));
      if (shared !== undefined) {
        throw new FiggyEventsConfigError(
          `sources[${index}].destinationPrefixes`,
          `overlaps sources[${other}]'s at ${shared}: one source could overwrite or delete the other's replicas`,
        );
      }
    });
  });
  return scopes;
}

/**
 * `{ accountId, region, namePrefix }` → `eu_west_1_123456789012`, with `_<namePrefix>` for a
 * source's non-default prefix and `_<roleNamePrefix>` for a non-default one: unique wherever
 * the role name is, so two targets in one stack never share a resource.
 */
function logicalIdStem(source: ReplicaSource, roleNamePrefix = DEFAULT_ROLE_NAME_PREFIX): string {
  const prefix = (source.namePrefix ?? DEFAULT_NAME_PREFIX) === DEFAULT_NAME_PREFIX ? '' : `_${source.namePrefix}`;
  const roles = roleNamePrefix === DEFAULT_ROLE_NAME_PREFIX ? '' : `_${roleNamePrefix}`;
  return `${source.region}_${source.accountId}${prefix}${roles}`.replaceAll('-', '_');
}
