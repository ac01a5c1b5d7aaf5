/**
 * The audit log's path index and its backfill on DynamoDB Local: prefixes read by Query once
 * migrated, by Scan (with a warning) before, and a migration that is idempotent, resumable
 * and paced.
 */
import { CreateTableCommand, DeleteTableCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { AuditReader } from '../../shared/audit/audit-reader.ts';
import type { AuditRecord } from '../../shared/audit/types.ts';
import { AuditPathMigration, MIGRATION_MARKER_KEY, migrationStatus } from '../../shared/aws/audit-path-migration.ts';
import { DynamoAuditLog } from '../../shared/aws/dynamo-audit-log.ts';
import { collect } from '../../shared/concurrency.ts';
import type { Log } from '../../shared/log.ts';
import { Restorer } from '../../shared/restore/restorer.ts';
import { AUDIT_TABLE, keyAttributes } from '../../shared/tables.ts';
import { FakeDecrypter, FakeTarget } from '../unit/support/restore-fakes.ts';
import { useFreshTables } from './dynamodb-local.ts';

const SECOND = Date.parse('2025-06-01T10:00:00Z');
let counter = 0;

function record(parameterName: string, offsetSeconds: number, user = 'alice'): AuditRecord {
  const eventTime = SECOND + offsetSeconds * 1000;
  return {
    parameterName,
    time: eventTime + 1,
    action: 'PutParameter',
    user,
    eventId: `e-${++counter}`,
    eventTime,
    value: `v${offsetSeconds}`,
    type: 'String',
    version: 1,
  };
}

/** An item as Figgy's own auditor (or ours before the index) wrote it: no path_root. */
function legacyItem(name: string, offsetSeconds: number) {
  const time = SECOND + offsetSeconds * 1000;
  return {
    parameter_name: { S: name },
    time: { N: String(time) },
    action: { S: 'PutParameter' },
    user: { S: 'figgy' },
    value: { S: `legacy-${offsetSeconds}` },
    type: { S: 'String' },
    version: { S: '1' },
  };
}

function capturingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message) => warnings.push(message) };
}

