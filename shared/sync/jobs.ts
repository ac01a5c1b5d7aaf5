/**
 * The long jobs, by the key of their item in the sync progress table. The domain claims and
 * saves under these names, and the function catalog confines each function's grant on the
 * table to its own job's item, so the two cannot name different items.
 */

/** The job the replication syncer and the mirrors' first copies share: one lease, one pace. */
export const REPLICATION_JOB = 'replication-syncer';

/** The pass that reconciles the name cache with Parameter Store. */
export const CACHE_SYNC_JOB = 'config-cache-syncer';

/** The pass that heals the audit log from CloudTrail's event history. */
export const AUDIT_SYNC_JOB = 'audit-syncer';

/** A job's name, the partition key (`job`) of its one item in the sync progress table. */
export type SyncJob = typeof REPLICATION_JOB | typeof CACHE_SYNC_JOB | typeof AUDIT_SYNC_JOB;

/**
 * Minutes after which an open pass counts as wedged, by default: the construct's
 * `passOpenAlarmMinutes` and `figgy-events status` share it. A healthy pass finishes within a
 * few of its schedule's runs; three hours open means its invocations keep failing or stopping.
 */
export const DEFAULT_WEDGED_PASS_MINUTES = 180;
