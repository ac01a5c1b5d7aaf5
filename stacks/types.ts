/**
 * The public props of the FiggyEvents construct and the stack that hosts it.
 */
import type { FunctionName, ScheduledFunctionName } from '../shared/functions.ts';
import type { FunctionBundleOptions } from './function-bundles.ts';
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';

export type { ScheduledFunctionName };

export type LambdaArchitecture = 'arm64' | 'x86_64';

/** Sizing of one Lambda function. Every field falls back to {@link FiggyEventsProps.lambda}. */
export interface FunctionSettings {
  /** Memory in MB. */
  readonly memorySize?: number;
  /** Timeout in seconds. */
  readonly timeoutSeconds?: number;
}

/** Sizing shared by all seven functions. */
export interface LambdaSettings extends FunctionSettings {
  readonly architecture?: LambdaArchitecture;
}

/**
 * The dashboard and the alarms on the functions' own metrics (the error and dead-letter alarms
 * are always there). Every alarm notifies {@link FiggyEventsProps.alarmTopicArn} when given.
 */
export interface MonitoringSettings {
  /**
   * One CloudWatch dashboard, `<namePrefix>-events`: event age, throughput, errors, dead
   * letters, refusals, repairs and passes.
   * @defaultValue true
   */
  readonly dashboard?: boolean;
  /**
   * Alarm when a syncer's pass repaired anything: the stop-gap fired, so an event was lost or
   * a bug is live.
   * @defaultValue true
   */
  readonly repairAlarms?: boolean;
  /**
   * Alarm when the auditor recorded a put without its value (a restore cannot bring it back).
   * @defaultValue true
   */
  readonly auditWithoutValueAlarm?: boolean;
  /**
   * Alarm when events reach a function more than this many minutes after the change (p99 over
   * five minutes); `false`: no such alarm.
   * @defaultValue 5
   */
  readonly eventAgeAlarmMinutes?: number | false;
  /**
   * Alarm when a syncer's pass has been open longer than this many minutes; `false`: no such
   * alarm.
   * @defaultValue 180
   */
  readonly passOpenAlarmMinutes?: number | false;
}

/** How often EventBridge retries handing an event to a function before dead-lettering it. */
export interface DeliveryRetry {
  /** Attempts after the first (0–185). */
  readonly maximumRetryAttempts?: number;
  /** Oldest event, in seconds, still worth delivering (60–86400). */
  readonly maximumEventAgeSeconds?: number;
}

/**
 * Props of {@link FiggyEvents}.
 *
 * Only `region` and `destinationPrefixes` are required: the first because names and ARNs are
 * written out at synth time (so `terraform plan` reads plainly and name lengths are checked
 * before AWS sees them), the second because it is the only thing replication may write to and
 * no default could be safe.
 *
 * @example
 * ```ts
 * import type { FiggyEventsProps } from 'figgy-events';
 *
 * const props: FiggyEventsProps = {
 *   region: 'eu-west-1',
 *   accountId: '123456789012',
 *   destinationPrefixes: ['/app/', '/shared/replicated/'],
 *   auditedNamespaces: ['/app/', '/shared/'],
 *   alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alerts',
 *   schedules: { 'replication-syncer': 'rate(30 minutes)' },
 *   lambda: { memorySize: 512 },
 * };
 * ```
 */
