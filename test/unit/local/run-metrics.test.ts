import { expect } from 'chai';
import { renderRunMetrics, runMetrics } from '../../../local/run-metrics.ts';
import type { FunctionLogLine } from '../../../local/sandbox.ts';

/** One EMF line as Powertools Metrics writes it: the directive under `_aws`, dimensions and values beside it. */
function emf(service: FunctionLogLine['functionName'], values: Record<string, number | number[]>, classes: Record<string, string> = {}): FunctionLogLine {
  const dimensions = ['deployment', 'service', ...Object.keys(classes)];
  const document = {
    _aws: { Timestamp: 0, CloudWatchMetrics: [{ Namespace: 'FiggyEvents', Dimensions: [dimensions], Metrics: Object.keys(values).map((Name) => ({ Name })) }] },
    deployment: 'figgy',
    service,
    ...classes,
    ...values,
  };
  return { functionName: service, line: JSON.stringify(document) };
}

describe('run metrics (the sandbox demo\'s summary)', () => {
  it('sums events handled and their ages per function, and the repairs by kind from the classed lines only', () => {
    const lines: FunctionLogLine[] = [
      emf('parameter-store-auditor', { EventsHandled: 1, EventAge: 400 }),
      emf('parameter-store-auditor', { EventsHandled: 2, EventAge: [100, 900] }),
      { functionName: 'parameter-store-auditor', line: '{"level":"INFO","message":"recorded"}' },
      { functionName: 'parameter-store-auditor', line: 'START RequestId: 1' },
      emf('replication-syncer', { EventsHandled: 1, SyncRepairs: 2 }),
      emf('replication-syncer', { SyncRepairs: 2 }, { kind: 'destination-rewritten' }),
      emf('config-cache-syncer', { EventsHandled: 1, SyncRepairs: 0 }),
    ];
    const metrics = runMetrics(lines);
    expect(metrics).to.deep.equal({
      events: {
        'config-cache-syncer': { handled: 1 },
        'parameter-store-auditor': { handled: 3, age: { p50: 400, p99: 900, max: 900 } },
        'replication-syncer': { handled: 1 },
      },
      repairs: { 'replication-syncer': { 'destination-rewritten': 2 } },
    });
    expect(renderRunMetrics(metrics).split('\n')).to.deep.equal([
      '  config-cache-syncer      1 event(s) handled',
      '  parameter-store-auditor  3 event(s) handled, age p50 400 ms, p99 900 ms',
      '  replication-syncer       1 event(s) handled',
      '  replication-syncer repaired 2 destination-rewritten: its "repaired" alarm would fire',
    ]);
  });

  it("says a syncer's repairs would alarm only where the construct alarms on them", () => {
    const metrics = runMetrics([emf('audit-syncer', { SyncRepairs: 3 }, { kind: 'audit-record-added' })]);
    expect(renderRunMetrics(metrics)).to.equal('  audit-syncer repaired 3 audit-record-added: counted, with no alarm');
  });

  it('says so when no syncer repaired anything', () => {
    expect(renderRunMetrics(runMetrics([]))).to.equal('  no syncer repaired anything');
  });
});
