import { expect } from 'chai';
import { UNKNOWN } from '../../../../local/iam/policy-conditions.ts';
import { dynamoDbRequests, kmsRequest, ssmRequests } from '../../../../local/iam/aws-requests.ts';

const place = { region: 'eu-west-1', account: '123456789012' };
const table = (name: string) => `arn:aws:dynamodb:eu-west-1:123456789012:table/${name}`;
const partitionKeyOf = (name: string) => ({ jobs: 'job', cache: 'parameter_name' })[name];

describe('what IAM authorizes for each call (the request table)', () => {
  it('authorizes each action inside a transaction on its own table, with its partition key', () => {
    const needed = dynamoDbRequests(
      'TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 'cache', Item: { parameter_name: { S: '/a' } } } },
          { Delete: { TableName: 'cache', Key: { parameter_name: { S: '/b' } } } },
          { ConditionCheck: { TableName: 'jobs', Key: { job: { S: 'x' } } } },
        ],
      },
      place,
      partitionKeyOf,
    );
    expect(needed.map(({ action, resource, context }) => [action, resource, context])).to.deep.equal([
      ['dynamodb:PutItem', table('cache'), { 'dynamodb:LeadingKeys': ['/a'] }],
      ['dynamodb:DeleteItem', table('cache'), { 'dynamodb:LeadingKeys': ['/b'] }],
      ['dynamodb:ConditionCheckItem', table('jobs'), { 'dynamodb:LeadingKeys': ['x'] }],
    ]);
  });

  it('authorizes a batch once per table, with every partition key it names', () => {
    const needed = dynamoDbRequests(
      'BatchWriteItem',
      {
        RequestItems: {
          cache: [{ PutRequest: { Item: { parameter_name: { S: '/a' } } } }, { DeleteRequest: { Key: { parameter_name: { S: '/a' } } } }],
          jobs: [{ PutRequest: { Item: { job: { S: 'y' } } } }],
        },
      },
      place,
      partitionKeyOf,
    );
    expect(needed.map(({ resource, context }) => [resource, context])).to.deep.equal([
      [table('cache'), { 'dynamodb:LeadingKeys': ['/a'] }],
      [table('jobs'), { 'dynamodb:LeadingKeys': ['y'] }],
    ]);
  });

  it("reads a Query's partition key from its key condition; an index's is not known", () => {
    const [query] = dynamoDbRequests(
      'Query',
      { TableName: 'jobs', KeyConditionExpression: ':v = #k', ExpressionAttributeNames: { '#k': 'job' }, ExpressionAttributeValues: { ':v': { S: 'z' } } },
      place,
      partitionKeyOf,
    );
    expect(query?.context).to.deep.equal({ 'dynamodb:LeadingKeys': ['z'] });
    const [index] = dynamoDbRequests('Query', { TableName: 'audit', IndexName: 'ByUser', KeyConditionExpression: 'u = :u' }, place, partitionKeyOf);
    expect(index?.resource).to.equal(`${table('audit')}/index/ByUser`);
    expect(index?.context?.['dynamodb:LeadingKeys']).to.equal(UNKNOWN);
  });

  it("names a stream as IAM does in the caller's region and account, whatever DynamoDB Local calls it", () => {
    const local = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2026-01-01T00:00:00.000';
    const [records] = dynamoDbRequests('GetRecords', { ShardIterator: `${local}|001|abc` }, place, partitionKeyOf);
    expect(records?.resource).to.equal(`${table('t')}/stream/2026-01-01T00:00:00.000`);
    expect(dynamoDbRequests('ListStreams', {}, place, partitionKeyOf)[0]?.resource).to.equal('*');
  });

  it('authorizes an SSM call on each parameter it names, a selector as its parameter, and on * otherwise', () => {
    const arn = (name: string) => `arn:aws:ssm:eu-west-1:123456789012:parameter${name.replace(/:\d+$/, '')}`;
    expect(ssmRequests('GetParameters', { Names: ['/a', '/b:3'] }, place, arn).map((each) => each.resource)).to.deep.equal([arn('/a'), arn('/b')]);
    expect(ssmRequests('DescribeParameters', {}, place, arn)[0]?.resource).to.equal('*');
  });

  it('gives a KMS use its via-service, caller account and encryption context keys', () => {
    const use = kmsRequest({
      action: 'kms:Decrypt',
      keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      callerAccount: '123456789012',
      viaService: 'ssm.eu-west-1.amazonaws.com',
      encryptionContext: { PARAMETER_ARN: 'arn:aws:ssm:eu-west-1:123456789012:parameter/a' },
    });
    expect(use.context).to.deep.equal({
      'kms:CallerAccount': '123456789012',
      'kms:ViaService': 'ssm.eu-west-1.amazonaws.com',
      'kms:EncryptionContext:PARAMETER_ARN': 'arn:aws:ssm:eu-west-1:123456789012:parameter/a',
      'kms:EncryptionContextKeys': ['PARAMETER_ARN'],
    });
  });
});
