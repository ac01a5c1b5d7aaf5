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
 *   roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer',
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
  /** The only prefixes replication may write in the target. */
  readonly destinationPrefixes: readonly string[];
}
