/**
 * A parameter's history read once and kept: what it writes is kept too, a refused write or a
 * failed read lets the history go, and a young event's records are always read fresh.
 */
import { expect } from 'chai';
import { RememberedHistories } from '../../../../shared/audit/remembered-histories.ts';
import type { AuditRecord } from '../../../../shared/audit/types.ts';
import { InMemoryAuditLog } from '../../support/in-memory.ts';

const NOW = Date.parse('2026-12-06T08:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const record = (time: number, eventId = `e${time}`): AuditRecord => ({
  parameterName: '/app/x',
  time,
  action: 'PutParameter',
  user: 'alice',
  eventId,
  eventTime: time,
});

function counted() {
  const log = new InMemoryAuditLog();
  const reads: [string, number, number][] = [];
  const read = log.recordsBetween.bind(log);
  log.recordsBetween = (name, from, to) => {
    reads.push([name, from, to]);
    return read(name, from, to);
  };
  return { log, reads, remembered: new RememberedHistories(log, { freshWithinMs: 2 * DAY, now: () => NOW }) };
}

describe('remembered histories', () => {
  it('reads an old event\'s parameter once, answers later questions from memory, and keeps what it writes', async () => {
    const { log, reads, remembered } = counted();
    await log.insert(record(NOW - 10 * DAY));
    await log.insert(record(NOW - 8 * DAY));
    expect((await remembered.recordsBetween('/app/x', NOW - 9 * DAY, Number.MAX_SAFE_INTEGER)).map((kept) => kept.time)).to.deep.equal([NOW - 8 * DAY]);
    expect(await remembered.insert(record(NOW - 9 * DAY))).to.equal(true);
    expect((await remembered.recordsBetween('/app/x', 0, Number.MAX_SAFE_INTEGER)).map((kept) => kept.time)).to.deep.equal([NOW - 10 * DAY, NOW - 9 * DAY, NOW - 8 * DAY]);
    expect(reads).to.have.length(1);
  });

  it('lets a history go when a write is refused, so the next question sees the record that took the key', async () => {
    const { log, reads, remembered } = counted();
    await remembered.recordsBetween('/app/x', NOW - 5 * DAY, Number.MAX_SAFE_INTEGER);
    await log.insert(record(NOW - 5 * DAY, 'the-auditors'));
    expect(await remembered.insert(record(NOW - 5 * DAY, 'ours'))).to.equal(false);
    expect((await remembered.recordsBetween('/app/x', NOW - 5 * DAY, Number.MAX_SAFE_INTEGER)).map((kept) => kept.eventId)).to.deep.equal(['the-auditors']);
    expect(reads).to.have.length(2);
  });

  it('always reads fresh for an event young enough that the auditor may be recording it', async () => {
    const { reads, remembered } = counted();
    await remembered.recordsBetween('/app/x', NOW - DAY, Number.MAX_SAFE_INTEGER);
    await remembered.recordsBetween('/app/x', NOW - DAY, Number.MAX_SAFE_INTEGER);
    expect(reads).to.have.length(2);
  });

  it('does not keep a failed read', async () => {
    const { log, reads, remembered } = counted();
    const read = log.recordsBetween;
    log.recordsBetween = async () => {
      log.recordsBetween = read;
      throw new Error('ProvisionedThroughputExceededException');
    };
    await remembered.recordsBetween('/app/x', NOW - 5 * DAY, Number.MAX_SAFE_INTEGER).catch(() => undefined);
    expect(await remembered.recordsBetween('/app/x', NOW - 5 * DAY, Number.MAX_SAFE_INTEGER)).to.deep.equal([]);
    expect(reads).to.have.length(1);
  });
});
