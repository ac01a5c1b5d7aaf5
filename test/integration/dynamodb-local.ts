/**
 * Test support: a client for the DynamoDB Local that `test/with-dynamodb-local.ts` started,
 * and a fresh set of tables per suite, so suites never see each other's items.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableRole } from '../../shared/tables.ts';
import { createDynamoDocumentClient } from '../../shared/aws/dynamo-client.ts';
import { createTables, deleteTables } from '../../local/tables.ts';

export interface LocalTables {
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly prefix: string;
  readonly names: Record<TableRole, string>;
}

let client: DynamoDBClient | undefined;

/** The process's one client; refuses to run unless the endpoint is DynamoDB Local's. */
export function localDynamoClient(): DynamoDBClient {
  if (!process.env.AWS_ENDPOINT_URL_DYNAMODB) {
    throw new Error(
      'integration tests need DynamoDB Local: run them with `npm run test:integration` ' +
        "(or `tsx test/with-dynamodb-local.ts mocha 'test/integration/**/*.test.ts'`)",
    );
  }
  client ??= new DynamoDBClient({});
  return client;
}

/** A table prefix no other suite, nor an earlier run against the same database, uses. */
export function uniquePrefix(): string {
  return `it-${randomUUID().slice(0, 8)}`;
}

/**
 * Registers mocha hooks that create the four tables under a new prefix before the suite and
 * delete them after it; returns an accessor for the suite's tests.
 */
export function useFreshTables(): () => LocalTables {
  let tables: LocalTables | undefined;
  before(async () => {
    const dynamo = localDynamoClient();
    const prefix = uniquePrefix();
    tables = {
      client: dynamo,
      documents: createDynamoDocumentClient(dynamo),
      prefix,
      names: await createTables(dynamo, prefix),
    };
  });
  after(async () => {
    if (tables) await deleteTables(tables.client, tables.prefix);
  });
  return () => {
    if (!tables) throw new Error('tables are created in a before() hook: use them inside it()');
    return tables;
  };
}
