/**
 * The deployed system as the CLI reaches it: tables named by the functions' own environment
 * variables, SDK clients configured by the SDK's own (`AWS_REGION` and `AWS_PROFILE` from the
 * command's environment, where `--region` and `--profile` put theirs; credentials through the
 * SDK's credential chain; `AWS_ENDPOINT_URL_SSM` / `_KMS` / `_DYNAMODB`), so one command works
 * on AWS and in the sandbox.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditReader } from '../shared/audit/audit-reader.ts';
import { AuditPathMigration } from '../shared/aws/audit-path-migration.ts';
import { createDynamoDocumentClient } from '../shared/aws/dynamo-client.ts';
import { DynamoAuditLog } from '../shared/aws/dynamo-audit-log.ts';
import { DynamoNameCache } from '../shared/aws/dynamo-name-cache.ts';
import { DynamoReplicationMappings } from '../shared/aws/dynamo-replication.ts';
import { DynamoSyncProgress } from '../shared/aws/dynamo-sync-progress.ts';
import { SqsQueueDepths } from '../shared/aws/sqs-queue-depths.ts';
import { KmsAuditDecrypter } from '../shared/aws/kms-audit-decrypter.ts';
import { KmsDecrypter } from '../shared/aws/kms-decrypter.ts';
import { ParameterArns } from '../shared/aws/parameter-arns.ts';
import { SsmRestoreTarget } from '../shared/aws/ssm-restore-target.ts';
import { SsmParameterStore, createSsmClient } from '../shared/aws/ssm-parameter-store.ts';
import { SsmReplicaPlaces } from '../shared/aws/replica-places.ts';
import { ConfigurationError, ENV, homeAccountId, optionalEnv, replicationSettings } from '../shared/config.ts';
import type { ReplicationSettings } from '../shared/replication/locate.ts';
import type { Place } from '../shared/replication/places.ts';
import type { VerdictDependencies } from '../shared/replication/mapping-verdicts.ts';
import type { Log } from '../shared/log.ts';
import { CacheReplayer } from '../shared/restore/cache-replay.ts';
import { Restorer } from '../shared/restore/restorer.ts';
import type { AuditHistory } from '../shared/restore/types.ts';
import { CACHE_TABLE, DEFAULT_NAME_PREFIX, tableNames } from '../shared/tables.ts';
import { SetupError, UnexpectedResponseError } from '../shared/errors.ts';
import { countingHistory, type CountProgress } from './progress.ts';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The tables the CLI reads and writes, from the environment or Figgy's default names.
 *
 * @example
 * tablesFrom({ AUDIT_TABLE_NAME: 'prod-config-auditor' }); // { audit: 'prod-config-auditor', cache: 'figgy-config-cache', ... }
 */
export function tablesFrom(env: Environment): { audit: string; cache: string; replication: string; syncProgress: string } {
  const defaults = tableNames(DEFAULT_NAME_PREFIX);
  return {
    audit: optionalEnv(env, ENV.auditTable) ?? defaults.audit,
    cache: optionalEnv(env, ENV.cacheTable) ?? defaults.cache,
    replication: optionalEnv(env, ENV.replicationTable) ?? defaults.replication,
    syncProgress: optionalEnv(env, ENV.syncProgressTable) ?? defaults.syncProgress,
  };
}

/** The deployment's name prefix (`FIGGY_DEPLOYMENT`, the functions' own variable), else Figgy's default. */
export function deploymentFrom(env: Environment): string {
  return optionalEnv(env, ENV.deployment) ?? DEFAULT_NAME_PREFIX;
}

/** Where the SDK clients of one command go: a region and a named profile, each only when given. */
export interface AwsClientConfig {
  readonly region?: string;
  readonly profile?: string;
}

