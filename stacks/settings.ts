/**
 * Turns {@link FiggyEventsProps} into complete settings: defaults filled in, every value
 * checked at synth time so a mistake is reported by prop name instead of by AWS mid-apply.
 */
import { Token } from './framework.ts';
import { partitionOf } from '../shared/partitions.ts';
import {
  ASYNC_INVOKE,
  FUNCTION_NAMES,
  REPLICATION_STREAM_SOURCE,
  defaultTimeoutSeconds,
  type FunctionName,
} from '../shared/functions.ts';
import { checkPrefixes, type PrefixListRule } from '../shared/parameter-paths.ts';
import { DEFAULT_NAME_PREFIX } from '../shared/tables.ts';
import { DEFAULT_WEDGED_PASS_MINUTES } from '../shared/sync/jobs.ts';
import type {
  FiggyEventsProps,
  LambdaArchitecture,
  MonitoringSettings,
  ScheduledFunctionName,
} from './types.ts';
import type { ReplicaTarget } from '../shared/replication/replica-targets.ts';
import { bulkReadRate, bulkWriteRate } from './bulk-rate-settings.ts';
import { FiggyEventsConfigError, refuseUnknownFields } from './config-error.ts';
import { DEFAULT_SCHEDULES } from './default-schedules.ts';
import type { ResolvedMonitoring } from './monitoring.ts';
import { resolveReplicaTargets } from './replica-target-settings.ts';
import { ACCOUNT_ID, KMS_KEY_ARN, REGION } from '../shared/aws-identifiers.ts';
import { importDaysProblem } from '../shared/audit/import-days.ts';

export interface ResolvedFunctionSettings {
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly architecture: LambdaArchitecture;
}

export interface ResolvedSettings {
  readonly region: string;
  readonly partition: string;
  readonly accountId?: string;
  readonly namePrefix: string;
  readonly auditedNamespaces: readonly string[];
  readonly destinationPrefixes: readonly string[];
  readonly sourcePrefixes: readonly string[];
  readonly replicationKmsKeyArn?: string;
  readonly createTrail: boolean;
  readonly trailLogExpirationDays: number;
  readonly disposable: boolean;
  readonly logRetentionDays: number;
  readonly alarmTopicArn?: string;
  readonly schedules: Readonly<Record<ScheduledFunctionName, string>>;
  readonly functions: Readonly<Record<FunctionName, ResolvedFunctionSettings>>;
  readonly logLevel: string;
  readonly asyncRetryAttempts: number;
  readonly deliveryRetryAttempts: number;
  readonly deliveryMaximumEventAgeSeconds: number;
  readonly streamRetryAttempts: number;
  /** Checked, prefixes normalised; empty when replication stays home. */
  readonly replicaTargets: readonly ReplicaTarget[];
  /** Pace of first copies and repairs at home; absent, the functions' default (2 writes/s). */
  readonly bulkWritesPerSecond?: number;
  /** Pace of background reads at home; absent, the functions' default (10 calls/s). */
  readonly bulkReadsPerSecond?: number;
  /** Days of event history the audit syncer's first pass imports; absent, the function's default (90). */
  readonly auditImportDays?: number;
  readonly monitoring: ResolvedMonitoring;
}

// The values CloudWatch Logs accepts for retention; anything else fails only at apply.
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
  3288, 3653,
];

export const NAME_PREFIX = /^[a-z][a-z0-9-]{0,19}$/;
const SCHEDULE = /^(rate|cron)\(.+\)$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/;

/**
 * Checks a list of parameter path prefixes by the rule the handlers apply to their
 * environment ({@link checkPrefixes}), so a deployment the handlers would refuse at cold start
 * is refused at synth instead.
 */
function pathPrefixes(prop: string, prefixes: readonly string[], rule: PrefixListRule = { rootAllowed: true }): string[] {
  return checkPrefixes(prefixes, (reason) => new FiggyEventsConfigError(prop, reason), rule);
}

function integerIn(prop: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FiggyEventsConfigError(prop, `is ${value}; use a whole number from ${min} to ${max}`);
  }
  return value;
}

/** True for a literal that breaks `pattern`; a token (another resource's attribute) passes. */
function malformed(value: string | undefined, pattern: RegExp): value is string {
  return value !== undefined && !Token.isUnresolved(value) && !pattern.test(value);
}

/**
 * Every prop {@link FiggyEventsProps} has: plain JavaScript passes whatever it likes, and a
 * misspelt optional prop would otherwise deploy its default without a word.
 */
