import { expect } from 'chai';
import { AuditReader, diffSummary, type AuditEntry } from '../../../../shared/audit/audit-reader.ts';
import type { AuditRecord } from '../../../../shared/audit/types.ts';
import { FakeHistory, deleted, put } from '../../support/restore-fakes.ts';

const by = (user: string, record: AuditRecord): AuditRecord => ({ ...record, user, userArn: `arn:aws:iam::123456789012:user/${user}` });

function setup() {
  const history = new FakeHistory([
    put('/app/db/host', { at: '2026-03-01T10:00:00Z', version: 1, value: 'db-1' }),
    by('bob', put('/app/db/host', { at: '2026-03-01T10:10:00Z', version: 2, value: 'db-2' })),
    put('/app/db/password', { at: '2026-03-01T10:00:00Z', version: 1, value: 'pw-1', type: 'SecureString' }),
    by('bob', put('/app/db/password', { at: '2026-03-01T10:10:00Z', version: 2, value: 'pw-2', type: 'SecureString' })),
    put('/app/old', { at: '2026-03-01T10:00:00Z', version: 1, value: 'old' }),
    deleted('/app/old', { at: '2026-03-01T10:05:00Z' }),
    put('/app/old', { at: '2026-03-01T10:20:00Z', version: 1, value: 'reborn' }),
    put('/app/new', { at: '2026-03-01T10:08:00Z', version: 1, value: 'new' }),
    put('/app/same', { at: '2026-03-01T09:00:00Z', version: 1, value: 'same' }),
    put('/app/moved', { at: '2026-03-01T09:00:00Z', version: 1, value: 'was a String' }),
    put('/app/moved', { at: '2026-03-01T10:09:00Z', version: 2, value: 'now secret', type: 'SecureString' }),
    put('/app/late', { at: '2026-03-01T10:09:00Z', version: 4, value: 'history starts late' }),
    put('/application/x', { at: '2026-03-01T10:09:00Z', version: 1, value: 'not under /app' }),
  ]);
  return { history, reader: new AuditReader(history) };
}

