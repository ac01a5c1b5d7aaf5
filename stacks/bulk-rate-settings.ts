/** The bulk paces the construct and each replica target may set, checked at synth. */
import { bulkRateProblem, type BulkCalls } from '../shared/replication/replica-targets.ts';
import { FiggyEventsConfigError } from './config-error.ts';
import type { IsUnresolved } from './unresolved-values.ts';

/**
 * A write pace checked by the rule the functions apply to their environment
 * ({@link bulkRateProblem}); a token is refused, because the environment is written at synth.
 */
export function bulkWriteRate(prop: string, value: number | undefined, isUnresolved: IsUnresolved): number | undefined {
  return bulkRate(prop, value, 'writes', isUnresolved);
}

/** A read pace checked as {@link bulkWriteRate} checks a write pace. */
export function bulkReadRate(prop: string, value: number | undefined, isUnresolved: IsUnresolved): number | undefined {
  return bulkRate(prop, value, 'reads', isUnresolved);
}

function bulkRate(prop: string, value: number | undefined, calls: BulkCalls, isUnresolved: IsUnresolved): number | undefined {
  if (value === undefined) return undefined;
  if (isUnresolved(value)) {
    throw new FiggyEventsConfigError(prop, `is a token; give the number of ${calls} per second as a literal`);
  }
  const problem = bulkRateProblem(value, calls);
  if (problem) throw new FiggyEventsConfigError(prop, problem);
  return value;
}
