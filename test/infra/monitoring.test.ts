/**
 * The dashboard and the alarms on the functions' own metrics: each watches a metric, namespace
 * and dimensions the code emits (the one catalog), and each can be turned off or tuned.
 */
import { expect } from 'chai';
import { FUNCTION_NAMES, type FunctionName } from '../../shared/functions.ts';
import { DEPLOYMENT_DIMENSION, FUNCTION_DIMENSION, METRICS, METRIC_NAMESPACE, type MetricName } from '../../shared/metrics.ts';
import { FiggyEventsConfigError } from '../../stacks/config-error.ts';
import { resolveSettings } from '../../stacks/settings.ts';
import { watchedMetric } from '../../stacks/monitoring.ts';
import { ALARM_TOPIC, TEST_PROPS, resources, synthesize, synthesized, type Block } from './support/synthesized.ts';

/** Whether the catalog says `fn` emits `metric`, classed by `detail` when given. */
function emits(metric: string, fn: string, detail?: string): boolean {
  const spec = (METRICS as Record<string, { emittedBy: readonly string[]; by?: string }>)[metric];
  return spec !== undefined && spec.emittedBy.includes(fn) && (detail === undefined || spec.by !== undefined);
}

function ourAlarms(json = synthesized().json): Block[] {
  return Object.values(resources(json, 'aws_cloudwatch_metric_alarm')).filter((alarm) => alarm.namespace === METRIC_NAMESPACE);
}

describe('monitoring', () => {
  it('every alarm on our namespace watches a metric its function emits, under the deployment, and notifies the topic', () => {
    const alarms = ourAlarms();
    expect(alarms.length).to.be.greaterThan(8);
    for (const alarm of alarms) {
      const dimensions = alarm.dimensions as Record<string, string>;
      expect(dimensions[DEPLOYMENT_DIMENSION], String(alarm.alarm_name)).to.equal('figgy');
      expect(emits(String(alarm.metric_name), dimensions[FUNCTION_DIMENSION] ?? ''), String(alarm.alarm_name)).to.equal(true);
      expect(Object.keys(dimensions).sort()).to.deep.equal([DEPLOYMENT_DIMENSION, FUNCTION_DIMENSION].sort());
      expect(alarm.alarm_actions).to.deep.equal([ALARM_TOPIC]);
      expect(alarm.treat_missing_data).to.equal('notBreaching');
    }
  });

  it('raises what the on-call needs: a syncer repaired, a pass open too long, late events, audit records without a value', () => {
    const names = ourAlarms().map((alarm) => String(alarm.alarm_name));
    expect(names).to.include.members([
      'figgy-replication-syncer-repaired',
      'figgy-config-cache-syncer-repaired',
      'figgy-replication-syncer-pass-open',
      'figgy-config-cache-syncer-pass-open',
      'figgy-audit-syncer-pass-open',
      'figgy-parameter-store-auditor-event-age',
      'figgy-dynamo-stream-replicator-event-age',
      'figgy-parameter-store-auditor-without-value',
    ]);
    const age = ourAlarms().find((alarm) => alarm.alarm_name === 'figgy-parameter-store-auditor-event-age');
    expect(age).to.include({ extended_statistic: 'p99', threshold: 5 * 60_000 });
  });

  it("the dashboard's widgets show only metrics the code emits, and the functions' errors and dead letters", () => {
    const [dashboard] = Object.values(resources(synthesized().json, 'aws_cloudwatch_dashboard'));
    const body = JSON.parse(String(dashboard?.dashboard_body)) as { widgets: { properties: { metrics: unknown[][] } }[] };
    const lines = body.widgets.flatMap((widget) => widget.properties.metrics);
    const ours = lines.filter((line) => line[0] === METRIC_NAMESPACE);
    expect(ours.length).to.be.greaterThan(20);
    for (const line of ours) {
      const pairs = Object.fromEntries(
        line.slice(2).filter((part): part is string => typeof part === 'string').flatMap((part, index, all) => (index % 2 === 0 ? [[part, all[index + 1]]] : [])),
      ) as Record<string, string>;
      const detail = Object.keys(pairs).find((key) => key !== DEPLOYMENT_DIMENSION && key !== FUNCTION_DIMENSION);
      expect(emits(String(line[1]), pairs[FUNCTION_DIMENSION] ?? '', detail && pairs[detail]), JSON.stringify(line)).to.equal(true);
    }
    for (const fn of FUNCTION_NAMES) {
      expect(lines.some((line) => line[0] === 'AWS/Lambda' && line[3] === `figgy-${fn}`), fn).to.equal(true);
      expect(lines.some((line) => line[0] === 'AWS/SQS' && line[3] === `figgy-${fn}-dlq`), fn).to.equal(true);
    }
  });

  it('turns each alarm and the dashboard off, and tunes the thresholds, by props', () => {
    const { json } = synthesize(
      { ...TEST_PROPS, monitoring: { dashboard: false, repairAlarms: false, auditWithoutValueAlarm: false, eventAgeAlarmMinutes: false, passOpenAlarmMinutes: 60 } },
      false,
    );
    expect(resources(json, 'aws_cloudwatch_dashboard')).to.deep.equal({});
    const alarms = ourAlarms(json);
    expect(alarms.map((alarm) => alarm.metric_name)).to.deep.equal(alarms.map(() => 'SyncPassAge'));
    expect(alarms.every((alarm) => alarm.threshold === 60 * 60_000)).to.equal(true);
  });

  it('refuses a threshold that is not a whole number of minutes, naming it', () => {
    expect(() => resolveSettings({ region: 'eu-west-1', destinationPrefixes: ['/app/'], monitoring: { eventAgeAlarmMinutes: 0.5 } }))
      .to.throw(FiggyEventsConfigError)
      .with.property('prop', 'monitoring.eventAgeAlarmMinutes');
  });

  it('can name only a metric a function emits', () => {
    expect(() => watchedMetric('AuditRecordsWritten' as MetricName, 'replication-syncer' as FunctionName, 'figgy')).to.throw(/does not emit/);
  });
});
