/**
 * A new audit table needs no path_root migration: its first writer marks it, so readers use
 * the path index at once and nobody is told to migrate; a table that already holds records is
 * left for `figgy-events migrate`, and the warning says what was found.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import type { AuditRecord } from '../../shared/audit/types.ts';
import { MIGRATION_MARKER_KEY, markNewTable, migrationStatus } from '../../shared/aws/audit-path-migration.ts';
import { DynamoAuditLog } from '../../shared/aws/dynamo-audit-log.ts';
import { collect } from '../../shared/concurrency.ts';
import type { Log } from '../../shared/log.ts';
import { useFreshTables, type LocalTables } from './dynamodb-local.ts';

const SECOND = Date.parse('2025-06-01T10:00:00Z');

function record(parameterName: string, offsetSeconds: number): AuditRecord {
  const eventTime = SECOND + offsetSeconds * 1000;
  return { parameterName, time: eventTime + 1, action: 'PutParameter', user: 'alice', eventId: `e-${parameterName}-${offsetSeconds}`, eventTime, value: 'v', type: 'String', version: 1 };
}

function capturingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => undefined, info: () => undefined, error: () => undefined, warn: (message) => warnings.push(message) };
}

/** Names every DynamoDB operation the client sends, in order. */
function countOperations(tables: LocalTables): string[] {
  const operations: string[] = [];
  tables.client.middlewareStack.add(
    (next, context) => (args) => {
      operations.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: `countOperations${Math.random()}` },
  );
  return operations;
}

describe('a new audit table', () => {
  const tables = useFreshTables();

  it('is marked by its first writer, which looks once, so readers use the path index without a warning', async () => {
    const operations = countOperations(tables());
    const auditor = new DynamoAuditLog(tables().documents, tables().names.audit, { markNewTable: true });
    await auditor.insert(record('/app/a', 1));
    await auditor.insert(record('/app/b', 2));
    // One Scan of one item before the first write, none after.
    expect(operations.filter((operation) => operation === 'Scan')).to.have.length(1);
    expect(await migrationStatus(tables().documents, tables().names.audit)).to.equal('complete');

    const log = capturingLog();
    const reader = new DynamoAuditLog(tables().documents, tables().names.audit, { log });
    operations.length = 0;
    const found = await collect(reader.recordsUnder('/app'));
    expect(found.map((each) => each.parameterName).sort()).to.deep.equal(['/app/a', '/app/b']);
    expect(operations).to.deep.equal(['GetItem', 'Query']);
    expect(log.warnings).to.deep.equal([]);
  });
});

describe('racing first writers of a new audit table', () => {
  const tables = useFreshTables();

  it('write the marker once', async () => {
    const written = await Promise.all([1, 2, 3, 4].map(() => markNewTable(tables().documents, tables().names.audit)));
    expect(written.filter(Boolean)).to.have.length(1);
    const { Item: marker } = await tables().documents.send(new GetCommand({ TableName: tables().names.audit, Key: MIGRATION_MARKER_KEY }));
    expect(marker).to.deep.include({ status: 'complete' });
  });
});

describe('an audit table that already holds records', () => {
  const tables = useFreshTables();

  it('is left for migrate, and the warning names the missing marker, not records it never saw', async () => {
    // As Figgy's own auditor wrote it: no path_root.
    await tables().client.send(
      new PutItemCommand({
        TableName: tables().names.audit,
        Item: { parameter_name: { S: '/app/legacy' }, time: { N: String(SECOND) }, action: { S: 'PutParameter' }, user: { S: 'figgy' }, value: { S: 'old' }, type: { S: 'String' }, version: { S: '1' } },
      }),
    );
    const auditor = new DynamoAuditLog(tables().documents, tables().names.audit, { markNewTable: true });
    await auditor.insert(record('/app/new', 1));
    expect(await migrationStatus(tables().documents, tables().names.audit)).to.equal('not-started');

    const log = capturingLog();
    const reader = new DynamoAuditLog(tables().documents, tables().names.audit, { log });
    const found = await collect(reader.recordsUnder('/app'));
    expect(found.map((each) => each.parameterName).sort()).to.deep.equal(['/app/legacy', '/app/new']);
    expect(log.warnings).to.have.length(1);
    expect(log.warnings[0]).to.include('no marker').and.include('run "figgy-events migrate" once');
    expect(log.warnings[0]).not.to.include('has records without');
  });
});
