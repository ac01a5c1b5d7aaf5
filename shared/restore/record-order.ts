/**
 * The order in which one parameter's audit records happened.
 */
import type { AuditRecord } from '../audit/types.ts';

const SECOND = 1000;

/** What the parameter was after the records placed so far; `unknown` before the first one. */
type Running =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'present'; readonly version?: number };

/**
 * Sorts the records of one parameter into the order their changes happened.
 *
 * Seconds come first: CloudTrail's eventTime is all that orders two seconds. Within a second
 * the audit key's slot is only a hint: a put takes the slot of its version, a delete the slot
 * after whatever was recorded first, and events arrive in any order. So inside a second the
 * records are replayed in the only order Parameter Store allows: versions continue upward, a
 * delete ends an incarnation, and a put of version 1 starts the next. Where the records do not
 * fit that (a lost record), the slot order decides.
 *
 * @example
 * // put v3, then delete, then re-create (v1), all in one second and recorded out of order:
 * orderRecords([recreateV1, putV3, deleteIt]); // [putV3, deleteIt, recreateV1]
 */
export function orderRecords(records: readonly AuditRecord[]): AuditRecord[] {
  const sorted = [...records].sort((a, b) => secondOf(a) - secondOf(b) || a.time - b.time);
  const ordered: AuditRecord[] = [];
  let running: Running = { kind: 'unknown' };
  for (let start = 0; start < sorted.length; ) {
    let end = start + 1;
    while (end < sorted.length && secondOf(sorted[end] as AuditRecord) === secondOf(sorted[start] as AuditRecord)) end++;
    const remaining = sorted.slice(start, end);
    while (remaining.length > 0) {
      const index = nextIndex(remaining, running);
      const [record] = remaining.splice(index, 1) as [AuditRecord];
      ordered.push(record);
      running = isPut(record) ? { kind: 'present', version: record.version } : { kind: 'absent' };
    }
    start = end;
  }
  return ordered;
}

/** The whole second of a record's event, which is all CloudTrail tells. */
export function secondOf(record: AuditRecord): number {
  return Math.floor(record.eventTime / SECOND);
}

/** True for a put record; everything else the log holds is a delete of one form or another. */
export function isPut(record: AuditRecord): boolean {
  return record.action === 'PutParameter';
}

/** Which of a second's remaining records (in slot order) can have come next. */
function nextIndex(remaining: readonly AuditRecord[], running: Running): number {
  const lowestPut = (accept: (version: number) => boolean): number => {
    let best = -1;
    remaining.forEach((record, index) => {
      if (!isPut(record) || record.version === undefined || !accept(record.version)) return;
      const bestVersion = best < 0 ? Infinity : (remaining[best]?.version ?? Infinity);
      if (record.version < bestVersion) best = index;
    });
    return best;
  };
  const firstDelete = remaining.findIndex((record) => !isPut(record));
  const candidates =
    running.kind === 'present'
      ? // The incarnation continues as long as a higher version is waiting; only then the delete.
        [lowestPut((version) => version > (running.version ?? 1)), firstDelete]
      : running.kind === 'absent'
        ? [lowestPut(() => true)]
        : // Before the first record: a history usually starts with a put, and a put above
          // version 1 can only come before a delete, never right after one.
          [lowestPut((version) => version > 1), lowestPut(() => true), firstDelete];
  return candidates.find((index) => index >= 0) ?? 0;
}
