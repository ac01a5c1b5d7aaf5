/**
 * What each outcome counts in the metric catalog: writes, skips, refusals, and a finished
 * pass's repairs by kind with the total an alarm watches.
 */
import { expect } from 'chai';
import { AUDIT_PASS, CACHE_PASS, REPLICATION_PASS, countAudit, countCache, countReplication, countSync } from '../../../shared/metric-counts.ts';
import { FUNCTIONS, FUNCTION_NAMES, type FunctionName } from '../../../shared/functions.ts';
import { EVENT_FUNCTIONS, METRICS, REPLICATORS, SYNCERS, type MetricName, type MetricSink } from '../../../shared/metrics.ts';

/** A sink that keeps every count as `metric` or `metric/detail`. */
function recording(): MetricSink & { totals: Map<string, number> } {
  const totals = new Map<string, number>();
  return {
    totals,
    add(metric: MetricName, value: number, detail?: string) {
      totals.set(metric, (totals.get(metric) ?? 0) + value);
      if (detail !== undefined) totals.set(`${metric}/${detail}`, (totals.get(`${metric}/${detail}`) ?? 0) + value);
    },
  };
}

const REPLICATION_REPORT = {
  mappings: 12,
  invalid: 0,
  linksAdded: 1,
  linksRemoved: 0,
  written: 5,
  inSync: 6,
  refused: 0,
  waiting: 0,
  mirrors: 1,
  deleted: 2,
  failed: 0,
  firstCopyWrites: 3,
  firstCopyDeletes: 0,
};

