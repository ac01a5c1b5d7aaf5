/**
 * What an on-call engineer watches: one CloudWatch dashboard per deployment and the alarms
 * on the functions' own metrics, each metric named through the catalog (shared/metrics.ts)
 * the handlers emit through, so nothing here can watch a metric nobody emits.
 */
import { Construct } from 'constructs';
import { CloudwatchDashboard } from './framework.ts';
import { InvariantError } from '../shared/errors.ts';
import { FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import { DEPLOYMENT_DIMENSION, EVENT_FUNCTIONS, FUNCTION_DIMENSION, METRICS, METRIC_NAMESPACE, REPAIRS_NEED_ATTENTION, REPLICATORS, SYNCERS, type MetricName } from '../shared/metrics.ts';
import { nonZeroAlarm, thresholdAlarm } from './alarms.ts';
import { named } from './logical-ids.ts';

/** A catalog metric as CloudWatch names it for one function of one deployment. */
export interface WatchedMetric {
  readonly namespace: string;
  readonly metricName: MetricName;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * The metric `name` of function `fn` in deployment `namePrefix`: the total, or with `detail`
 * the class of a classed metric.
 *
 * @throws InvariantError when the catalog says `fn` does not emit it, or it has no classes
 */
export function watchedMetric(name: MetricName, fn: FunctionName, namePrefix: string, detail?: string): WatchedMetric {
  const spec: { readonly emittedBy: readonly FunctionName[]; readonly by?: string } = METRICS[name];
  if (!spec.emittedBy.includes(fn)) throw new InvariantError(`${fn} does not emit ${name}: nothing would ever reach its alarm`);
  if (detail !== undefined && spec.by === undefined) throw new InvariantError(`${name} has no classes`);
  const dimensions = { [DEPLOYMENT_DIMENSION]: namePrefix, [FUNCTION_DIMENSION]: fn, ...(detail !== undefined && { [spec.by as string]: detail }) };
  return { namespace: METRIC_NAMESPACE, metricName: name, dimensions };
}

/** Which alarms to raise, at what thresholds. */
export interface ResolvedMonitoring {
  readonly dashboard: boolean;
  readonly repairAlarms: boolean;
  readonly auditWithoutValueAlarm: boolean;
  /** Alarm when a minute's p99 event age exceeds this many minutes, or no alarm. */
  readonly eventAgeMinutes: number | false;
  /** Alarm when a syncer's pass has been open longer than this many minutes, or no alarm. */
  readonly passOpenMinutes: number | false;
}

export interface FiggyMonitoringProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly settings: ResolvedMonitoring;
  readonly alarmActions: readonly string[];
  /** Each function's deployed name and its dead-letter queue's, for the dashboard. */
  readonly functions: ReadonlyMap<FunctionName, { readonly functionName: string; readonly queueName: string }>;
}


/**
 * The deployment's dashboard and its alarms on the catalog's metrics. The alarms:
 * - a syncer **repaired** something: the stop-gap fired, so an event was lost or a bug is live;
 * - a syncer's **pass open** longer than a threshold: wedged, or far slower than it should be;
 * - **event age** p99 above a threshold: CloudTrail and EventBridge deliver late;
 * - **audit records without a value**: a restore cannot bring those writes back.
 */
export class FiggyMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: FiggyMonitoringProps) {
    super(scope, id);
    const { namePrefix, settings, alarmActions } = props;
    const metric = (name: MetricName, fn: FunctionName, detail?: string) => watchedMetric(name, fn, namePrefix, detail);
    for (const syncer of SYNCERS) {
      if (settings.repairAlarms && REPAIRS_NEED_ATTENTION[syncer]) {
        nonZeroAlarm(this, `${syncer}_repairs`, {
          alarmName: `${namePrefix}-${syncer}-repaired`,
          description:
            `${namePrefix}-${syncer}'s last pass repaired something the events should have done: an event was lost ` +
            'or a bug is live. Its log group names each repair (search "repaired" or "written").',
          ...metric('SyncRepairs', syncer),
          statistic: 'Sum',
          alarmActions,
          logicalId: `${syncer.replaceAll('-', '_')}_repairs`,
        });
      }
      if (settings.passOpenMinutes !== false) {
        thresholdAlarm(this, `${syncer}_pass_open`, {
          alarmName: `${namePrefix}-${syncer}-pass-open`,
          description:
            `${namePrefix}-${syncer} has had a pass open for over ${settings.passOpenMinutes} minutes: wedged (a call ` +
            'denied, a lease never released) or far slower than its schedule: its errors, and its item in the sync progress table, say where it stands.',
          ...metric('SyncPassAge', syncer),
          statistic: 'Maximum',
          threshold: settings.passOpenMinutes * 60_000,
          alarmActions,
          logicalId: `${syncer.replaceAll('-', '_')}_pass_open`,
        });
      }
    }
    if (settings.eventAgeMinutes !== false) {
      for (const fn of EVENT_FUNCTIONS) {
        thresholdAlarm(this, `${fn}_event_age`, {
          alarmName: `${namePrefix}-${fn}-event-age`,
          description:
            `Events reach ${namePrefix}-${fn} over ${settings.eventAgeMinutes} minutes after the change (p99): ` +
            'CloudTrail or EventBridge is delivering late, or the function is throttled or failing and retried; a redrive of ' +
            'dead letters, which keep their eventTime, raises it too.',
          ...metric('EventAge', fn),
          extendedStatistic: 'p99',
          threshold: settings.eventAgeMinutes * 60_000,
          alarmActions,
          logicalId: `${fn.replaceAll('-', '_')}_event_age`,
        });
      }
    }
    if (settings.auditWithoutValueAlarm) {
      nonZeroAlarm(this, 'audit_without_value', {
        alarmName: `${namePrefix}-parameter-store-auditor-without-value`,
        description:
          `${namePrefix}-parameter-store-auditor recorded a put without its value (the version was gone, or not the ` +
          "event's write): a restore to that time cannot bring it back. Its log group says which and why.",
        ...metric('AuditRecordsWithoutValue', 'parameter-store-auditor'),
        statistic: 'Sum',
        alarmActions,
        logicalId: 'parameter_store_auditor_without_value',
      });
    }
    if (settings.dashboard) {
      named(
        new CloudwatchDashboard(this, 'dashboard', {
          dashboardName: `${namePrefix}-events`,
          dashboardBody: JSON.stringify(dashboardBody(props)),
        }),
        'dashboard',
      );
    }
  }
}

