/**
 * The figgy tables on DynamoDB Local behind a metered client: what a benchmark that counts
 * DynamoDB's work needs before it measures anything.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDocumentClient } from '../../shared/aws/dynamo-client.ts';
import type { DynamoDbLocal } from '../../local/dynamodb-local.ts';
import { LOCAL_AWS_ENVIRONMENT } from '../../local/dynamodb-local.ts';
import { createTables } from '../../local/tables.ts';
import { DynamoMeter } from './dynamo-meter.ts';

/** A client on `dynamo` with a {@link DynamoMeter} attached, its document client and fresh `bench-*` tables. */
export async function meteredTables(dynamo: DynamoDbLocal) {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_AWS_ENVIRONMENT.AWS_REGION,
    credentials: {
      accessKeyId: LOCAL_AWS_ENVIRONMENT.AWS_ACCESS_KEY_ID,
      secretAccessKey: LOCAL_AWS_ENVIRONMENT.AWS_SECRET_ACCESS_KEY,
    },
  });
  const meter = new DynamoMeter();
  meter.attach(client);
  return { client, meter, documents: createDynamoDocumentClient(client), tables: await createTables(client, 'bench') };
}
