/**
 * The replication syncer over the real adapters: DynamoDB Local read in small pages, and the
 * SSM emulator counting calls, so "every page" and "batched reads" are measured, not assumed.
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { DynamoReplicationMappings, DynamoSourceIndex } from '../../shared/aws/dynamo-replication.ts';
import { SsmParameterStore } from '../../shared/aws/ssm-parameter-store.ts';
import { parsePrefixes } from '../../shared/config.ts';
import { silentLog } from '../../shared/log.ts';
import { ReplicationSyncer } from '../../shared/replication/replication-syncer.ts';
import { startSsmEmulator, type SsmEmulator } from '../../local/ssm/index.ts';
import { useFreshTables } from './dynamodb-local.ts';

describe('replication syncer on DynamoDB Local', () => {
  const tables = useFreshTables();
  let emulator: SsmEmulator;
  let ssm: SSMClient;

  before(async () => {
    emulator = await startSsmEmulator({ region: 'eu-west-1' });
    ssm = new SSMClient({ endpoint: emulator.url, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'x' } });
  });
  after(() => emulator.stop());

  it('repairs every drifted destination and rebuilds the index across many pages, finding drift with reads of ten names a call', async () => {
    const { documents, names } = tables();
    const count = 40;
    for (let index = 0; index < count; index++) {
      await documents.send(
        new PutCommand({ TableName: names.replication, Item: { destination: `/app/${index}`, source: `/src/${index}`, type: 'app' } }),
      );
    }
    await documents.send(
      new PutCommand({ TableName: names.replicationSources, Item: { source: '/old', destination: '/app/removed-long-ago' } }),
    );
    for (let index = 0; index < count; index++) {
      await ssm.send(new PutParameterCommand({ Name: `/src/${index}`, Value: `v${index}`, Type: 'String' }));
      if (index % 2 === 0) await ssm.send(new PutParameterCommand({ Name: `/app/${index}`, Value: 'drifted', Type: 'String' }));
    }
    const before = emulator.callCounts();

    const syncer = new ReplicationSyncer({
      parameters: new SsmParameterStore(ssm, { concurrency: 4 }),
      mappings: new DynamoReplicationMappings(documents, names.replication, { pageSize: 7 }),
      sourceIndex: new DynamoSourceIndex(documents, names.replicationSources, { pageSize: 7 }),
      // What is written matters here, not when: the pace is the unit tests' subject.
      settings: { destinationPrefixes: parsePrefixes('/app', 'REPLICATION_DESTINATION_PREFIXES'), bulkWritesPerSecond: 1_000, bulkReadsPerSecond: 1_000 },
      log: silentLog,
      concurrency: 4,
    });
    const report = await syncer.sync();

    expect(report).to.deep.include({ mappings: count, written: count, linksAdded: count, linksRemoved: 1 });
    const values = new Map(emulator.snapshot().map((parameter) => [parameter.name, parameter.value]));
    for (let index = 0; index < count; index++) expect(values.get(`/app/${index}`)).to.equal(`v${index}`);
    const calls = emulator.callCounts();
    // The drift check reads all 80 names in 8 calls; each repair reads its two names again
    // before writing and once after.
    expect((calls.GetParameters ?? 0) - (before.GetParameters ?? 0)).to.equal(Math.ceil((2 * count) / 10) + 2 * count);
    const index = (await documents.send(new ScanCommand({ TableName: names.replicationSources }))).Items ?? [];
    expect(index).to.have.length(count);

    const again = await syncer.sync();
    expect(again).to.deep.include({ written: 0, inSync: count, linksAdded: 0, linksRemoved: 0 });
  });
});
