import { expect } from 'chai';
import { AuditSyncer, OVERLAP_MS, type AuditSyncReport } from '../../../../shared/audit/audit-syncer.ts';
import { Auditor } from '../../../../shared/audit/auditor.ts';
import { parsePrefixes } from '../../../../shared/config.ts';
import { parseSsmEvent } from '../../../../shared/events/cloudtrail.ts';
import { Budget } from '../../../../shared/sync/budget.ts';
import { runSyncPass, type SyncOutcome } from '../../../../shared/sync/sync-pass.ts';
import { deleteEvent, fixture, putEvent, type EventJson } from '../../support/events.ts';
import { InMemoryEventHistory } from '../../support/in-memory-event-history.ts';
import { InMemoryAuditLog, InMemoryParameterStore, RecordingLog } from '../../support/in-memory.ts';
import { InMemorySyncProgress } from '../../support/in-memory-sync-progress.ts';
import { instantPacing } from '../../support/instant-pacing.ts';
import { VirtualTime } from '../../support/virtual-time.ts';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse('2026-12-02T08:00:00Z');
const JOB = 'audit-syncer';
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function setup(options: { importDays?: number; now?: () => number; time?: VirtualTime; namespaces?: string } = {}) {
  const history = new InMemoryEventHistory();
  const auditLog = new InMemoryAuditLog();
  const parameters = new InMemoryParameterStore();
  const log = new RecordingLog();
  const progress = new InMemorySyncProgress();
  const namespaces = parsePrefixes(options.namespaces ?? '/', 'AUDITED_NAMESPACES');
  const now = options.now ?? options.time?.clock.now ?? (() => NOW);
  const syncer = new AuditSyncer({
    history,
    auditLog,
    parameters,
    namespaces,
    log,
    now,
    pacing: options.time?.clock ?? instantPacing,
    ...(options.importDays !== undefined && { importDays: options.importDays }),
  });
  const auditor = new Auditor({ auditLog, parameters, namespaces, log });
  let invocation = 0;
  const pass = (budgetMs = 300_000): Promise<SyncOutcome<AuditSyncReport>> =>
    runSyncPass(
      { store: progress, job: JOB, owner: `request-${++invocation}`, trigger: 'start', budget: Budget.of(budgetMs, options.time?.clock.now ?? Date.now), log, now },
      syncer,
    );
  const report = async () => {
    const outcome = await pass();
    expect(outcome.status).to.equal('finished');
    return (outcome as { report: AuditSyncReport }).report;
  };
  /** A put: SSM's version written at the event's time, and its CloudTrail record in the history. */
  const put = (name: string, value: string, time: number, user = 'alice'): EventJson => {
    parameters.now = time;
    const version = parameters.put(name, value);
    const event = putEvent({ name, version, time: at(time), user });
    history.add(event.detail);
    return event;
  };
  const remove = (name: string, time: number): EventJson => {
    parameters.delete(name);
    const event = deleteEvent({ name, time: at(time) });
    history.add(event.detail);
    return event;
  };
  return { history, auditLog, parameters, log, progress, syncer, auditor, pass, report, put, remove };
}

