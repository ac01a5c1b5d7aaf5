/**
 * The DynamoDB proxy in front of DynamoDB Local, with the real SDK client: a caller held to a
 * policy gets DynamoDB's AccessDeniedException for what the policy does not allow (each action
 * of a transaction, each item's partition key), everything else passes through unchanged.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { startDynamoDbProxy, type DynamoDbProxy } from '../../local/dynamodb-proxy.ts';
import { dynamoDbRequests } from '../../local/iam/aws-requests.ts';
import { SandboxIam } from '../../local/iam/sandbox-iam.ts';
import { TABLES } from '../../shared/tables.ts';
import { useFreshTables } from './dynamodb-local.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

describe('DynamoDB proxy (IAM in front of DynamoDB Local)', () => {
  const tables = useFreshTables();
  let proxy: DynamoDbProxy;
  const client = (accessKeyId: string) =>
    new DynamoDBClient({ endpoint: proxy.endpoint, region: REGION, credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });

  before(async () => {
    const { names } = tables();
    const progress = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${names.syncProgress}`;
    const iam = new SandboxIam({
      roles: [
        {
          arn: `arn:aws:iam::${ACCOUNT}:role/syncer`,
          policies: [
            {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: progress, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['mine'] } } },
              ],
            },
          ],
        },
      ],
    });
    const partitionKeys = new Map([[names.syncProgress, TABLES.syncProgress.partitionKey.name as string]]);
    proxy = await startDynamoDbProxy({
      target: process.env.AWS_ENDPOINT_URL_DYNAMODB as string,
      authorize: ({ accessKeyId, region, operation, body }) => {
        const identity = { account: ACCOUNT, roleName: accessKeyId === 'syncer' ? 'syncer' : 'anyone', sessionName: accessKeyId };
        iam.check(identity, dynamoDbRequests(operation, body, { region, account: ACCOUNT }, (table) => partitionKeys.get(table)));
      },
    });
  });
  after(() => proxy?.stop());

  const item = (job: string) => ({ job: { S: job } });

  it('passes what the policy allows, and requests of callers not held to IAM', async () => {
    const { names } = tables();
    await client('syncer').send(new PutItemCommand({ TableName: names.syncProgress, Item: item('mine') }));
    await client('anyone').send(new PutItemCommand({ TableName: names.syncProgress, Item: item('theirs') }));
    const read = await client('syncer').send(new GetItemCommand({ TableName: names.syncProgress, Key: item('mine') }));
    expect(read.Item).to.deep.equal(item('mine'));
  });

  it("answers what it does not allow as DynamoDB does: HTTP 400 AccessDeniedException with IAM's message", async () => {
    const { names } = tables();
    const denied = await client('syncer')
      .send(new GetItemCommand({ TableName: names.syncProgress, Key: item('theirs') }))
      .catch((error: Error & { $metadata?: { httpStatusCode?: number } }) => error);
    expect(denied).to.have.property('name', 'AccessDeniedException');
    expect((denied as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).to.equal(400);
    expect((denied as Error).message).to.equal(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/syncer/syncer is not authorized to perform: dynamodb:GetItem on resource: ` +
        `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${names.syncProgress} because no identity-based policy allows the dynamodb:GetItem action`,
    );
  });

  it('authorizes each action inside a transaction, and applies none of it when one is refused', async () => {
    const { names } = tables();
    const denied = await client('syncer')
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: names.syncProgress, Item: { ...item('mine'), n: { N: '2' } } } },
            { Delete: { TableName: names.syncProgress, Key: item('theirs') } },
          ],
        }),
      )
      .catch((error: Error) => error);
    expect(denied).to.have.property('name', 'AccessDeniedException');
    expect((denied as Error).message).to.include('dynamodb:DeleteItem');
    const mine = await client('anyone').send(new GetItemCommand({ TableName: names.syncProgress, Key: item('mine') }));
    expect(mine.Item).to.deep.equal(item('mine'));
  });
});
