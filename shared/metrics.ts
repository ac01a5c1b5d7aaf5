/**
 * The metric catalog: every metric the functions emit, its unit, what it counts and who emits
 * it, defined once. The handlers emit through it ({@link MetricSink}) and the construct's
 * alarms and dashboard watch through it, so an alarm can never watch a metric nobody emits.
 *
 * Every metric carries two dimensions: the deployment ({@link DEPLOYMENT_DIMENSION}, its name
 * prefix) and the function ({@link FUNCTION_DIMENSION}). A metric with a `by` dimension is
 * emitted twice: once as the total, which alarms watch, and once per class, for the
 * dashboard and for finding the cause.
 */
import type { FunctionName, ScheduledFunctionName } from './functions.ts';

/**
 * Whether a syncer's repairs need someone's attention: the construct alarms on them and
 * `figgy-events status` flags them. EventBridge delivers CloudTrail's events on a best-effort
 * basis, and the audit syncer's first pass imports the history from before the install, so
 * its repairs are counted and shown, not paged.
 */
export const REPAIRS_NEED_ATTENTION: Readonly<Record<ScheduledFunctionName, boolean>> = {
  'replication-syncer': true,
  'config-cache-syncer': true,
  'audit-syncer': false,
};

/** The CloudWatch namespace of every metric. */
export const METRIC_NAMESPACE = 'FiggyEvents';
/** The deployment's name prefix. */
export const DEPLOYMENT_DIMENSION = 'deployment';
/** The function's name: Powertools Metrics' own `service` dimension, which it always adds. */
export const FUNCTION_DIMENSION = 'service';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface MetricSpec {
  readonly unit: MetricUnit;
  /** What one unit of it means, for the dashboard and the docs. */
  readonly description: string;
  /** The functions that emit it. */
  readonly emittedBy: readonly FunctionName[];
  /** The dimension that classes it, beside the total. */
  readonly by?: string;
}

// Spelled out rather than derived from the function catalog, which would bring every
// function's spec into every bundle's cold start; a unit test holds them to the catalog.
/** The functions an event or a stream record invokes. */
export const EVENT_FUNCTIONS = ['config-cache-manager', 'parameter-store-auditor', 'parameter-stream-replicator', 'dynamo-stream-replicator'] as const;
/** The functions a schedule invokes. */
export const SYNCERS = ['replication-syncer', 'config-cache-syncer', 'audit-syncer'] as const satisfies readonly ScheduledFunctionName[];
/** The functions that write replication destinations. */
export const REPLICATORS = ['parameter-stream-replicator', 'dynamo-stream-replicator', 'replication-syncer'] as const;

export const METRICS = {
  EventsHandled: {
    unit: 'Count',
    description: 'events handled: a parameter change, a stream record, or a schedule',
    emittedBy: [...EVENT_FUNCTIONS, ...SYNCERS],
  },
  EventsFailed: {
    unit: 'Count',
    description: 'events a function failed on, which are retried and then dead-lettered: a broken contract (`invalid`) or an error',
    emittedBy: [...EVENT_FUNCTIONS, ...SYNCERS],
    by: 'reason',
  },
  EventAge: {
    unit: 'Milliseconds',
    description: "how long after the change it was handled: now − CloudTrail's eventTime, or the stream record's age",
    emittedBy: EVENT_FUNCTIONS,
  },
  AuditRecordsWritten: { unit: 'Count', description: 'audit records written', emittedBy: ['parameter-store-auditor'] },
  AuditRecordsWithoutValue: {
    unit: 'Count',
    description: 'audit records of a put written without its value, which a restore cannot bring back',
    emittedBy: ['parameter-store-auditor', 'audit-syncer'],
    by: 'reason',
  },
  AuditDuplicatesSkipped: { unit: 'Count', description: 'events already in the audit log', emittedBy: ['parameter-store-auditor'] },
  CacheItemsWritten: { unit: 'Count', description: 'name cache items written, tombstones included', emittedBy: ['config-cache-manager'] },
  CacheTombstonesWritten: { unit: 'Count', description: 'DELETED tombstones written for deleted names', emittedBy: ['config-cache-manager'] },
  CacheTiesSettled: {
    unit: 'Count',
    description: 'changes of one second whose order only Parameter Store could settle, by asking whether the name exists',
    emittedBy: ['config-cache-manager'],
  },
  CacheEventsSkipped: {
    unit: 'Count',
    description: 'events the name cache already reflects (a duplicate, or older than what it holds)',
    emittedBy: ['config-cache-manager'],
    by: 'reason',
  },
  DestinationsWritten: {
    unit: 'Count',
    description: "destinations and replicas written or deleted, by place (`home`, or a replica target's region/account)",
    emittedBy: REPLICATORS,
    by: 'place',
  },
  ReplicaDeletes: {
    unit: 'Count',
    description: "a mirror's replicas deleted because their source is gone, by place",
    emittedBy: REPLICATORS,
    by: 'place',
  },
  DestinationsUnchanged: { unit: 'Count', description: 'destinations found already in sync', emittedBy: REPLICATORS },
  DestinationsWaiting: { unit: 'Count', description: 'destinations not written because a source is missing', emittedBy: REPLICATORS },
  DestinationsRefused: {
    unit: 'Count',
    description: 'destinations and replicas the replication rule refused to write',
    emittedBy: REPLICATORS,
    by: 'reason',
  },
  SyncRepairs: {
    unit: 'Count',
    description: "repairs a finished syncer pass made: each one is a change the events missed, or a bug",
    emittedBy: SYNCERS,
    by: 'kind',
  },
  SyncFirstPassChanges: {
    unit: 'Count',
    description: "what a deployment's first pass of a syncer wrote: the state from before the install brought in, not repairs",
    emittedBy: SYNCERS,
    by: 'kind',
  },
  SyncItemsChecked: { unit: 'Count', description: 'parameters, cache items or mappings a finished pass checked', emittedBy: SYNCERS },
  SyncPassInvocations: { unit: 'Count', description: 'invocations a finished pass took', emittedBy: SYNCERS },
  SyncPassDuration: { unit: 'Milliseconds', description: 'how long a finished pass was open, first invocation to last', emittedBy: SYNCERS },
  SyncPassAge: {
    unit: 'Milliseconds',
    description: 'how long the pass an invocation worked on has been open, finished or not: a wedged pass keeps growing it',
    emittedBy: SYNCERS,
  },
  SyncInvocations: {
    unit: 'Count',
    description: 'syncer invocations, by what they did: finished the pass, continuing, busy, idle, or lost the lease',
    emittedBy: SYNCERS,
    by: 'status',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

/** Where the domain and the handlers count: the functions' metrics. */
export interface MetricSink {
  /**
   * Adds `value` to `metric` for this invocation; `detail` is its class, for a metric that
   * has a `by` dimension.
   */
  add(metric: MetricName, value: number, detail?: string): void;
}

/** A sink that counts nothing: tests, and code run outside a function. */
export const NO_METRICS: MetricSink = { add: () => undefined };
