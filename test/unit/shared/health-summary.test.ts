import { expect } from 'chai';
import { attentionOf, mappingsStatus, syncerStatus, type SyncerStatus } from '../../../shared/health-summary.ts';
import type { JobView } from '../../../shared/sync/types.ts';

const T0 = Date.parse('2026-12-06T06:00:00Z');
const MINUTE = 60_000;

/** A saved open pass as JobLease writes it. */
const openState = (startedAt: number, report: Record<string, number>, v = 1) =>
  JSON.stringify({ v, state: { startedAt, invocations: 4, cursor: { phase: 'mappings' }, report } });

const REPLICATION_REPORT = { mappings: 12, invalid: 0, linksAdded: 1, linksRemoved: 0, written: 3, inSync: 9, refused: 0, waiting: 0, mirrors: 1, deleted: 0, failed: 0, firstCopyWrites: 2, firstCopyDeletes: 0 };

describe('health summary', () => {
  describe('syncerStatus', () => {
    it('a job that never ran has no pass, no lease and no requests', () => {
      expect(syncerStatus('audit-syncer', undefined, T0, 180)).to.deep.equal({ job: 'audit-syncer', requests: [] });
    });

    it('reads the last pass\'s repairs as its metrics do: a mirror\'s first copy repairs nothing', () => {
      const view: JobView = {
        job: 'replication-syncer',
        requests: [],
        finishedAt: T0 + 90_000,
        lastPass: JSON.stringify({ startedAt: T0, finishedAt: T0 + 90_000, invocations: 2, report: REPLICATION_REPORT }),
      };
      expect(syncerStatus('replication-syncer', view, T0 + 10 * MINUTE, 180)).to.deep.equal({
        job: 'replication-syncer',
        lastPass: {
          startedAt: '2026-12-06T06:00:00.000Z',
          finishedAt: '2026-12-06T06:01:30.000Z',
          seconds: 90,
          invocations: 2,
          checked: 12,
          repairs: { 'destination-rewritten': 1, 'index-row-added': 1 },
        },
        requests: [],
      });
    });

    it('shows the open pass\'s counts and holder, wedged only once open longer than the threshold', () => {
      const view: JobView = {
        job: 'config-cache-syncer',
        requests: ['start:request-9'],
        state: openState(T0, { parametersListed: 500, added: 0 }),
        owner: 'request-7',
        leaseUntil: T0 + 200 * MINUTE,
      };
      const at = (minutes: number) => syncerStatus('config-cache-syncer', view, T0 + minutes * MINUTE, 180);
      expect(at(180)).to.deep.equal({
        job: 'config-cache-syncer',
        openPass: { startedAt: '2026-12-06T06:00:00.000Z', minutesOpen: 180, invocations: 4, counts: { parametersListed: 500, added: 0 }, wedged: false },
        lease: { holder: 'request-7', until: '2026-12-06T09:20:00.000Z' },
        requests: ['start:request-9'],
      });
      expect((at(181).openPass as { wedged: boolean }).wedged).to.equal(true);
      // A lease that ran out is nobody's: the next invocation takes it.
      expect(at(201).lease).to.equal(undefined);
    });

    it('says an open pass of another release is unreadable rather than misreading it', () => {
      const view: JobView = { job: 'audit-syncer', requests: [], state: openState(T0, {}, 99) };
      expect(syncerStatus('audit-syncer', view, T0, 180).openPass).to.equal('unreadable');
    });
  });

  describe('attentionOf', () => {
    const healthy: SyncerStatus = { job: 'config-cache-syncer', requests: [], lastPass: { startedAt: 'a', finishedAt: 'b', seconds: 1, invocations: 1, checked: 5, repairs: {} } };
    const calm = { syncers: [healthy], mappings: { judged: true, count: 3, refused: [], unjudged: 1 } as const, deadLetters: [{ function: 'audit-syncer', queue: 'figgy-audit-syncer-dlq', depth: 0 }] as const };

    it('nothing when no pass repaired or is wedged, no mapping is refused and no dead letter waits', () => {
      expect(attentionOf(calm)).to.deep.equal([]);
      // Not knowing is not a finding: an unreadable queue or an unjudged mapping is shown, not alarmed on.
      expect(attentionOf({ ...calm, mappings: { judged: false, reason: 'no settings' }, deadLetters: [{ function: 'audit-syncer', queue: 'q', unknown: 'not readable' }] })).to.deep.equal([]);
    });

    it('shows the audit syncer\'s repairs without flagging them, as the construct does not alarm on them', () => {
      const audit: SyncerStatus = { ...healthy, job: 'audit-syncer', lastPass: { ...healthy.lastPass!, repairs: { 'audit-record-added': 40 } } };
      expect(attentionOf({ ...calm, syncers: [audit] })).to.deep.equal([]);
    });

    it('one line for each repair kind of a last pass, a wedged pass, a refused mapping and a queue with letters', () => {
      const repaired: SyncerStatus = { ...healthy, lastPass: { ...healthy.lastPass!, finishedAt: '2026-12-06T06:01:30.000Z', repairs: { 'cache-name-added': 2, 'tombstone-written': 1 } } };
      const wedged: SyncerStatus = {
        job: 'replication-syncer',
        requests: [],
        openPass: { startedAt: '2026-12-06T03:00:00.000Z', minutesOpen: 200, invocations: 40, counts: {}, wedged: true },
      };
      const attention = attentionOf({
        syncers: [repaired, wedged],
        mappings: { judged: true, count: 3, refused: [{ destination: '/x/db', status: 'refused', reason: 'outside the destination prefixes' }], unjudged: 0 },
        deadLetters: [{ function: 'config-cache-manager', queue: 'figgy-config-cache-manager-dlq', depth: 2 }],
      });
      expect(attention).to.deep.equal([
        'config-cache-syncer repaired 2 cache-name-added, 1 tombstone-written in its last pass (finished 2026-12-06T06:01:30.000Z)',
        "replication-syncer's pass is wedged: open 200 minutes over 40 invocation(s) since 2026-12-06T03:00:00.000Z; read its logs",
        'mapping /x/db is refused: outside the destination prefixes',
        '2 dead letter(s) of config-cache-manager in figgy-config-cache-manager-dlq',
      ]);
    });
  });

  it('mappingsStatus counts refused and malformed mappings as refused, failed ones as unjudged', () => {
    expect(
      mappingsStatus([
        { destination: '/app/a', status: 'replicating', state: 'in-sync' },
        { destination: '/app/b', status: 'waiting', reason: 'source missing' },
        { destination: '/x/c', status: 'refused', reason: 'outside' },
        { destination: '/app/d', status: 'malformed', field: 'type', reason: 'type is missing' },
        { destination: '/app/e', status: 'failed', reason: 'AccessDenied' },
      ]),
    ).to.deep.equal({
      judged: true,
      count: 5,
      refused: [
        { destination: '/x/c', status: 'refused', reason: 'outside' },
        { destination: '/app/d', status: 'malformed', reason: 'type is missing' },
      ],
      unjudged: 1,
    });
  });
});
