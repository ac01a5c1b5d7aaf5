/**
 * A syncer's outcome in words, for the demo and the sandbox's `sync` command: what the
 * pass checked and what it had to repair, instead of the report's raw counts.
 */
import type { AuditSyncReport } from '../shared/audit/audit-syncer.ts';
import type { CacheSyncReport } from '../shared/cache/cache-syncer.ts';
import type { ReplicationSyncReport } from '../shared/replication/replication-syncer.ts';
import type { SyncOutcome } from '../shared/sync/sync-pass.ts';
import type { ScheduledFunction } from './sandbox.ts';

/**
 * One line: how the pass ended and what it found.
 *
 * @example
 * describeOutcome('replication-syncer', await sandbox.runSchedule('replication-syncer'));
 * // 'finished in 1 invocation: 3 mappings (1 mirror); 9 destinations and replicas already in sync, nothing to repair'
 */
export function describeOutcome(name: ScheduledFunction, outcome: SyncOutcome<unknown>): string {
  switch (outcome.status) {
    case 'busy':
      return 'another invocation holds the job: nothing done';
    case 'idle':
      return 'nothing to do';
    case 'lease-lost':
      return 'another invocation took the job over part way; it carries on';
    case 'finished':
    case 'continuing': {
      const ended = outcome.status === 'finished' ? 'finished' : 'paused (it continues on the next schedule)';
      const found =
        name === 'replication-syncer'
          ? replicationFindings(outcome.report as ReplicationSyncReport)
          : name === 'audit-syncer'
            ? auditFindings(outcome.report as AuditSyncReport)
            : cacheFindings(outcome.report as CacheSyncReport);
      return `${ended} in ${count(outcome.invocations, 'invocation')}: ${found}`;
    }
  }
}

function replicationFindings(report: ReplicationSyncReport): string {
  const checked = `${count(report.mappings, 'mapping')}${report.mirrors > 0 ? ` (${count(report.mirrors, 'mirror')})` : ''}`;
  const repairs = [
    report.written > 0 && `${report.written} destination(s) or replica(s) rewritten`,
    report.deleted > 0 && `${count(report.deleted, 'replica')} of deleted sources removed`,
    report.linksAdded + report.linksRemoved > 0 && `source index: ${report.linksAdded} link(s) added, ${report.linksRemoved} removed`,
  ].filter((part): part is string => typeof part === 'string');
  const problems = [
    report.refused > 0 && `${report.refused} refused (see the warnings)`,
    report.waiting > 0 && `${report.waiting} waiting for a source that does not exist`,
    report.invalid > 0 && `${count(report.invalid, 'malformed mapping')} skipped`,
    report.failed > 0 && `${report.failed} failed (logged; the next pass tries again)`,
  ].filter((part): part is string => typeof part === 'string');
  const inSync = `${report.inSync} destination(s) and replica(s) already in sync`;
  return [`${checked}; ${inSync}`, repairs.length > 0 ? `repaired: ${repairs.join(', ')}` : 'nothing to repair', ...problems].join('; ');
}

function auditFindings(report: AuditSyncReport): string {
  const read = `${count(report.eventsRead, 'event')} read from CloudTrail's event history; ${report.alreadyRecorded} already in the audit log`;
  const repaired = report.repaired > 0 ? `repaired: ${count(report.repaired, 'record')} the log lacked added` : 'nothing to repair';
  const rejected = report.rejected > 0 ? `; ${count(report.rejected, 'event')} rejected (see the errors)` : '';
  return `${read}; ${repaired}${rejected}`;
}

function cacheFindings(report: CacheSyncReport): string {
  const repairs = [
    report.added > 0 && `${report.added} missing name(s) added`,
    report.tombstoned > 0 && `${report.tombstoned} deleted name(s) tombstoned`,
    report.collapsed > 0 && `${report.collapsed} duplicated name(s) collapsed`,
  ].filter((part): part is string => typeof part === 'string');
  const skipped = report.skipped > 0 ? `; ${report.skipped} left to a newer event` : '';
  return (
    `${count(report.parametersListed, 'parameter')} listed against the name cache; ` +
    `${repairs.length > 0 ? `repaired: ${repairs.join(', ')}` : 'nothing to repair'}${skipped}`
  );
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
