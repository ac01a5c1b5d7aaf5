/**
 * The seven handlers as Lambda runs them: real Middy stacks, real SDK clients, DynamoDB Local
 * for the tables and the SSM emulator for Parameter Store. Events are the CloudTrail records
 * the emulator emits for each write, so what the handlers see is what AWS would send.
 */
import { DeleteParametersCommand, PutParameterCommand, SSMClient, type PutParameterCommandInput } from '@aws-sdk/client-ssm';
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { expect } from 'chai';
import { migrationStatus } from '../../shared/aws/audit-path-migration.ts';
import { ENV } from '../../shared/config.ts';
import { FUNCTIONS, type FunctionName } from '../../shared/functions.ts';
import type { TableRole } from '../../shared/tables.ts';
import { startSsmEmulator, toEventBridgeEvent, type SsmApiCallEvent, type SsmEmulator } from '../../local/ssm/index.ts';
import { useFreshTables } from './dynamodb-local.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const context = {
  functionName: 'test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('handlers on DynamoDB Local and the SSM emulator', function () {
  const tables = useFreshTables();
  let emulator: SsmEmulator;
  let events: SsmApiCallEvent[] = [];
  let logs: string[] = [];
  const handlers = {} as Record<
    'auditor' | 'cacheManager' | 'streamReplicator' | 'parameterReplicator' | 'replicationSyncer' | 'cacheSyncer' | 'auditSyncer',
    Handler
  >;
  const ssm = (user = 'alice') =>
    new SSMClient({ endpoint: emulator.url, region: 'eu-west-1', credentials: { accessKeyId: user, secretAccessKey: 'x' } });
  /** Every DynamoDB call the handlers' own client makes, as `<table role>:<operation>`. */
  let dynamoCalls: string[] = [];
  const originalStdout = process.stdout.write.bind(process.stdout);
  const originalStderr = process.stderr.write.bind(process.stderr);

  before(async () => {
    emulator = await startSsmEmulator({ region: 'eu-west-1' });
    emulator.onWrite((detail) => {
      events.push(toEventBridgeEvent(detail));
    });
    const { names } = tables();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: emulator.url,
      AWS_ENDPOINT_URL_CLOUDTRAIL: emulator.url,
      [ENV.cacheTable]: names.cache,
      [ENV.auditTable]: names.audit,
      [ENV.replicationTable]: names.replication,
      [ENV.replicationSourcesTable]: names.replicationSources,
      [ENV.syncProgressTable]: names.syncProgress,
      [ENV.destinationPrefixes]: '/app',
      [ENV.replicationKmsKeyId]: 'alias/figgy-replication',
      [ENV.auditedNamespaces]: '/',
    });
    // Imported only now: the handlers' clients read the endpoints when they are created.
    handlers.auditor = heldToCatalog('parameter-store-auditor', (await import('../../handlers/parameter-store-auditor.ts')).handler);
    handlers.cacheManager = heldToCatalog('config-cache-manager', (await import('../../handlers/config-cache-manager.ts')).handler);
    // Middy types the stream handler with its own options argument, which Lambda never passes.
    handlers.streamReplicator = heldToCatalog(
      'dynamo-stream-replicator',
      (await import('../../handlers/dynamo-stream-replicator.ts')).handler as unknown as Handler,
    );
    handlers.parameterReplicator = heldToCatalog('parameter-stream-replicator', (await import('../../handlers/parameter-stream-replicator.ts')).handler);
    handlers.replicationSyncer = heldToCatalog('replication-syncer', (await import('../../handlers/replication-syncer.ts')).handler);
    handlers.cacheSyncer = heldToCatalog('config-cache-syncer', (await import('../../handlers/config-cache-syncer.ts')).handler);
    handlers.auditSyncer = heldToCatalog('audit-syncer', (await import('../../handlers/audit-syncer.ts')).handler);
    const { documents } = await import('../../handlers/runtime/clients.ts');
    const roles = new Map(Object.entries(names).map(([role, table]) => [table, role as TableRole]));
    documents.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; TransactItems?: Record<string, { TableName: string }>[] };
        const operation = String(context.commandName).replace(/Command$/, '');
        if (input.TransactItems) {
          for (const item of input.TransactItems) {
            for (const [kind, action] of Object.entries(item)) dynamoCalls.push(`${roles.get(action.TableName)}:${operation}:${kind}`);
          }
        } else if (input.TableName) {
          dynamoCalls.push(`${roles.get(input.TableName)}:${operation}`);
        } else {
          const tables = Object.keys((args.input as { RequestItems?: object }).RequestItems ?? {});
          for (const table of tables) dynamoCalls.push(`${roles.get(table)}:${operation}`);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordCallsAgainstTheCatalog' },
    );
  });

  beforeEach(() => {
    events = [];
    logs = [];
    dynamoCalls = [];
    // Powertools writes INFO and below to stdout, WARN and ERROR to stderr: the test reads both.
    const capture = ((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
  });

  afterEach(() => {
    process.stdout.write = originalStdout;
    process.stderr.write = originalStderr;
  });

  /**
   * The construct grants each function exactly the table operations its catalog entry lists;
   * this is where the code is held to that list, since neither DynamoDB Local nor the
   * sandbox enforces IAM.
   */
  function heldToCatalog(name: FunctionName, handler: Handler): Handler {
    const allowed = new Set(
      Object.entries(FUNCTIONS[name].tables).flatMap(([role, operations]) =>
        (operations as readonly string[]).map((operation) => `${role}:${operation}`),
      ),
    );
    return async (event, lambdaContext) => {
      dynamoCalls = [];
      const result = await handler(event, lambdaContext);
      expect(dynamoCalls.filter((call) => !allowed.has(call)), `${name} calls outside its catalog entry`).to.deep.equal([]);
      return result;
    };
  }

  after(async () => {
    await emulator?.stop();
  });

  const put = async (input: PutParameterCommandInput, user?: string) => {
    await ssm(user).send(new PutParameterCommand({ Overwrite: true, Type: 'String', ...input }));
    return events.at(-1) as SsmApiCallEvent;
  };
  const scan = async (table: string) =>
    (await tables().documents.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];

  it('audits and caches each form of call: put, DeleteParameter, and each deleted name of DeleteParameters', async () => {
    const { names } = tables();
    for (const name of ['/forms/a', '/forms/b', '/forms/c']) {
      const event = await put({ Name: name, Value: `value of ${name}` }, 'dana');
      await handlers.auditor(event, context);
      await handlers.cacheManager(event, context);
    }
    await ssm('erin').send(new DeleteParametersCommand({ Names: ['/forms/a', '/forms/b', '/forms/never'] }));
    const deleted = events.at(-1) as SsmApiCallEvent;
    await handlers.auditor(deleted, context);
    await handlers.cacheManager(deleted, context);

    const audit = (await scan(names.audit)).filter((item) => String(item.parameter_name).startsWith('/forms/'));
    expect(audit).to.have.length(5);
    expect(audit.filter((item) => item.action === 'DeleteParameters').map((item) => item.parameter_name).sort()).to.deep.equal([
      '/forms/a',
      '/forms/b',
    ]);
    const put1 = audit.find((item) => item.parameter_name === '/forms/c');
    expect(put1).to.deep.include({ action: 'PutParameter', user: 'dana', value: 'value of /forms/c', type: 'String', version: '1' });
    const cache = (await scan(names.cache)).filter((item) => String(item.parameter_name).startsWith('/forms/'));
    expect(cache.map((item) => `${item.parameter_name}:${item.state}`).sort()).to.deep.equal([
      '/forms/a:DELETED',
      '/forms/b:DELETED',
      '/forms/c:ACTIVE',
    ]);
    expect(cache.find((item) => item.state === 'DELETED')?.expires_at).to.be.a('number');
  });

  it('keeps the same event delivered three times to one audit record and one cache item', async () => {
    const { names } = tables();
    const event = await put({ Name: '/dup/x', Value: 'v' });
    for (let delivery = 0; delivery < 3; delivery++) {
      await handlers.auditor(event, context);
      await handlers.cacheManager(event, context);
    }
    expect((await scan(names.audit)).filter((item) => item.parameter_name === '/dup/x')).to.have.length(1);
    expect((await scan(names.cache)).filter((item) => item.parameter_name === '/dup/x')).to.have.length(1);
  });

  it('stores a SecureString only as ciphertext and never logs its plaintext', async () => {
    const { names } = tables();
    const plaintext = 'hunter2-plaintext-secret';
    const event = await put({ Name: '/secret/db', Value: plaintext, Type: 'SecureString' });
    await handlers.auditor(event, context);
    await handlers.cacheManager(event, context);
    const record = (await scan(names.audit)).find((item) => item.parameter_name === '/secret/db');
    expect(record?.type).to.equal('SecureString');
    expect(record?.value).to.be.a('string').and.not.equal(plaintext);
    for (const table of Object.values(names)) expect(JSON.stringify(await scan(table))).not.to.include(plaintext);
    expect(logs.join('')).to.include('/secret/db').and.not.include(plaintext);
  });

  it('logs structured JSON naming the event id and parameter on every domain line', async () => {
    const event = await put({ Name: '/logs/x', Value: 'v' });
    await handlers.auditor(event, context);
    // Metrics are log lines too (CloudWatch's embedded format), written once the invocation is done.
    const lines = logs
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line._aws === undefined);
    expect(lines).not.to.be.empty;
    for (const line of lines) expect(line.event_id).to.equal(event.detail.eventID);
    expect(lines.some((line) => line.parameter_name === '/logs/x')).to.be.true;
  });

  it('skips failed calls without writing or failing', async () => {
    const { names } = tables();
    const before = (await scan(names.audit)).length;
    const failed = { ...(await put({ Name: '/skip/x', Value: 'v' })) };
    const detail = { ...failed.detail, errorCode: 'AccessDenied', errorMessage: 'denied' };
    expect(await handlers.auditor({ ...failed, detail }, context)).to.deep.equal([]);
    expect((await scan(names.audit)).length).to.equal(before);
  });

  it('fails an event that breaks the contract with an error naming the field, so Lambda retries and dead-letters it', async () => {
    const event = await put({ Name: '/bad/x', Value: 'v' });
    const broken = { ...event, detail: { ...event.detail, eventTime: 'not a time' } };
    let failure: unknown;
    try {
      await handlers.auditor(broken, context);
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(Error).with.property('message').that.includes('detail.eventTime');
    expect(logs.join('')).to.include('"field":"detail.eventTime"');
  });

  describe('replication', () => {
    const streamRecord = (
      eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
      sequence: string,
      newImage?: Record<string, unknown>,
      oldImage?: Record<string, unknown>,
    ): DynamoDBRecord =>
      ({
        eventID: sequence,
        eventName,
        eventSource: 'aws:dynamodb',
        awsRegion: 'eu-west-1',
        dynamodb: {
          SequenceNumber: sequence,
          Keys: marshall({ destination: (newImage ?? oldImage)?.destination }),
          NewImage: newImage && marshall(newImage),
          OldImage: oldImage && marshall(oldImage),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      }) as DynamoDBRecord;

    it('replicates new mappings at once, keeps the source index, and reports only the bad record of a batch', async () => {
      const { names } = tables();
      await put({ Name: '/src/host', Value: 'db.internal' });
      await put({ Name: '/src/password', Value: 'pw 1', Type: 'SecureString' });
      const app = { destination: '/app/orders/host', source: '/src/host', type: 'app' };
      const merge = { destination: '/app/orders/url', source: ['pg://${/src/host}/', '${/src/password:uri}'], type: 'merge' };
      const response = (await handlers.streamReplicator(
        {
          Records: [
            streamRecord('INSERT', '100', app),
            streamRecord('INSERT', '101', { destination: '/app/broken', type: 'merge', source: 'no references' }),
            streamRecord('INSERT', '102', merge),
          ],
        },
        context,
      )) as { batchItemFailures: { itemIdentifier: string }[] };
      expect(response.batchItemFailures).to.deep.equal([{ itemIdentifier: '101' }]);
      const rejected = logs.join('').split('\n').find((line) => line.includes('stream record rejected'));
      expect(rejected).to.include('"event_id":"101"').and.include('"parameter_name":"/app/broken"').and.include('refers to no parameter');
      const values = Object.fromEntries(emulator.snapshot().map((parameter) => [parameter.name, parameter]));
      expect(values['/app/orders/host']).to.deep.include({ value: 'db.internal', type: 'String' });
      expect(values['/app/orders/url']).to.deep.include({ value: 'pg://db.internal/pw+1', type: 'SecureString', keyId: 'alias/figgy-replication' });
      const index = (await scan(names.replicationSources)).map((row) => `${row.source}>${row.destination}`).sort();
      expect(index).to.deep.equal(['/src/host>/app/orders/host', '/src/host>/app/orders/url', '/src/password>/app/orders/url']);

      await handlers.streamReplicator({ Records: [streamRecord('REMOVE', '103', undefined, merge)] }, context);
      const after = (await scan(names.replicationSources)).map((row) => `${row.source}>${row.destination}`).sort();
      expect(after).to.deep.equal(['/src/host>/app/orders/host']);
      expect(emulator.snapshot().some((parameter) => parameter.name === '/app/orders/url')).to.be.true;
    });

    it('replicates a source change from the SSM event to every destination', async () => {
      const { documents, names } = tables();
      for (const destination of ['/app/one/flag', '/app/two/flag']) {
        const item = { destination, source: '/src/flag', type: 'app' };
        await documents.send(new PutCommand({ TableName: names.replication, Item: item }));
        await handlers.streamReplicator({ Records: [streamRecord('INSERT', `2${destination.length}`, item)] }, context);
      }
      const change = await put({ Name: '/src/flag', Value: 'on' });
      const outcomes = (await handlers.parameterReplicator(change, context)) as { outcome: { result: string }[] }[];
      expect(outcomes[0]?.outcome.map((outcome) => outcome.result)).to.deep.equal(['written', 'written']);
      const values = Object.fromEntries(emulator.snapshot().map((parameter) => [parameter.name, parameter.value]));
      expect(values['/app/one/flag']).to.equal('on');
      expect(values['/app/two/flag']).to.equal('on');
    });

    it('the replication syncer repairs drift and the source index', async () => {
      const { documents, names } = tables();
      await documents.send(
        new PutCommand({ TableName: names.replication, Item: { destination: '/app/sync/x', source: '/src/sync', type: 'app' } }),
      );
      await put({ Name: '/src/sync', Value: 'truth' });
      await put({ Name: '/app/sync/x', Value: 'drifted' });
      const outcome = (await handlers.replicationSyncer({ source: 'aws.events', id: 'schedule-1' }, context)) as {
        status: string;
        report: Record<string, number>;
      };
      expect(outcome.status).to.equal('finished');
      expect(outcome.report.written).to.be.at.least(1);
      expect(emulator.snapshot().find((parameter) => parameter.name === '/app/sync/x')?.value).to.equal('truth');
      expect((await scan(names.replicationSources)).some((row) => row.destination === '/app/sync/x')).to.be.true;
    });
  });

  it('the cache syncer adds names the cache missed and tombstones names gone from Parameter Store', async () => {
    const { documents, names } = tables();
    await put({ Name: '/sync/missed', Value: 'v' });
    await documents.send(
      new PutCommand({
        TableName: names.cache,
        Item: { parameter_name: '/sync/ghost', state: 'ACTIVE', last_updated: 1, event_time: 1 },
      }),
    );
    const outcome = (await handlers.cacheSyncer({ source: 'aws.events', id: 'schedule-2' }, context)) as {
      status: string;
      report: Record<string, number>;
    };
    expect(outcome.status).to.equal('finished');
    expect(outcome.report.added).to.be.at.least(1);
    expect(outcome.report.tombstoned).to.equal(1);
    const cache = await scan(names.cache);
    expect(cache.find((item) => item.parameter_name === '/sync/missed')?.state).to.equal('ACTIVE');
    expect(cache.find((item) => item.parameter_name === '/sync/ghost')?.state).to.equal('DELETED');
  });

  it('the audit syncer, whose import is the first write of a new deployment, marks the empty table as needing no migration', async () => {
    const { documents, names } = tables();
    // A new deployment: nothing in the audit table yet, changes in CloudTrail's history. The
    // syncer's container looks once, so this must be its first invocation here.
    for (const item of await scan(names.audit)) {
      await documents.send(new DeleteCommand({ TableName: names.audit, Key: { parameter_name: item.parameter_name, time: item.time } }));
    }
    await put({ Name: '/history/before-deploy', Value: 'v' }, 'erin');
    const outcome = (await handlers.auditSyncer({ source: 'aws.events', id: 'schedule-4' }, context)) as { status: string };
    expect(outcome.status).to.equal('finished');
    expect((await scan(names.audit)).some((item) => item.parameter_name === '/history/before-deploy')).to.be.true;
    // Else the auditor, writing later, finds records and every log, diff and restore says to migrate.
    expect(await migrationStatus(documents, names.audit)).to.equal('complete');
  });

  it('the audit syncer records from CloudTrail\'s event history a change whose event never reached the auditor, marked as a repair', async () => {
    const { names } = tables();
    // Written, and its event never handed to any function.
    await put({ Name: '/history/missed', Value: 'from-history' }, 'erin');
    const outcome = (await handlers.auditSyncer({ source: 'aws.events', id: 'schedule-3' }, context)) as {
      status: string;
      report: Record<string, number>;
    };
    expect(outcome.status).to.equal('finished');
    expect(outcome.report.repaired).to.be.at.least(1);
    const [record, ...others] = (await scan(names.audit)).filter((item) => item.parameter_name === '/history/missed');
    expect(others).to.deep.equal([]);
    expect(record).to.deep.include({ action: 'PutParameter', value: 'from-history', version: '1', user: 'erin', repair: true });
  });
});
