/** The bulk paces the construct and each replica target may set, checked at synth. */
import { Token } from './framework.ts';
import { bulkRateProblem, type BulkCalls } from '../shared/replication/replica-targets.ts';
import { FiggyEventsConfigError } from './config-error.ts';

/**
 * A write pace checked by the rule the functions apply to their environment
 * ({@link bulkRateProblem}); a token is refused, because the environment is written at synth.
 */
export function bulkWriteRate(prop: string, value: number | undefined): number | undefined {
  return bulkRate(prop, value, 'writes');
}

/** A read pace checked as {@link bulkWriteRate} checks a write pace. */
export function bulkReadRate(prop: string, value: number | undefined): number | undefined {
  return bulkRate(prop, value, 'reads');
}

function bulkRate(prop: string, value: number | undefined, calls: BulkCalls): number | undefined {
  if (value === undefined) return undefined;
  if (Token.isUnresolved(value)) {
    throw new FiggyEventsConfigError(prop, `is a token; give the number of ${calls} per second as a literal`);
  }
  const problem = bulkRateProblem(value, calls);
  if (problem) throw new FiggyEventsConfigError(prop, problem);
  return value;
}
