/**
 * Shared by the benchmarks that run the sandbox: where its bundles go, a client acting as
 * a user, and loading many parameters and mappings quickly.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk, mapBounded } from '../../shared/concurrency.ts';
import type { Sandbox } from '../../local/index.ts';

/** A client acting as `user`; `maxAttempts` 1 sends each call once, so every throttle shows. */
export function ssmClient(sandbox: Sandbox, user = 'bench', maxAttempts = 10): SSMClient {
  return new SSMClient({
    endpoint: sandbox.endpoints.ssm,
    region: sandbox.env.AWS_REGION,
    credentials: { accessKeyId: user, secretAccessKey: 'bench' },
    maxAttempts,
  });
}

export function documentClient(sandbox: Sandbox): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: sandbox.endpoints.dynamodb,
      region: sandbox.env.AWS_REGION,
      credentials: {
        accessKeyId: sandbox.env.AWS_ACCESS_KEY_ID as string,
        secretAccessKey: sandbox.env.AWS_SECRET_ACCESS_KEY as string,
      },
    }),
  );
}

/** Puts String parameters, a few at a time (each put is an event for three functions). */
export async function putParameters(
  ssm: SSMClient,
  parameters: readonly { readonly name: string; readonly value: string }[],
  concurrency = 8,
): Promise<void> {
  await mapBounded(parameters, concurrency, ({ name, value }) =>
    ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true })),
  );
}

/** Writes items to a table with BatchWriteItem, 25 a request. */
export async function batchWrite(
  documents: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  await mapBounded(chunk(items, 25), 4, async (batch) => {
    let pending: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const output = await documents.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (output.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
    }
  });
}
