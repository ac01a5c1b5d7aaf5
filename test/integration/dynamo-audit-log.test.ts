import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { Auditor } from '../../shared/audit/auditor.ts';
import type { AuditRecord } from '../../shared/audit/types.ts';
import { DynamoAuditLog } from '../../shared/aws/dynamo-audit-log.ts';
import { MalformedItemError } from '../../shared/aws/dynamo-item.ts';
import { InMemoryParameterStore, RecordingLog } from '../unit/support/in-memory.ts';
import { useFreshTables } from './dynamodb-local.ts';

const SECOND = Date.parse('2025-03-01T10:00:00Z');

function putRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    parameterName: '/app/db/url',
    time: SECOND,
    action: 'PutParameter',
    user: 'deployer',
    userArn: 'arn:aws:sts::123456789012:assumed-role/ci/deployer',
    eventId: 'e-put-1',
    eventTime: SECOND,
    value: 'jdbc:postgresql://db:5432/app',
    type: 'String',
    keyId: 'alias/aws/ssm',
    description: 'database url',
    version: 3,
    modifiedAt: SECOND + 417,
    ...overrides,
  };
}

function deleteRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    parameterName: '/app/db/url',
    time: SECOND + 60_000,
    action: 'DeleteParameter',
    user: 'cleaner',
    eventId: 'e-delete-1',
    eventTime: SECOND + 60_000,
    ...overrides,
  };
}

