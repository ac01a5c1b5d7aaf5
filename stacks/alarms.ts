/**
 * The alarms this construct raises: a metric above a threshold in a five-minute period, most
 * often "this should never be above zero".
 */
import type { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from './framework.ts';
import { named } from './logical-ids.ts';

export interface NonZeroAlarmProps {
  readonly alarmName: string;
  /** What happened and where to look: it is what the person paged reads first. */
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: 'Sum' | 'Maximum';
  readonly alarmActions: readonly string[];
  readonly logicalId: string;
}

export interface ThresholdAlarmProps extends Omit<NonZeroAlarmProps, 'statistic'> {
  /** One of the two: a statistic, or a percentile such as `p99`. */
  readonly statistic?: 'Sum' | 'Maximum';
  readonly extendedStatistic?: 'p99';
  readonly threshold: number;
}

/**
 * Alarms when the metric is above `threshold` in any five-minute period, and says OK again
 * when it is back; no data counts as healthy, because a quiet function is a healthy one.
 */
export function thresholdAlarm(scope: Construct, id: string, props: ThresholdAlarmProps): CloudwatchMetricAlarm {
  return named(
    new CloudwatchMetricAlarm(scope, id, {
      alarmName: props.alarmName,
      alarmDescription: props.description,
      namespace: props.namespace,
      metricName: props.metricName,
      dimensions: { ...props.dimensions },
      ...(props.statistic && { statistic: props.statistic }),
      ...(props.extendedStatistic && { extendedStatistic: props.extendedStatistic }),
      period: 300,
      evaluationPeriods: 1,
      threshold: props.threshold,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [...props.alarmActions],
      okActions: [...props.alarmActions],
    }),
    props.logicalId,
  );
}

/** Alarms when the metric is above zero: something that should never happen did. */
export function nonZeroAlarm(scope: Construct, id: string, props: NonZeroAlarmProps): CloudwatchMetricAlarm {
  return thresholdAlarm(scope, id, { ...props, threshold: 0 });
}
