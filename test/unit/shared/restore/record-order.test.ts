import { expect } from 'chai';
import { Auditor } from '../../../../shared/audit/auditor.ts';
import type { AuditRecord } from '../../../../shared/audit/types.ts';
import type { ParameterChange } from '../../../../shared/events/types.ts';
import type { ParameterStore, ParameterValue } from '../../../../shared/parameters.ts';
import { orderRecords } from '../../../../shared/restore/record-order.ts';
import { stateAt } from '../../../../shared/restore/state-at.ts';
import { InMemoryAuditLog, RecordingLog } from '../../support/in-memory.ts';

const NAME = '/app/x';
const START = Date.parse('2026-11-26T10:00:00Z');

/** A change as the model made it: `v<version>` or `delete`, with SSM's write time. */
interface ModelChange {
  readonly kind: 'put' | 'delete';
  readonly version?: number;
  readonly value?: string;
  /** Epoch ms of the call: the second is CloudTrail's eventTime, the rest only SSM knows. */
  readonly at: number;
}

/** Seeded, so a failing history can be replayed from the seed in the message. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A history Parameter Store allows: puts number an incarnation's versions from 1, a delete
 * ends it. Several changes often share a second, so seconds hold interleaved puts, deletes
 * and re-creations.
 */
function modelHistory(next: () => number, options: { deletes: boolean }): ModelChange[] {
  const changes: ModelChange[] = [];
  let version = 0;
  let second = 0;
  const count = 1 + Math.floor(next() * 14);
  let millis = 0;
  for (let index = 0; index < count; index++) {
    if (next() < 0.35) {
      second += 1 + Math.floor(next() * 3);
      millis = 0;
    }
    millis += 1 + Math.floor(next() * 60);
    const at = START + second * 1000 + Math.min(millis, 999);
    // Never a delete in the log's first second: a version 1 and a delete there read the same as
    // a replace of a parameter older than the log, which is how they are read (see state-at's tests).
    const opening = changes.length === 0 || Math.floor(at / 1000) === Math.floor((changes[0] as ModelChange).at / 1000);
    if (options.deletes && version > 0 && !opening && next() < 0.3) {
      changes.push({ kind: 'delete', at });
      version = 0;
    } else {
      version++;
      changes.push({ kind: 'put', version, value: `value ${index}`, at });
    }
  }
  return changes;
}

/**
 * The audit records of a history, written by the real auditor with the events arriving in a
 * shuffled order, as at-least-once delivery hands them over. `timed` says whether SSM's write
 * time reaches the records (it does when the auditor could read the version, so they arrive in
 * time, in the order they happened).
 */
async function recordsOf(history: readonly ModelChange[], next: () => number, timed: boolean): Promise<AuditRecord[]> {
  const auditLog = new InMemoryAuditLog();
  let reading: ModelChange | undefined;
  const parameters = {
    readVersion: async (name: string, version: number): Promise<ParameterValue> => ({
      name,
      version,
      type: 'String',
      value: reading?.value as string,
      ...(timed && { lastModified: reading?.at }),
    }),
  } as Pick<ParameterStore, 'readVersion'> as ParameterStore;
  const auditor = new Auditor({ auditLog, parameters, namespaces: ['/'], log: new RecordingLog() });
  const shuffled = history.map((change, index) => ({ change, index, key: next() })).sort((a, b) => a.key - b.key);
  // A write time on every record means each put was read while SSM still held that very write:
  // handled in time. Handled after a delete or another put that followed it, it could not be
  // told from a quick re-creation's write (which this oracle of an SSM never answers, but AWS
  // would), and the auditor records it without value or time (see the auditor's tests).
  const arrival = timed ? [...shuffled].sort((a, b) => a.index - b.index) : shuffled;
  for (const { change, index } of arrival) {
    reading = change;
    const eventTime = change.at - (change.at % 1000);
    const base = { eventId: `event-${index}`, eventTime, name: NAME, author: { name: 'alice' }, account: '1', region: 'r' };
    const event: ParameterChange =
      change.kind === 'put'
        ? { ...base, kind: 'put', action: 'PutParameter', type: 'String', version: change.version }
        : { ...base, kind: 'delete', action: 'DeleteParameter' };
    await auditor.record(event);
  }
  return auditLog.records;
}