export interface FiggyEventsProps {
  /**
   * AWS region the resources live in, as a literal; must match the provider's region.
   *
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'] };
   * ```
   */
  readonly region: string;
  /**
   * Account id, used in IAM resource ARNs and the trail bucket's name.
   * Omitted: read from `data.aws_caller_identity`, which needs AWS credentials at plan time.
   *
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], accountId: '123456789012' };
   * ```
   */
  readonly accountId?: string;
  /**
   * Prefix of every name (tables, functions, queues, roles): lowercase letters, digits and `-`,
   * starting with a letter, at most 20 characters.
   *
   * @defaultValue `'figgy'`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], namePrefix: 'platform' };
   * ```
   */
  readonly namePrefix?: string;
  /**
   * Parameter Store prefixes whose changes are written to the audit log.
   *
   * @defaultValue `['/']`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], auditedNamespaces: ['/app/', '/shared/'] };
   * ```
   */
  readonly auditedNamespaces?: readonly string[];
  /**
   * Prefixes replication may write to; `ssm:PutParameter` is granted on these only. `/` is
   * refused: it would let replication overwrite every parameter of the account.
   *
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/', '/shared/replicated/'] };
   * ```
   */
  readonly destinationPrefixes: readonly string[];
  /**
   * Prefixes replication may read sources from. Whoever can write a mapping can copy any
   * source it names into a destination, so narrowing this narrows what can be copied; the
   * replicators' `ssm:GetParameter*` covers these and the destination prefixes only.
   *
   * @defaultValue `['/']`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], sourcePrefixes: ['/shared/'] };
   * ```
   */
  readonly sourcePrefixes?: readonly string[];
  /**
   * ARN of the KMS key replication encrypts SecureString destinations with.
   * Omitted: a key is created, with yearly rotation.
   *
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], replicationKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' };
   * ```
   */
  readonly replicationKmsKeyArn?: string;
  /**
   * Create a single-region CloudTrail trail (and its bucket) for this stack. Set `false` when
   * the account already has a trail logging management write events in this region:
   * EventBridge only sees the SSM calls a trail records.
   *
   * @defaultValue `true`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], createTrail: false };
   * ```
   */
  readonly createTrail?: boolean;
  /**
   * Days before trail log files (and their old versions) expire from the bucket.
   *
   * @defaultValue `90`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], trailLogExpirationDays: 365 };
   * ```
   */
  readonly trailLogExpirationDays?: number;
  /**
   * Lets `terraform destroy` remove the whole deployment: the audit table without deletion
   * protection, and the trail bucket emptied of every log version on destroy. For test and
   * preview environments only: destroying a disposable deployment deletes its audit history.
   * Without it, destroy stops at the audit table and the bucket (docs/operating.md, "Tearing
   * a deployment down", says how to remove one on purpose).
   *
   * @defaultValue `false`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], disposable: true };
   * ```
   */
  readonly disposable?: boolean;
  /**
   * Retention of each function's log group, in days (a value CloudWatch Logs accepts).
   *
   * @defaultValue `30`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], logRetentionDays: 90 };
   * ```
   */
  readonly logRetentionDays?: number;
  /**
   * SNS topic ARN the error and dead-letter alarms notify; omitted, the alarms only change state.
   *
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alerts' };
   * ```
   */
  readonly alarmTopicArn?: string;
  /**
   * Schedule expression per syncer: when a new pass over every mapping (or every parameter)
   * begins. A pass longer than one invocation saves where it stopped and goes on from there
   * every minute, on a second schedule of its own (`<function>-continue`), until it is done;
   * while a pass is open the start schedule continues it too, and never begins it again, so a
   * pass longer than the interval delays the next one instead of starting over.
   *
   * @defaultValue `{ 'replication-syncer': 'rate(15 minutes)', 'config-cache-syncer': 'rate(1 hour)', 'audit-syncer': 'rate(15 minutes)' }`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], schedules: { 'replication-syncer': 'rate(30 minutes)' } };
   * ```
   */
  readonly schedules?: Partial<Record<ScheduledFunctionName, string>>;
  /**
   * Memory, timeout and architecture of all functions.
   *
   * @defaultValue `{ memorySize: 256, architecture: 'arm64' }`, timeout 30 s (300 s for syncers)
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], lambda: { memorySize: 512, architecture: 'x86_64' } };
   * ```
   */
  readonly lambda?: LambdaSettings;
  /**
   * Per-function sizing, over {@link FiggyEventsProps.lambda}.
   *
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], functions: { 'replication-syncer': { memorySize: 1024, timeoutSeconds: 900 } } };
   * ```
   */
  readonly functions?: Partial<Record<FunctionName, FunctionSettings>>;
  /**
   * `LOG_LEVEL` of the functions.
   *
   * @defaultValue `'INFO'`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], logLevel: 'DEBUG' };
   * ```
   */
  readonly logLevel?: string;
  /**
   * Retries Lambda makes of a failed asynchronous invocation before it goes to the
   * function's dead-letter queue (0–2).
   *
   * @defaultValue `2`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], asyncRetryAttempts: 1 };
   * ```
   */
  readonly asyncRetryAttempts?: number;
  /**
   * EventBridge's retry policy for the rule's and schedules' targets.
   *
   * @defaultValue `{ maximumRetryAttempts: 16, maximumEventAgeSeconds: 3600 }`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], deliveryRetry: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 1800 } };
   * ```
   */
  readonly deliveryRetry?: DeliveryRetry;
  /**
   * Retries of a failing replication-stream batch (after bisecting) before its records go
   * to the dead-letter queue.
   *
   * @defaultValue `5`
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], streamRetryAttempts: 10 };
   * ```
   */
  readonly streamRetryAttempts?: number;
  /**
   * A folder of function bundles built elsewhere, to deploy instead of the shipped ones.
   * Bundles are built when the package is built, never at synth.
   *
   * @defaultValue the shipped bundles, with the AWS SDK inside
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], bundles: { directory: 'build/patched-functions' } };
   * ```
   */
  readonly bundles?: FunctionBundleOptions;
  /**
   * Other regions and accounts replication may write to, for disaster recovery: mappings and
   * mirrors whose destination is a parameter ARN there. The replicators and the syncer may
   * write only under each target's `destinationPrefixes`, in its region and account; a target
   * in another account is written through its `roleArn` (its `FiggyReplicaTarget`), which is
   * all they may assume. A mapping to a place not listed here is refused, naming this prop.
   *
   * @defaultValue none: replication stays in this region and account
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = {
   *   region: 'eu-west-1',
   *   destinationPrefixes: ['/app/'],
   *   replicaTargets: [
   *     { region: 'eu-central-1', destinationPrefixes: ['/dr/'] },
   *     { region: 'eu-central-1', accountId: '210987654321', roleArn: 'arn:aws:iam::210987654321:role/figgy-replica-writer-eu-west-1-123456789012', destinationPrefixes: ['/dr/'] },
   *   ],
   * };
   * ```
   */
  readonly replicaTargets?: readonly ReplicaTarget[];
  /**
   * The most writes per second that a mirror's first copy and the syncer's repairs send to
   * Parameter Store in this region and account (live replication of single changes is not
   * paced). Each of {@link FiggyEventsProps.replicaTargets} has its own `bulkWritesPerSecond`.
   * Checked at synth: from 0.1 to 1,000.
   *
   * @defaultValue 2, leaving most of SSM's default 3 PutParameter/s to the account's own users
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], bulkWritesPerSecond: 1 };
   * ```
   */
  readonly bulkWritesPerSecond?: number;
  /**
   * The most read calls per second that the syncers' passes and a mirror's first copy send to
   * Parameter Store in this region and account: GetParameters of up to 10 names is one call, as
   * is a page of DescribeParameters or a ListTagsForResource. Live replication of single
   * changes is not paced. Each of {@link FiggyEventsProps.replicaTargets} has its own
   * `bulkReadsPerSecond`. Checked at synth: from 0.1 to 1,000.
   *
   * @defaultValue 10, a quarter of the 40 calls a second that GetParameter, GetParameters and
   * GetParametersByPath share by default per account and region, so applications keep the rest
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], bulkReadsPerSecond: 5 };
   * ```
   */
  readonly bulkReadsPerSecond?: number;
  /**
   * Days of CloudTrail's event history the audit syncer's first pass imports into the audit log
   * on a new deployment (the log is empty, so `history`, `log`, `diff` and `restore` then reach
   * back before the install); 0 imports nothing. CloudTrail keeps 90 days. Checked at synth.
   *
   * @defaultValue 90
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], auditImportDays: 7 };
   * ```
   */
  readonly auditImportDays?: number;
  /**
   * The dashboard and the alarms on the functions' metrics, each of which can be turned off or
   * tuned.
   *
   * @defaultValue a dashboard, and every alarm at its default threshold
   * @example
   * ```ts
   * import type { FiggyEventsProps } from 'figgy-events';
   *
   * const props: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'], monitoring: { eventAgeAlarmMinutes: 15, dashboard: false } };
   * ```
   */
  readonly monitoring?: MonitoringSettings;
}
