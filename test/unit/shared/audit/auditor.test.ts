import { expect } from 'chai';
import { Auditor } from '../../../../shared/audit/auditor.ts';
import { parsePrefixes } from '../../../../shared/config.ts';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import { figgyEventId, type AuditRecord } from '../../../../shared/audit/types.ts';
import { deleteEvent, fixture, putEvent } from '../../support/events.ts';
import { InMemoryAuditLog, InMemoryParameterStore, RecordingLog } from '../../support/in-memory.ts';

function setup(namespaces = '/') {
  const auditLog = new InMemoryAuditLog();
  const parameters = new InMemoryParameterStore();
  const log = new RecordingLog();
  const auditor = new Auditor({ auditLog, parameters, log, namespaces: parsePrefixes(namespaces, 'AUDITED_NAMESPACES') });
  const record = async (event: unknown) => {
    for (const change of parseSsmEvent(event)) await auditor.record(change);
  };
  return { auditLog, parameters, log, auditor, record };
}

describe('auditor', () => {
  it('takes Figgy\'s own record of a change (no event id, written a moment later) for it when repairing, and only then', async () => {
    const { auditLog, parameters, auditor } = setup();
    parameters.put('/adopted', 'one');
    const event = putEvent({ name: '/adopted', version: 1, time: '2026-11-26T11:00:00Z' });
    const [change] = parseSsmEvent(event);
    const figgy = (version: number, lagMs: number): AuditRecord => {
      const time = Date.parse('2026-11-26T11:00:00Z') + lagMs;
      return { parameterName: '/adopted', time, action: 'PutParameter', user: 'carol', eventId: figgyEventId('/adopted', time), eventTime: time, version };
    };
    // Another version's record, and one written too long after, are other changes.
    auditLog.records.push(figgy(2, 1_500), figgy(1, 5 * 60_000));
    expect(await auditor.record(change!, { repair: true })).to.equal('recorded');
    auditLog.records.length = 0;
    auditLog.records.push(figgy(1, 1_500));
    expect(await auditor.record(change!, { repair: true })).to.equal('duplicate');
    // The auditor's own path is unchanged: Figgy's auditor and ours may write one table at once.
    expect(await auditor.record(change!)).to.equal('recorded');
  });

  it('records a put with the value, type and version it wrote, and who wrote it', async () => {
    const { auditLog, parameters, record } = setup();
    parameters.put('/app/db/url', 'jdbc:v1');
    parameters.put('/app/db/url', 'jdbc:v2');
    await record(putEvent({ name: '/app/db/url', version: 1, user: 'carol' }));
    expect(auditLog.of('/app/db/url')).to.have.length(1);
    expect(auditLog.of('/app/db/url')[0]).to.deep.include({
      action: 'PutParameter',
      value: 'jdbc:v1',
      type: 'String',
      version: 1,
      user: 'carol',
      userArn: 'arn:aws:sts::123456789012:assumed-role/dev/carol',
    });
  });

  it('records a DeleteParameter once, under the normalised name', async () => {
    const { auditLog, record } = setup();
    await record(fixture('delete-parameter'));
    expect(auditLog.records).to.have.length(1);
    expect(auditLog.records[0]).to.deep.include({
      parameterName: '/app/orders/legacy-flag',
      action: 'DeleteParameter',
      user: 'bob',
    });
  });

  it('records each deleted name of a DeleteParameters once', async () => {
    const { auditLog, record } = setup();
    await record(fixture('delete-parameters'));
    expect(auditLog.records.map((entry) => entry.parameterName).sort()).to.deep.equal(['/app/a', '/app/b']);
    expect(auditLog.records.every((entry) => entry.action === 'DeleteParameters' && entry.user === 'root')).to.be.true;
  });

  it('keeps two puts in the same second apart, ordered by version, whatever the arrival order', async () => {
    const { auditLog, parameters, record } = setup();
    parameters.put('/p', 'one');
    parameters.put('/p', 'two');
    await record(putEvent({ name: '/p', version: 2, time: '2026-11-26T11:00:00Z' }));
    await record(putEvent({ name: '/p', version: 1, time: '2026-11-26T11:00:00Z' }));
    const records = auditLog.of('/p');
    expect(records.map((entry) => entry.version)).to.deep.equal([1, 2]);
    expect(records.map((entry) => entry.value)).to.deep.equal(['one', 'two']);
    expect(new Set(records.map((entry) => entry.time)).size).to.equal(2);
  });

  it('writes one record for the same event delivered three times', async () => {
    const { auditLog, parameters, record } = setup();
    parameters.put('/p', 'one');
    const event = putEvent({ name: '/p', version: 1 });
    await record(event);
    await record(event);
    await record(event);
    expect(auditLog.records).to.have.length(1);
  });

  it('places a delete after the put already recorded in the same second', async () => {
    const { auditLog, parameters, record } = setup();
    parameters.put('/p', 'one');
    await record(putEvent({ name: '/p', version: 1, time: '2026-11-26T11:00:00Z' }));
    await record(deleteEvent({ name: '/p', time: '2026-11-26T11:00:00Z' }));
    expect(auditLog.of('/p').map((entry) => entry.action)).to.deep.equal(['PutParameter', 'DeleteParameter']);
  });

  it('writes nothing and raises nothing for failed and throttled calls', async () => {
    const { auditLog, record } = setup();
    await record(fixture('put-parameter-throttled'));
    await record(fixture('put-parameter-already-exists'));
    expect(auditLog.records).to.be.empty;
  });

  it('stores a SecureString as the ciphertext of that version; the plaintext reaches neither table nor log', async () => {
    const { auditLog, parameters, log, record } = setup();
    parameters.put('/app/orders/db/password', 'old-secret', 'SecureString');
    parameters.put('/app/orders/db/password', 'older-secret', 'SecureString');
    parameters.put('/app/orders/db/password', 's3cr3t-plaintext', 'SecureString');
    parameters.put('/app/orders/db/password', 'newer-secret', 'SecureString');
    await record(fixture('put-parameter'));
    const [stored] = auditLog.records;
    expect(stored?.type).to.equal('SecureString');
    expect(stored?.value).to.equal(`cipher:${Buffer.from('s3cr3t-plaintext').toString('base64')}`);
    expect(JSON.stringify(auditLog.records)).not.to.include('s3cr3t-plaintext');
    expect(log.lines.join('\n')).not.to.include('s3cr3t');
  });

  it('records a put whose version is gone without a value, and says so', async () => {
    const { auditLog, log, record } = setup();
    await record(putEvent({ name: '/gone', version: 7, type: 'String' }));
    expect(auditLog.records[0]).to.deep.include({ parameterName: '/gone', type: 'String', version: 7 });
    expect(auditLog.records[0]?.value).to.equal(undefined);
    expect(log.lines.some((line) => line.includes('no longer in Parameter Store'))).to.be.true;
  });

  it('records no value for a late event whose version number now belongs to a later incarnation', async () => {
    const { auditLog, parameters, log, record } = setup();
    parameters.now = Date.parse('2026-11-26T11:00:00.300Z');
    parameters.put('/p', 'first-one');
    parameters.put('/p', 'first-two');
    parameters.delete('/p');
    parameters.now = Date.parse('2026-11-26T11:05:00.100Z');
    parameters.put('/p', 'second-one');
    parameters.put('/p', 'second-two');
    // The first incarnation's version 2, handled only now (a retry, a dead-letter redrive).
    await record(putEvent({ name: '/p', version: 2, time: '2026-11-26T11:00:00Z' }));
    expect(auditLog.records[0]).to.deep.include({ parameterName: '/p', version: 2, type: 'String' });
    expect(auditLog.records[0]?.value).to.equal(undefined);
    expect(log.lines.join('\n')).to.include('another incarnation');
    // The second incarnation's own event finds its own write, and records when SSM wrote it.
    await record(putEvent({ name: '/p', version: 2, time: '2026-11-26T11:05:00Z' }));
    expect(auditLog.of('/p').at(-1)).to.deep.include({ value: 'second-two', modifiedAt: parameters.now });
  });

  describe('a re-creation within the same-write window (put v1 A, delete, put v1 B 1.5 s later)', () => {
    const A = '2026-11-26T11:00:00.300Z';
    const B = '2026-11-26T11:00:01.800Z';

    function recreated(type: 'String' | 'SecureString' = 'String') {
      const context = setup();
      const { parameters } = context;
      parameters.now = Date.parse(A);
      parameters.put('/p', 'A', type);
      parameters.delete('/p');
      parameters.now = Date.parse(B);
      parameters.put('/p', 'B', type);
      // A's own event, handled only now (a retry, a dead-letter redrive): SSM's version 1 is B.
      const lateA = putEvent({ name: '/p', version: 1, type, time: '2026-11-26T11:00:00Z' });
      const deletion = deleteEvent({ name: '/p', time: '2026-11-26T11:00:01Z' });
      const putB = putEvent({ name: '/p', version: 1, type, time: '2026-11-26T11:00:01Z' });
      return { ...context, lateA, deletion, putB };
    }

    const recordOfA = (auditLog: InMemoryAuditLog) => auditLog.of('/p').find((entry) => entry.eventTime === Date.parse('2026-11-26T11:00:00Z'));

    it('records A without a value once the log shows the delete after it, and says why', async () => {
      const { auditLog, log, record, lateA, deletion } = recreated();
      await record(deletion);
      await record(lateA);
      expect(recordOfA(auditLog)).to.deep.include({ action: 'PutParameter', version: 1, type: 'String' });
      expect(recordOfA(auditLog)?.value).to.equal(undefined);
      expect(recordOfA(auditLog)?.modifiedAt).to.equal(undefined);
      expect(log.lines.join('\n')).to.include('deleted at 2026-11-26T11:00:01.000Z, after this write');
    });

    it("records A without a value once B's record claims that write, even with the delete not recorded", async () => {
      const { auditLog, log, record, lateA, putB } = recreated();
      await record(putB);
      await record(lateA);
      expect(auditLog.of('/p').map((entry) => entry.value)).to.deep.equal([undefined, 'B']);
      expect(log.lines.join('\n')).to.include('already claimed');
    });

    it("records no ciphertext of B's on A's SecureString record", async () => {
      const { auditLog, record, lateA, deletion, putB } = recreated('SecureString');
      await record(deletion);
      await record(putB);
      await record(lateA);
      expect(recordOfA(auditLog)).to.deep.include({ type: 'SecureString', version: 1 });
      expect(recordOfA(auditLog)?.value).to.equal(undefined);
    });

    it('still records each value when the events come in time, and a re-creation in the second of the delete it follows', async () => {
      const { auditLog, parameters, record, lateA, deletion, putB } = recreated();
      parameters.delete('/p');
      parameters.now = Date.parse(A);
      parameters.put('/p', 'A');
      await record(lateA);
      parameters.delete('/p');
      await record(deletion);
      parameters.now = Date.parse(B);
      parameters.put('/p', 'B');
      await record(putB);
      expect(auditLog.of('/p').map((entry) => entry.value)).to.deep.equal(['A', undefined, 'B']);
      // Delete and create again in one second (a Terraform replacement), the delete recorded first.
      parameters.now = Date.parse('2026-11-26T12:00:00.100Z');
      parameters.put('/q', 'old');
      await record(putEvent({ name: '/q', version: 1, time: '2026-11-26T12:00:00Z' }));
      parameters.delete('/q');
      parameters.now = Date.parse('2026-11-26T12:00:05.600Z');
      parameters.put('/q', 'new');
      await record(deleteEvent({ name: '/q', time: '2026-11-26T12:00:05Z' }));
      await record(putEvent({ name: '/q', version: 1, time: '2026-11-26T12:00:05Z' }));
      expect(auditLog.of('/q').map((entry) => entry.value)).to.deep.equal(['old', undefined, 'new']);
    });
  });

  it('records a put that names no version without a value, rather than guess one', async () => {
    const { auditLog, parameters, record } = setup();
    parameters.put('/p', 'a later value');
    const event = putEvent({ name: '/p', version: 1 });
    event.detail.responseElements = null;
    await record(event);
    expect(auditLog.records[0]).to.deep.include({ parameterName: '/p', type: 'String' });
    expect(auditLog.records[0]?.value).to.equal(undefined);
    expect(auditLog.records[0]?.version).to.equal(undefined);
    expect(parameters.calls.of('readVersion')).to.equal(0);
  });

  it('reads nothing from Parameter Store for a duplicate delivery', async () => {
    const { parameters, record } = setup();
    parameters.put('/p', 'v');
    const event = putEvent({ name: '/p', version: 1 });
    await record(event);
    await record(event);
    expect(parameters.calls.of('readVersion')).to.equal(1);
  });

  it('audits every parameter under the root namespace, a root-level name under its canonical /name', async () => {
    const { auditLog, parameters, record } = setup('/');
    parameters.put('/legacy-name', 'v');
    await record(putEvent({ name: 'legacy-name', version: 1 }));
    expect(auditLog.records.map((entry) => entry.parameterName)).to.deep.equal(['/legacy-name']);
  });

  it('ignores names outside the audited namespaces', async () => {
    const { auditLog, parameters, record } = setup('/app');
    parameters.put('/other/x', 'v');
    await record(putEvent({ name: '/other/x', version: 1 }));
    await record(fixture('delete-parameters'));
    expect(auditLog.records.map((entry) => entry.parameterName).sort()).to.deep.equal(['/app/a', '/app/b']);
  });
});
