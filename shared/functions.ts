/**
 * The function catalog: the seven Lambda functions, what triggers each, which tables it touches
 * and which environment it is given.
 *
 * The construct builds one Lambda, role and trigger per entry; the sandbox runs the same
 * bundles with the same environment; tests iterate over it. Adding a handler starts here.
 */
import { ENV } from './config.ts';
import type { ReplicaTarget } from './replication/replica-targets.ts';
import { AUDIT_SYNC_JOB, CACHE_SYNC_JOB, REPLICATION_JOB, type SyncJob } from './sync/jobs.ts';
import { tableNames, type TableRole } from './tables.ts';

export type Trigger = 'ssm-event' | 'replication-stream' | 'schedule';

/**
 * A DynamoDB call a function makes on one table, named as the adapter in `shared/aws/` sends
 * it. A transaction is listed by the actions inside it (`TransactWriteItems:Put`), because IAM
 * authorises each action of a transaction, not the transaction as a whole.
 */
export type TableOperation =
  | 'GetItem'
  | 'Query'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'TransactWriteItems:Put'
  | 'TransactWriteItems:Update'
  | 'TransactWriteItems:Delete'
  | 'TransactWriteItems:ConditionCheck';

/** What a function may do in Parameter Store; the construct turns it into IAM. */
export type SsmAccess =
  | 'describe'
  | 'read-version'
  | 'read-decrypted'
  | 'read-tags'
  | 'write-destinations'
  | 'keep-replicas';

/** What every function's entry says. */
interface FunctionBasics {
  readonly trigger: Trigger;
  readonly summary: string;
  /**
   * Exactly the calls the function's code makes on each table it touches; the construct
   * grants these and nothing else, so a new call starts with a line here.
   */
  readonly tables: Partial<Record<TableRole, readonly TableOperation[]>>;
  readonly ssm: readonly SsmAccess[];
  /** Writes SecureStrings with the replication key. */
  readonly encrypts: boolean;
  /** Reads CloudTrail's event history (`cloudtrail:LookupEvents`). */
  readonly eventHistory?: true;
}

/**
 * The sync progress table holds every job's lease, so a function that reaches it names the
 * jobs it works on, and the construct grants it those jobs' items alone: one job can never
 * take another's lease. A function without the table names none.
 */
type JobAccess =
  | { readonly tables: { readonly syncProgress: readonly TableOperation[] }; readonly jobs: readonly [SyncJob, ...SyncJob[]] }
  | { readonly tables: { readonly syncProgress?: never }; readonly jobs?: never };

export type FunctionSpec = FunctionBasics & JobAccess;

