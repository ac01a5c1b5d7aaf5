/**
 * Which write a version number names. Version numbers restart at 1 when a parameter is
 * deleted and created again, so `name:N` read later may be a later incarnation's version N.
 */
import type { ParameterType } from './parameters.ts';

/**
 * How far a version's LastModifiedDate may lie from its CloudTrail eventTime and still be
 * the same write. CloudTrail truncates to the second and the two come from different
 * services' clocks; a later incarnation's version N is written after a delete, which is
 * normally seconds or more later.
 */
const SAME_WRITE_EARLIEST_MS = -1000;
const SAME_WRITE_LATEST_MS = 2000;

/** A version as Parameter Store holds it now. */
export interface HeldWrite {
  readonly version: number;
  readonly type: ParameterType;
  /** Epoch ms; SSM always reports it, and without it the version cannot be told apart. */
  readonly lastModified?: number;
}

/** The write an event or an audit record describes. */
export interface RecordedWrite {
  /** Epoch ms, whole seconds as CloudTrail gives them. */
  readonly eventTime: number;
  readonly type?: ParameterType;
}

/**
 * Why `held` is not the version that `recorded` wrote, or undefined when it is.
 *
 * @example
 * const problem = sameWriteProblem(await store.readVersion(name, 2), { eventTime, type: 'String' });
 * if (problem) log.warn('not the value of this event', { reason: problem });
 */
export function sameWriteProblem(held: HeldWrite, recorded: RecordedWrite): string | undefined {
  if (recorded.type !== undefined && held.type !== recorded.type) {
    return `SSM's version ${held.version} is a ${held.type}, the recorded write a ${recorded.type}: another incarnation`;
  }
  if (held.lastModified === undefined) return undefined;
  const offset = held.lastModified - recorded.eventTime;
  if (offset < SAME_WRITE_EARLIEST_MS || offset > SAME_WRITE_LATEST_MS) {
    return (
      `SSM's version ${held.version} was written at ${new Date(held.lastModified).toISOString()}, ` +
      `not at ${new Date(recorded.eventTime).toISOString()}: another incarnation`
    );
  }
  return undefined;
}