const shown = (record: AuditRecord) => (record.action === 'PutParameter' ? `v${record.version}` : 'delete');
const modelShown = (change: ModelChange) => (change.kind === 'put' ? `v${change.version}` : 'delete');

/** Breaks of Parameter Store's rules in an order: a version that does not continue, a delete of nothing. */
function ruleBreaks(order: readonly AuditRecord[], startsPresent: boolean): string[] {
  const breaks: string[] = [];
  let version: number | undefined = startsPresent ? undefined : 0;
  order.forEach((record, index) => {
    if (record.action !== 'PutParameter') {
      if (version === 0) breaks.push(`${index}: delete of an absent parameter`);
      version = 0;
      return;
    }
    if (version !== undefined && record.version !== version + 1) breaks.push(`${index}: v${record.version} after v${version}`);
    version = record.version;
  });
  return breaks;
}

describe('record order', () => {
  const RUNS = 400;

  it('is the model order when SSM write times are on the records, over random histories', async () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const next = random(seed);
      const history = modelHistory(next, { deletes: true });
      const order = orderRecords(await recordsOf(history, next, true));
      expect(order.map(shown), `seed ${seed}`).to.deep.equal(history.map(modelShown));
      expect(order.filter((record) => record.value !== undefined).map((record) => record.value), `seed ${seed}`).to.deep.equal(
        history.flatMap((change) => (change.value === undefined ? [] : [change.value])),
      );
    }
  });

  it('is the model order for puts without write times: within one incarnation the version is the order', async () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const next = random(seed);
      const history = modelHistory(next, { deletes: false });
      const order = orderRecords(await recordsOf(history, next, false));
      expect(order.map(shown), `seed ${seed}`).to.deep.equal(history.map(modelShown));
    }
  });

  it('never breaks Parameter Store rules without write times, deletes and re-creations included', async () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const next = random(seed);
      const history = modelHistory(next, { deletes: true });
      const order = orderRecords(await recordsOf(history, next, false));
      expect(ruleBreaks(order, false), `seed ${seed}: ${order.map(shown).join(" ")} model ${history.map((c) => modelShown(c) + "@" + (c.at - START)).join(" ")}`).to.deep.equal([]);
      // Only the seconds with a delete can leave a choice; every other second ends as the model's.
      const lastSecond = Math.floor((history.at(-1) as ModelChange).at / 1000) * 1000;
      const seconds = new Set(history.map((change) => Math.floor(change.at / 1000) * 1000));
      const withDelete = new Set(history.filter((c) => c.kind === 'delete').map((c) => Math.floor(c.at / 1000) * 1000));
      if (![...seconds].some((second) => withDelete.has(second))) {
        const state = stateAt(order, lastSecond);
        const last = history.at(-1) as ModelChange;
        expect(state.kind === 'present' ? `v${state.record.version}` : 'absent', `seed ${seed}`).to.equal(
          last.kind === 'put' ? `v${last.version}` : 'absent',
        );
      }
    }
  });

  it('restores the value of the last write of a parameter created and updated in one second', async () => {
    const history: ModelChange[] = [
      { kind: 'put', version: 1, value: 'first-draft', at: START + 100 },
      { kind: 'put', version: 2, value: 'final-value', at: START + 400 },
    ];
    for (const timed of [true, false]) {
      const state = stateAt(await recordsOf(history, random(7), timed), START + 1500);
      expect(state.kind === 'present' && state.record.value).to.equal('final-value');
    }
  });
});
