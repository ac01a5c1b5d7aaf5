/**
 * Which write a version number names. Version numbers restart at 1 when a parameter is
 * deleted and created again, so `name:N` read later may be a later incarnation's version N.
 */
import type { AuditRecord } from './audit/types.ts';
import type { ParameterType } from './parameters.ts';
import { isPut, orderRecords, secondOf } from './restore/record-order.ts';

/**
 * How far a version's LastModifiedDate may lie from its CloudTrail eventTime and still be
 * the same write. CloudTrail truncates to the second and the two come from different
 * services' clocks; a later incarnation's version N is written after a delete, which is
 * normally seconds or more later.
 */
const SAME_WRITE_EARLIEST_MS = -1000;
const SAME_WRITE_LATEST_MS = 2000;

/** A version as Parameter Store holds it now, or held it when the auditor read it. */
export interface HeldWrite {
  readonly version: number;
  readonly type: ParameterType;
  /** Epoch ms; SSM always reports it, and without it the version cannot be told apart. */
  readonly lastModified?: number;
}

/** The write an event or an audit record describes. */
export interface RecordedWrite {
  /** The event that made it; records of other events are what the log says about it. */
  readonly eventId: string;
  /** Epoch ms, whole seconds as CloudTrail gives them. */
  readonly eventTime: number;
  readonly type?: ParameterType;
  readonly version?: number;
}

/**
 * Why `held` may not be the version that `recorded` wrote, or undefined when nothing says so.
 *
 * SSM's answer alone is checked first: the type, and whether the version was written at the
 * event's time. That window cannot tell a re-creation within two seconds (put v1, delete, put
 * v1 again) from the write itself, so the parameter's audit log decides too. `logged` holds
 * its records from the recorded write's second on, and every earlier one when a delete shares
 * that second (only what the parameter was before tells whether the delete came first):
 *
 * - another event's record already claims the held write: the same version, written at the
 *   same millisecond (or, without a write time of its own, recorded from this second on and
 *   within the window of the held write);
 * - the log's order puts a delete after the recorded write, and SSM wrote the held version no
 *   earlier than that delete's second: a later incarnation's.
 *
 * Without a write time from SSM nothing tells versions apart, and only the type is checked.
 *
 * @example
 * const problem = sameWriteProblem(await store.readVersion(name, 2), { eventId, eventTime, type: 'String', version: 2 }, records);
 * if (problem) log.warn('not the value of this event', { reason: problem });
 */
export function sameWriteProblem(held: HeldWrite, recorded: RecordedWrite, logged: readonly AuditRecord[]): string | undefined {
  if (recorded.type !== undefined && held.type !== recorded.type) {
    return `SSM's version ${held.version} is a ${held.type}, the recorded write a ${recorded.type}: another incarnation`;
  }
  if (held.lastModified === undefined) return undefined;
  const written = held.lastModified;
  if (!withinWindow(written, recorded.eventTime)) {
    return `SSM's version ${held.version} was written at ${iso(written)}, not at ${iso(recorded.eventTime)}: another incarnation`;
  }
  const others = logged.filter((record) => record.eventId !== recorded.eventId);
  const candidate: AuditRecord = {
    parameterName: others[0]?.parameterName ?? '',
    time: recorded.eventTime,
    action: 'PutParameter',
    user: '',
    eventId: recorded.eventId,
    eventTime: recorded.eventTime,
    version: recorded.version ?? held.version,
    modifiedAt: written,
  };
  const ordered = orderRecords([...others, candidate]);
  const at = ordered.indexOf(candidate);
  // A record the log places before a delete that precedes this write is an earlier
  // incarnation's: a write it claims (a late event read after the re-creation) is not its own.
  const lastDeleteBefore = ordered.slice(0, at).findLastIndex((record) => !isPut(record));
  const claim = others.find(
    (other) =>
      isPut(other) &&
      other.version === held.version &&
      ordered.indexOf(other) > lastDeleteBefore &&
      (other.modifiedAt !== undefined
        ? other.modifiedAt === written
        : secondOf(other) >= secondOf(recorded) && withinWindow(written, other.eventTime)),
  );
  if (claim) {
    return `SSM's version ${held.version} (written at ${iso(written)}) is already claimed by the record of event ${claim.eventId} at ${iso(claim.eventTime)}: another incarnation`;
  }
  const deletion = ordered.slice(at + 1).find((record) => !isPut(record));
  if (deletion && secondOf(deletion) <= Math.floor(written / 1000)) {
    return (
      `the log shows it deleted at ${iso(deletion.eventTime)}, after this write, and SSM's version ${held.version} ` +
      `was written at ${iso(written)}: another incarnation`
    );
  }
  // A delete in the write's own second may have come before it or after it; only a version
  // written in that second can be this write's (a delete and a re-creation, as a Terraform
  // replace makes), one written in a later second may be a re-creation's after the delete.
  const sameSecond = others.find((record) => !isPut(record) && secondOf(record) === secondOf(recorded));
  if (sameSecond && Math.floor(written / 1000) > secondOf(recorded)) {
    return (
      `the log shows a delete in the second of this write (${iso(sameSecond.eventTime)}), and SSM's version ${held.version} ` +
      `was written later, at ${iso(written)}: it may be a re-creation's`
    );
  }
  return undefined;
}

function withinWindow(written: number, eventTime: number): boolean {
  const offset = written - eventTime;
  return offset >= SAME_WRITE_EARLIEST_MS && offset <= SAME_WRITE_LATEST_MS;
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
