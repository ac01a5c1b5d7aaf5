/**
 * The FiggyEvents construct: the whole event-driven backend for one region.
 */
import { Construct } from 'constructs';
import { DataAwsCallerIdentity, KmsAlias, KmsKey, TerraformOutput, TerraformStack } from './framework.ts';
import {
  FUNCTIONS,
  FUNCTION_NAMES,
  SSM_EVENT_FUNCTIONS,
  functionEnvironment,
  type FunctionName,
} from '../shared/functions.ts';
import { tableNames, type TableRole } from '../shared/tables.ts';
import { functionBundle } from './function-bundles.ts';
import { FiggyMonitoring } from './monitoring.ts';
import { FiggyFunction } from './function.ts';
import { named } from './logical-ids.ts';
import { STREAM_TABLE, functionPolicy } from './permissions.ts';
import { FiggyEventsConfigError } from './config-error.ts';
import { providerRegionProblem } from './provider-region.ts';
import { resolveSettings, type ResolvedSettings } from './settings.ts';
import { FiggyTables } from './tables.ts';
import { AuditTrail } from './trail.ts';
import { FunctionSchedule, SsmEventRule, StreamSource, syncerSchedules, type TargetRetry } from './triggers.ts';
import type { FiggyEventsProps, ScheduledFunctionName } from './types.ts';
import { InvariantError, UnsupportedUseError } from '../shared/errors.ts';

// Logical ids are fixed by hand, so two instances in one stack would collide.
const stacksWithFiggyEvents = new WeakSet<TerraformStack>();

/**
 * Everything figgy-events runs on in one region: the tables, the trail, the SSM event rule,
 * the seven functions with their roles, logs, queues and alarms, the syncers' schedules (each
 * with its continuation) and the replication stream mapping.
 *
 * SSM events never leave their region, so deploy one instance per region (one per stack);
 * names that are global in AWS (IAM roles, the trail bucket) carry the region.
 *
 * @example
 * ```ts
 * import { App, TerraformStack } from 'cdktf';
 * import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
 * import { FiggyEvents } from 'figgy-events';
 *
 * const app = new App();
 * const stack = new TerraformStack(app, 'parameters-eu-west-1');
 * new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
 * const figgy = new FiggyEvents(stack, 'figgy', {
 *   region: 'eu-west-1',
 *   destinationPrefixes: ['/app/'],
 *   alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alerts',
 * });
 * console.log(figgy.settings.namePrefix); // figgy
 * app.synth();
 * ```
 */
export class FiggyEvents extends Construct {
  readonly settings: ResolvedSettings;
  readonly tables: FiggyTables;
  readonly functions: ReadonlyMap<FunctionName, FiggyFunction>;
  readonly ssmEvents: SsmEventRule;
  readonly replicationKeyArn: string;
  readonly trail?: AuditTrail;