describe('audit reader', () => {
  describe('history', () => {
    it('lists every version of one name newest first, across a delete and a re-creation, read by its key', async () => {
      const { history, reader } = setup();
      const entries = await reader.history('/app/old');
      expect(entries.map((entry) => [entry.time, entry.action, entry.version, entry.value, entry.user])).to.deep.equal([
        ['2026-03-01T10:20:00.000Z', 'PutParameter', 1, 'reborn', 'alice'],
        ['2026-03-01T10:05:00.000Z', 'DeleteParameter', undefined, undefined, 'bob'],
        ['2026-03-01T10:00:00.000Z', 'PutParameter', 1, 'old', 'alice'],
      ]);
      expect(history.reads).to.deep.equal(['of /app/old']);
    });

    it('masks every value of a parameter that was ever a SecureString, the String before it too', async () => {
      const { reader } = setup();
      const entries = await reader.history('/app/moved');
      expect(entries.map((entry) => [entry.type, entry.value, entry.masked])).to.deep.equal([
        ['SecureString', '********', true],
        ['String', '********', true],
      ]);
      expect(JSON.stringify(await reader.history('/app/db/password'))).not.to.include('cipher:');
    });
  });

  describe('log', () => {
    it('lists changes under a path in time order across names, within the window, read by prefix', async () => {
      const { history, reader } = setup();
      const window = { since: Date.parse('2026-03-01T10:05:00Z'), until: Date.parse('2026-03-01T10:10:00Z') };
      const entries = await reader.log({ prefix: '/app', window });
      expect(entries.map((entry) => `${entry.time.slice(11, 19)} ${entry.name} ${entry.action} ${entry.value ?? '-'}`)).to.deep.equal([
        '10:05:00 /app/old DeleteParameter -',
        '10:08:00 /app/new PutParameter new',
        '10:09:00 /app/late PutParameter history starts late',
        '10:09:00 /app/moved PutParameter ********',
        '10:10:00 /app/db/host PutParameter db-2',
        '10:10:00 /app/db/password PutParameter ********',
      ]);
      // The window by the path index; each name it does not show to be secret by its own key.
      expect(history.reads[0]).to.equal('under /app');
      expect(history.reads.slice(1)).to.have.members(['of /app/db/host', 'of /app/old', 'of /app/new', 'of /app/late']);
    });

    it('reads one user\'s changes through the user index and keeps those under the prefix', async () => {
      const { history, reader } = setup();
      const entries = await reader.log({ prefix: '/app/db', user: 'bob' });
      expect(entries.map((entry) => [entry.name, entry.user, entry.userArn])).to.deep.equal([
        ['/app/db/host', 'bob', 'arn:aws:iam::123456789012:user/bob'],
        ['/app/db/password', 'bob', 'arn:aws:iam::123456789012:user/bob'],
      ]);
      expect(history.reads).to.deep.equal(['by bob', 'of /app/db/host']);
    });
  });

  describe('diff', () => {
    it('says per name what was created, updated, deleted, unchanged or unknown, with both sides and the last change', async () => {
      const { history, reader } = setup();
      const from = Date.parse('2026-03-01T10:02:00Z');
      const to = Date.parse('2026-03-01T10:15:00Z');
      const entries = await reader.diff({ prefix: '/app/', from, to });
      expect(entries.map((entry) => [entry.name, entry.status, entry.from?.value, entry.to?.value, entry.lastChange?.user])).to.deep.equal([
        ['/app/db/host', 'updated', 'db-1', 'db-2', 'bob'],
        ['/app/db/password', 'updated', '********', '********', 'bob'],
        ['/app/late', 'unknown', undefined, 'history starts late', 'alice'],
        ['/app/moved', 'updated', '********', '********', 'alice'],
        ['/app/new', 'created', undefined, 'new', 'alice'],
        ['/app/old', 'deleted', 'old', undefined, 'bob'],
        ['/app/same', 'unchanged', 'same', 'same', 'alice'],
      ]);
      expect(entries.find((entry) => entry.status === 'unknown')?.reason).to.include('begins after that time');
      expect(diffSummary(entries)).to.deep.equal({ created: 1, updated: 3, deleted: 1, unchanged: 1, unknown: 1 });
      // The prefix only up to the second moment; whether a name was ever secret, by its key.
      expect(history.reads[0]).to.equal('under /app');
      expect(history.reads.slice(1)).to.have.members(['of /app/db/host', 'of /app/late', 'of /app/new', 'of /app/old', 'of /app/same']);
      expect(JSON.stringify(entries)).not.to.include('cipher:').and.not.include('pw-');
    });

    it('refuses a second moment before the first, naming it', async () => {
      const { reader } = setup();
      let failure: unknown;
      await reader.diff({ prefix: '/app', from: 2000, to: 1000 }).catch((error: unknown) => (failure = error));
      expect(String(failure)).to.include('to: 1970-01-01T00:00:01.000Z is before from');
    });
  });

  describe('masking, a fact of each name\'s whole history', () => {
    const untyped = (record: AuditRecord): AuditRecord => ({ ...record, type: undefined });
    function moved() {
      // bob writes the password as a String; alice makes it a SecureString; carol moves it out again.
      const history = new FakeHistory([
        by('bob', put('/app/db/password', { at: '2026-03-01T10:00:00Z', version: 1, value: 'bobs-plain-pw' })),
        put('/app/db/password', { at: '2026-03-01T10:10:00Z', version: 2, value: 'alice-secret', type: 'SecureString' }),
        by('carol', put('/app/db/password', { at: '2026-03-01T10:20:00Z', version: 3, value: 'carols-plain-pw' })),
        // A SecureString deleted and created again as a String, the new one holding the same secret.
        put('/app/token', { at: '2026-03-01T09:00:00Z', version: 1, value: 'token-secret', type: 'SecureString' }),
        by('alice', deleted('/app/token', { at: '2026-03-01T09:30:00Z' })),
        put('/app/token', { at: '2026-03-01T10:15:00Z', version: 1, value: 'token-plain' }),
        // A put whose type nobody recorded: it may have been a SecureString.
        untyped(put('/app/untyped', { at: '2026-03-01T10:00:00Z', version: 1, value: 'who-knows' })),
        by('bob', put('/app/db/host', { at: '2026-03-01T10:00:00Z', version: 1, value: 'db-1' })),
      ]);
      return new AuditReader(history);
    }
    const PLAINTEXTS = ['bobs-plain-pw', 'alice-secret', 'carols-plain-pw', 'token-secret', 'token-plain', 'who-knows', 'cipher:'];
    const shown = (entries: readonly AuditEntry[]) => entries.map((entry) => `${entry.name} v${entry.version ?? '-'} ${entry.value ?? '-'}`);

    it('masks one user\'s String when another later made the name a SecureString', async () => {
      const entries = await moved().log({ prefix: '/app', user: 'bob' });
      expect(shown(entries)).to.deep.equal(['/app/db/host v1 db-1', '/app/db/password v1 ********']);
      expect(entries.every((entry) => entry.name === '/app/db/host' || entry.masked)).to.be.true;
    });

    it('masks a window before the name became a SecureString, and one after it stopped being one', async () => {
      const until = await moved().log({ prefix: '/app', window: { until: Date.parse('2026-03-01T10:05:00Z') } });
      expect(shown(until)).to.deep.equal([
        '/app/token v1 ********',
        '/app/token v- -',
        '/app/db/host v1 db-1',
        '/app/db/password v1 ********',
        '/app/untyped v1 ********',
      ]);
      const since = await moved().log({ prefix: '/app', window: { since: Date.parse('2026-03-01T10:12:00Z') } });
      expect(shown(since)).to.deep.equal(['/app/token v1 ********', '/app/db/password v3 ********']);
      for (const entries of [until, since]) for (const plaintext of PLAINTEXTS) expect(JSON.stringify(entries)).not.to.include(plaintext);
    });

    it('masks a diff whose moments both come before the name became a SecureString', async () => {
      const entries = await moved().diff({ prefix: '/app', from: Date.parse('2026-03-01T09:45:00Z'), to: Date.parse('2026-03-01T10:05:00Z') });
      expect(entries.map((entry) => [entry.name, entry.status, entry.to?.value, entry.masked])).to.deep.equal([
        ['/app/db/host', 'created', 'db-1', false],
        ['/app/db/password', 'created', '********', true],
        ['/app/untyped', 'created', '********', true],
      ]);
      for (const plaintext of PLAINTEXTS) expect(JSON.stringify(entries)).not.to.include(plaintext);
    });

    it('masks the history of a name re-created as a String after it was a SecureString', async () => {
      const entries = await moved().history('/app/token');
      expect(shown(entries)).to.deep.equal(['/app/token v1 ********', '/app/token v- -', '/app/token v1 ********']);
    });
  });
});
