/**
 * The order of changes to one parameter.
 *
 * Delivery is at least once and unordered, so every handler asks "is this change newer than
 * what I hold?". CloudTrail's eventTime has second precision: within one second two puts are
 * ordered by version, but a put and a delete cannot be ordered from the events alone (a
 * delete carries no version, and a re-created parameter starts again at version 1). Such a
 * tie is reported as `ambiguous`, and the caller asks Parameter Store what is true now.
 */
export interface ChangePosition {
  /** Epoch ms. */
  readonly eventTime: number;
  readonly kind: 'put' | 'delete';
  readonly version?: number;
}

export type Order = 'newer' | 'older' | 'same' | 'ambiguous';

const SECOND = 1000;

/** Where `candidate` stands relative to `current`. */
export function compareChanges(candidate: ChangePosition, current: ChangePosition): Order {
  const candidateSecond = Math.floor(candidate.eventTime / SECOND);
  const currentSecond = Math.floor(current.eventTime / SECOND);
  if (candidateSecond !== currentSecond) return candidateSecond > currentSecond ? 'newer' : 'older';
  if (candidate.kind === 'delete' && current.kind === 'delete') return 'same';
  if (candidate.kind === 'put' && current.kind === 'put') {
    if (candidate.version === undefined || current.version === undefined) return 'ambiguous';
    if (candidate.version === current.version) return 'same';
    return candidate.version > current.version ? 'newer' : 'older';
  }
  return 'ambiguous';
}