type MetricRow = (string | Record<string, string>)[];

/** A CloudWatch metric widget's metric line: namespace, name, then dimension pairs. */
function line(watched: WatchedMetric, options: Record<string, string> = {}): MetricRow {
  const pairs = Object.entries(watched.dimensions).flat();
  return [watched.namespace, watched.metricName, ...pairs, ...(Object.keys(options).length > 0 ? [options] : [])];
}

/** The dashboard: one row of what flows, one of what fails, one of what the syncers did. */
function dashboardBody(props: FiggyMonitoringProps): { widgets: unknown[] } {
  const { namePrefix, region } = props;
  const metric = (name: MetricName, fn: FunctionName, detail?: string) => watchedMetric(name, fn, namePrefix, detail);
  const deployed = (fn: FunctionName) => {
    const names = props.functions.get(fn);
    if (!names) throw new InvariantError(`no deployed name for ${fn}`);
    return names;
  };
  const widget = (title: string, metrics: MetricRow[], x: number, y: number, stat = 'Sum') => ({
    type: 'metric',
    x,
    y,
    width: 8,
    height: 6,
    properties: { title, region, stat, period: 300, view: 'timeSeries', metrics },
  });
  return {
    widgets: [
      widget(
        'Event age (p50, p99)',
        EVENT_FUNCTIONS.flatMap((fn) => [line(metric('EventAge', fn), { stat: 'p50', label: `${fn} p50` }), line(metric('EventAge', fn), { stat: 'p99', label: `${fn} p99` })]),
        0,
        0,
        'p99',
      ),
      widget('Events handled', FUNCTION_NAMES.map((fn) => line(metric('EventsHandled', fn))), 8, 0),
      widget(
        'Writes',
        [
          line(metric('AuditRecordsWritten', 'parameter-store-auditor')),
          line(metric('CacheItemsWritten', 'config-cache-manager')),
          ...REPLICATORS.map((fn) => line(metric('DestinationsWritten', fn))),
        ],
        16,
        0,
      ),
      widget('Errors', FUNCTION_NAMES.map((fn) => ['AWS/Lambda', 'Errors', 'FunctionName', deployed(fn).functionName]), 0, 6),
      widget(
        'Dead letters waiting',
        FUNCTION_NAMES.map((fn) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', deployed(fn).queueName]),
        8,
        6,
        'Maximum',
      ),
      widget(
        'Refused, and audit records without a value',
        [
          ...REPLICATORS.map((fn) => line(metric('DestinationsRefused', fn))),
          line(metric('AuditRecordsWithoutValue', 'parameter-store-auditor')),
        ],
        16,
        6,
      ),
      widget('Repairs (each one an event missed, or a bug)', SYNCERS.map((fn) => line(metric('SyncRepairs', fn))), 0, 12),
      widget(
        'Syncer passes',
        SYNCERS.flatMap((fn) => [line(metric('SyncInvocations', fn, 'finished'), { label: `${fn} finished` }), line(metric('SyncInvocations', fn, 'continuing'), { label: `${fn} continuing` })]),
        8,
        12,
      ),
      widget('Open pass age (ms)', SYNCERS.map((fn) => line(metric('SyncPassAge', fn))), 16, 12, 'Maximum'),
    ],
  };
}