export const FUNCTIONS = {
  'config-cache-manager': {
    trigger: 'ssm-event',
    summary: 'keeps the name cache: ACTIVE on put, DELETED tombstone on delete',
    // Reads a name's items, then swaps them for the new one in a single transaction.
    tables: { cache: ['Query', 'TransactWriteItems:Put', 'TransactWriteItems:Delete'] },
    ssm: ['describe'],
    encrypts: false,
  },
  'parameter-store-auditor': {
    trigger: 'ssm-event',
    summary: 'appends one audit record per changed parameter',
    // The audit log is the event store: records are only ever added, never changed or removed.
    // Before its first write a container looks for any item (Scan of one) to mark a new table.
    tables: { audit: ['Query', 'PutItem', 'Scan'] },
    ssm: ['read-version'],
    encrypts: false,
  },
  'parameter-stream-replicator': {
    trigger: 'ssm-event',
    summary: 'copies a changed source to every destination that maps from it',
    // One Query of the source index, then each destination's mapping (and its upstream chain).
    tables: { replication: ['GetItem'], replicationSources: ['Query'] },
    // Mirrors list and describe their prefixes, read tags, and keep replicas' tags and deletes.
    ssm: ['describe', 'read-decrypted', 'read-tags', 'write-destinations', 'keep-replicas'],
    encrypts: true,
  },
  'dynamo-stream-replicator': {
    trigger: 'replication-stream',
    summary: 'replicates a new or changed mapping at once and keeps the source index',
    // The stream record carries the mapping's images, so the index is written without being
    // read; GetItem finds the upstream mappings for the cycle check. A mirror's first copy
    // reads every mapping (Scan) to refuse a destination another mapping writes into, and
    // takes the replication job's lease (UpdateItem), or asks for it.
    tables: { replication: ['GetItem', 'Scan'], replicationSources: ['BatchWriteItem'], syncProgress: ['UpdateItem'] },
    jobs: [REPLICATION_JOB],
    // Mirrors list and describe their prefixes, read tags, and keep replicas' tags and deletes.
    ssm: ['describe', 'read-decrypted', 'read-tags', 'write-destinations', 'keep-replicas'],
    encrypts: true,
  },
  'replication-syncer': {
    trigger: 'schedule',
    summary: 'repairs every out-of-sync destination and the source index',
    // Reads every mapping and every index row once a pass; a mirror's first copy re-reads its
    // mapping (GetItem), as does the cycle check of a mirror at home, which walks upstream.
    // Its lease and where it stopped are one item it only ever updates.
    tables: { replication: ['GetItem', 'Scan'], replicationSources: ['Scan', 'BatchWriteItem'], syncProgress: ['UpdateItem'] },
    jobs: [REPLICATION_JOB],
    // Mirrors list and describe their prefixes, read tags, and keep replicas' tags and deletes.
    ssm: ['describe', 'read-decrypted', 'read-tags', 'write-destinations', 'keep-replicas'],
    encrypts: true,
  },
  'config-cache-syncer': {
    trigger: 'schedule',
    summary: 'reconciles the name cache with Parameter Store',
    // Reads the cache page by page, then swaps each drifted name's items in a transaction;
    // its lease and where it stopped are one item it only ever updates.
    tables: { cache: ['Scan', 'Query', 'TransactWriteItems:Put', 'TransactWriteItems:Delete'], syncProgress: ['UpdateItem'] },
    jobs: [CACHE_SYNC_JOB],
    ssm: ['describe'],
    encrypts: false,
  },
  'audit-syncer': {
    trigger: 'schedule',
    summary: 'records every change in CloudTrail\'s event history that the audit log lacks',
    // The auditor's own calls, through its own code: a parameter's records from the event's
    // second on, then the conditional put; and as the auditor, a Scan of one item before its
    // first write, since a new deployment's import may write before any event reaches the
    // auditor. Its lease and where it stopped are one item.
    tables: { audit: ['Query', 'PutItem', 'Scan'], syncProgress: ['UpdateItem'] },
    jobs: [AUDIT_SYNC_JOB],
    ssm: ['read-version'],
    encrypts: false,
    eventHistory: true,
  },
} as const satisfies Record<FunctionName, FunctionSpec>;

/**
 * The seven functions, by the name their handler file and Lambda function carry. Named here
 * rather than derived from the catalog so that the public API can name them; the catalog
 * must list exactly these.
 */
export type FunctionName =
  | 'config-cache-manager'
  | 'parameter-store-auditor'
  | 'parameter-stream-replicator'
  | 'dynamo-stream-replicator'
  | 'replication-syncer'
  | 'config-cache-syncer'
  | 'audit-syncer';

/** The functions a schedule invokes; `SCHEDULED_FUNCTIONS` holds it to the catalog. */
export type ScheduledFunctionName = 'replication-syncer' | 'config-cache-syncer' | 'audit-syncer';

/** The catalog's own scheduled functions: a schedule missing from the type fails to compile below. */
type CatalogSchedules = {
  [Name in FunctionName]: (typeof FUNCTIONS)[Name]['trigger'] extends 'schedule' ? Name : never;
}[FunctionName];

export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

export const SCHEDULED_FUNCTIONS: readonly ScheduledFunctionName[] = FUNCTION_NAMES.filter(
  (name): name is CatalogSchedules => FUNCTIONS[name].trigger === 'schedule',
);

export const SSM_EVENT_FUNCTIONS = FUNCTION_NAMES.filter(
  (name) => FUNCTIONS[name].trigger === 'ssm-event',
);

/**
 * A function's Lambda timeout when none is configured, in seconds: the syncers walk every
 * mapping or every parameter, so they get minutes where the event handlers get seconds. The
 * construct deploys it and the sandbox holds its invocations to it.
 */
export function defaultTimeoutSeconds(name: FunctionName): number {
  return FUNCTIONS[name].trigger === 'schedule' ? 300 : 30;
}

