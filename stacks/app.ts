/**
 * The deployable app: which stacks to build, read from the environment and cdktf.json.
 *
 * Every setting is a `FIGGY_*` environment variable or a key of `context` in cdktf.json; the
 * environment wins, so CI can override what the repository holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from './framework.ts';
import { DEFAULT_NAME_PREFIX } from '../shared/tables.ts';
import { packageRoot } from './function-bundles.ts';
import { FiggyEventsConfigError } from './config-error.ts';
import { FiggyEventsStack, type S3StateBackend } from './stack.ts';

type Environment = Readonly<Record<string, string | undefined>>;
type Context = Readonly<Record<string, unknown>>;

/** Where each setting is read from: environment variable and cdktf.json context key. */
export const DEPLOYMENT_SETTINGS = {
  regions: { env: 'FIGGY_REGIONS', context: 'regions' },
  accountId: { env: 'FIGGY_ACCOUNT_ID', context: 'accountId' },
  namePrefix: { env: 'FIGGY_NAME_PREFIX', context: 'namePrefix' },
  destinationPrefixes: { env: 'FIGGY_DESTINATION_PREFIXES', context: 'destinationPrefixes' },
  auditedNamespaces: { env: 'FIGGY_AUDITED_NAMESPACES', context: 'auditedNamespaces' },
  sourcePrefixes: { env: 'FIGGY_SOURCE_PREFIXES', context: 'sourcePrefixes' },
  createTrail: { env: 'FIGGY_CREATE_TRAIL', context: 'createTrail' },
  disposable: { env: 'FIGGY_DISPOSABLE', context: 'disposable' },
  alarmTopicArn: { env: 'FIGGY_ALARM_TOPIC_ARN', context: 'alarmTopicArn' },
  replicationKmsKeyArn: { env: 'FIGGY_REPLICATION_KMS_KEY_ARN', context: 'replicationKmsKeyArn' },
  logRetentionDays: { env: 'FIGGY_LOG_RETENTION_DAYS', context: 'logRetentionDays' },
  bulkWritesPerSecond: { env: 'FIGGY_BULK_WRITES_PER_SECOND', context: 'bulkWritesPerSecond' },
  bulkReadsPerSecond: { env: 'FIGGY_BULK_READS_PER_SECOND', context: 'bulkReadsPerSecond' },
  stateBucket: { env: 'FIGGY_STATE_BUCKET', context: 'stateBucket' },
  stateKeyPrefix: { env: 'FIGGY_STATE_KEY_PREFIX', context: 'stateKeyPrefix' },
  stateRegion: { env: 'FIGGY_STATE_REGION', context: 'stateRegion' },
  stateLockTable: { env: 'FIGGY_STATE_LOCK_TABLE', context: 'stateLockTable' },
} as const;

type SettingName = keyof typeof DEPLOYMENT_SETTINGS;

export const DEFAULT_REGION = 'us-east-1';

/** Remote state settings shared by all stacks; each stack's key is derived from its id. */
export interface StateSettings {
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly region: string;
  readonly lockTable?: string;
}

/** What `main.ts` builds: one stack per region, all alike. */
export interface DeploymentConfig {
  readonly regions: readonly string[];
  readonly accountId?: string;
  readonly namePrefix?: string;
  readonly destinationPrefixes: readonly string[];
  readonly auditedNamespaces?: readonly string[];
  readonly sourcePrefixes?: readonly string[];
  readonly createTrail?: boolean;
  /** `terraform destroy` may remove everything, the audit history included (test environments). */
  readonly disposable?: boolean;
  /** May contain `{region}`, replaced per stack: SNS topics and KMS keys are regional. */
  readonly alarmTopicArn?: string;
  /** May contain `{region}`, replaced per stack. */
  readonly replicationKmsKeyArn?: string;
  readonly logRetentionDays?: number;
  /** Pace of mirrors' first copies and of repairs; the construct checks it. */
  readonly bulkWritesPerSecond?: number;
  /** Pace of background reads (syncer passes, first copies); the construct checks it. */
  readonly bulkReadsPerSecond?: number;
  readonly state?: StateSettings;
}

function raw(name: SettingName, env: Environment, context: Context): unknown {
  const { env: variable, context: key } = DEPLOYMENT_SETTINGS[name];
  const fromEnv = env[variable]?.trim();
  return fromEnv ? fromEnv : context[key];
}

function source(name: SettingName): string {
  const { env: variable, context: key } = DEPLOYMENT_SETTINGS[name];
  return `${variable} (or context "${key}" in cdktf.json)`;
}

function text(name: SettingName, env: Environment, context: Context): string | undefined {
  const value = raw(name, env, context);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new FiggyEventsConfigError(source(name), 'must be a string');
  return value;
}

