/**
 * The functions' configuration: environment variable names and their parsing.
 *
 * The construct sets these variables, the sandbox sets the same ones, and each handler reads
 * only the ones it needs at cold start. Endpoints are not here on purpose: the SDK reads its
 * own `AWS_ENDPOINT_URL_*` variables, so no code knows whether it runs on AWS or locally.
 */

import { checkPrefixes, type PrefixListRule } from './parameter-paths.ts';
import {
  DEFAULT_BULK_READS_PER_SECOND,
  DEFAULT_BULK_WRITES_PER_SECOND,
  bulkRateProblem,
  missingRoleProblem,
  type BulkCalls,
  type ReplicaTarget,
} from './replication/replica-targets.ts';
import { FiggyEventsError } from './errors.ts';
import { DEFAULT_IMPORT_DAYS, importDaysProblem } from './audit/import-days.ts';
import { ACCOUNT_ID, KMS_KEY_ARN, REGION, ROLE_ARN } from './aws-identifiers.ts';
import type { ReplicationSettings } from './replication/locate.ts';

export const ENV = {
  cacheTable: 'CACHE_TABLE_NAME',
  auditTable: 'AUDIT_TABLE_NAME',
  replicationTable: 'REPLICATION_TABLE_NAME',
  replicationSourcesTable: 'REPLICATION_SOURCES_TABLE_NAME',
  syncProgressTable: 'SYNC_PROGRESS_TABLE_NAME',
  auditedNamespaces: 'AUDITED_NAMESPACES',
  destinationPrefixes: 'REPLICATION_DESTINATION_PREFIXES',
  sourcePrefixes: 'REPLICATION_SOURCE_PREFIXES',
  replicationKmsKeyId: 'REPLICATION_KMS_KEY_ID',
  replicaTargets: 'REPLICATION_REPLICA_TARGETS',
  bulkWritesPerSecond: 'REPLICATION_BULK_WRITES_PER_SECOND',
  homeAccountId: 'REPLICATION_HOME_ACCOUNT_ID',
  bulkReadsPerSecond: 'BULK_READS_PER_SECOND',
  auditImportDays: 'AUDIT_IMPORT_DAYS',
  logLevel: 'LOG_LEVEL',
  /** The deployment's name prefix: the metrics' `deployment` dimension. */
  deployment: 'FIGGY_DEPLOYMENT',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** A function's environment is wrong: names the variable, so the fix is one look away. */
export class ConfigurationError extends FiggyEventsError {
  /** The environment must change: a retry reads the same variable. */
  readonly retryable = false;
  constructor(
    readonly variable: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`environment variable ${variable} ${reason}`, options);
    this.name = 'ConfigurationError';
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/** The trimmed value of a variable the function cannot run without. */
export function requireEnv(env: Environment, variable: EnvName): string {
  const value = env[variable]?.trim();
  if (!value) throw new ConfigurationError(variable, 'is required but not set');
  return value;
}

/** The trimmed value of an optional variable; blank counts as unset. */
export function optionalEnv(env: Environment, variable: EnvName): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

/**
 * Parses a comma-separated list of parameter path prefixes by the one prefix rule,
 * {@link checkPrefixes}; an invalid one is reported against the variable that holds it.
 */
export function parsePrefixes(raw: string, variable: EnvName, rule: PrefixListRule = { rootAllowed: true }): string[] {
  const prefixes = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  return checkPrefixes(prefixes, (reason) => new ConfigurationError(variable, reason), rule);
}

/** The prefixes the auditor records (`AUDITED_NAMESPACES`, default every parameter). */
export function auditedNamespaces(env: Environment): string[] {
  return parsePrefixes(optionalEnv(env, ENV.auditedNamespaces) ?? '/', ENV.auditedNamespaces);
}

/**
 * The only prefixes replication may read from (`REPLICATION_SOURCE_PREFIXES`, default every
 * parameter): whoever can write a mapping can copy any source it names.
 */
export function sourcePrefixes(env: Environment): string[] {
  return parsePrefixes(optionalEnv(env, ENV.sourcePrefixes) ?? '/', ENV.sourcePrefixes);
}

/** The only prefixes replication may write under (`REPLICATION_DESTINATION_PREFIXES`, required). */
export function destinationPrefixes(env: Environment): string[] {
  return parsePrefixes(requireEnv(env, ENV.destinationPrefixes), ENV.destinationPrefixes, { rootAllowed: false });
}

/**
 * Everything the replication rule is judged with, from the replication functions' own
 * variables: the functions and `figgy-events mappings check` read them here, so both judge a
 * mapping by the same settings.
 *
 * @throws ConfigurationError naming the variable that is missing or wrong.
 * @example
 * replicationSettings({ REPLICATION_DESTINATION_PREFIXES: '/app/' }); // { destinationPrefixes: ['/app'], sourcePrefixes: ['/'], ... }
 */
export function replicationSettings(env: Environment): ReplicationSettings {
  return {
    destinationPrefixes: destinationPrefixes(env),
    sourcePrefixes: sourcePrefixes(env),
    kmsKeyId: optionalEnv(env, ENV.replicationKmsKeyId),
    replicaTargets: replicaTargets(env),
    bulkWritesPerSecond: bulkWritesPerSecond(env),
    bulkReadsPerSecond: bulkReadsPerSecond(env),
  };
}

/**
 * The disaster-recovery targets (`REPLICATION_REPLICA_TARGETS`, JSON as the construct writes
 * it: `[{ region, accountId?, roleArn?, kmsKeyArn?, destinationPrefixes }]`), each field
 * checked and the prefixes normalised by the one prefix rule; unset means none.
 *
 * @throws ConfigurationError naming the variable and the entry's field.
 * @example
 * replicaTargets({ REPLICATION_REPLICA_TARGETS: '[{"region":"eu-central-1","destinationPrefixes":["/dr/"]}]' });
 * // [{ region: 'eu-central-1', destinationPrefixes: ['/dr'] }]
 */
export function replicaTargets(env: Environment): ReplicaTarget[] {
  const raw = optionalEnv(env, ENV.replicaTargets);
  if (raw === undefined) return [];
  const variable = ENV.replicaTargets;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(variable, `is not JSON (${(error as Error).message}); the construct writes it from the prop replicaTargets`, {
      cause: error,
    });
  }
  if (!Array.isArray(parsed)) throw new ConfigurationError(variable, 'must be a JSON list of targets');
  return parsed.map((entry: unknown, index) => {
    const field = (name: string) => `[${index}].${name}`;
    const invalid = (name: string, reason: string) => new ConfigurationError(variable, `${field(name)} ${reason}`);
    if (typeof entry !== 'object' || entry === null) throw invalid('', 'must be an object');
    const target = entry as Record<string, unknown>;
    const text = (name: string, pattern: RegExp, required: boolean): string | undefined => {
      const value = target[name];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string' || !pattern.test(value)) throw invalid(name, `is ${JSON.stringify(value)}, not a valid ${name}`);
      return value;
    };
    const region = text('region', REGION, true) as string;
    const accountId = text('accountId', ACCOUNT_ID, false);
    const roleArn = text('roleArn', ROLE_ARN, false);
    const kmsKeyArn = text('kmsKeyArn', KMS_KEY_ARN, false);
    const prefixes = target.destinationPrefixes;
    if (!Array.isArray(prefixes) || !prefixes.every((prefix) => typeof prefix === 'string')) {
      throw invalid('destinationPrefixes', 'must be a list of prefixes');
    }
    const destinationPrefixes = checkPrefixes(prefixes, (reason) => invalid('destinationPrefixes', reason), { rootAllowed: false });
    const rate = (name: 'bulkWritesPerSecond' | 'bulkReadsPerSecond', calls: BulkCalls): number | undefined => {
      const value = target[name];
      const problem = value === undefined ? undefined : bulkRateProblem(value, calls);
      if (problem) throw invalid(name, problem);
      return value as number | undefined;
    };
    const writes = rate('bulkWritesPerSecond', 'writes');
    const reads = rate('bulkReadsPerSecond', 'reads');
    // A home account only Terraform knew could not be checked at synth: checked here, at start.
    const missingRole =
      accountId !== undefined && roleArn === undefined ? missingRoleProblem({ region, destinationPrefixes, accountId }, homeAccountId(env)) : undefined;
    if (missingRole) throw invalid('roleArn', missingRole);
    return {
      region,
      ...(accountId !== undefined && { accountId }),
      ...(roleArn !== undefined && { roleArn }),
      ...(kmsKeyArn !== undefined && { kmsKeyArn }),
      destinationPrefixes,
      ...(writes !== undefined && { bulkWritesPerSecond: writes }),
      ...(reads !== undefined && { bulkReadsPerSecond: reads }),
    };
  });
}

/**
 * The deployment's own account (`REPLICATION_HOME_ACCOUNT_ID`), which the construct knows and
 * sets beside the replica targets: a target without `accountId` is in it, and a destination
 * ARN in it and the deployment's region is at home.
 *
 * @throws ConfigurationError when unset or not a 12-digit account id.
 * @example
 * homeAccountId({ REPLICATION_HOME_ACCOUNT_ID: '123456789012' }); // '123456789012'
 */
export function homeAccountId(env: Environment): string {
  const value = requireEnv(env, ENV.homeAccountId);
  if (!ACCOUNT_ID.test(value)) throw new ConfigurationError(ENV.homeAccountId, `is "${value}", not a 12-digit account id`);
  return value;
}

/**
 * The pace of first copies and repairs at home (`REPLICATION_BULK_WRITES_PER_SECOND`, default
 * {@link DEFAULT_BULK_WRITES_PER_SECOND}).
 */
export function bulkWritesPerSecond(env: Environment): number {
  return bulkRate(env, ENV.bulkWritesPerSecond, 'writes') ?? DEFAULT_BULK_WRITES_PER_SECOND;
}

/**
 * The pace of background reads at home — syncer passes, first copies, the cache syncer's
 * listing — in calls per second (`BULK_READS_PER_SECOND`, default
 * {@link DEFAULT_BULK_READS_PER_SECOND}).
 */
export function bulkReadsPerSecond(env: Environment): number {
  return bulkRate(env, ENV.bulkReadsPerSecond, 'reads') ?? DEFAULT_BULK_READS_PER_SECOND;
}

/**
 * Days of CloudTrail's event history the audit syncer's first pass imports (`AUDIT_IMPORT_DAYS`,
 * 0 to 90, what CloudTrail keeps, default {@link DEFAULT_IMPORT_DAYS}).
 */
export function auditImportDays(env: Environment): number {
  const raw = optionalEnv(env, ENV.auditImportDays);
  if (raw === undefined) return DEFAULT_IMPORT_DAYS;
  const problem = importDaysProblem(Number(raw));
  if (problem) throw new ConfigurationError(ENV.auditImportDays, `${problem} (${JSON.stringify(raw)})`);
  return Number(raw);
}

function bulkRate(env: Environment, variable: EnvName, calls: BulkCalls): number | undefined {
  const raw = optionalEnv(env, variable);
  if (raw === undefined) return undefined;
  const rate = Number(raw);
  const problem = bulkRateProblem(rate, calls);
  if (problem) throw new ConfigurationError(variable, `${problem} (${JSON.stringify(raw)})`);
  return rate;
}
