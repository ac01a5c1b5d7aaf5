/**
 * The public props of the FiggyEvents construct and the stack that hosts it.
 */
import type { FunctionName, ScheduledFunctionName } from '../shared/functions.ts';

export type { ScheduledFunctionName };

export type LambdaArchitecture = 'arm64' | 'x86_64';

/** Sizing of one Lambda function. Every field falls back to {@link FiggyEventsProps.lambda}. */
export interface FunctionSettings {
  /** Memory in MB. */
  readonly memorySize?: number;
  /** Timeout in seconds. */
  readonly timeoutSeconds?: number;
}

/** Sizing shared by all six functions. */
export interface LambdaSettings extends FunctionSettings {
  readonly architecture?: LambdaArchitecture;
}

/** How often EventBridge retries handing an event to a function before dead-lettering it. */
export interface DeliveryRetry {
  /** Attempts after the first (0–185). */
  readonly maximumRetryAttempts?: number;
  /** Oldest event, in seconds, still worth delivering (60–86400). */
  readonly maximumEventAgeSeconds?: number;
}

/** Where the handler sources are found and where their bundles are written. */
export interface BundleLocation {
  /** Folder holding `<function-name>.ts`; default: this package's `handlers/`. */
  readonly handlersDir?: string;
  /** Folder the bundles go to, one sub-folder per function; default: `dist/functions/`. */
  readonly outDir?: string;
  /**
   * Use the AWS SDK the Lambda runtime provides instead of bundling the pinned one: about
   * 40 KB per bundle instead of about 300 KB, at the price of running the runtime's SDK
   * version rather than the one the tests ran, and of a slower cold start (the SDK loads as
   * hundreds of files: about 4.5x the import time, see bench/RESULTS.md).
   * @default false
   */
  readonly externalAwsSdk?: boolean;
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
 * const props: FiggyEventsProps = {
 *   region: 'eu-west-1',
 *   accountId: '123456789012',
 *   destinationPrefixes: ['/app/', '/shared/replicated/'],
 *   auditedNamespaces: ['/app/', '/shared/'],
 *   alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alerts',
 *   schedules: { 'replication-syncer': 'rate(30 minutes)' },
 *   lambda: { memorySize: 512 },
 * };
 */
export interface FiggyEventsProps {
  /** AWS region the resources live in; must match the provider's region. */
  readonly region: string;
  /**
   * Account id, used in IAM resource ARNs and the trail bucket's name.
   * Omitted: read from `data.aws_caller_identity`, which needs AWS credentials at plan time.
   */
  readonly accountId?: string;
  /**
   * Prefix of every name (tables, functions, queues, roles): lowercase letters, digits and `-`,
   * starting with a letter, at most 20 characters.
   * @default 'figgy'
   */
  readonly namePrefix?: string;
  /**
   * Parameter Store prefixes whose changes are written to the audit log.
   * @default ['/']
   */
  readonly auditedNamespaces?: readonly string[];
  /** Prefixes replication may write to; `ssm:PutParameter` is granted on these only. */
  readonly destinationPrefixes: readonly string[];
  /**
   * Prefixes replication may read sources from. Whoever can write a mapping can copy any
   * source it names into a destination, so narrowing this narrows what can be copied; the
   * replicators' `ssm:GetParameter*` covers these and the destination prefixes only.
   * @default ['/']
   */
  readonly sourcePrefixes?: readonly string[];
  /**
   * ARN of the KMS key replication encrypts SecureString destinations with.
   * Omitted: a key is created, with yearly rotation.
   */
  readonly replicationKmsKeyArn?: string;
  /**
   * Create a single-region CloudTrail trail (and its bucket) for this stack. Set `false` when
   * the account already has a trail logging management write events in this region:
   * EventBridge only sees the SSM calls a trail records.
   * @default true
   */
  readonly createTrail?: boolean;
  /**
   * Days before trail log files (and their old versions) expire from the bucket.
   * @default 90
   */
  readonly trailLogExpirationDays?: number;
  /**
   * Retention of each function's log group, in days (a value CloudWatch Logs accepts).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /** SNS topic ARN the alarms notify; omitted, the alarms only change state. */
  readonly alarmTopicArn?: string;
  /**
   * Schedule expression per syncer.
   * @default { 'replication-syncer': 'rate(15 minutes)', 'config-cache-syncer': 'rate(1 hour)' }
   */
  readonly schedules?: Partial<Record<ScheduledFunctionName, string>>;
  /**
   * Memory, timeout and architecture of all functions.
   * @default { memorySize: 256, architecture: 'arm64' }, timeout 30 s (300 s for syncers)
   */
  readonly lambda?: LambdaSettings;
  /** Per-function sizing, over {@link lambda}. */
  readonly functions?: Partial<Record<FunctionName, FunctionSettings>>;
  /**
   * `LOG_LEVEL` of the functions.
   * @default 'INFO'
   */
  readonly logLevel?: string;
  /**
   * Retries Lambda makes of a failed asynchronous invocation before it goes to the
   * function's dead-letter queue (0–2).
   * @default 2
   */
  readonly asyncRetryAttempts?: number;
  /**
   * EventBridge's retry policy for the rule's and schedules' targets.
   * @default { maximumRetryAttempts: 16, maximumEventAgeSeconds: 3600 }
   */
  readonly deliveryRetry?: DeliveryRetry;
  /**
   * Retries of a failing replication-stream batch (after bisecting) before its records go
   * to the dead-letter queue.
   * @default 5
   */
  readonly streamRetryAttempts?: number;
  /** Where handlers are read from and bundles written to. */
  readonly bundles?: BundleLocation;
}
