import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Creates the DynamoDB document client the adapters share.
 *
 * Handlers create one at module scope, so a warm Lambda reuses its connections, and pass it
 * to every adapter; tests pass one of their own. There is deliberately no endpoint option:
 * the SDK reads `AWS_ENDPOINT_URL_DYNAMODB` itself, so the same code talks to AWS or to
 * DynamoDB Local depending only on the environment.
 *
 * @example
 * const documents = createDynamoDocumentClient();
 * const auditLog = new DynamoAuditLog(documents, requireEnv(process.env, ENV.auditTable));
 */
export function createDynamoDocumentClient(
  client: DynamoDBClient = new DynamoDBClient({}),
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    // Optional domain fields arrive as undefined; DynamoDB would reject them as attribute values.
    marshallOptions: { removeUndefinedValues: true },
  });
}
