import type {
  AttributeDefinition,
  DynamoDBClient,
  KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import type { KeyAttribute, TableDefinition, TableRole } from '../shared/tables.ts';
import { TABLES, keyAttributes, tableNames } from '../shared/tables.ts';

export interface TableWaitOptions {
  /** How long to wait for each table to become ACTIVE (or to disappear), in seconds. */
  readonly timeoutSeconds?: number;
}

/**
 * Creates the tables under `prefix` from their definitions in `shared/tables.ts`.
 *
 * The sandbox and the integration tests call this, so the local schema cannot drift from the
 * one the construct deploys: keys, the `AuditByUserIdx` index, the replication stream and the
 * cache TTL all come from the same definitions. Point-in-time recovery and deletion protection
 * are left out: they protect data on AWS, and would only stop a sandbox from cleaning up.
 * Idempotent: tables that already exist are waited for and kept.
 *
 * @example
 * const names = await createTables(new DynamoDBClient({}), 'sandbox');
 * // names.cache === 'sandbox-config-cache'
 */
export async function createTables(
  client: DynamoDBClient,
  prefix: string,
  options: TableWaitOptions = {},
): Promise<Record<TableRole, string>> {
  const names = tableNames(prefix);
  const timeoutSeconds = options.timeoutSeconds ?? 60;
  await Promise.all(
    roles().map((role) => createTable(client, names[role], TABLES[role], timeoutSeconds)),
  );
  return names;
}

/**
 * Deletes the tables under `prefix` and waits until they are gone; missing ones are fine.
 *
 * @example
 * await deleteTables(new DynamoDBClient({}), 'sandbox');
 */
export async function deleteTables(
  client: DynamoDBClient,
  prefix: string,
  options: TableWaitOptions = {},
): Promise<void> {
  const names = tableNames(prefix);
  const maxWaitTime = options.timeoutSeconds ?? 60;
  await Promise.all(
    roles().map(async (role) => {
      try {
        await client.send(new DeleteTableCommand({ TableName: names[role] }));
      } catch (error) {
        if (!hasName(error, 'ResourceNotFoundException')) throw error;
        return;
      }
      await waitUntilTableNotExists(
        { client, maxWaitTime, minDelay: 1 },
        { TableName: names[role] },
      );
    }),
  );
}

function roles(): TableRole[] {
  return Object.keys(TABLES) as TableRole[];
}

async function createTable(
  client: DynamoDBClient,
  name: string,
  table: TableDefinition,
  maxWaitTime: number,
): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(table),
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        GlobalSecondaryIndexes: table.globalIndexes?.map((index) => ({
          IndexName: index.name,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: 'ALL' },
        })),
        StreamSpecification: table.stream
          ? { StreamEnabled: true, StreamViewType: table.stream }
          : undefined,
      }),
    );
  } catch (error) {
    if (!hasName(error, 'ResourceInUseException')) throw error;
  }
  // The default minimum delay is 20 s; DynamoDB Local is ready at once and AWS within seconds.
  await waitUntilTableExists({ client, maxWaitTime, minDelay: 1 }, { TableName: name });
  if (table.ttlAttribute) await enableTimeToLive(client, name, table.ttlAttribute);
}

/** Every attribute a key of the table or of one of its indexes uses, declared once. */
function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  return keyAttributes(table).map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
}

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

async function enableTimeToLive(
  client: DynamoDBClient,
  name: string,
  attribute: string,
): Promise<void> {
  const { TimeToLiveDescription: current } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: name }),
  );
  const status = current?.TimeToLiveStatus;
  // UpdateTimeToLive fails on a table whose TTL is already on, so a second run must skip it.
  if ((status === 'ENABLED' || status === 'ENABLING') && current?.AttributeName === attribute) {
    return;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { Enabled: true, AttributeName: attribute },
    }),
  );
}

function hasName(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
