/**
 * The functions' metrics, through Powertools Metrics: CloudWatch embedded metric format, one
 * log line per invocation (and one per class of a classed metric), which CloudWatch turns
 * into metrics without a call or a permission.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ENV } from '../../shared/config.ts';
import type { FunctionName } from '../../shared/functions.ts';
import { DEPLOYMENT_DIMENSION, METRICS, METRIC_NAMESPACE, type MetricName, type MetricSink } from '../../shared/metrics.ts';

/** The function's metrics and the middleware that publishes them after each invocation. */
export interface FunctionMetrics {
  readonly sink: MetricSink;
  readonly middleware: middy.MiddlewareObj<unknown, unknown, Error, Context>;
}

/**
 * Metrics named for the function (Powertools' `service` dimension) and the deployment. Totals
 * go through Powertools' store; a classed metric's classes are summed over the invocation and
 * each published with its class as a dimension, so a copy refusing a thousand replicas writes
 * one line per class, not a thousand.
 */
export function functionMetrics(name: FunctionName, env = process.env): FunctionMetrics {
  const metrics = new Metrics({
    namespace: METRIC_NAMESPACE,
    serviceName: name,
    defaultDimensions: { [DEPLOYMENT_DIMENSION]: env[ENV.deployment] ?? 'unknown' },
  });
  const classed = new Map<string, { metric: MetricName; detail: string; value: number }>();
  const sink: MetricSink = {
    add(metric, value, detail) {
      const spec: { unit: keyof typeof MetricUnit; by?: string } = METRICS[metric];
      metrics.addMetric(metric, MetricUnit[spec.unit], value);
      if (spec.by === undefined || detail === undefined) return;
      const key = `${metric}\u0000${detail}`;
      const sum = classed.get(key);
      classed.set(key, { metric, detail, value: (sum?.value ?? 0) + value });
    },
  };
  const publishClassed = () => {
    for (const { metric, detail, value } of classed.values()) {
      const spec: { unit: keyof typeof MetricUnit; by?: string } = METRICS[metric];
      const single = metrics.singleMetric();
      single.addDimension(spec.by as string, detail);
      single.addMetric(metric, MetricUnit[spec.unit], value);
    }
    classed.clear();
  };
  // What an invocation added is written when it ends, failed or not. Nothing to write is not
  // worth Powertools' warning: an invocation that failed before counting anything is already
  // in the error metric and its log.
  const publish = () => {
    publishClassed();
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { sink, middleware: { after: publish, onError: publish } };
}
