/**
 * The DynamoDB tables, synthesized from the contracts in `shared/tables.ts`.
 */
import { Construct } from 'constructs';
import { DynamodbTable } from './framework.ts';
import { TABLES, keyAttributes, tableName, type TableDefinition, type TableRole } from '../shared/tables.ts';
import { named } from './logical-ids.ts';

/** `replicationSources` → `replication_sources_table`. */
export function tableId(role: TableRole): string {
  return `${role.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}_table`;
}

/**
 * The cache, audit, replication, replication-sources and sync-progress tables: on-demand,
 * encrypted with the AWS-managed key, with TTL, stream, PITR and deletion protection wherever
 * the contract asks (unless the deployment is disposable). Each one's logical id comes from
 * its role (`sync_progress_table`), so a new table only adds a resource.
 */
export class FiggyTables extends Construct {
  readonly tables: Readonly<Record<TableRole, DynamodbTable>>;

  constructor(scope: Construct, id: string, props: { readonly namePrefix: string; readonly disposable?: boolean }) {
    super(scope, id);
    const entries = (Object.keys(TABLES) as TableRole[]).map((role) => {
      const table: TableDefinition = TABLES[role];
      const resource = new DynamodbTable(this, role, {
        name: tableName(props.namePrefix, table),
        billingMode: 'PAY_PER_REQUEST',
        hashKey: table.partitionKey.name,
        rangeKey: table.sortKey?.name,
        attribute: keyAttributes(table).map(({ name, type }) => ({ name, type })),
        globalSecondaryIndex: table.globalIndexes?.map((index) => ({
          name: index.name,
          hashKey: index.partitionKey.name,
          rangeKey: index.sortKey?.name,
          projectionType: 'ALL',
        })),
        ttl: table.ttlAttribute ? { attributeName: table.ttlAttribute, enabled: true } : undefined,
        streamEnabled: table.stream !== undefined,
        streamViewType: table.stream,
        pointInTimeRecovery: { enabled: table.pointInTimeRecovery },
        // A disposable deployment gives up the protection so that destroy can remove it whole.
        deletionProtectionEnabled: table.deletionProtection && !props.disposable,
        serverSideEncryption: { enabled: true },
      });
      return [role, named(resource, tableId(role))] as const;
    });
    this.tables = Object.fromEntries(entries) as Record<TableRole, DynamodbTable>;
  }
}
