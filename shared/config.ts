/**
 * The functions' configuration: environment variable names and their parsing.
 *
 * The construct sets these variables, the sandbox sets the same ones, and each handler reads
 * only the ones it needs at cold start. Endpoints are not here on purpose: the SDK reads its
 * own `AWS_ENDPOINT_URL_*` variables, so no code knows whether it runs on AWS or locally.
 */

import { checkPrefixes, type PrefixListRule } from './parameter-paths.ts';
import { FiggyEventsError } from './errors.ts';

export const ENV = {
  cacheTable: 'CACHE_TABLE_NAME',
  auditTable: 'AUDIT_TABLE_NAME',
  replicationTable: 'REPLICATION_TABLE_NAME',
  replicationSourcesTable: 'REPLICATION_SOURCES_TABLE_NAME',
  auditedNamespaces: 'AUDITED_NAMESPACES',
  destinationPrefixes: 'REPLICATION_DESTINATION_PREFIXES',
  sourcePrefixes: 'REPLICATION_SOURCE_PREFIXES',
  replicationKmsKeyId: 'REPLICATION_KMS_KEY_ID',
  replicaTargets: 'REPLICATION_REPLICA_TARGETS',
  logLevel: 'LOG_LEVEL',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** A function's environment is wrong: names the variable, so the fix is one look away. */
export class ConfigurationError extends FiggyEventsError {
  /** The environment must change: a retry reads the same variable. */
  readonly retryable = false;
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`environment variable ${variable} ${reason}`);
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