  constructor(scope: Construct, id: string, props: FiggyEventsProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    if (stacksWithFiggyEvents.has(stack)) {
      throw new UnsupportedUseError(
        `stack ${stack.node.id} already has a FiggyEvents; use one stack per instance (per region)`,
      );
    }
    stacksWithFiggyEvents.add(stack);

    const settings = resolveSettings(props);
    const regionProblem = providerRegionProblem(stack, settings.region);
    if (regionProblem) throw new FiggyEventsConfigError('region', regionProblem);
    // A provider added after the construct is only there to compare at synth.
    this.node.addValidation({
      validate: () => {
        const problem = providerRegionProblem(stack, settings.region);
        return problem ? [new FiggyEventsConfigError('region', problem).message] : [];
      },
    });
    this.settings = settings;
    const { namePrefix, region, partition } = settings;
    const accountId =
      settings.accountId ?? named(new DataAwsCallerIdentity(this, 'account'), 'current').accountId;

    this.tables = new FiggyTables(this, 'tables', { namePrefix, disposable: settings.disposable });
    const tableArns = Object.fromEntries(
      Object.entries(this.tables.tables).map(([role, table]) => [role, table.arn]),
    ) as Record<TableRole, string>;

    this.replicationKeyArn = settings.replicationKmsKeyArn ?? this.createReplicationKey(namePrefix);

    if (settings.createTrail) {
      this.trail = new AuditTrail(this, 'trail', {
        namePrefix,
        partition,
        region,
        accountId,
        logExpirationDays: settings.trailLogExpirationDays,
        forceDestroy: settings.disposable,
      });
    }

    const alarmActions = settings.alarmTopicArn ? [settings.alarmTopicArn] : [];
    const functions = new Map<FunctionName, FiggyFunction>();
    for (const name of FUNCTION_NAMES) {
      const fn = new FiggyFunction(this, name, {
        name,
        namePrefix,
        region,
        bundle: functionBundle(name, props.bundles),
        settings: settings.functions[name],
        environment: functionEnvironment(name, {
          namePrefix,
          accountId,
          auditedNamespaces: settings.auditedNamespaces,
          destinationPrefixes: settings.destinationPrefixes,
          sourcePrefixes: settings.sourcePrefixes,
          replicationKmsKeyId: this.replicationKeyArn,
          replicaTargets: settings.replicaTargets,
          bulkWritesPerSecond: settings.bulkWritesPerSecond,
          bulkReadsPerSecond: settings.bulkReadsPerSecond,
          auditImportDays: settings.auditImportDays,
          logLevel: settings.logLevel,
        }),
        logRetentionDays: settings.logRetentionDays,
        asyncRetryAttempts: settings.asyncRetryAttempts,
        alarmActions,
        policy: ({ logGroupArn, deadLetterQueueArn }) =>
          functionPolicy(name, {
            partition,
            region,
            accountId,
            tableArns,
            logGroupArn,
            deadLetterQueueArn,
            auditedNamespaces: settings.auditedNamespaces,
            destinationPrefixes: settings.destinationPrefixes,
            sourcePrefixes: settings.sourcePrefixes,
            replicationKeyArn: this.replicationKeyArn,
            replicaTargets: settings.replicaTargets,
          }),
      });
      functions.set(name, fn);
    }
    this.functions = functions;

    const retry: TargetRetry = {
      maximumRetryAttempts: settings.deliveryRetryAttempts,
      maximumEventAgeSeconds: settings.deliveryMaximumEventAgeSeconds,
    };
    this.ssmEvents = new SsmEventRule(this, 'ssm_events', {
      namePrefix,
      targets: new Map(SSM_EVENT_FUNCTIONS.map((name) => [name, this.getFunction(name)])),
      retry,
    });
    for (const name of FUNCTION_NAMES) {
      const trigger = FUNCTIONS[name].trigger;
      if (trigger === 'schedule') {
        const expression = settings.schedules[name as ScheduledFunctionName];
        for (const schedule of syncerSchedules(name, this.getFunction(name), expression, retry)) {
          new FunctionSchedule(this, `${name}_${schedule.trigger}`, schedule);
        }
      } else if (trigger === 'replication-stream') {
        new StreamSource(this, `${name}_stream`, {
          name,
          fn: this.getFunction(name),
          table: this.tables.tables[STREAM_TABLE],
          retryAttempts: settings.streamRetryAttempts,
        });
      }
    }

    new FiggyMonitoring(this, 'monitoring', {
      namePrefix,
      region,
      settings: settings.monitoring,
      alarmActions,
      functions: new Map(
        FUNCTION_NAMES.map((name) => {
          const fn = this.getFunction(name);
          return [name, { functionName: fn.functionName, queueName: fn.deadLetterQueue.queueName }];
        }),
      ),
    });

    this.outputs(tableNames(namePrefix));
  }

  /** The construct of one catalog function. */
  getFunction(name: FunctionName): FiggyFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new InvariantError(`FiggyEvents has no function "${name}"`);
    return fn;
  }

  private createReplicationKey(namePrefix: string): string {
    const key = named(
      new KmsKey(this, 'replication_key', {
        description: `Encrypts SecureString parameters written by ${namePrefix} replication`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      }),
      'replication_key',
    );
    named(
      new KmsAlias(this, 'replication_key_alias', {
        name: `alias/${namePrefix}-replication`,
        targetKeyId: key.keyId,
      }),
      'replication_key',
    );
    return key.arn;
  }

  private outputs(names: Record<string, string>): void {
    const output = (id: string, value: unknown, description: string) =>
      named(new TerraformOutput(this, id, { value, description }), id);
    output('table_names', names, 'DynamoDB table names by role');
    output(
      'function_names',
      Object.fromEntries([...this.functions].map(([name, fn]) => [name, fn.lambda.functionName])),
      'Lambda function names by handler',
    );
    output(
      'dead_letter_queue_urls',
      Object.fromEntries([...this.functions].map(([name, fn]) => [name, fn.deadLetterQueue.queue.url])),
      'Dead-letter queue URL of each function',
    );
    output('ssm_event_rule_arn', this.ssmEvents.rule.arn, 'EventBridge rule for SSM parameter changes');
    output('replication_kms_key_arn', this.replicationKeyArn, 'KMS key replication encrypts with');
    if (this.trail) {
      output('trail_arn', this.trail.trail.arn, 'CloudTrail trail recording SSM writes');
      output('trail_bucket', this.trail.bucket.bucket, 'S3 bucket holding the trail logs');
    }
  }
}
