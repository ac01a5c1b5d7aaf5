/**
 * What each function's outcomes count in the metric catalog (metrics.ts): one place
 * that says which outcome is a write, a skip, a refusal or a repair.
 */
import type { AuditOutcome } from './audit/auditor.ts';
import type { ParameterChange } from './events/types.ts';
import { parseParameterArn } from './parameter-arn.ts';
import { placeKey } from './replication/places.ts';
import type { AuditSyncReport } from './audit/audit-syncer.ts';
import type { CacheOutcome } from './cache/cache-manager.ts';
import type { CacheSyncReport } from './cache/cache-syncer.ts';
import type { MetricSink } from './metrics.ts';
import type { ReplicationSyncReport } from './replication/replication-syncer.ts';
import type { ReplicationOutcome } from './replication/replicator.ts';
import type { SyncOutcome } from './sync/sync-pass.ts';

/** An audit record written, or an event already in the log. */
export function countAudit(outcome: AuditOutcome, metrics: MetricSink): void {
  if (outcome === 'recorded') metrics.add('AuditRecordsWritten', 1);
  else if (outcome === 'duplicate') metrics.add('AuditDuplicatesSkipped', 1);
}

/** A cache item written (a tombstone for a delete), or an event the cache already reflects. */
export function countCache(outcome: CacheOutcome, kind: ParameterChange['kind'], metrics: MetricSink): void {
  if (outcome !== 'written') {
    metrics.add('CacheEventsSkipped', 1, outcome);
    return;
  }
  metrics.add('CacheItemsWritten', 1);
  if (kind === 'delete') metrics.add('CacheTombstonesWritten', 1);
}

/**
 * Destinations written, unchanged, waiting or refused; a mirror's whole copy counts its
 * replicas. A malformed mapping counts as refused (`invalid`), as the rule refuses it.
 */
export function countReplication(outcomes: readonly ReplicationOutcome[], metrics: MetricSink): void {
  for (const outcome of outcomes) {
    const replicas = outcome.replicas;
    const place = placeOf(outcome.destination);
    if (replicas) {
      metrics.add('DestinationsWritten', replicas.written + replicas.deleted, place);
      if (replicas.deleted > 0) metrics.add('ReplicaDeletes', replicas.deleted, place);
      metrics.add('DestinationsUnchanged', replicas.inSync);
      if (replicas.refused > 0) metrics.add('DestinationsRefused', replicas.refused, 'rule');
      continue;
    }
    switch (outcome.result) {
      case 'written':
        metrics.add('DestinationsWritten', 1, place);
        if (outcome.deleted) metrics.add('ReplicaDeletes', 1, place);
        break;
      case 'in-sync':
        metrics.add('DestinationsUnchanged', 1);
        break;
      case 'waiting':
        metrics.add('DestinationsWaiting', 1);
        break;
      case 'refused':
        metrics.add('DestinationsRefused', 1, outcome.runaway ? 'runaway' : 'rule');
        break;
      case 'invalid':
        metrics.add('DestinationsRefused', 1, 'invalid');
        break;
      case 'no-mapping':
        break;
    }
  }
}

/** Where a destination lives, as the `place` class names it: `home`, or a target's `region/account`. */
function placeOf(destination: string): string {
  const arn = destination.startsWith('arn:') ? parseParameterArn(destination) : undefined;
  return arn ? placeKey(arn) : 'home';
}

/** A kind of repair a syncer makes: the classes of `SyncRepairs`. */
export type RepairKind =
  | 'destination-rewritten'
  | 'replica-deleted'
  | 'index-row-added'
  | 'index-row-removed'
  | 'cache-name-added'
  | 'tombstone-written'
  | 'cache-items-collapsed'
  | 'audit-record-added';

/** The repairs a finished replication pass made: what the events should have done. */
function replicationRepairs(report: ReplicationSyncReport): Record<RepairKind, number> {
  // New mirrors' first copies are counted apart: their writes and deletes repair nothing. A
  // report saved by an earlier release has no such counts.
  return {
    ...NO_REPAIRS,
    'destination-rewritten': report.written - (report.firstCopyWrites ?? 0),
    'replica-deleted': report.deleted - (report.firstCopyDeletes ?? 0),
    'index-row-added': report.linksAdded,
    'index-row-removed': report.linksRemoved,
  };
}

/** The repairs a finished cache pass made. */
function cacheRepairs(report: CacheSyncReport): Record<RepairKind, number> {
  return { ...NO_REPAIRS, 'cache-name-added': report.added, 'tombstone-written': report.tombstoned, 'cache-items-collapsed': report.collapsed };
}

const NO_REPAIRS: Record<RepairKind, number> = {
  'destination-rewritten': 0,
  'replica-deleted': 0,
  'index-row-added': 0,
  'index-row-removed': 0,
  'cache-name-added': 0,
  'tombstone-written': 0,
  'cache-items-collapsed': 0,
  'audit-record-added': 0,
};

/** How a syncer's report reads: its repairs by kind and what it checked. */
export interface PassReading<R> {
  readonly repairs: (report: R) => Record<RepairKind, number>;
  readonly checked: (report: R) => number;
}

/** The replication syncer's report: mappings checked, destinations and index rows repaired. */
export const REPLICATION_PASS: PassReading<ReplicationSyncReport> = { repairs: replicationRepairs, checked: (report) => report.mappings };

/** The audit syncer's report: events read from CloudTrail's history, records the log lacked added. */
export const AUDIT_PASS: PassReading<AuditSyncReport> = {
  repairs: (report) => ({ ...NO_REPAIRS, 'audit-record-added': report.repaired }),
  checked: (report) => report.eventsRead,
};

/** The cache syncer's report: parameters listed, cache names added, tombstones, collapsed items. */
export const CACHE_PASS: PassReading<CacheSyncReport> = { repairs: cacheRepairs, checked: (report) => report.parametersListed };

/**
 * The age of an open pass an invocation takes over, told before any work: the pass-open
 * alarm then sees a pass whose every invocation fails, which reports nothing else.
 */
export function countOpenPass(openMs: number, metrics: MetricSink): void {
  metrics.add('SyncPassAge', openMs);
}

/**
 * One syncer invocation by what it did; a finished pass also counts its repairs (each kind,
 * and the total an alarm watches; a deployment's first pass its changes, apart), what it
 * checked, its invocations and how long it was open.
 */
export function countSync<R>(outcome: SyncOutcome<R>, reading: PassReading<R>, metrics: MetricSink): void {
  metrics.add('SyncInvocations', 1, outcome.status);
  if (!('openMs' in outcome)) return;
  metrics.add('SyncPassAge', outcome.openMs);
  if (outcome.status !== 'finished') return;
  const repairs = Object.entries(reading.repairs(outcome.report)).filter(([, count]) => count > 0);
  // A deployment's first pass brings in what was there before the install (every existing
  // name into an empty cache, the index rows of an adopted replication table): not a sign
  // that an event was lost, so not a repair an alarm pages for.
  const counted = outcome.firstPass ? 'SyncFirstPassChanges' : 'SyncRepairs';
  for (const [kind, count] of repairs) metrics.add(counted, count, kind);
  // A pass with nothing to repair still reports its zero: an alarm then sees a healthy pass,
  // not missing data.
  if (outcome.firstPass || repairs.length === 0) metrics.add('SyncRepairs', 0);
  metrics.add('SyncItemsChecked', reading.checked(outcome.report));
  metrics.add('SyncPassInvocations', outcome.invocations);
  metrics.add('SyncPassDuration', outcome.openMs);
}