export interface DeploymentSettings {
  readonly namePrefix: string;
  /**
   * The account the deployment runs in: 12 digits, or at synth a Terraform reference that
   * becomes them (`data.aws_caller_identity`).
   */
  readonly accountId: string;
  readonly auditedNamespaces: readonly string[];
  readonly destinationPrefixes: readonly string[];
  /** Where replication may read; absent means every parameter. */
  readonly sourcePrefixes?: readonly string[];
  /** Key id, ARN or alias; absent means the account's default SSM key. */
  readonly replicationKmsKeyId?: string;
  /** Other regions and accounts replication may write to; absent or empty: none. */
  readonly replicaTargets?: readonly ReplicaTarget[];
  /** Pace of first copies and repairs at home, writes per second; absent: the default. */
  readonly bulkWritesPerSecond?: number;
  /** Pace of background reads at home, read calls per second; absent: the default. */
  readonly bulkReadsPerSecond?: number;
  /** Days of event history the audit syncer's first pass imports; absent: the default (90). */
  readonly auditImportDays?: number;
  readonly logLevel: string;
}

/** The variable that names each table, for the functions, the sandbox and the CLI. */
export const TABLE_ENV: Readonly<Record<TableRole, string>> = {
  cache: ENV.cacheTable,
  audit: ENV.auditTable,
  replication: ENV.replicationTable,
  replicationSources: ENV.replicationSourcesTable,
  syncProgress: ENV.syncProgressTable,
};

/**
 * A function's dead-letter queue, `<prefix>-<function>-dlq`: the construct names it so, and
 * `figgy-events status` and the sandbox find it by this name.
 */
export function deadLetterQueueName(namePrefix: string, name: FunctionName): string {
  return `${namePrefix}-${name}-dlq`;
}

/**
 * The environment one function runs with: only the tables it touches and the settings its
 * rule reads. The construct and the sandbox both call this, so they cannot drift apart.
 */
export function functionEnvironment(
  name: FunctionName,
  settings: DeploymentSettings,
): Record<string, string> {
  const spec: FunctionSpec = FUNCTIONS[name];
  const names = tableNames(settings.namePrefix);
  const env: Record<string, string> = { [ENV.logLevel]: settings.logLevel, [ENV.deployment]: settings.namePrefix };
  for (const role of Object.keys(spec.tables) as TableRole[]) {
    env[TABLE_ENV[role]] = names[role];
  }
  // The same facts of the spec that the construct turns into IAM decide the environment.
  if (spec.ssm.includes('read-version')) {
    env[ENV.auditedNamespaces] = settings.auditedNamespaces.join(',');
  }
  if (spec.ssm.includes('write-destinations')) {
    env[ENV.destinationPrefixes] = settings.destinationPrefixes.join(',');
    if (settings.sourcePrefixes) env[ENV.sourcePrefixes] = settings.sourcePrefixes.join(',');
    if (settings.replicaTargets?.length) {
      env[ENV.replicaTargets] = JSON.stringify(settings.replicaTargets);
      // Which places are home: the construct knows, so the functions need not ask STS.
      env[ENV.homeAccountId] = settings.accountId;
    }
    if (settings.bulkWritesPerSecond !== undefined) env[ENV.bulkWritesPerSecond] = String(settings.bulkWritesPerSecond);
  }
  // Bulk reads are the work of a sync job: the syncers' passes and a mirror's first copy.
  if (spec.jobs !== undefined && settings.bulkReadsPerSecond !== undefined) {
    env[ENV.bulkReadsPerSecond] = String(settings.bulkReadsPerSecond);
  }
  if (spec.eventHistory && settings.auditImportDays !== undefined) env[ENV.auditImportDays] = String(settings.auditImportDays);
  if (spec.encrypts && settings.replicationKmsKeyId) env[ENV.replicationKmsKeyId] = settings.replicationKmsKeyId;
  return env;
}

/** Lambda's asynchronous invocation of every function: two retries within six hours, then the DLQ. */
export const ASYNC_INVOKE = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 6 * 60 * 60,
} as const;

/**
 * The replication table's stream → `dynamo-stream-replicator` mapping. Records of one
 * destination must stay in order, so a failure bisects the batch and retries only what
 * failed; after the retries the records go to the on-failure destination.
 */
export const REPLICATION_STREAM_SOURCE = {
  batchSize: 25,
  maximumRetryAttempts: 5,
  bisectBatchOnFunctionError: true,
  startingPosition: 'TRIM_HORIZON',
  maximumBatchingWindowSeconds: 1,
} as const;
