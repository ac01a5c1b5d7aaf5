/**
 * The state of one parameter at a point in time, from its audit records.
 */
import type { AuditRecord } from '../audit/types.ts';
import { canonicalName } from '../parameter-paths.ts';
import { isPut, orderRecords } from './record-order.ts';
import type { StateAt } from './types.ts';

/**
 * What the parameter was at `at` (epoch ms), from its audit records in any order.
 *
 * CloudTrail gives event times in whole seconds, so a change in the same second as `at`
 * counts as before it, even if it happened a few hundred milliseconds later. Before its first
 * record a parameter did not exist, provided that record is its creation (version 1); a
 * history that starts later says nothing about the time before it. After the last record the
 * state is the latest one.
 *
 * @example
 * const state = stateAt(records, Date.parse('2026-03-01T10:07:30Z'));
 * if (state.kind === 'present') console.log(state.record.version);
 */
export function stateAt(records: readonly AuditRecord[], at: number): StateAt {
  const ordered = orderRecords(records);
  if (ordered.length === 0) return { kind: 'untracked' };
  // Ordered by second first, so the records up to `at` are a prefix of the history.
  let last = -1;
  while (last + 1 < ordered.length && (ordered[last + 1] as AuditRecord).eventTime <= at) last++;

  if (last < 0) {
    const first = ordered[0] as AuditRecord;
    if (isPut(first) && first.version === 1) return { kind: 'absent' };
    return {
      kind: 'unknown',
      reason:
        `its audit history begins after that time (${new Date(first.eventTime).toISOString()}, ` +
        `${isPut(first) ? `version ${first.version ?? '?'}` : 'a delete'}), so its state then is not recorded`,
    };
  }
  const record = ordered[last] as AuditRecord;
  if (!isPut(record)) return { kind: 'absent', deletedBy: record };
  return {
    kind: 'present',
    record,
    deletedAfter: ordered.slice(last + 1).some((later) => !isPut(later)),
  };
}

/**
 * The audit records grouped by parameter name, in its canonical spelling: records kept under
 * a root-level `x` and under `/x` are one parameter's history.
 *
 * @example
 * const byName = await recordsByName(auditLog.recordsUnder('/app'));
 */
export async function recordsByName(records: AsyncIterable<AuditRecord>): Promise<Map<string, AuditRecord[]>> {
  const byName = new Map<string, AuditRecord[]>();
  for await (const record of records) {
    const name = canonicalName(record.parameterName);
    const list = byName.get(name);
    if (list) list.push(record);
    else byName.set(name, [record]);
  }
  return byName;
}
