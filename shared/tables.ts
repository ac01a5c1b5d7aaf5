/**
 * The four DynamoDB tables: names, keys and attribute names.
 *
 * The single source of truth for the table contracts (docs/design.md). The construct synthesizes
 * them from here, the sandbox and the integration tests create them from here, and the
 * adapters read their key names from here, so the schema is written exactly once.
 */
import { InvariantError } from './errors.ts';

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface GlobalIndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Suffix after the name prefix, e.g. `config-cache` in `figgy-config-cache`. */
  readonly suffix: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly globalIndexes?: readonly GlobalIndexDefinition[];
  /** Attribute DynamoDB's TTL reads to expire items. */
  readonly ttlAttribute?: string;
  /** Streams carry both images, so REMOVE and MODIFY records know the old mapping. */
  readonly stream?: 'NEW_AND_OLD_IMAGES';
  /** History that matters gets point-in-time recovery. */
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
}

export const CACHE_TABLE = {
  suffix: 'config-cache',
  partitionKey: { name: 'parameter_name', type: 'S' },
  sortKey: { name: 'last_updated', type: 'N' },
  ttlAttribute: 'expires_at',
  pointInTimeRecovery: false,
  deletionProtection: false,
} as const satisfies TableDefinition;

export const AUDIT_USER_INDEX = 'AuditByUserIdx';

/**
 * The audit index a prefix is read by: partition `path_root`, a name's leading path segment
 * (`/app` for `/app/orders/db`, `/x` for a root-level `x` or `/x`), sorted by `time`.
 */
export const AUDIT_PATH_INDEX = 'AuditByPathRootIdx';

/** The attribute the auditor writes on every record and `figgy-events migrate` backfills. */
export const AUDIT_PATH_ROOT = 'path_root';

export const AUDIT_TABLE = {
  suffix: 'config-auditor',
  partitionKey: { name: 'parameter_name', type: 'S' },
  sortKey: { name: 'time', type: 'N' },
  globalIndexes: [
    {
      name: AUDIT_USER_INDEX,
      partitionKey: { name: 'user', type: 'S' },
      sortKey: { name: 'time', type: 'N' },
    },
    {
      name: AUDIT_PATH_INDEX,
      partitionKey: { name: AUDIT_PATH_ROOT, type: 'S' },
      sortKey: { name: 'time', type: 'N' },
    },
  ],
  pointInTimeRecovery: true,
  deletionProtection: true,
} as const satisfies TableDefinition;

export const REPLICATION_TABLE = {
  suffix: 'config-replication',
  partitionKey: { name: 'destination', type: 'S' },
  stream: 'NEW_AND_OLD_IMAGES',
  pointInTimeRecovery: true,
  deletionProtection: false,
} as const satisfies TableDefinition;

export const REPLICATION_SOURCES_TABLE = {
  suffix: 'config-replication-sources',
  partitionKey: { name: 'source', type: 'S' },
  sortKey: { name: 'destination', type: 'S' },
  pointInTimeRecovery: false,
  deletionProtection: false,
} as const satisfies TableDefinition;

/**
 * Ours alone: one item per long job (a syncer's pass, the mirrors' first copies) with its
 * lease and where it stopped, so the next invocation continues from there.
 */
export const SYNC_PROGRESS_TABLE = {
  suffix: 'config-sync-progress',
  partitionKey: { name: 'job', type: 'S' },
  pointInTimeRecovery: false,
  deletionProtection: false,
} as const satisfies TableDefinition;

export const TABLES = {
  cache: CACHE_TABLE,
  audit: AUDIT_TABLE,
  replication: REPLICATION_TABLE,
  replicationSources: REPLICATION_SOURCES_TABLE,
  syncProgress: SYNC_PROGRESS_TABLE,
} as const satisfies Record<TableRole, TableDefinition>;

/** What each table is for; the catalog of tables must list exactly these. */
export type TableRole = 'cache' | 'audit' | 'replication' | 'replicationSources' | 'syncProgress';

export const DEFAULT_NAME_PREFIX = 'figgy';

/**
 * Every attribute a key or an index of the table names, once each, as DynamoDB's attribute
 * definitions require; an attribute declared with two types is a mistake in this file.
 */
export function keyAttributes(table: TableDefinition): KeyAttribute[] {
  const byName = new Map<string, KeyAttribute>();
  const keys = [
    table.partitionKey,
    table.sortKey,
    ...(table.globalIndexes ?? []).flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  for (const key of keys) {
    if (!key) continue;
    const declared = byName.get(key.name);
    if (declared && declared.type !== key.type) {
      throw new InvariantError(`attribute ${key.name} is declared both ${declared.type} and ${key.type}`);
    }
    byName.set(key.name, key);
  }
  return [...byName.values()];
}

/** `figgy` + `config-cache` → `figgy-config-cache`. */
export function tableName(prefix: string, table: TableDefinition): string {
  return `${prefix}-${table.suffix}`;
}

export function tableNames(prefix: string): Record<TableRole, string> {
  return {
    cache: tableName(prefix, CACHE_TABLE),
    audit: tableName(prefix, AUDIT_TABLE),
    replication: tableName(prefix, REPLICATION_TABLE),
    replicationSources: tableName(prefix, REPLICATION_SOURCES_TABLE),
    syncProgress: tableName(prefix, SYNC_PROGRESS_TABLE),
  };
}
