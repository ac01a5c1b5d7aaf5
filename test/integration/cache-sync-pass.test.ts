/**
 * The cache syncer's pass as the function runs it: the name cache and the progress table on
 * DynamoDB Local, Parameter Store in the SSM emulator, the saved cursor carried from one
 * invocation to the next.
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { DynamoNameCache } from '../../shared/aws/dynamo-name-cache.ts';
import { DynamoSyncProgress } from '../../shared/aws/dynamo-sync-progress.ts';
import { SsmParameterStore } from '../../shared/aws/ssm-parameter-store.ts';
import { CacheSyncer } from '../../shared/cache/cache-syncer.ts';
import { Budget } from '../../shared/sync/budget.ts';
import { runSyncPass } from '../../shared/sync/sync-pass.ts';
import { startSsmEmulator, type SsmEmulator } from '../../local/ssm/index.ts';
import { RecordingLog } from '../unit/support/in-memory.ts';
import { useFreshTables } from './dynamodb-local.ts';

const JOB = 'config-cache-syncer';

describe('cache sync pass across invocations', function () {
  this.timeout(60_000);
  const tables = useFreshTables();
  let emulator: SsmEmulator;
  let ssm: SSMClient;
  /** DescribeParameters calls that list every name (no filter), as opposed to existence checks. */
  let listings = 0;
  /** Query and Scan requests on the suite's cache table. */
  let reads = { Query: 0, Scan: 0 };

  before(async () => {
    emulator = await startSsmEmulator({ region: 'eu-west-1' });
    ssm = new SSMClient({ endpoint: emulator.url, region: 'eu-west-1', credentials: { accessKeyId: 'syncer', secretAccessKey: 'x' } });
    ssm.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DescribeParametersCommand' && !(args.input as { ParameterFilters?: unknown }).ParameterFilters) listings++;
        return next(args);
      },
      { step: 'initialize', name: 'countListings' },
    );
  });

  before(() => {
    const { documents, names } = tables();
    // The document client shares the process's one DynamoDB client's middleware stack: other
    // suites use it after this one, so the counter comes off in after().
    documents.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = context.commandName?.replace(/Command$/, '');
        if ((operation === 'Query' || operation === 'Scan') && (args.input as { TableName?: string }).TableName === names.cache) reads[operation]++;
        return next(args);
      },
      { step: 'initialize', name: 'countCacheReads' },
    );
  });

  after(async () => {
    tables().documents.middlewareStack.remove('countCacheReads');
    await emulator?.stop();
  });

  it('stops after a page when the budget runs out and the next invocation finishes from there', async () => {
    const { documents, names } = tables();
    // 110 parameters are three DescribeParameters pages (50, 50, 10).
    const parameterNames = Array.from({ length: 110 }, (_, index) => `/p/${String(index).padStart(3, '0')}`);
    for (const name of parameterNames) await ssm.send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'String' }));
    const cache = new DynamoNameCache(documents, names.cache, { pageSize: 25 });
    const T0 = Date.now() - 60_000;
    for (const name of parameterNames.slice(0, 20)) await cache.replace([], { name, state: 'ACTIVE', lastUpdated: T0, eventTime: T0 });
    for (const name of ['/ghost/a', '/ghost/b']) await cache.replace([], { name, state: 'ACTIVE', lastUpdated: T0, eventTime: T0 });

    const store = new DynamoSyncProgress(documents, names.syncProgress);
    const syncer = new CacheSyncer({ cache, parameters: new SsmParameterStore(ssm), log: new RecordingLog() });
    const log = new RecordingLog();
    listings = 0;
    reads = { Query: 0, Scan: 0 };

    // The first invocation's clock jumps past its budget once the first page is saved.
    let saves = 0;
    const save = store.save.bind(store);
    store.save = async (lease, progress) => {
      await save(lease, progress);
      saves++;
    };
    const started = Date.now();
    const budget = Budget.of(60_000, () => (saves > 0 ? started + 60_000 : started));
    const first = await runSyncPass({ store, job: JOB, owner: 'request-1', trigger: 'start', budget, log }, syncer);

    expect(first).to.deep.include({ status: 'continuing', invocations: 1 });
    expect(first).to.have.nested.property('report.parametersListed', 50);
    // The snapshot read the cache's 22 items in one Scan; the page's 20 cached names cost no
    // Query, the 30 it added one each, right before their swaps.
    expect(first).to.have.nested.property('report.cacheItemsRead', 22);
    expect(reads).to.deep.equal({ Query: 30, Scan: 1 });
    expect(listings).to.equal(1);
    const { Item: saved } = await documents.send(new GetCommand({ TableName: names.syncProgress, Key: { job: JOB } }));
    expect(JSON.parse(String(saved?.state))).to.have.nested.property('state.cursor.phase', 'listing');

    const second = await runSyncPass(
      { store, job: JOB, owner: 'request-2', trigger: 'continue', budget: Budget.of(60_000), log },
      syncer,
    );

    // Items scanned: the first invocation's snapshot (22), the second's (52), the cache phase (112).
    // The job's first pass: what it added is the cache's state from before, not repairs.
    expect(second).to.deep.include({
      status: 'finished',
      invocations: 2,
      firstPass: true,
      report: { parametersListed: 110, cacheItemsRead: 22 + 52 + 112, added: 90, tombstoned: 2, collapsed: 0, skipped: 0 },
    });
    expect((second as { openMs: number }).openMs).to.be.at.least(0);
    // The second invocation: a snapshot of 3 Scan pages and a Query for each of the 60 names it
    // added; the cache phase's 5 pages, a Query for the last name of the 4 that have a next and
    // for each of the 2 names it tombstoned.
    expect(reads).to.deep.equal({ Query: 30 + 60 + 4 + 2, Scan: 1 + 3 + 5 });
    // The second invocation listed pages two and three only.
    expect(listings).to.equal(3);
    for (const name of [parameterNames[0], parameterNames[50], parameterNames[109]] as string[]) {
      expect((await cache.entries(name)).map((entry) => entry.state), name).to.deep.equal(['ACTIVE']);
    }
    expect((await cache.entries('/ghost/a')).map((entry) => entry.state)).to.deep.equal(['DELETED']);
    const { Item: finished } = await documents.send(new GetCommand({ TableName: names.syncProgress, Key: { job: JOB } }));
    expect(finished?.state).to.equal(undefined);
    expect(finished?.finished_at).to.be.a('number');
    // The finished pass's summary stays on the job's item, for `figgy-events status`.
    expect(JSON.parse(String(finished?.last_pass))).to.deep.include({ invocations: 2, report: second.status === 'finished' ? second.report : undefined });
  });
});
