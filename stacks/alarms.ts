/**
 * The one kind of alarm this construct raises: "this should never be above zero".
 */
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import type { Construct } from 'constructs';
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

/**
 * Alarms when the metric is above zero in any five-minute period, and says OK again when it
 * is back to zero; no data counts as zero, because a quiet function is a healthy one.
 */
export function nonZeroAlarm(scope: Construct, id: string, props: NonZeroAlarmProps): CloudwatchMetricAlarm {
  return named(
    new CloudwatchMetricAlarm(scope, id, {
      alarmName: props.alarmName,
      alarmDescription: props.description,
      namespace: props.namespace,
      metricName: props.metricName,
      dimensions: { ...props.dimensions },
      statistic: props.statistic,
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [...props.alarmActions],
      okActions: [...props.alarmActions],
    }),
    props.logicalId,
  );
}
