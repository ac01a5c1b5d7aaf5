import { expect } from 'chai';
import type { AuditRecord } from '../../../../shared/audit/types.ts';
import { resolveValueAt } from '../../../../shared/restore/value-at.ts';
import { FakeDecrypter, FakeTarget, deleted, put } from '../../support/restore-fakes.ts';

const NAME = '/app/db/password';

function setup() {
  const target = new FakeTarget();
  const decrypter = new FakeDecrypter();
  const resolve = (record: AuditRecord, deletedAfter = false, history: readonly AuditRecord[] = [record]) =>
    resolveValueAt(NAME, { kind: 'present', record, deletedAfter }, { versions: target, decrypter }, history);
  return { target, decrypter, resolve };
}

describe('value at T', () => {
  it('takes a String from its audit record, asking nobody', async () => {
    const { target, decrypter, resolve } = setup();
    const resolution = await resolve(put(NAME, { at: '2026-03-01T10:00:00Z', version: 2, value: 'db-2' }), true);
    expect(resolution).to.deep.include({ resolved: true });
    expect(resolution.resolved && resolution.value).to.deep.include({ value: 'db-2', type: 'String', source: 'audit-log' });
    expect(target.calls.of('readVersion')).to.equal(0);
    expect(decrypter.decrypted).to.deep.equal([]);
  });

  it("takes a SecureString from SSM's own history while SSM holds that very version", async () => {
    const { target, decrypter, resolve } = setup();
    target.set(NAME, 'pw-1', 'SecureString', { at: '2026-03-01T10:00:00.250Z' });
    target.set(NAME, 'pw-2', 'SecureString', { at: '2026-03-01T10:05:00.400Z' });
    const resolution = await resolve(
      put(NAME, { at: '2026-03-01T10:00:00Z', version: 1, value: 'pw-1', type: 'SecureString', keyId: 'alias/app' }),
    );
    expect(resolution.resolved && resolution.value).to.deep.include({
      value: 'pw-1',
      type: 'SecureString',
      keyId: 'alias/app',
      source: 'ssm-history',
    });
    expect(decrypter.decrypted).to.deep.equal([]);
  });

  it('decrypts the audit ciphertext once the parameter was deleted since, without asking SSM for a version that now belongs to another incarnation', async () => {
    const { target, decrypter, resolve } = setup();
    target.set(NAME, 'second life', 'SecureString', { at: '2026-03-01T11:00:00Z' });
    const resolution = await resolve(
      put(NAME, { at: '2026-03-01T10:00:00Z', version: 1, value: 'first life', type: 'SecureString' }),
      true,
    );
    expect(resolution.resolved && resolution.value).to.deep.include({ value: 'first life', source: 'audit-ciphertext' });
    expect(target.calls.of('readVersion')).to.equal(0);
    expect(decrypter.decrypted).to.deep.equal([NAME]);
  });

  it('refuses a held version written at another time than the record, even when the log missed the delete', async () => {
    const { target, resolve } = setup();
    target.set(NAME, 'second life', 'SecureString', { at: '2026-03-01T11:00:00Z' });
    const resolution = await resolve(put(NAME, { at: '2026-03-01T10:00:00Z', version: 1, value: 'first life', type: 'SecureString' }));
    expect(resolution.resolved && resolution.value).to.deep.include({ value: 'first life', source: 'audit-ciphertext' });
  });

  it('falls back to the audit ciphertext when SSM no longer holds the version', async () => {
    const { resolve } = setup();
    const resolution = await resolve(put(NAME, { at: '2026-03-01T10:00:00Z', version: 1, value: 'pw', type: 'SecureString' }));
    expect(resolution.resolved && resolution.value.source).to.equal('audit-ciphertext');
  });

  it('says why when neither source has the value', async () => {
    const { decrypter, resolve } = setup();
    decrypter.refuse.add(NAME);
    const resolution = await resolve(put(NAME, { at: '2026-03-01T10:00:00Z', version: 4, value: 'pw', type: 'SecureString' }));
    expect(resolution.resolved).to.be.false;
    expect(!resolution.resolved && resolution.reason)
      .to.include('SSM no longer holds version 4')
      .and.include('AccessDeniedException');
  });

  it('reads a value the auditor could not record from SSM history', async () => {
    const { target, resolve } = setup();
    target.set(NAME, 'plain', 'String', { at: '2026-03-01T10:00:00Z' });
    const resolution = await resolve(put(NAME, { at: '2026-03-01T10:00:00Z', version: 1 }));
    expect(resolution.resolved && resolution.value).to.deep.include({ value: 'plain', source: 'ssm-history' });
  });

  describe('a re-creation within the same-write window (put v1 A, delete, put v1 B 1.5 s later)', () => {
    const WRITTEN_A = Date.parse('2026-03-01T10:00:00.300Z');
    const WRITTEN_B = Date.parse('2026-03-01T10:00:01.800Z');

    /** A's record as the auditor wrote it, the delete, and B's record. */
    function log(type: 'String' | 'SecureString', a: { value?: string; modifiedAt?: number }) {
      const recordA: AuditRecord = {
        ...put(NAME, { at: '2026-03-01T10:00:00Z', version: 1, type, ...(a.value !== undefined && { value: a.value }) }),
        ...(a.modifiedAt !== undefined && { modifiedAt: a.modifiedAt }),
      };
      const recordB: AuditRecord = { ...put(NAME, { at: '2026-03-01T10:00:01Z', version: 1, type, value: 'B' }), modifiedAt: WRITTEN_B };
      return { recordA, recordB, deletion: deleted(NAME, { at: '2026-03-01T10:00:01Z' }) };
    }

    it("refuses B's value on A's record, which an auditor before this rule wrote there", async () => {
      const { target, decrypter, resolve } = setup();
      const { recordA, recordB, deletion } = log('String', { value: 'B', modifiedAt: WRITTEN_B });
      const resolution = await resolve(recordA, true, [recordA, deletion, recordB]);
      expect(resolution.resolved).to.equal(false);
      expect(!resolution.resolved && resolution.reason).to.include('another incarnation');
      expect(target.calls.of('readVersion')).to.equal(0);
      expect(decrypter.decrypted).to.deep.equal([]);
    });

    it("decrypts no ciphertext of B's kept on A's SecureString record", async () => {
      const { decrypter, resolve } = setup();
      const { recordA, deletion } = log('SecureString', { value: 'B', modifiedAt: WRITTEN_B });
      // B's record is not there: the delete after A, before SSM wrote the value, says enough.
      const resolution = await resolve(recordA, true, [recordA, deletion]);
      expect(resolution.resolved).to.equal(false);
      expect(!resolution.resolved && resolution.reason).to.include('deleted at 2026-03-01T10:00:01.000Z, after this write');
      expect(decrypter.decrypted).to.deep.equal([]);
    });

    it("does not take B's version from SSM for A's record when the delete went unrecorded", async () => {
      const { target, resolve } = setup();
      target.set(NAME, 'B', 'String', { at: new Date(WRITTEN_B).toISOString() });
      const { recordA, recordB } = log('String', {});
      const resolution = await resolve(recordA, false, [recordA, recordB]);
      expect(resolution.resolved).to.equal(false);
      expect(!resolution.resolved && resolution.reason).to.include('already claimed');
    });

    it("takes A's own value, which the auditor read before the delete", async () => {
      const { resolve } = setup();
      const { recordA, recordB, deletion } = log('String', { value: 'A', modifiedAt: WRITTEN_A });
      const resolution = await resolve(recordA, true, [recordA, deletion, recordB]);
      expect(resolution.resolved && resolution.value).to.deep.include({ value: 'A', source: 'audit-log' });
    });
  });
});
