/**
 * Replica targets: the other regions and accounts replication may write to (disaster
 * recovery). The construct's `replicaTargets` prop, the functions' environment and the
 * sandbox all take this one shape.
 */

/**
 * One place outside the deployment's own region and account where mirrors and mappings with
 * an ARN destination may write.
 *
 * @example
 * ```ts
 * import type { ReplicaTarget } from 'figgy-events';
 *
 * const target: ReplicaTarget = {
 *   region: 'eu-central-1',
 *   accountId: '210987654321',
 *   roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer-eu-west-1-123456789012',
 *   destinationPrefixes: ['/dr/'],
 * };
 * ```
 */
export interface ReplicaTarget {
  /** Region of the target's Parameter Store. */
  readonly region: string;
  /** Account of the target; absent means the deployment's own account. */
  readonly accountId?: string;
  /**
   * Role in the target account that the replicators and the syncer assume to write there
   * (`FiggyReplicaTarget` creates one); required when `accountId` is another account.
   */
  readonly roleArn?: string;
  /**
   * Key SecureStrings are encrypted with in the target: an ARN in the target's region and
   * account (a multi-Region replica key is fine). Absent means the target's default SSM key.
   */
  readonly kmsKeyArn?: string;
  /**
   * The most writes per second a mirror's first copy and the syncer's repairs send to the
   * target's Parameter Store (live replication of single changes is not paced).
   * @defaultValue 2, leaving most of SSM's default 3 PutParameter/s to the target's own users
   */
  readonly bulkWritesPerSecond?: number;
  /**
   * The most read calls per second that a mirror's first copy and the syncer's passes send to
   * the target's Parameter Store (live replication of single changes is not paced).
   * @defaultValue 10, a quarter of SSM's default 40 reads/s, leaving the rest to the target's own users
   */
  readonly bulkReadsPerSecond?: number;
  /** The only prefixes replication may write in the target. */
  readonly destinationPrefixes: readonly string[];
}

/** The pace of first copies and repairs when none is configured, in writes per second. */
export const DEFAULT_BULK_WRITES_PER_SECOND = 2;

/**
 * The pace of background reads (syncer passes, first copies, the cache syncer's listing) when
 * none is configured, in calls per second: a quarter of the 40 a second that GetParameter,
 * GetParameters and GetParametersByPath share by default per account and region.
 */
export const DEFAULT_BULK_READS_PER_SECOND = 10;

/** What a bulk pace counts, as its error message says. */
export type BulkCalls = 'writes' | 'reads';

/**
 * SSM's highest throughput (with higher throughput enabled: 3,000 reads/s, far fewer writes)
 * is at or below this; a larger figure is a typo, not a pace.
 */
const MAX_BULK_RATE = 1_000;

/** Slower than this, one call's wait would take most of a syncer invocation's time. */
const MIN_BULK_RATE = 0.1;

/**
 * The one rule for a configured bulk pace, of writes or of reads: from 0.1 to 1,000 calls per
 * second. Returns why not, or undefined when it is valid.
 */
export function bulkRateProblem(value: unknown, calls: BulkCalls): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_BULK_RATE || value > MAX_BULK_RATE) {
    return `is ${JSON.stringify(value)}, not a number of ${calls} per second from ${MIN_BULK_RATE} to ${MAX_BULK_RATE}`;
  }
  return undefined;
}

/**
 * The target serving `place`, if one does: a target without `accountId` is in the home
 * account. The one lookup behind the rule, the writers' clients and their pace.
 */
export function replicaTargetAt(
  targets: readonly ReplicaTarget[] | undefined,
  place: { readonly region: string; readonly account: string },
  homeAccount: string,
): ReplicaTarget | undefined {
  return targets?.find((each) => each.region === place.region && (each.accountId ?? homeAccount) === place.account);
}

/**
 * Why `target` cannot be written as configured, or undefined: another account is reached
 * only through the role its `FiggyReplicaTarget` made, since the deployment's own role can
 * be granted nothing there. The construct asks at synth when it knows its account; the
 * functions ask at start, when the account came from Terraform.
 */
export function missingRoleProblem(target: ReplicaTarget, homeAccount: string): string | undefined {
  if (target.roleArn !== undefined || target.accountId === undefined || target.accountId === homeAccount) return undefined;
  return `is required: account ${target.accountId} is not this deployment's (${homeAccount}); deploy FiggyReplicaTarget there and give its role ARN`;
}
