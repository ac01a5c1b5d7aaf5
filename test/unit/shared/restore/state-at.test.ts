import { expect } from 'chai';
import type { AuditRecord } from '../../../../shared/audit/types.ts';
import { orderRecords } from '../../../../shared/restore/record-order.ts';
import { recordsByName, stateAt } from '../../../../shared/restore/state-at.ts';
import type { StateAt } from '../../../../shared/restore/types.ts';
import { deleted, put } from '../../support/restore-fakes.ts';

const at = (iso: string) => Date.parse(iso);
const NAME = '/app/db/url';

/** The version a state holds, or what it is when it holds none: easy to compare. */
function summary(state: StateAt): string {
  if (state.kind === 'present') return `v${state.record.version}${state.deletedAfter ? ' (deleted after)' : ''}`;
  return state.kind;
}

describe('state at a point in time', () => {
  const history = [
    put(NAME, { at: '2026-03-01T10:00:00Z', version: 1, value: 'one' }),
    put(NAME, { at: '2026-03-01T10:05:00Z', version: 2, value: 'two' }),
    put(NAME, { at: '2026-03-01T10:10:00Z', version: 3, value: 'three' }),
  ];

  it('is the last put at or before T, whatever order the records come in', () => {
    const shuffled = [history[2], history[0], history[1]] as AuditRecord[];
    expect(summary(stateAt(shuffled, at('2026-03-01T10:07:30Z')))).to.equal('v2');
    expect(summary(stateAt(shuffled, at('2026-03-01T10:05:00Z')))).to.equal('v2');
    expect(summary(stateAt(shuffled, at('2026-03-01T10:04:59.999Z')))).to.equal('v1');
  });

  it('counts a change in the same second as T as before it, since CloudTrail keeps only seconds', () => {
    expect(summary(stateAt(history, at('2026-03-01T10:05:00.001Z')))).to.equal('v2');
  });

  it('says a parameter did not exist before its first record when that record created it', () => {
    expect(stateAt(history, at('2026-03-01T09:00:00Z'))).to.deep.equal({ kind: 'absent' });
  });

  it('does not guess about the time before a history that starts after the creation', () => {
    const lateStart = [put(NAME, { at: '2026-03-01T10:00:00Z', version: 7, value: 'seven' })];
    const state = stateAt(lateStart, at('2026-03-01T09:00:00Z'));
    expect(state.kind).to.equal('unknown');
    expect(state.kind === 'unknown' && state.reason).to.include('version 7');
  });

  it('is the latest state after the last record', () => {
    expect(summary(stateAt(history, at('2026-12-31T00:00:00Z')))).to.equal('v3');
  });

  it('orders puts of one second by version, even when the slots wrapped past 1000', () => {
    const second = '2026-03-01T10:00:00Z';
    const puts = [
      put(NAME, { at: second, version: 999, value: 'a' }),
      put(NAME, { at: second, version: 1000, value: 'b' }), // slot 0: first by key
      put(NAME, { at: second, version: 1001, value: 'c' }), // slot 1
    ];
    const before = put(NAME, { at: '2026-03-01T09:59:59Z', version: 998, value: 'z' });
    expect(orderRecords([...puts, before]).map((record) => record.version)).to.deep.equal([998, 999, 1000, 1001]);
    expect(summary(stateAt([...puts, before], at(second)))).to.equal('v1001');
  });

  describe('delete and re-create', () => {
    const withRecreate = [
      put(NAME, { at: '2026-03-01T10:00:00Z', version: 1, value: 'first life' }),
      put(NAME, { at: '2026-03-01T10:01:00Z', version: 2, value: 'first life, v2' }),
      deleted(NAME, { at: '2026-03-01T10:02:00Z' }),
      put(NAME, { at: '2026-03-01T10:03:00Z', version: 1, value: 'second life' }),
    ];

    it('is absent between the delete and the re-creation, naming the delete', () => {
      const state = stateAt(withRecreate, at('2026-03-01T10:02:30Z'));
      expect(state.kind).to.equal('absent');
      expect(state.kind === 'absent' && state.deletedBy?.eventTime).to.equal(at('2026-03-01T10:02:00Z'));
    });

    it('knows that a version before the delete belongs to an earlier incarnation', () => {
      expect(summary(stateAt(withRecreate, at('2026-03-01T10:01:30Z')))).to.equal('v2 (deleted after)');
      expect(summary(stateAt(withRecreate, at('2026-03-01T10:03:00Z')))).to.equal('v1');
    });

    it('orders a delete and a re-creation in one second, whichever was recorded first', () => {
      const second = '2026-03-01T10:02:00Z';
      const before = put(NAME, { at: '2026-03-01T10:00:00Z', version: 3, value: 'old' });
      // The re-creation was recorded first (slot 1), the delete after it (slot 2).
      const recreated = put(NAME, { at: second, version: 1, value: 'new' });
      const deleteAfter = deleted(NAME, { at: second, slot: 2 });
      expect(orderRecords([before, deleteAfter, recreated]).map((record) => record.action)).to.deep.equal([
        'PutParameter',
        'DeleteParameter',
        'PutParameter',
      ]);
      expect(summary(stateAt([before, deleteAfter, recreated], at(second)))).to.equal('v1');
    });

    it('puts a same-second put before a delete recorded ahead of it, since a put after a delete is version 1', () => {
      const second = '2026-03-01T10:02:00Z';
      const before = put(NAME, { at: '2026-03-01T10:00:00Z', version: 4, value: 'old' });
      const deleteFirst = deleted(NAME, { at: second, slot: 0 });
      const lastPut = put(NAME, { at: second, version: 5, value: 'v5' });
      expect(stateAt([lastPut, before, deleteFirst], at(second)).kind).to.equal('absent');
    });

    it("reads a delete and a version 1 in the log's first second as a replace of a parameter older than the log", () => {
      const second = '2026-03-01T10:02:00Z';
      const records = [deleted(NAME, { at: second, slot: 0 }), put(NAME, { at: second, version: 1, value: 'replaced' })];
      // A Terraform replace of a parameter that existed before auditing began, the common case;
      // a parameter created and deleted within its first second reads the same.
      expect(stateAt(records, at(second)).kind).to.equal('present');
    });

    it('lets a later second say that a first second was a creation deleted at once', () => {
      const second = '2026-03-01T10:02:00Z';
      const records = [
        deleted(NAME, { at: second, slot: 0 }),
        put(NAME, { at: second, version: 1, value: 'brief' }),
        put(NAME, { at: '2026-03-01T10:05:00Z', version: 1, value: 'again' }),
      ];
      expect(stateAt(records, at(second)).kind).to.equal('absent');
    });

    it('follows a whole second of put, delete, re-create and put', () => {
      const second = '2026-03-01T10:02:00Z';
      const records = [
        put(NAME, { at: '2026-03-01T10:00:00Z', version: 2, value: 'a' }),
        put(NAME, { at: second, version: 3, value: 'b' }),
        deleted(NAME, { at: second, slot: 0 }),
        put(NAME, { at: second, version: 1, value: 'c' }),
        put(NAME, { at: second, version: 2, value: 'd' }),
      ];
      const order = orderRecords(records).map((record) => (record.action === 'PutParameter' ? `v${record.version}` : 'delete'));
      expect(order).to.deep.equal(['v2', 'v3', 'delete', 'v1', 'v2']);
    });
  });

  it('is untracked without any record', () => {
    expect(stateAt([], at('2026-03-01T10:00:00Z'))).to.deep.equal({ kind: 'untracked' });
  });

  it('groups records kept under a root-level x and under /x as the history of /x', async () => {
    async function* records() {
      yield put('legacy', { at: '2026-03-01T10:00:00Z', version: 1, value: 'one' });
      yield put('/legacy', { at: '2026-03-01T10:05:00Z', version: 2, value: 'two' });
      yield put(NAME, { at: '2026-03-01T10:05:00Z', version: 1, value: 'other' });
    }

    const byName = await recordsByName(records());

    expect([...byName.keys()]).to.deep.equal(['/legacy', NAME]);
    expect(summary(stateAt(byName.get('/legacy') ?? [], at('2026-03-01T10:06:00Z')))).to.equal('v2');
  });
});
