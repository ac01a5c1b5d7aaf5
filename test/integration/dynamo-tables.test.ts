import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { createTables, deleteTables } from '../../local/tables.ts';
import { tableNames } from '../../shared/tables.ts';
import { localDynamoClient, uniquePrefix } from './dynamodb-local.ts';

describe('local tables', () => {
  const prefix = uniquePrefix();
  const names = tableNames(prefix);
  const descriptions: Partial<Record<keyof typeof names, TableDescription>> = {};

  before(async () => {
    const client = localDynamoClient();
    await createTables(client, prefix);
    for (const [role, name] of Object.entries(names) as [keyof typeof names, string][]) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      descriptions[role] = Table;
    }
  });

  after(() => deleteTables(localDynamoClient(), prefix));

  function keysOf(role: keyof typeof names) {
    const table = descriptions[role];
    return {
      keys: table?.KeySchema,
      attributes: [...(table?.AttributeDefinitions ?? [])].sort((a, b) =>
        (a.AttributeName ?? '').localeCompare(b.AttributeName ?? ''),
      ),
    };
  }

  it('names the tables <prefix>-config-...', () => {
    expect(Object.values(descriptions).map((table) => table?.TableName)).to.deep.equal([
      `${prefix}-config-cache`,
      `${prefix}-config-auditor`,
      `${prefix}-config-replication`,
      `${prefix}-config-replication-sources`,
      `${prefix}-config-sync-progress`,
    ]);
  });

  it('keys the cache by parameter_name (S) and last_updated (N)', () => {
    expect(keysOf('cache')).to.deep.equal({
      keys: [
        { AttributeName: 'parameter_name', KeyType: 'HASH' },
        { AttributeName: 'last_updated', KeyType: 'RANGE' },
      ],
      attributes: [
        { AttributeName: 'last_updated', AttributeType: 'N' },
        { AttributeName: 'parameter_name', AttributeType: 'S' },
      ],
    });
  });

  it('keys the audit log by parameter_name (S) and time (N), with AuditByUserIdx on user and time and AuditByPathRootIdx on path_root and time', () => {
    expect(keysOf('audit')).to.deep.equal({
      keys: [
        { AttributeName: 'parameter_name', KeyType: 'HASH' },
        { AttributeName: 'time', KeyType: 'RANGE' },
      ],
      attributes: [
        { AttributeName: 'parameter_name', AttributeType: 'S' },
        { AttributeName: 'path_root', AttributeType: 'S' },
        { AttributeName: 'time', AttributeType: 'N' },
        { AttributeName: 'user', AttributeType: 'S' },
      ],
    });
    const indexes = descriptions.audit?.GlobalSecondaryIndexes ?? [];
    expect(
      indexes.map((index) => [index.IndexName, index.KeySchema, index.Projection]),
    ).to.deep.equal([
      [
        'AuditByUserIdx',
        [
          { AttributeName: 'user', KeyType: 'HASH' },
          { AttributeName: 'time', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'ALL' },
      ],
      [
        'AuditByPathRootIdx',
        [
          { AttributeName: 'path_root', KeyType: 'HASH' },
          { AttributeName: 'time', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'ALL' },
      ],
    ]);
  });

  it('keys the replication table by destination (S) alone', () => {
    expect(keysOf('replication')).to.deep.equal({
      keys: [{ AttributeName: 'destination', KeyType: 'HASH' }],
      attributes: [{ AttributeName: 'destination', AttributeType: 'S' }],
    });
  });

  it('keys the source index by source (S) and destination (S)', () => {
    expect(keysOf('replicationSources')).to.deep.equal({
      keys: [
        { AttributeName: 'source', KeyType: 'HASH' },
        { AttributeName: 'destination', KeyType: 'RANGE' },
      ],
      attributes: [
        { AttributeName: 'destination', AttributeType: 'S' },
        { AttributeName: 'source', AttributeType: 'S' },
      ],
    });
  });

  it('streams new and old images from the replication table only', () => {
    expect(descriptions.replication?.StreamSpecification).to.deep.equal({
      StreamEnabled: true,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(descriptions.replication?.LatestStreamArn).to.be.a('string');
    for (const role of ['cache', 'audit', 'replicationSources'] as const) {
      expect(descriptions[role]?.StreamSpecification, role).to.equal(undefined);
    }
  });

  it('expires cache items by expires_at', async () => {
    const { TimeToLiveDescription } = await localDynamoClient().send(
      new DescribeTimeToLiveCommand({ TableName: names.cache }),
    );

    expect(TimeToLiveDescription).to.deep.equal({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expires_at',
    });
  });

  it('bills every table per request', () => {
    for (const table of Object.values(descriptions)) {
      expect(table?.BillingModeSummary?.BillingMode, table?.TableName).to.equal('PAY_PER_REQUEST');
    }
  });

  it('can be run again over existing tables', async () => {
    expect(await createTables(localDynamoClient(), prefix)).to.deep.equal(names);
  });

  it('deletes the tables, and tolerates deleting them twice', async () => {
    const client = localDynamoClient();
    const scratch = uniquePrefix();
    await createTables(client, scratch);

    await deleteTables(client, scratch);
    await deleteTables(client, scratch);

    const { TableNames } = await client.send(new ListTablesCommand({}));
    expect(TableNames?.filter((name) => name.startsWith(`${scratch}-`))).to.deep.equal([]);
  });
});
