/**
 * What invokes the functions: the SSM event rule, the syncers' schedules (each with its
 * continuation) and the replication table's stream. Which function gets which trigger comes from the function catalog.
 */
import { Construct } from 'constructs';
import { CloudwatchEventRule, CloudwatchEventTarget, type DynamodbTable, LambdaEventSourceMapping } from './framework.ts';
import { SSM_EVENT_PATTERN } from '../shared/events/pattern.ts';
import { REPLICATION_STREAM_SOURCE, type FunctionName } from '../shared/functions.ts';
import { CONTINUE_EVENT } from '../shared/sync/sync-pass.ts';
import type { FiggyFunction } from './function.ts';
import { functionId, named } from './logical-ids.ts';

/** EventBridge's retry policy for a target, and where it dead-letters what it cannot deliver. */
export interface TargetRetry {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

export interface SsmEventRuleProps {
  readonly namePrefix: string;
  readonly targets: ReadonlyMap<FunctionName, FiggyFunction>;
  readonly retry: TargetRetry;
}

/**
 * One rule on the default bus for PutParameter, DeleteParameter and DeleteParameters as
 * CloudTrail reports them, with one target per function that reacts to SSM events.
 */
export class SsmEventRule extends Construct {
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: SsmEventRuleProps) {
    super(scope, id);
    this.rule = named(
      new CloudwatchEventRule(this, 'rule', {
        name: `${props.namePrefix}-ssm-parameter-changes`,
        description: 'Successful PutParameter, DeleteParameter and DeleteParameters calls',
        eventPattern: JSON.stringify(SSM_EVENT_PATTERN),
      }),
      'ssm_events',
    );
    for (const [name, fn] of props.targets) {
      named(
        new CloudwatchEventTarget(this, name, {
          rule: this.rule.name,
          targetId: name,
          arn: fn.lambda.arn,
          retryPolicy: {
            maximumRetryAttempts: props.retry.maximumRetryAttempts,
            maximumEventAgeInSeconds: props.retry.maximumEventAgeSeconds,
          },
          deadLetterConfig: { arn: fn.deadLetterQueue.queue.arn },
        }),
        `${functionId(name)}_ssm_events`,
      );
      fn.allowEventBridgeRule(this.rule.arn, 'ssm_events');
    }
  }
}

export interface FunctionScheduleProps {
  readonly name: FunctionName;
  readonly fn: FiggyFunction;
  /** What the rule is to the function; it names the rule, its resources and its invoke permission. */
  readonly trigger: 'schedule' | 'continue';
  readonly expression: string;
  readonly description: string;
  readonly retry: TargetRetry;
  /** The constant event the rule sends, in place of EventBridge's scheduled event. */
  readonly input?: object;
  /** Whether an event EventBridge cannot deliver goes to the function's dead-letter queue. */
  readonly deadLetters: boolean;
}

/** A scheduled rule that invokes one function. */
export class FunctionSchedule extends Construct {
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    const stem = `${functionId(props.name)}_${props.trigger}`;
    this.rule = named(
      new CloudwatchEventRule(this, 'rule', {
        name: `${props.fn.functionName}-${props.trigger}`,
        description: props.description,
        scheduleExpression: props.expression,
      }),
      stem,
    );
    named(
      new CloudwatchEventTarget(this, 'target', {
        rule: this.rule.name,
        targetId: props.name,
        arn: props.fn.lambda.arn,
        input: props.input === undefined ? undefined : JSON.stringify(props.input),
        retryPolicy: {
          maximumRetryAttempts: props.retry.maximumRetryAttempts,
          maximumEventAgeInSeconds: props.retry.maximumEventAgeSeconds,
        },
        deadLetterConfig: props.deadLetters ? { arn: props.fn.deadLetterQueue.queue.arn } : undefined,
      }),
      stem,
    );
    if (props.deadLetters) props.fn.allowEventBridgeRule(this.rule.arn, props.trigger);
    else props.fn.allowInvokeFrom(this.rule.arn, props.trigger);
  }
}

/** How often an open pass of a syncer is continued. */
const CONTINUATION_SCHEDULE = 'rate(1 minute)';

/**
 * A syncer's two schedules. The first starts a pass at `expression`. The second sends
 * {@link CONTINUE_EVENT} every minute, so an open pass goes on from its last checkpoint until
 * it is done; with no open pass the invocation does nothing. Its constant input is how the
 * handler tells the two apart.
 */
export function syncerSchedules(
  name: FunctionName,
  fn: FiggyFunction,
  expression: string,
  retry: TargetRetry,
): FunctionScheduleProps[] {
  return [
    {
      name,
      fn,
      trigger: 'schedule',
      expression,
      description: `Runs ${fn.functionName} ${expression}`,
      retry,
      deadLetters: true,
    },
    {
      name,
      fn,
      trigger: 'continue',
      expression: CONTINUATION_SCHEDULE,
      description: `Continues an open pass of ${fn.functionName} every minute until it is done`,
      input: CONTINUE_EVENT,
      // Each minute's event is the same as the last, and one a minute old has a successor
      // already: it is retried within its minute only, and never dead-lettered (a lost one
      // delays the pass by a minute). An invocation that fails still ends in the function's
      // queue, through Lambda's on-failure destination.
      retry: { maximumRetryAttempts: retry.maximumRetryAttempts, maximumEventAgeSeconds: 60 },
      deadLetters: false,
    },
  ];
}

export interface StreamSourceProps {
  readonly name: FunctionName;
  readonly fn: FiggyFunction;
  readonly table: DynamodbTable;
  readonly retryAttempts: number;
}

/**
 * Feeds a table's stream to a function. A failing batch is split in two until the bad record
 * is alone, the handler reports the records it failed rather than failing the batch, and a
 * record that still fails after the retries goes to the function's dead-letter queue instead
 * of blocking its shard. INSERT, MODIFY and REMOVE all matter (a removed mapping updates the
 * source index), so no filter is set.
 */
export class StreamSource extends Construct {
  constructor(scope: Construct, id: string, props: StreamSourceProps) {
    super(scope, id);
    named(
      new LambdaEventSourceMapping(this, 'mapping', {
        eventSourceArn: props.table.streamArn,
        functionName: props.fn.lambda.arn,
        // From the oldest record kept, so changes made while the mapping was being created
        // are not skipped. The sandbox's poller reads the same settings.
        startingPosition: REPLICATION_STREAM_SOURCE.startingPosition,
        batchSize: REPLICATION_STREAM_SOURCE.batchSize,
        maximumBatchingWindowInSeconds: REPLICATION_STREAM_SOURCE.maximumBatchingWindowSeconds,
        bisectBatchOnFunctionError: REPLICATION_STREAM_SOURCE.bisectBatchOnFunctionError,
        functionResponseTypes: ['ReportBatchItemFailures'],
        maximumRetryAttempts: props.retryAttempts,
        destinationConfig: {
          onFailure: { destinationArn: props.fn.deadLetterQueue.queue.arn },
        },
      }),
      `${functionId(props.name)}_stream`,
    );
  }
}