describe('audit syncer', () => {
  it("imports a parameter changed hundreds of times reading its history a few times, not once per event", async () => {
    const { auditLog, report, put } = setup({ importDays: 30 });
    const changes = 400;
    for (let change = 0; change < changes; change++) put('/app/hot', `v${change}`, NOW - 20 * DAY + change * 60_000);
    let rowsRead = 0;
    const read = auditLog.recordsBetween.bind(auditLog);
    auditLog.recordsBetween = async (name, from, to) => {
      const rows = await read(name, from, to);
      rowsRead += rows.length;
      return rows;
    };
    expect(await report()).to.deep.include({ repaired: changes });
    expect(auditLog.of('/app/hot').map((record) => record.value)).to.deep.equal(Array.from({ length: changes }, (_, change) => `v${change}`));
    // Asked of the log each time, the import read changes²/2 = 80,000 rows.
    expect(rowsRead).to.be.below(changes * 10);
  });

  it('imports 90 days of history on its first pass, each record marked as a repair, and a second pass adds nothing', async () => {
    const { auditLog, report, put, remove } = setup();
    put('/app/old', 'too-old', NOW - 91 * DAY);
    put('/app/db', 'v1', NOW - 80 * DAY, 'carol');
    put('/app/db', 'v2', NOW - 2 * DAY, 'dave');
    put('/app/gone', 'x', NOW - 10 * DAY);
    remove('/app/gone', NOW - 9 * DAY);
    expect(await report()).to.deep.include({ eventsRead: 4, repaired: 4, alreadyRecorded: 0 });
    expect(auditLog.of('/app/old')).to.deep.equal([]);
    expect(auditLog.of('/app/db').map((record) => [record.user, record.version, record.value, record.repair])).to.deep.equal([
      ['carol', 1, 'v1', true],
      ['dave', 2, 'v2', true],
    ]);
    expect(auditLog.of('/app/gone').map((record) => record.action)).to.deep.equal(['PutParameter', 'DeleteParameter']);
    expect(await report()).to.deep.include({ repaired: 0 });
    expect(auditLog.records).to.have.length(4);
  });

  it('imports nothing before the install with importDays 0, and the shortened window otherwise', async () => {
    const skip = setup({ importDays: 0 });
    skip.put('/app/a', 'v', NOW - DAY);
    skip.put('/app/b', 'v', NOW - 60_000);
    expect(await skip.report()).to.deep.include({ repaired: 1 });
    expect(skip.auditLog.records.map((record) => record.parameterName)).to.deep.equal(['/app/b']);
    const week = setup({ importDays: 7 });
    week.put('/app/a', 'v', NOW - 8 * DAY);
    week.put('/app/b', 'v', NOW - 6 * DAY);
    await week.report();
    expect(week.auditLog.records.map((record) => record.parameterName)).to.deep.equal(['/app/b']);
  });

  it('begins each later pass where the last one ended less the overlap, so a late-listed event is still found', async () => {
    let now = NOW;
    const { history, auditLog, report, put } = setup({ now: () => now });
    await report();
    const firstEnd = NOW;
    now = NOW + 30 * 60_000;
    history.queries.length = 0;
    // Made before the first pass ended, but listed in the history only after it.
    put('/app/late', 'v', firstEnd - 5 * 60_000);
    expect(await report()).to.deep.include({ repaired: 1 });
    expect(auditLog.of('/app/late')).to.have.length(1);
    expect(history.queries.map((query) => [query.eventName, query.from, query.to])).to.deep.equal([
      ['PutParameter', firstEnd - OVERLAP_MS, now],
      ['DeleteParameter', firstEnd - OVERLAP_MS, now],
      ['DeleteParameters', firstEnd - OVERLAP_MS, now],
    ]);
  });

  it('writes one record per event whether the auditor records it before or after the syncer', async () => {
    const first = setup();
    const event = first.put('/app/x', 'v', NOW - 60_000);
    for (const change of parseSsmEvent(event, NOW)) await first.auditor.record(change);
    expect(await first.report()).to.deep.include({ repaired: 0, alreadyRecorded: 1 });
    expect(first.auditLog.of('/app/x').map((record) => record.repair)).to.deep.equal([undefined]);

    const second = setup();
    const later = second.put('/app/x', 'v', NOW - 60_000);
    expect(await second.report()).to.deep.include({ repaired: 1 });
    const outcomes = [];
    for (const change of parseSsmEvent(later, NOW)) outcomes.push(await second.auditor.record(change));
    expect(outcomes).to.deep.equal(['duplicate']);
    expect(second.auditLog.of('/app/x').map((record) => record.repair)).to.deep.equal([true]);
  });

  it('writes one record per event when the auditor and the syncer record it at the same time', async () => {
    const { auditor, auditLog, report, put } = setup();
    const events = Array.from({ length: 20 }, (_, index) => put(`/app/${index}`, 'v', NOW - 60_000));
    const delivered = Promise.all(events.flatMap((event) => parseSsmEvent(event, NOW)).map((change) => auditor.record(change)));
    await Promise.all([report(), delivered]);
    expect(auditLog.records).to.have.length(20);
  });

  it('pages through the history, 50 events a page, and each page is checkpointed', async () => {
    const { history, auditLog, report, put } = setup();
    for (let index = 0; index < 120; index++) put(`/app/p${index}`, `v${index}`, NOW - (index + 1) * 1000);
    expect(await report()).to.deep.include({ eventsRead: 120, repaired: 120 });
    expect(auditLog.records).to.have.length(120);
    expect(history.queries.filter((query) => query.eventName === 'PutParameter').map((query) => query.token !== undefined)).to.deep.equal([false, true, true]);
  });

  it('asks the history at most twice a second, and hands its pace to the next invocation', async () => {
    const time = new VirtualTime();
    const { history, progress, pass, put } = setup({ time, importDays: 1 });
    const started = time.now;
    for (let index = 0; index < 250; index++) put(`/app/p${index}`, 'v', started - (index + 1) * 1000);
    const turns: number[] = [];
    const page = history.page.bind(history);
    history.page = (query, token) => {
      turns.push(time.now);
      return page(query, token);
    };
    expect((await pass()).status).to.equal('finished');
    // Five pages of puts, one of each delete.
    expect(turns).to.have.length(7);
    for (let index = 1; index < turns.length; index++) expect(turns[index]! - turns[index - 1]!).to.be.at.least(500);
    expect(progress.items.get(JOB)?.notBefore).to.be.at.least(turns.at(-1)! + 500);
  });

  it('continues a pass across invocations from its last page, recording every event once', async () => {
    const time = new VirtualTime();
    const { auditLog, pass, put } = setup({ time, importDays: 1 });
    for (let index = 0; index < 1000; index++) put(`/app/p${index % 300}`, `v${index}`, time.now - (index + 1) * 1000);
    const outcomes: string[] = [];
    let outcome: SyncOutcome<AuditSyncReport>;
    do {
      // Five seconds an invocation, while a page of puts needs five of reads at ten a second.
      outcome = await pass(5_000);
      outcomes.push(outcome.status);
    } while (outcome.status === 'continuing');
    expect(outcome.status).to.equal('finished');
    expect(outcomes.length).to.be.greaterThan(2);
    expect(auditLog.records).to.have.length(1000);
    // Pages cut short by the time are done again; their records are counted once, as repairs.
    expect((outcome as { report: AuditSyncReport }).report).to.deep.include({ eventsRead: 1000, repaired: 1000, alreadyRecorded: 0 });
    expect(new Set(auditLog.records.map((record) => record.eventId)).size).to.equal(1000);
  });

  it('looks up again from the oldest event reached when a saved token is refused', async () => {
    const time = new VirtualTime();
    const { history, auditLog, pass, put, log } = setup({ time, importDays: 1 });
    for (let index = 0; index < 200; index++) put(`/app/p${index}`, 'v', time.now - (index + 1) * 1000);
    expect((await pass(3_000)).status).to.equal('continuing');
    history.refuseTokens = true;
    let outcome: SyncOutcome<AuditSyncReport>;
    do outcome = await pass(300_000);
    while (outcome.status === 'continuing');
    expect(auditLog.records).to.have.length(200);
    expect(log.lines.some((line) => line.includes('saved lookup token was refused'))).to.be.true;
  });

  it('records the names a DeleteParameters deleted, not its invalid ones', async () => {
    const { history, auditLog, report } = setup();
    const event = fixture('delete-parameters');
    history.add({ ...event.detail, eventTime: at(NOW - 60_000) });
    await report();
    expect(auditLog.records.map((record) => record.parameterName).sort()).to.deep.equal(['/app/a', '/app/b']);
  });

  it('skips failed and throttled calls, and a record that does not fit the contract, naming its field', async () => {
    const { history, auditLog, report, log } = setup();
    history.add({ ...fixture('put-parameter-already-exists').detail, eventTime: at(NOW - 60_000) });
    history.add({ ...fixture('put-parameter-throttled').detail, eventTime: at(NOW - 60_000) });
    history.add({ ...putEvent({ name: '/app/x', version: 1, time: at(NOW - 60_000) }).detail, userIdentity: 'nobody' });
    expect(await report()).to.deep.include({ eventsRead: 3, changedNothing: 2, rejected: 1, repaired: 0 });
    expect(auditLog.records).to.deep.equal([]);
    expect(log.lines.some((line) => line.includes('detail.userIdentity'))).to.be.true;
  });

  it('gives a put the value of its version only when that version is provably its write', async () => {
    const { auditLog, report, put, remove } = setup();
    put('/app/p', 'first', NOW - 60 * 60_000);
    remove('/app/p', NOW - 50 * 60_000);
    // Created again: SSM's version 1 is now this incarnation's.
    put('/app/p', 'second', NOW - 40 * 60_000);
    await report();
    const records = auditLog.of('/app/p');
    expect(records.map((record) => [record.action, record.version, record.value])).to.deep.equal([
      ['PutParameter', 1, undefined],
      ['DeleteParameter', undefined, undefined],
      ['PutParameter', 1, 'second'],
    ]);
  });

  it('leaves parameters outside the audited namespaces out', async () => {
    const { history, auditLog, report } = setup({ namespaces: '/app' });
    history.add(putEvent({ name: '/other/x', version: 1, time: at(NOW - 60_000) }).detail);
    expect(await report()).to.deep.include({ outsideNamespaces: 1 });
    expect(auditLog.records).to.deep.equal([]);
  });

  it('refuses an import of more days than CloudTrail keeps', () => {
    expect(() => setup({ importDays: 91 })).to.throw(RangeError, /importDays/);
  });
});