describe('audit path index and migration', () => {
  const tables = useFreshTables();
  const operations: string[] = [];
  const names = (records: AuditRecord[]) => records.map((each) => `${each.parameterName}@${(each.eventTime - SECOND) / 1000}`).sort();

  before(async () => {
    tables().client.middlewareStack.add(
      (next, context) => (args) => {
        operations.push(String(context.commandName).replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name: 'countOperations' },
    );
    const writer = new DynamoAuditLog(tables().documents, tables().names.audit);
    for (const each of [
      record('/app/orders/db', 10),
      record('/app/orders/db', 20, 'bob'),
      record('/app/orders-v2/db', 30),
      record('/app/billing/key', 40, 'bob'),
      record('/other/x', 50),
      record('/top', 60),
    ]) {
      await writer.insert(each);
    }
    for (const [name, offset] of [['/app/orders/legacy', 5], ['top', 6], ['/app/billing/old', 7], ['/other/old', 8]] as const) {
      await tables().client.send(new PutItemCommand({ TableName: tables().names.audit, Item: legacyItem(name, offset) }));
    }
  });

  it('reads a prefix by Scan before the migration, with a warning that says to run it', async () => {
    const log = capturingLog();
    const auditLog = new DynamoAuditLog(tables().documents, tables().names.audit, { log });
    operations.length = 0;

    const found = await collect(auditLog.recordsUnder('/app/orders'));

    // A path, as the index reads it: /app/orders-v2 is not under /app/orders.
    expect(names(found)).to.deep.equal(['/app/orders/db@10', '/app/orders/db@20', '/app/orders/legacy@5']);
    expect(names(await collect(auditLog.recordsUnder('/top')))).to.deep.equal(['/top@60', 'top@6']);
    expect(operations).to.deep.equal(['GetItem', 'Scan', 'Scan']);
    expect(log.warnings).to.have.length(1);
    expect(log.warnings[0]).to.include('figgy-events migrate');
    expect(await migrationStatus(tables().documents, tables().names.audit)).to.equal('not-started');
  });

  it('stops part way when interrupted and resumes from its last page, writing nothing twice', async () => {
    const migration = new AuditPathMigration(tables().client, tables().documents, tables().names.audit);
    const interrupted = new Error('interrupted');
    let pages = 0;
    try {
      await migration.run({
        pageSize: 3,
        onProgress: () => {
          if (++pages === 1) throw interrupted;
        },
      });
      expect.fail('the first page should have stopped the run');
    } catch (error) {
      expect(error).to.equal(interrupted);
    }
    expect(await migrationStatus(tables().documents, tables().names.audit)).to.equal('in-progress');

    operations.length = 0;
    const resumed = await migration.run({ pageSize: 3 });
    expect(resumed).to.deep.include({ resumed: true, alreadyComplete: false });
    // The first page's records had path_root already: the Scan's filter skips them, so each
    // update happens once; the four legacy items and nothing else needed one in all.
    const firstRun = 4 - resumed.updated;
    expect(firstRun).to.be.within(0, 3);
    const { Items = [] } = await tables().client.send(new ScanCommand({ TableName: tables().names.audit }));
    const withoutRoot = Items.filter((item) => !item.path_root && item.parameter_name?.S !== MIGRATION_MARKER_KEY.parameter_name);
    expect(withoutRoot).to.deep.equal([]);
    const roots = Object.fromEntries(Items.map((item) => [`${item.parameter_name?.S}@${item.time?.N}`, item.path_root?.S]));
    expect(roots[`top@${SECOND + 6000}`]).to.equal('/top');
    expect(roots[`/app/billing/old@${SECOND + 7000}`]).to.equal('/app');
    expect(await migrationStatus(tables().documents, tables().names.audit)).to.equal('complete');
  });

  it('reads nothing and writes nothing once complete', async () => {
    const migration = new AuditPathMigration(tables().client, tables().documents, tables().names.audit);
    operations.length = 0;
    expect(await migration.run()).to.deep.include({ alreadyComplete: true, scanned: 0, updated: 0 });
    expect(operations).to.deep.equal(['DescribeTable', 'GetItem']);
  });

  it('reads a prefix by one Query of the path index once migrated, both spellings of a root-level name included', async () => {
    const log = capturingLog();
    const auditLog = new DynamoAuditLog(tables().documents, tables().names.audit, { log, pageSize: 2 });
    operations.length = 0;

    const orders = await collect(auditLog.recordsUnder('/app/orders'));
    expect(names(orders)).to.deep.equal(['/app/orders/db@10', '/app/orders/db@20', '/app/orders/legacy@5']);
    expect(names(await collect(auditLog.recordsUnder('/top')))).to.deep.equal(['/top@60', 'top@6']);
    expect(names(await collect(auditLog.recordsUnder('/app/', { since: SECOND + 20_000, until: SECOND + 40_000 })))).to.deep.equal([
      '/app/billing/key@40',
      '/app/orders-v2/db@30',
      '/app/orders/db@20',
    ]);
    expect(log.warnings).to.deep.equal([]);
    expect(operations.filter((operation) => operation !== 'Query')).to.deep.equal(['GetItem']);
  });

  it('reads one name by the table key and one user by AuditByUserIdx, within a window', async () => {
    const auditLog = new DynamoAuditLog(tables().documents, tables().names.audit);
    operations.length = 0;
    expect(names(await collect(auditLog.recordsOf('/top')))).to.deep.equal(['/top@60', 'top@6']);
    expect(names(await collect(auditLog.recordsOf('/app/orders/db')))).to.deep.equal(['/app/orders/db@10', '/app/orders/db@20']);
    expect(names(await collect(auditLog.recordsBy('bob')))).to.deep.equal(['/app/billing/key@40', '/app/orders/db@20']);
    expect(names(await collect(auditLog.recordsBy('bob', { until: SECOND + 39_000 })))).to.deep.equal(['/app/orders/db@20']);
    expect(operations.every((operation) => operation === 'Query')).to.equal(true);
  });

  it('never yields the marker to a Scan of everything', async () => {
    const auditLog = new DynamoAuditLog(tables().documents, tables().names.audit);
    const all = await collect(auditLog.recordsUnder(''));
    expect(all).to.have.length(10);
  });

  it('answers log, diff and restore --prefix the same before and after the migration, a root-level name kept without its slash included', async () => {
    const table = `${tables().names.audit}-spellings`;
    await createAuditCopy(table);
    try {
      // Written before the path index: `top` as an older auditor kept it, without the slash.
      const legacy: [string, number, number][] = [['top', 6, 1], ['topmost', 7, 1], ['/app/old', 8, 1]];
      for (const [name, offset, version] of legacy) {
        await tables().client.send(new PutItemCommand({ TableName: table, Item: { ...legacyItem(name, offset), version: { S: String(version) } } }));
      }
      const writer = new DynamoAuditLog(tables().documents, table);
      await writer.insert({ ...record('/top', 60), version: 2 });
      const target = new FakeTarget();
      target.set('/top', 'legacy-6', 'String', { at: new Date(SECOND + 6000).toISOString() });
      target.set('/top', 'v60', 'String', { at: new Date(SECOND + 60_000).toISOString() });

      const answers = async () => {
        const auditLog = new DynamoAuditLog(tables().documents, table);
        const reader = new AuditReader(auditLog);
        const restorer = new Restorer({ history: auditLog, target, decrypter: new FakeDecrypter(), mappings: { scan: async function* () {} }, log: capturingLog() });
        const plan = await restorer.plan({ prefix: '/top', at: SECOND + 30_000 });
        return {
          history: await reader.history('/top'),
          log: await reader.log({ prefix: '/top' }),
          diff: await reader.diff({ prefix: '/top', from: SECOND + 30_000, to: SECOND + 90_000 }),
          restore: plan.steps.map((step) => ({ name: step.name, action: step.action, value: step.atT?.value })),
        };
      };

      const before = await answers();
      expect(before.log.map((entry) => `${entry.name} v${entry.version} ${entry.value}`)).to.deep.equal(['/top v1 legacy-6', '/top v2 v60']);
      expect(before.log).to.deep.equal(before.history.toReversed());
      expect(before.diff.map((entry) => [entry.name, entry.status, entry.from?.value, entry.to?.value])).to.deep.equal([['/top', 'updated', 'legacy-6', 'v60']]);
      expect(before.restore).to.deep.equal([{ name: '/top', action: 'update', value: 'legacy-6' }]);

      await new AuditPathMigration(tables().client, tables().documents, table).run();
      expect(await answers()).to.deep.equal(before);
    } finally {
      await tables().client.send(new DeleteTableCommand({ TableName: table }));
    }
  });

  it('paces its updates to the rate asked for', async () => {
    const table = `${tables().names.audit}-paced`;
    await createAuditCopy(table);
    try {
      for (let offset = 0; offset < 4; offset++) {
        await tables().client.send(new PutItemCommand({ TableName: table, Item: legacyItem(`/paced/p${offset}`, offset) }));
      }
      const slept: number[] = [];
      const clock = { now: () => 0, sleep: async (ms: number) => slept.push(ms) };
      const report = await new AuditPathMigration(tables().client, tables().documents, table).run({ maxWritesPerSecond: 2, clock });
      expect(report).to.deep.include({ updated: 4, scanned: 4 });
      // Four updates at 2 per second: each starts half a second after the one before.
      expect(slept).to.deep.equal([500, 1000, 1500]);
    } finally {
      await tables().client.send(new DeleteTableCommand({ TableName: table }));
    }
  });

  it('refuses to migrate a table that has no path index yet, naming it', async () => {
    const table = `${tables().names.audit}-old`;
    await tables().client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'parameter_name', AttributeType: 'S' },
          { AttributeName: 'time', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'parameter_name', KeyType: 'HASH' },
          { AttributeName: 'time', KeyType: 'RANGE' },
        ],
      }),
    );
    try {
      const migration = new AuditPathMigration(tables().client, tables().documents, table);
      let failure: unknown;
      await migration.run().catch((error: unknown) => (failure = error));
      expect(String(failure)).to.include(`table ${table} has no index AuditByPathRootIdx: deploy`);
    } finally {
      await tables().client.send(new DeleteTableCommand({ TableName: table }));
    }
  });

  async function createAuditCopy(table: string): Promise<void> {
    await tables().client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: keyAttributes(AUDIT_TABLE).map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
        KeySchema: [
          { AttributeName: 'parameter_name', KeyType: 'HASH' },
          { AttributeName: 'time', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: AUDIT_TABLE.globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
  }
});
