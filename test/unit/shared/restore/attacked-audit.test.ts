/**
 * The audit log attacked: a Terraform replace of a parameter older than the log, a late event
 * of an incarnation re-created within two seconds, and a time before 1970 through an offset.
 */
import { expect } from 'chai';
import { Auditor } from '../../../../shared/audit/auditor.ts';
import { AuditReader } from '../../../../shared/audit/audit-reader.ts';
import { parsePrefixes } from '../../../../shared/config.ts';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import { Restorer } from '../../../../shared/restore/restorer.ts';
import { UsageError } from '../../../../bin/command-line.ts';
import { parsePointInTime } from '../../../../bin/point-in-time.ts';
import { deleteEvent, putEvent } from '../../support/events.ts';
import { InMemoryAuditLog, InMemoryMappings, InMemoryParameterStore, RecordingLog } from '../../support/in-memory.ts';
import { FakeDecrypter, FakeHistory, FakeTarget } from '../../support/restore-fakes.ts';

function audited() {
  const auditLog = new InMemoryAuditLog();
  const parameters = new InMemoryParameterStore();
  const auditor = new Auditor({ auditLog, parameters, log: new RecordingLog(), namespaces: parsePrefixes('/', 'AUDITED_NAMESPACES') });
  const record = async (event: unknown) => {
    for (const change of parseSsmEvent(event)) await auditor.record(change);
  };
  return { auditLog, parameters, record };
}

function restorerOver(auditLog: InMemoryAuditLog, target: FakeTarget) {
  const history = new FakeHistory(auditLog.records);
  return {
    reader: new AuditReader(history),
    restorer: new Restorer({ history, target, decrypter: new FakeDecrypter(), mappings: new InMemoryMappings(), log: new RecordingLog() }),
  };
}

describe('the audit log, attacked', () => {
  describe('Terraform replace (delete + put v1 in one second) of a parameter created before auditing began', () => {
    const SECOND = '2026-11-26T12:00:05Z';
    const WRITTEN = '2026-11-26T12:00:05.600Z';
    const LATER = Date.parse('2026-11-26T12:30:00Z');

    async function replaced(putFirst: boolean) {
      const { auditLog, parameters, record } = audited();
      parameters.now = Date.parse(WRITTEN);
      parameters.put('/app/q', 'new');
      const events = [deleteEvent({ name: '/app/q', time: SECOND }), putEvent({ name: '/app/q', version: 1, time: SECOND })];
      for (const event of putFirst ? events.reverse() : events) await record(event);
      const target = new FakeTarget();
      target.set('/app/q', 'new', 'String', { at: WRITTEN });
      return { auditLog, target, ...restorerOver(auditLog, target) };
    }

    it('records the put with its value (the delete came first: SSM holds v1 written after it)', async () => {
      const { auditLog } = await replaced(false);
      expect(auditLog.of('/app/q').find((entry) => entry.action === 'PutParameter')?.value).to.equal('new');
    });

    for (const putFirst of [false, true]) {
      it(`diff and restore see it present afterwards, not deleted (${putFirst ? 'put' : 'delete'} delivered first)`, async () => {
        const { reader, restorer, target } = await replaced(putFirst);
        const [entry] = await reader.diff({ prefix: '/app', from: LATER - 1000, to: LATER });
        expect(entry?.status).to.equal('unchanged');
        const plan = await restorer.plan({ prefix: '/app', at: LATER, deleteCreatedAfter: true });
        expect(plan.steps.find((step) => step.name === '/app/q')?.action).to.not.equal('delete');
        // A clone at T must copy it, not list it as "did not exist at T".
        const clone = await restorer.plan({ prefix: '/app', at: LATER, into: '/copy' });
        expect(clone.steps.find((step) => step.name === '/copy/q')?.action).to.equal('create');
        expect(target.deletes).to.deep.equal([]);
      });
    }
  });

  describe("put v1 A, delete, put v1 B 1.5 s later; A's late event handled before the others", () => {
    const A = '2026-11-26T11:00:00.300Z';
    const B = '2026-11-26T11:00:01.800Z';

    async function lateAFirst() {
      const { auditLog, parameters, record } = audited();
      parameters.now = Date.parse(A);
      parameters.put('/p', 'A');
      parameters.delete('/p');
      parameters.now = Date.parse(B);
      parameters.put('/p', 'B');
      await record(putEvent({ name: '/p', version: 1, time: '2026-11-26T11:00:00Z' }));
      await record(deleteEvent({ name: '/p', time: '2026-11-26T11:00:01Z' }));
      await record(putEvent({ name: '/p', version: 1, time: '2026-11-26T11:00:01Z' }));
      const target = new FakeTarget();
      target.set('/p', 'B', 'String', { at: B });
      return { auditLog, target, ...restorerOver(auditLog, target) };
    }

    it("never restores B at A's second, though A's record, handled before anything showed the re-creation, holds it", async () => {
      const { restorer } = await lateAFirst();
      const plan = await restorer.plan({ prefix: '/', at: Date.parse('2026-11-26T11:00:00.500Z') });
      const step = plan.steps.find((each) => each.name === '/p');
      expect(step?.atT?.value).to.not.equal('B');
      expect(step?.skip).to.equal('unresolved');
    });

    it("B's own value, which SSM still holds as the latest version, is restorable at a T after B", async () => {
      const { restorer } = await lateAFirst();
      const plan = await restorer.plan({ prefix: '/', at: Date.parse('2026-11-26T11:10:00Z') });
      const step = plan.steps.find((each) => each.name === '/p');
      expect(step?.skip, step?.reason).to.not.equal('unresolved');
    });
  });

  it('a time option refuses a T before 1970 reached through an offset, as it refuses one reached as a time ago', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(() => parsePointInTime('1970-01-01T00:30:00+05:00', now, '--at')).to.throw(UsageError, '--at');
  });
});