const PROP_NAMES = Object.keys({
  region: true, accountId: true, namePrefix: true, auditedNamespaces: true, destinationPrefixes: true,
  sourcePrefixes: true, replicationKmsKeyArn: true, createTrail: true, trailLogExpirationDays: true,
  disposable: true, logRetentionDays: true, alarmTopicArn: true, schedules: true, lambda: true,
  functions: true, logLevel: true, asyncRetryAttempts: true, deliveryRetry: true, streamRetryAttempts: true,
  bundles: true, replicaTargets: true, bulkWritesPerSecond: true, bulkReadsPerSecond: true, auditImportDays: true, monitoring: true,
  // A Record of every key: a prop added to FiggyEventsProps and not here fails to compile.
} satisfies Record<keyof FiggyEventsProps, true>);

/** Refuses what TypeScript would have: props that are not objects, unknown names, a required prop left out. */
function checkPropShape(props: FiggyEventsProps): void {
  if (typeof props !== 'object' || props === null) {
    throw new FiggyEventsConfigError('props', `is ${props === null ? 'null' : typeof props}; give an object such as { region: 'eu-west-1', destinationPrefixes: ['/app/'] }`);
  }
  refuseUnknownFields(props, PROP_NAMES, (name) => name, 'a FiggyEvents prop');
  for (const required of ['region', 'destinationPrefixes'] as const) {
    if (props[required] === undefined || props[required] === null) {
      const example = required === 'region' ? "region: 'eu-west-1'" : "destinationPrefixes: ['/app/']";
      throw new FiggyEventsConfigError(required, `is missing; it is required, e.g. ${example}`);
    }
  }
  for (const list of ['destinationPrefixes', 'auditedNamespaces', 'sourcePrefixes'] as const) {
    const value: unknown = props[list];
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))) {
      throw new FiggyEventsConfigError(list, `is ${JSON.stringify(value)}; give a list of paths, e.g. ['/app/']`);
    }
  }
}

