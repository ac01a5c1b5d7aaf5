/**
 * The shape shared by the three functions on the SSM event rule.
 */
import { parseSsmEvent } from '../../shared/events/cloudtrail.ts';
import type { ParameterChange } from '../../shared/events/types.ts';
import type { FunctionName } from '../../shared/functions.ts';
import type { Log } from '../../shared/log.ts';
import type { MetricSink } from '../../shared/metrics.ts';
import { figgyHandler } from './figgy-handler.ts';

export interface ChangeResult<TOutcome> {
  readonly parameter_name: string;
  readonly outcome: TOutcome;
}

/**
 * A handler for the CloudTrail SSM rule: the whole event is validated before anything is
 * applied, then each changed parameter goes through `apply` in turn. Every `apply` is
 * idempotent per event id, so a retry after a partial failure redoes nothing twice. Each
 * event counts as handled, with its age: how long after the call it reached the function.
 */
export function ssmEventHandler<TOutcome>(
  name: FunctionName,
  setup: (log: Log, metrics: MetricSink) => (change: ParameterChange) => Promise<TOutcome>,
) {
  return figgyHandler<unknown, ChangeResult<TOutcome>[]>(name, (log, metrics) => {
    const apply = setup(log, metrics);
    return async (event) => {
      const changes = parseSsmEvent(event);
      metrics.add('EventsHandled', 1);
      // One call's changes share its eventTime, which CloudTrail gives to the second.
      if (changes[0]) metrics.add('EventAge', Math.max(0, Date.now() - changes[0].eventTime));
      if (changes.length === 0) log.info('the call changed nothing (it failed or was throttled): skipped');
      const results: ChangeResult<TOutcome>[] = [];
      for (const change of changes) {
        results.push({ parameter_name: change.name, outcome: await apply(change) });
      }
      return results;
    };
  });
}
