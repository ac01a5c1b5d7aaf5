/**
 * The middleware stack every function shares, so the six handlers differ only in their core.
 */
import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { ValidationError, isObject } from '../../shared/events/validation.ts';
import type { FunctionName } from '../../shared/functions.ts';
import type { Log } from '../../shared/log.ts';
import type { MetricSink } from '../../shared/metrics.ts';
import { createLogger, domainLog } from './logging.ts';
import { functionMetrics } from './metrics.ts';

export interface HandlerTools {
  readonly log: Log;
  readonly metrics: MetricSink;
  readonly context: Context;
}

export type Core<TEvent, TResult> = (event: TEvent, tools: HandlerTools) => Promise<TResult>;

/** Builds the core once per process, from the log and the metrics it should write to. */
export type Setup<TEvent, TResult> = (log: Log, metrics: MetricSink) => Core<TEvent, TResult>;

/**
 * Wraps a function's core in the shared stack, in this order:
 * 1. Powertools logger context (request id, cold start; keys reset per invocation);
 * 2. Powertools metrics, published after each invocation, failed or not (metrics.ts);
 * 3. the event's identity on every log line (CloudTrail `eventID`, or the EventBridge id);
 * 4. error reporting: one structured line naming the failed field or cause, then the error
 *    is rethrown, so Lambda retries and finally dead-letters the event instead of dropping it.
 *
 * The setup runs on the first invocation rather than at import, so a missing environment
 * variable is reported like any other failure (and the event is retried), naming the variable.
 *
 * @example
 * export const handler = figgyHandler('replication-syncer', (log) => {
 *   const syncer = new ReplicationSyncer(replicationDependencies(log));
 *   const progress = syncProgress();
 *   return (event, { context, metrics }) => syncInvocation(REPLICATION_JOB, syncer, REPLICATION_PASS, event, { context, log, metrics }, progress);
 * });
 */
export function figgyHandler<TEvent, TResult>(name: FunctionName, setup: Setup<TEvent, TResult>) {
  const logger = createLogger(name);
  const log = domainLog(logger);
  const metrics = functionMetrics(name);
  let core: Core<TEvent, TResult> | undefined;
  return middy<TEvent, TResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(metrics.middleware)
    .use(eventIdentity(logger))
    .use(errorReport(logger, metrics.sink))
    .handler((event, context) => {
      core ??= setup(log, metrics.sink);
      return core(event, { log, metrics: metrics.sink, context });
    });
}

function eventIdentity(logger: Logger): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      const event = request.event;
      if (!isObject(event)) return;
      const detail = isObject(event.detail) ? event.detail : undefined;
      const eventId = detail?.eventID ?? event.id;
      if (typeof eventId === 'string') logger.appendKeys({ event_id: eventId });
    },
  };
}

function errorReport(logger: Logger, metrics: MetricSink): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof ValidationError) {
        logger.error('event rejected: it does not fit the contract', { field: error.field, reason: error.reason });
      } else {
        logger.error('failed', error ?? 'unknown error');
      }
      metrics.add('EventsFailed', 1, error instanceof ValidationError ? 'invalid' : 'error');
    },
  };
}