describe('DynamoAuditLog', () => {
  const tables = useFreshTables();
  let auditLog: DynamoAuditLog;

  before(() => {
    auditLog = new DynamoAuditLog(tables().documents, tables().names.audit, { pageSize: 2 });
  });

  async function rawItem(parameterName: string, time: number) {
    const { Item } = await tables().client.send(
      new GetItemCommand({
        TableName: tables().names.audit,
        Key: { parameter_name: { S: parameterName }, time: { N: String(time) } },
      }),
    );
    return Item;
  }

  it('writes a record once: inserting the same key again returns false and keeps the first', async () => {
    const first = putRecord({ parameterName: '/once/a' });

    expect(await auditLog.insert(first)).to.equal(true);
    expect(await auditLog.insert({ ...first, eventId: 'e-other', value: 'other' })).to.equal(false);

    expect(await auditLog.recordsBetween('/once/a', 0, Number.MAX_SAFE_INTEGER)).to.deep.equal([first]);
  });

  it('stores a put record with exactly the Figgy attributes plus ours (the path root included), the version as a string', async () => {
    await auditLog.insert(putRecord({ parameterName: '/contract/put' }));

    expect(await rawItem('/contract/put', SECOND)).to.deep.equal({
      parameter_name: { S: '/contract/put' },
      time: { N: String(SECOND) },
      path_root: { S: '/contract' },
      action: { S: 'PutParameter' },
      user: { S: 'deployer' },
      value: { S: 'jdbc:postgresql://db:5432/app' },
      type: { S: 'String' },
      key_id: { S: 'alias/aws/ssm' },
      description: { S: 'database url' },
      version: { S: '3' },
      event_id: { S: 'e-put-1' },
      user_arn: { S: 'arn:aws:sts::123456789012:assumed-role/ci/deployer' },
      event_time: { N: String(SECOND) },
      modified_at: { N: String(SECOND + 417) },
    });
  });

  it('leaves absent optional attributes out of the item', async () => {
    const record = deleteRecord({ parameterName: '/contract/delete' });
    await auditLog.insert(record);

    expect(await rawItem('/contract/delete', record.time)).to.deep.equal({
      parameter_name: { S: '/contract/delete' },
      time: { N: String(record.time) },
      path_root: { S: '/contract' },
      action: { S: 'DeleteParameter' },
      user: { S: 'cleaner' },
      event_id: { S: 'e-delete-1' },
      event_time: { N: String(record.time) },
    });
  });

  it('returns the records between two times, bounds included, in time order across pages', async () => {
    const times = [5, 1, 4, 7, 2, 6, 3].map((offset) => SECOND + offset * 1_000);
    for (const time of times) {
      await auditLog.insert(
        putRecord({ parameterName: '/between/a', time, eventId: `e-${time}`, eventTime: time }),
      );
    }
    await auditLog.insert(putRecord({ parameterName: '/between/b', time: SECOND + 3_000 }));

    const records = await auditLog.recordsBetween('/between/a', SECOND + 2_000, SECOND + 6_000);

    expect(records.map((record) => record.time)).to.deep.equal(
      [2, 3, 4, 5, 6].map((offset) => SECOND + offset * 1_000),
    );
    expect(records.every((record) => record.parameterName === '/between/a')).to.equal(true);
  });

  it('reads back put and delete records exactly as they were written', async () => {
    const put = putRecord({
      parameterName: '/roundtrip/a',
      type: 'SecureString',
      value: 'AQICAH...',
    });
    const removal = deleteRecord({ parameterName: '/roundtrip/a', action: 'DeleteParameters' });
    await auditLog.insert(removal);
    await auditLog.insert(put);

    expect(await auditLog.recordsBetween('/roundtrip/a', 0, Number.MAX_SAFE_INTEGER)).to.deep.equal([put, removal]);
  });

  it('lists the records of one parameter up to a time, inclusive, and no others', async () => {
    for (const offset of [1, 2, 3, 4, 5]) {
      const time = SECOND + offset * 1_000;
      await auditLog.insert(putRecord({ parameterName: '/until/a', time, eventId: `e-${offset}` }));
    }

    const records = await auditLog.recordsBetween('/until/a', 0, SECOND + 3_000);

    expect(records.map((record) => record.eventId)).to.deep.equal(['e-1', 'e-2', 'e-3']);
  });

  it('scans every record under a prefix, across pages, and nothing beside it', async () => {
    const names = [
      '/scan/app/a',
      '/scan/app/b',
      '/scan/app/c/d',
      '/scan/application',
      '/scan/other',
    ];
    for (const [index, parameterName] of names.entries()) {
      await auditLog.insert(putRecord({ parameterName, eventId: `e-scan-${index}` }));
      await auditLog.insert(deleteRecord({ parameterName, eventId: `e-scan-delete-${index}` }));
    }

    const found: AuditRecord[] = [];
    for await (const record of auditLog.recordsUnder('/scan/app/')) found.push(record);

    expect(found.map((record) => `${record.parameterName} ${record.action}`).sort()).to.deep.equal([
      '/scan/app/a DeleteParameter',
      '/scan/app/a PutParameter',
      '/scan/app/b DeleteParameter',
      '/scan/app/b PutParameter',
      '/scan/app/c/d DeleteParameter',
      '/scan/app/c/d PutParameter',
    ]);
  });

  it('reads a record written by Figgy itself, which has no event id or event time', async () => {
    await tables().client.send(
      new PutItemCommand({
        TableName: tables().names.audit,
        Item: {
          parameter_name: { S: '/figgy/legacy' },
          time: { N: String(SECOND) },
          action: { S: 'PutParameter' },
          user: { S: 'jordan' },
          value: { S: 'v' },
          type: { S: 'String' },
          version: { S: '1' },
        },
      }),
    );

    expect(await auditLog.recordsBetween('/figgy/legacy', 0, Number.MAX_SAFE_INTEGER)).to.deep.equal([
      {
        parameterName: '/figgy/legacy',
        time: SECOND,
        action: 'PutParameter',
        user: 'jordan',
        eventId: `/figgy/legacy@${SECOND}`,
        eventTime: SECOND,
        value: 'v',
        type: 'String',
        version: 1,
      },
    ]);
  });

  it("gives the auditor what the table already holds after an event: a late put's value, read after a quick re-creation, is not recorded", async () => {
    const name = '/app/recreated';
    const parameters = new InMemoryParameterStore();
    parameters.now = SECOND + 300;
    parameters.put(name, 'A');
    parameters.delete(name);
    parameters.now = SECOND + 1_800;
    parameters.put(name, 'B');
    const auditor = new Auditor({ auditLog, parameters, namespaces: ['/'], log: new RecordingLog() });
    const event = { name, account: '123456789012', region: 'eu-west-1', author: { name: 'alice' } };
    await auditor.record({ ...event, kind: 'put', action: 'PutParameter', eventId: 'e-recreated-b', eventTime: SECOND + 1_000, type: 'String', version: 1 });
    await auditor.record({ ...event, kind: 'delete', action: 'DeleteParameter', eventId: 'e-recreated-delete', eventTime: SECOND + 1_000 });
    // A's event, handled only now: SSM's version 1 is B's, written 1.8 s after A's second.
    await auditor.record({ ...event, kind: 'put', action: 'PutParameter', eventId: 'e-recreated-a', eventTime: SECOND, type: 'String', version: 1 });
    const records = await auditLog.recordsBetween(name, SECOND, SECOND + 2_000);
    expect(records.map((record) => [record.eventId, record.value])).to.deep.equal([
      ['e-recreated-a', undefined],
      ['e-recreated-b', 'B'],
      ['e-recreated-delete', undefined],
    ]);
  });

  it('names the item and the attribute when an item breaks the contract', async () => {
    await tables().client.send(
      new PutItemCommand({
        TableName: tables().names.audit,
        Item: {
          parameter_name: { S: '/broken/a' },
          time: { N: String(SECOND) },
          action: { S: 'LabelParameterVersion' },
          user: { S: 'someone' },
        },
      }),
    );

    const failure = await auditLog.recordsBetween('/broken/a', 0, Number.MAX_SAFE_INTEGER).catch((error: unknown) => error);

    expect(failure).to.be.instanceOf(MalformedItemError);
    expect((failure as Error).message).to.include('/broken/a');
    expect((failure as Error).message).to.include('"action"');
  });
});