describe('metric counts', () => {
  it('the catalog gives every metric a unit, a description and at least one function, and classes only by a named dimension', () => {
    for (const [name, spec] of Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]) {
      expect(['Count', 'Milliseconds'], name).to.include(spec.unit);
      expect(spec.description.length, name).to.be.greaterThan(10);
      expect(spec.emittedBy.length, name).to.be.greaterThan(0);
      if ('by' in spec) expect(spec.by, name).to.match(/^[a-z]+$/);
    }
  });

  it("the catalog's function groups are the function catalog's: event-driven, scheduled, writing destinations", () => {
    const names = (test: (name: FunctionName) => boolean) => FUNCTION_NAMES.filter(test).sort();
    expect([...EVENT_FUNCTIONS].sort()).to.deep.equal(names((name) => FUNCTIONS[name].trigger !== 'schedule'));
    expect([...SYNCERS].sort()).to.deep.equal(names((name) => FUNCTIONS[name].trigger === 'schedule'));
    expect([...REPLICATORS].sort()).to.deep.equal(names((name) => (FUNCTIONS[name].ssm as readonly string[]).includes('write-destinations')));
  });

  it('an audit outcome is a record written or a duplicate skipped', () => {
    const sink = recording();
    countAudit('recorded', sink);
    countAudit('duplicate', sink);
    countAudit('outside-namespaces', sink);
    expect(Object.fromEntries(sink.totals)).to.deep.equal({ AuditRecordsWritten: 1, AuditDuplicatesSkipped: 1 });
  });

  it('a cache outcome is an item written, or an event skipped by why', () => {
    const sink = recording();
    countCache('written', 'put', sink);
    countCache('written', 'delete', sink);
    countCache('stale', 'put', sink);
    expect(Object.fromEntries(sink.totals)).to.deep.equal({ CacheItemsWritten: 2, CacheTombstonesWritten: 1, CacheEventsSkipped: 1, 'CacheEventsSkipped/stale': 1 });
  });

  it("replication outcomes count destinations by place, a mirror's copy its replicas, deletes apart, and a runaway apart from the rule's refusals", () => {
    const sink = recording();
    countReplication(
      [
        { destination: '/a', result: 'written' },
        { destination: '/b', result: 'in-sync' },
        { destination: '/c', result: 'waiting', reason: 'source /s does not exist' },
        { destination: '/d', result: 'refused', reason: 'destination /d was written 30 times in the last 5 minutes: replication stopped writing it as a runaway', runaway: true },
        { destination: '/e', result: 'invalid', reason: 'type must be app, merge or mirror' },
        { destination: '/m/', result: 'written', replicas: { written: 3, deleted: 1, inSync: 4, refused: 2, failed: 0 } },
        { destination: 'arn:aws:ssm:us-east-1:210987654321:parameter/dr/x', result: 'written', deleted: true },
      ],
      sink,
    );
    expect(Object.fromEntries(sink.totals)).to.deep.equal({
      DestinationsWritten: 6,
      'DestinationsWritten/home': 5,
      'DestinationsWritten/us-east-1/210987654321': 1,
      ReplicaDeletes: 2,
      'ReplicaDeletes/home': 1,
      'ReplicaDeletes/us-east-1/210987654321': 1,
      DestinationsUnchanged: 5,
      DestinationsWaiting: 1,
      DestinationsRefused: 4,
      'DestinationsRefused/runaway': 1,
      'DestinationsRefused/invalid': 1,
      'DestinationsRefused/rule': 2,
    });
  });

  it("a finished replication pass counts its repairs by kind, leaving a new mirror's first copy out", () => {
    const sink = recording();
    countSync({ status: 'finished', invocations: 2, openMs: 90_000, report: REPLICATION_REPORT }, REPLICATION_PASS, sink);
    expect(Object.fromEntries(sink.totals)).to.deep.equal({
      SyncInvocations: 1,
      'SyncInvocations/finished': 1,
      SyncPassAge: 90_000,
      SyncRepairs: 5,
      'SyncRepairs/destination-rewritten': 2,
      'SyncRepairs/replica-deleted': 2,
      'SyncRepairs/index-row-added': 1,
      SyncItemsChecked: 12,
      SyncPassInvocations: 2,
      SyncPassDuration: 90_000,
    });
  });

  it('a pass with nothing to repair reports its zero, so an alarm sees a healthy pass and not missing data', () => {
    const sink = recording();
    const report = { parametersListed: 40, cacheItemsRead: 40, added: 0, tombstoned: 0, collapsed: 0, skipped: 0 };
    countSync({ status: 'finished', invocations: 1, openMs: 1_000, report }, CACHE_PASS, sink);
    expect(sink.totals.get('SyncRepairs')).to.equal(0);
    expect([...sink.totals.keys()].filter((key) => key.startsWith('SyncRepairs/'))).to.deep.equal([]);
  });

  it("a deployment's first pass brings in what was there before the install: counted apart, its repairs zero, so no alarm on day one", () => {
    const sink = recording();
    const report = { parametersListed: 5_000, cacheItemsRead: 0, added: 5_000, tombstoned: 0, collapsed: 0, skipped: 0 };
    countSync({ status: 'finished', invocations: 3, openMs: 600_000, report, firstPass: true }, CACHE_PASS, sink);
    expect(sink.totals.get('SyncRepairs')).to.equal(0);
    expect([...sink.totals.keys()].filter((key) => key.startsWith('SyncRepairs/'))).to.deep.equal([]);
    expect(sink.totals.get('SyncFirstPassChanges')).to.equal(5_000);
    expect(sink.totals.get('SyncFirstPassChanges/cache-name-added')).to.equal(5_000);
  });

  it("a continuing pass counts only the invocation and the pass's age; a busy one only the invocation", () => {
    const sink = recording();
    const report = { eventsRead: 50, repaired: 3, alreadyRecorded: 47, outsideNamespaces: 0, changedNothing: 0, rejected: 0 };
    countSync({ status: 'continuing', invocations: 4, openMs: 240_000, report }, AUDIT_PASS, sink);
    countSync({ status: 'busy' }, AUDIT_PASS, sink);
    expect(Object.fromEntries(sink.totals)).to.deep.equal({
      SyncInvocations: 2,
      'SyncInvocations/continuing': 1,
      'SyncInvocations/busy': 1,
      SyncPassAge: 240_000,
    });
  });
});