/** A list from a comma-separated variable or a JSON array in the context. */
function list(name: SettingName, env: Environment, context: Context): string[] | undefined {
  const value = raw(name, env, context);
  if (value === undefined || value === null) return undefined;
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new FiggyEventsConfigError(source(name), 'must be a comma-separated list or a JSON array of strings');
  }
  const cleaned = items.map((item: string) => item.trim()).filter((item) => item.length > 0);
  return cleaned.length > 0 ? cleaned : undefined;
}

function flag(name: SettingName, env: Environment, context: Context): boolean | undefined {
  const value = raw(name, env, context);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new FiggyEventsConfigError(source(name), `is "${String(value)}"; use true or false`);
}

function decimal(name: SettingName, env: Environment, context: Context): number | undefined {
  const value = raw(name, env, context);
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) throw new FiggyEventsConfigError(source(name), `is "${String(value)}"; use a number`);
  return number;
}

function whole(name: SettingName, env: Environment, context: Context): number | undefined {
  const value = raw(name, env, context);
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(number)) {
    throw new FiggyEventsConfigError(source(name), `is "${String(value)}"; use a whole number`);
  }
  return number;
}

/**
 * Reads the deployment from `FIGGY_*` variables over cdktf.json context.
 *
 * @example
 * const config = readDeploymentConfig(process.env, { regions: ['eu-west-1'], destinationPrefixes: ['/app/'] });
 */
export function readDeploymentConfig(env: Environment, context: Context): DeploymentConfig {
  const destinationPrefixes = list('destinationPrefixes', env, context);
  if (!destinationPrefixes) {
    throw new FiggyEventsConfigError(
      source('destinationPrefixes'),
      'is not set: list the parameter paths replication may write to, e.g. /app/',
    );
  }
  const bucket = text('stateBucket', env, context);
  const regions = list('regions', env, context) ?? [DEFAULT_REGION];
  const state: StateSettings | undefined = bucket
    ? {
        bucket,
        keyPrefix: text('stateKeyPrefix', env, context) ?? 'figgy-events',
        region: text('stateRegion', env, context) ?? regions[0],
        lockTable: text('stateLockTable', env, context),
      }
    : undefined;
  return {
    regions: [...new Set(regions)],
    accountId: text('accountId', env, context),
    namePrefix: text('namePrefix', env, context),
    destinationPrefixes,
    auditedNamespaces: list('auditedNamespaces', env, context),
    sourcePrefixes: list('sourcePrefixes', env, context),
    createTrail: flag('createTrail', env, context),
    disposable: flag('disposable', env, context),
    alarmTopicArn: text('alarmTopicArn', env, context),
    replicationKmsKeyArn: text('replicationKmsKeyArn', env, context),
    logRetentionDays: whole('logRetentionDays', env, context),
    bulkWritesPerSecond: decimal('bulkWritesPerSecond', env, context),
    bulkReadsPerSecond: decimal('bulkReadsPerSecond', env, context),
    state,
  };
}

/**
 * The `context` of cdktf.json. The cdktf CLI hands it to the app in `CDKTF_CONTEXT_JSON`;
 * reading the file too gives the same defaults to `npx tsx main.ts` and `npm run plan`.
 */
export function readCdktfContext(file = join(packageRoot(), 'cdktf.json')): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return context ?? {};
}

/** `figgy` + `eu-west-1` → `figgy-events-eu-west-1`: the stack's folder and state key. */
export function stackId(namePrefix: string | undefined, region: string): string {
  return `${namePrefix ?? DEFAULT_NAME_PREFIX}-events-${region}`;
}

/**
 * Adds one {@link FiggyEventsStack} per region to `app`.
 *
 * @example
 * const app = new App();
 * buildStacks(app, readDeploymentConfig(process.env, {}));
 * app.synth();
 */
export function buildStacks(app: App, config: DeploymentConfig): FiggyEventsStack[] {
  return config.regions.map((region) => {
    const id = stackId(config.namePrefix, region);
    const backend: S3StateBackend | undefined = config.state && {
      bucket: config.state.bucket,
      key: `${config.state.keyPrefix}/${id}.tfstate`,
      region: config.state.region,
      lockTable: config.state.lockTable,
    };
    const perRegion = (value: string | undefined) => value?.replaceAll('{region}', region);
    return new FiggyEventsStack(app, id, {
      region,
      accountId: config.accountId,
      namePrefix: config.namePrefix,
      destinationPrefixes: config.destinationPrefixes,
      auditedNamespaces: config.auditedNamespaces,
      sourcePrefixes: config.sourcePrefixes,
      createTrail: config.createTrail,
      disposable: config.disposable,
      alarmTopicArn: perRegion(config.alarmTopicArn),
      replicationKmsKeyArn: perRegion(config.replicationKmsKeyArn),
      logRetentionDays: config.logRetentionDays,
      bulkWritesPerSecond: config.bulkWritesPerSecond,
      bulkReadsPerSecond: config.bulkReadsPerSecond,
      backend,
    });
  });
}