/**
 * The region and profile of `env` as SDK client configuration. A profile given this way is read
 * by the SDK's own credential chain (and its region, when no region is given), as the AWS CLI
 * reads `--profile`.
 *
 * @example
 * new SSMClient(awsClientConfig({ AWS_REGION: 'eu-west-1', AWS_PROFILE: 'prod' }));
 */
export function awsClientConfig(env: Environment): AwsClientConfig {
  const region = awsSetting(env, 'AWS_REGION');
  const profile = awsSetting(env, 'AWS_PROFILE');
  return { ...(region !== undefined && { region }), ...(profile !== undefined && { profile }) };
}

function awsSetting(env: Environment, name: 'AWS_REGION' | 'AWS_PROFILE'): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * A DynamoDB client for the command, whose "table not found" names the table and the variable
 * that names it: the usual cause is a deployment with another name prefix, or another region.
 */
function dynamoClient(env: Environment): DynamoDBClient {
  const client = new DynamoDBClient(awsClientConfig(env));
  const variables = new Map<string, string>();
  const tables = tablesFrom(env);
  variables
    .set(tables.audit, ENV.auditTable)
    .set(tables.cache, ENV.cacheTable)
    .set(tables.replication, ENV.replicationTable)
    .set(tables.syncProgress, ENV.syncProgressTable);
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const table = (args.input as { TableName?: unknown }).TableName;
        if (error instanceof Error && error.name === 'ResourceNotFoundException' && typeof table === 'string') {
          const variable = variables.get(table);
          const where = awsSetting(env, 'AWS_REGION') ?? 'this region';
          throw new SetupError(
            `table ${table} does not exist in ${where} for these credentials: ` +
              (variable ? `set ${variable} to the table's name (another name prefix?), ` : '') +
              'or pass the --region (and --profile) of the deployment',
            { cause: error },
          );
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'figgyEventsMissingTable' },
  );
  return client;
}

/** Something built on SDK clients that must be closed, or the process would linger on sockets. */
export interface Closable<T> {
  readonly service: T;
  close(): void;
}

/**
 * The restorer wired to the audit table, the replication table, Parameter Store and KMS.
 *
 * @example
 * const { service: restorer, close } = restoreService(process.env, { log });
 */
export function restoreService(
  env: Environment,
  options: AuditReadOptions & { account?: string; cloneDestination?: AwsClientConfig },
): Closable<Restorer> {
  const dynamo = dynamoClient(env);
  const documents = createDynamoDocumentClient(dynamo);
  const ssm = createSsmClient(awsClientConfig(env));
  const kms = new KMSClient(awsClientConfig(env));
  // A clone into another region or account writes through a client of its own; everything it
  // reads (the audit log, SSM history, KMS) stays where the source is.
  const elsewhere = options.cloneDestination && createSsmClient({ ...awsClientConfig(env), ...options.cloneDestination });
  const tables = tablesFrom(env);
  const restorer = new Restorer({
    history: auditHistory(documents, tables.audit, options),
    target: new SsmRestoreTarget(ssm),
    ...(elsewhere && {
      cloneDestination: new SsmRestoreTarget(elsewhere),
      cloneDestinationPlace: () => placeOf(elsewhere, { ...awsClientConfig(env), ...options.cloneDestination }),
    }),
    decrypter: new KmsAuditDecrypter(new KmsDecrypter(kms), new ParameterArns(ssm, { account: options.account })),
    mappings: new DynamoReplicationMappings(documents, tables.replication),
    log: options.log,
  });
  return {
    service: restorer,
    close: () => {
      dynamo.destroy();
      ssm.destroy();
      kms.destroy();
      elsewhere?.destroy();
    },
  };
}

/**
 * The region and account a client works in: its region, and the account its credentials act
 * as (STS GetCallerIdentity, which needs no permission).
 */
async function placeOf(client: SSMClient, config: AwsClientConfig): Promise<Place> {
  const sts = new STSClient(config);
  try {
    const [region, { Account: account }] = await Promise.all([client.config.region(), sts.send(new GetCallerIdentityCommand({}))]);
    if (account === undefined) throw new UnexpectedResponseError('STS GetCallerIdentity answered without the account');
    return { region, account };
  } finally {
    sts.destroy();
  }
}