/** Fills in defaults and validates; throws {@link FiggyEventsConfigError} naming the prop. */
export function resolveSettings(props: FiggyEventsProps): ResolvedSettings {
  checkPropShape(props);
  if (typeof props.region !== 'string' || Token.isUnresolved(props.region) || !REGION.test(props.region)) {
    throw new FiggyEventsConfigError('region', `is "${props.region}"; give the region's name, such as eu-west-1, as a literal string`);
  }
  if (malformed(props.accountId, ACCOUNT_ID)) {
    throw new FiggyEventsConfigError('accountId', `is "${props.accountId}"; use the 12-digit account id`);
  }
  const namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
  if (!NAME_PREFIX.test(namePrefix)) {
    throw new FiggyEventsConfigError(
      'namePrefix',
      `is "${namePrefix}"; use lowercase letters, digits and "-", starting with a letter, at most 20 characters (IAM role and bucket names include it)`,
    );
  }
  const destinationPrefixes = pathPrefixes('destinationPrefixes', props.destinationPrefixes, { rootAllowed: false });
  if (malformed(props.replicationKmsKeyArn, KMS_KEY_ARN)) {
    throw new FiggyEventsConfigError(
      'replicationKmsKeyArn',
      `is "${props.replicationKmsKeyArn}"; give the key's ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias`,
    );
  }
  if (malformed(props.alarmTopicArn, SNS_TOPIC_ARN)) {
    throw new FiggyEventsConfigError('alarmTopicArn', `is "${props.alarmTopicArn}", not an SNS topic ARN`);
  }
  const logRetentionDays = props.logRetentionDays ?? 30;
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new FiggyEventsConfigError(
      'logRetentionDays',
      `is ${logRetentionDays}; CloudWatch Logs accepts ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  const schedules = { ...DEFAULT_SCHEDULES, ...props.schedules };
  for (const [name, expression] of Object.entries(schedules)) {
    if (!SCHEDULE.test(expression)) {
      throw new FiggyEventsConfigError(
        `schedules.${name}`,
        `is "${expression}"; use an EventBridge expression such as "rate(15 minutes)" or "cron(0 * * * ? *)"`,
      );
    }
  }
  const architecture = props.lambda?.architecture ?? 'arm64';
  if (architecture !== 'arm64' && architecture !== 'x86_64') {
    throw new FiggyEventsConfigError('lambda.architecture', `is "${architecture}"; use arm64 or x86_64`);
  }
  const functions = Object.fromEntries(
    FUNCTION_NAMES.map((name) => {
      const own = props.functions?.[name];
      // Name the prop the value came from, so the error points at the line to fix.
      const source = (field: string) =>
        own?.[field as keyof typeof own] !== undefined ? `functions.${name}.${field}` : `lambda.${field}`;
      const memorySize = integerIn(
        source('memorySize'),
        own?.memorySize ?? props.lambda?.memorySize ?? 256,
        128,
        10240,
      );
      const timeoutSeconds = integerIn(
        source('timeoutSeconds'),
        own?.timeoutSeconds ?? props.lambda?.timeoutSeconds ?? defaultTimeoutSeconds(name),
        1,
        900,
      );
      return [name, { memorySize, timeoutSeconds, architecture }];
    }),
  ) as Record<FunctionName, ResolvedFunctionSettings>;
  const bulkWritesPerSecond = bulkWriteRate('bulkWritesPerSecond', props.bulkWritesPerSecond, Token.isUnresolved);
  const bulkReadsPerSecond = bulkReadRate('bulkReadsPerSecond', props.bulkReadsPerSecond, Token.isUnresolved);
  const importProblem = props.auditImportDays === undefined ? undefined : importDaysProblem(props.auditImportDays);
  if (importProblem) throw new FiggyEventsConfigError('auditImportDays', importProblem);

  return {
    region: props.region,
    partition: partitionOf(props.region),
    accountId: props.accountId,
    namePrefix,
    auditedNamespaces: pathPrefixes('auditedNamespaces', props.auditedNamespaces ?? ['/']),
    sourcePrefixes: pathPrefixes('sourcePrefixes', props.sourcePrefixes ?? ['/']),
    destinationPrefixes,
    replicationKmsKeyArn: props.replicationKmsKeyArn,
    createTrail: props.createTrail ?? true,
    trailLogExpirationDays: integerIn('trailLogExpirationDays', props.trailLogExpirationDays ?? 90, 1, 36500),
    disposable: props.disposable ?? false,
    logRetentionDays,
    alarmTopicArn: props.alarmTopicArn,
    schedules,
    functions,
    logLevel: props.logLevel ?? 'INFO',
    asyncRetryAttempts: integerIn('asyncRetryAttempts', props.asyncRetryAttempts ?? ASYNC_INVOKE.maximumRetryAttempts, 0, 2),
    deliveryRetryAttempts: integerIn(
      'deliveryRetry.maximumRetryAttempts',
      props.deliveryRetry?.maximumRetryAttempts ?? 16,
      0,
      185,
    ),
    deliveryMaximumEventAgeSeconds: integerIn(
      'deliveryRetry.maximumEventAgeSeconds',
      props.deliveryRetry?.maximumEventAgeSeconds ?? 3600,
      60,
      86400,
    ),
    streamRetryAttempts: integerIn('streamRetryAttempts', props.streamRetryAttempts ?? REPLICATION_STREAM_SOURCE.maximumRetryAttempts, 0, 10000),
    replicaTargets: resolveReplicaTargets(props.replicaTargets, { region: props.region, accountId: props.accountId }, Token.isUnresolved),
    ...(bulkWritesPerSecond !== undefined && { bulkWritesPerSecond }),
    ...(bulkReadsPerSecond !== undefined && { bulkReadsPerSecond }),
    ...(props.auditImportDays !== undefined && { auditImportDays: props.auditImportDays }),
    monitoring: resolveMonitoring(props.monitoring ?? {}),
  };
}

/** The monitoring props with their defaults, thresholds checked. */
function resolveMonitoring(monitoring: MonitoringSettings): ResolvedMonitoring {
  const minutes = (prop: string, value: number | false | undefined, fallback: number, max: number) =>
    value === false ? false : integerIn(`monitoring.${prop}`, value ?? fallback, 1, max);
  return {
    dashboard: monitoring.dashboard ?? true,
    repairAlarms: monitoring.repairAlarms ?? true,
    auditWithoutValueAlarm: monitoring.auditWithoutValueAlarm ?? true,
    eventAgeMinutes: minutes('eventAgeAlarmMinutes', monitoring.eventAgeAlarmMinutes, 5, 24 * 60),
    passOpenMinutes: minutes('passOpenAlarmMinutes', monitoring.passOpenAlarmMinutes, DEFAULT_WEDGED_PASS_MINUTES, 7 * 24 * 60),
  };
}
