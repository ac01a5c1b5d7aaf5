/**
 * The `replicaTargets` prop checked at synth, so a target that could never be written is
 * reported by prop name, not by AWS in the middle of a failover.
 */
import { checkPrefixes } from '../shared/parameter-paths.ts';
import { missingRoleProblem, type ReplicaTarget } from '../shared/replication/replica-targets.ts';
import { bulkReadRate, bulkWriteRate } from './bulk-rate-settings.ts';
import { FiggyEventsConfigError, refuseUnknownFields } from './config-error.ts';
import { ACCOUNT_ID, KMS_KEY_ARN, REGION, ROLE_ARN } from '../shared/aws-identifiers.ts';
import type { IsUnresolved } from './unresolved-values.ts';

/** Where the deployment itself runs: a target there is no disaster-recovery target. */
export interface HomePlace {
  readonly region: string;
  /** Unknown at synth when the account comes from `data.aws_caller_identity`. */
  readonly accountId?: string;
}

/**
 * Each target checked and its prefixes normalised; throws {@link FiggyEventsConfigError}
 * naming `replicaTargets[i].<field>`.
 *
 * @example
 * resolveReplicaTargets([{ region: 'eu-central-1', destinationPrefixes: ['/dr/'] }], { region: 'eu-west-1' }, Token.isUnresolved);
 * // → [{ region: 'eu-central-1', destinationPrefixes: ['/dr'] }]
 */
export function resolveReplicaTargets(targets: readonly ReplicaTarget[] | undefined, home: HomePlace, isUnresolved: IsUnresolved): ReplicaTarget[] {
  const seen = new Set<string>();
  // Plain JavaScript can give anything: each shape is named as TypeScript would have named it.
  if (targets !== undefined && !Array.isArray(targets)) {
    throw new FiggyEventsConfigError('replicaTargets', `is not a list; give one, e.g. [{ region: 'eu-central-1', destinationPrefixes: ['/dr/'] }]`);
  }
  return (targets ?? []).map((target, index) => {
    const prop = (field: string) => `replicaTargets[${index}].${field}`;
    checkTargetShape(target, index);
    if (isUnresolved(target.region) || !REGION.test(target.region)) {
      throw new FiggyEventsConfigError(prop('region'), `is "${target.region}"; give the region's name as a literal string`);
    }
    const roleAccount = target.roleArn === undefined ? undefined : ROLE_ARN.exec(target.roleArn)?.[1];
    if (target.roleArn !== undefined && roleAccount === undefined) {
      throw new FiggyEventsConfigError(prop('roleArn'), `is "${target.roleArn}", not an IAM role ARN`);
    }
    if (target.accountId !== undefined && !ACCOUNT_ID.test(target.accountId)) {
      throw new FiggyEventsConfigError(prop('accountId'), `is "${target.accountId}"; use the 12-digit account id`);
    }
    const accountId = target.accountId ?? roleAccount ?? home.accountId;
    if (roleAccount !== undefined && roleAccount !== accountId) {
      throw new FiggyEventsConfigError(prop('roleArn'), `is a role of account ${roleAccount}, not of the target's account ${accountId}`);
    }
    const otherAccount = accountId !== undefined && home.accountId !== undefined && accountId !== home.accountId;
    const missingRole = home.accountId === undefined ? undefined : missingRoleProblem({ ...target, ...(accountId !== undefined && { accountId }) }, home.accountId);
    if (missingRole) throw new FiggyEventsConfigError(prop('roleArn'), missingRole);
    if (target.region === home.region && !otherAccount && target.roleArn === undefined) {
      throw new FiggyEventsConfigError(
        prop('region'),
        `is this deployment's own region and account; list its prefixes in destinationPrefixes instead`,
      );
    }
    const place = `${target.region}/${accountId ?? 'this account'}`;
    if (seen.has(place)) throw new FiggyEventsConfigError(prop('region'), `names ${place} a second time; list each target once`);
    seen.add(place);
    if (target.kmsKeyArn !== undefined) {
      const key = KMS_KEY_ARN.exec(target.kmsKeyArn);
      if (!key) {
        throw new FiggyEventsConfigError(prop('kmsKeyArn'), `is "${target.kmsKeyArn}"; give the key's ARN, not an alias`);
      }
      // Keys are regional: a SecureString in the target can only use a key of the target's
      // region (a multi-Region key's replica there has its own ARN).
      if (key[1] !== target.region || (accountId !== undefined && key[2] !== accountId)) {
        throw new FiggyEventsConfigError(
          prop('kmsKeyArn'),
          `is a key of ${key[1]}/${key[2]}; use a key in the target's region ${target.region} and its account`,
        );
      }
    }
    const destinationPrefixes = checkPrefixes(
      target.destinationPrefixes,
      (reason) => new FiggyEventsConfigError(prop('destinationPrefixes'), reason),
      { rootAllowed: false },
    );
    const bulkWritesPerSecond = bulkWriteRate(prop('bulkWritesPerSecond'), target.bulkWritesPerSecond, isUnresolved);
    const bulkReadsPerSecond = bulkReadRate(prop('bulkReadsPerSecond'), target.bulkReadsPerSecond, isUnresolved);
    return {
      region: target.region,
      ...(accountId !== undefined && { accountId }),
      ...(target.roleArn !== undefined && { roleArn: target.roleArn }),
      ...(target.kmsKeyArn !== undefined && { kmsKeyArn: target.kmsKeyArn }),
      destinationPrefixes,
      ...(bulkWritesPerSecond !== undefined && { bulkWritesPerSecond }),
      ...(bulkReadsPerSecond !== undefined && { bulkReadsPerSecond }),
    };
  });
}

/** Every field of a replica target: a Record of each key, so one added to the type and not here fails to compile. */
const TARGET_FIELDS = Object.keys({
  region: true, accountId: true, roleArn: true, kmsKeyArn: true, bulkWritesPerSecond: true, bulkReadsPerSecond: true, destinationPrefixes: true,
} satisfies Record<keyof ReplicaTarget, true>);

/** Refuses a target that is not an object, or names a field a target does not have (a misspelt one would be ignored). */
function checkTargetShape(target: unknown, index: number): void {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw new FiggyEventsConfigError(`replicaTargets[${index}]`, `is ${JSON.stringify(target)}; give an object such as { region: 'eu-central-1', destinationPrefixes: ['/dr/'] }`);
  }
  refuseUnknownFields(target, TARGET_FIELDS, (field) => `replicaTargets[${index}].${field}`, 'a field of a replica target');
}