/**
 * The replication table, for `mappings add`, `list` and `remove`.
 *
 * @example
 * const { service: mappings, close } = mappingsService(process.env);
 */
export function mappingsService(env: Environment): Closable<DynamoReplicationMappings> {
  const dynamo = dynamoClient(env);
  const mappings = new DynamoReplicationMappings(createDynamoDocumentClient(dynamo), tablesFrom(env).replication);
  return { service: mappings, close: () => dynamo.destroy() };
}

/** What `status` reads: the syncers' jobs and the dead-letter queues' depths. */
export interface StatusServices {
  readonly jobs: DynamoSyncProgress;
  readonly queues: SqsQueueDepths;
}

/**
 * The sync progress table (read only) and SQS, for `status`.
 *
 * @example
 * const { service, close } = statusService(process.env);
 */
export function statusService(env: Environment): Closable<StatusServices> {
  const dynamo = dynamoClient(env);
  const sqs = new SQSClient(awsClientConfig(env));
  return {
    service: { jobs: new DynamoSyncProgress(createDynamoDocumentClient(dynamo), tablesFrom(env).syncProgress), queues: new SqsQueueDepths(sqs) },
    close: () => {
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

/** What `mappings check` judges with: the table, and the rule's settings and Parameter Stores. */
export interface MappingCheckServices {
  readonly mappings: DynamoReplicationMappings;
  readonly judging: VerdictDependencies;
}

/**
 * The replication table and what the rule is judged with, as the replication functions have it:
 * their settings from their own variables (`replicationSettings`), Parameter Store at home,
 * and the replica targets' (their roles assumed with the caller's credentials).
 *
 * @throws SetupError naming the variable to set when the settings are missing or wrong.
 * @example
 * const { service, close } = await mappingCheckService(process.env);
 */
export async function mappingCheckService(env: Environment): Promise<Closable<MappingCheckServices>> {
  const { settings, account } = checkSettings(env);
  const dynamo = dynamoClient(env);
  const config = awsClientConfig(env);
  const ssm = createSsmClient(config);
  const home = new SsmParameterStore(ssm);
  const targets = settings.replicaTargets ?? [];
  // Without targets every ARN destination is refused, so no place is ever read. The home
  // region as the SDK resolved it (AWS_REGION, or the profile's), where the functions have Lambda's.
  const places =
    targets.length > 0 && account !== undefined
      ? new SsmReplicaPlaces({
          home,
          region: await ssm.config.region(),
          account,
          targets,
          sessionName: 'figgy-events-mappings-check',
          ...(config.profile !== undefined && { profile: config.profile }),
        })
      : undefined;
  return {
    service: {
      mappings: new DynamoReplicationMappings(createDynamoDocumentClient(dynamo), tablesFrom(env).replication),
      judging: { settings, read: (names) => home.readDecrypted(names), ...(places && { places }) },
    },
    close: () => {
      dynamo.destroy();
      ssm.destroy();
      places?.destroy();
    },
  };
}

function checkSettings(env: Environment): { settings: ReplicationSettings; account?: string } {
  try {
    const settings = replicationSettings(env);
    return { settings, ...(settings.replicaTargets?.length && { account: homeAccountId(env) }) };
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new SetupError(
      `${error.message}: mappings check judges with the replication functions' own settings. Set ` +
        `${ENV.destinationPrefixes} and, where the deployment has them, ${ENV.sourcePrefixes}, ${ENV.replicaTargets}, ` +
        `${ENV.homeAccountId} and ${ENV.replicationKmsKeyId} as the functions have them ` +
        '(aws lambda get-function-configuration --function-name figgy-replication-syncer --query Environment.Variables)',
      { cause: error },
    );
  }
}

/** How the audit commands read the log: where the Scan warning goes, and a count of records read. */
export interface AuditReadOptions {
  readonly log: Log;
  readonly progress?: CountProgress;
}

function auditHistory(documents: DynamoDBDocumentClient, table: string, options: AuditReadOptions): AuditHistory {
  const auditLog = new DynamoAuditLog(documents, table, { log: options.log });
  return options.progress ? countingHistory(auditLog, options.progress) : auditLog;
}

/**
 * The audit reader (history, log, diff) on the audit table: DynamoDB only, no SSM or KMS.
 *
 * @example
 * const { service: reader, close } = auditReaderService(process.env, { log });
 */
export function auditReaderService(env: Environment, options: AuditReadOptions): Closable<AuditReader> {
  const dynamo = dynamoClient(env);
  const reader = new AuditReader(auditHistory(createDynamoDocumentClient(dynamo), tablesFrom(env).audit, options));
  return { service: reader, close: () => dynamo.destroy() };
}

/**
 * The `path_root` backfill of the audit table.
 *
 * @example
 * const { service: migration, close } = migrationService(process.env);
 */
export function migrationService(env: Environment): Closable<AuditPathMigration> {
  const dynamo = dynamoClient(env);
  const migration = new AuditPathMigration(dynamo, createDynamoDocumentClient(dynamo), tablesFrom(env).audit);
  return { service: migration, close: () => dynamo.destroy() };
}

/** What `replay` works with: the audit log it reads and the replayer of one cache table. */
export interface ReplayServices {
  readonly auditLog: DynamoAuditLog;
  readonly replayer: CacheReplayer;
  readonly table: string;
}

/**
 * The replayer of `table` (default: the cache table), after checking that the table exists
 * and has the cache's key schema; throws an error that says what to create otherwise.
 *
 * @example
 * const { service, close } = await replayService(process.env, 'figgy-config-cache-rebuilt', log);
 */
export async function replayService(env: Environment, table: string | undefined, log: Log): Promise<Closable<ReplayServices>> {
  const dynamo = dynamoClient(env);
  try {
    const documents = createDynamoDocumentClient(dynamo);
    const tables = tablesFrom(env);
    const target = table ?? tables.cache;
    await requireCacheSchema(dynamo, target);
    return {
      service: {
        auditLog: new DynamoAuditLog(documents, tables.audit),
        replayer: new CacheReplayer({ cache: new DynamoNameCache(documents, target), log }),
        table: target,
      },
      close: () => dynamo.destroy(),
    };
  } catch (error) {
    dynamo.destroy();
    throw error;
  }
}

async function requireCacheSchema(dynamo: DynamoDBClient, table: string): Promise<void> {
  const wanted = `${CACHE_TABLE.partitionKey.name} (${CACHE_TABLE.partitionKey.type}) + ${CACHE_TABLE.sortKey.name} (${CACHE_TABLE.sortKey.type})`;
  let description;
  try {
    ({ Table: description } = await dynamo.send(new DescribeTableCommand({ TableName: table })));
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') {
      throw new SetupError(`table ${table} does not exist: create it with the cache table's key schema, ${wanted}`, { cause: error });
    }
    throw error;
  }
  const types = new Map(description?.AttributeDefinitions?.map((each) => [each.AttributeName, each.AttributeType]));
  const keys = description?.KeySchema ?? [];
  const has = (name: string, type: string, role: 'HASH' | 'RANGE') =>
    keys.some((key) => key.AttributeName === name && key.KeyType === role) && types.get(name) === type;
  if (
    keys.length !== 2 ||
    !has(CACHE_TABLE.partitionKey.name, CACHE_TABLE.partitionKey.type, 'HASH') ||
    !has(CACHE_TABLE.sortKey.name, CACHE_TABLE.sortKey.type, 'RANGE')
  ) {
    throw new SetupError(`table ${table} does not have the cache table's key schema, ${wanted}`);
  }
}
