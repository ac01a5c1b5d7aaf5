/**
 * A function's dead-letter queue and the alarm on its depth.
 */
import { Construct } from 'constructs';
import { SqsQueue, SqsQueuePolicy } from './framework.ts';
import { nonZeroAlarm } from './alarms.ts';
import { named } from './logical-ids.ts';
import type { PolicyDocument } from './policy-documents.ts';
import { UnsupportedUseError } from '../shared/errors.ts';

export interface DeadLetterQueueProps {
  readonly queueName: string;
  /** Stem of the logical ids: `<stem>_dlq`, `<stem>_dlq_depth`. */
  readonly idStem: string;
  readonly alarmActions: readonly string[];
}

// The longest SQS keeps a message: a failed event waits two weeks for someone to look.
const FOURTEEN_DAYS = 14 * 24 * 60 * 60;

/**
 * One queue per function collects everything that function could not handle: events
 * EventBridge failed to deliver, asynchronous invocations that failed all retries, and stream
 * batches that failed all retries. Messages say which by their shape and attributes; one
 * queue per function means one place to look and one alarm per function.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: SqsQueue;
  readonly queueName: string;
  private policy?: SqsQueuePolicy;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queueName = props.queueName;
    this.queue = named(
      new SqsQueue(this, 'queue', {
        name: props.queueName,
        messageRetentionSeconds: FOURTEEN_DAYS,
        sqsManagedSseEnabled: true,
      }),
      `${props.idStem}_dlq`,
    );
    nonZeroAlarm(this, 'depth', {
      alarmName: `${props.queueName}-depth`,
      description: `Events in ${props.queueName}: a function gave up on them; inspect and redrive.`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: props.queueName },
      statistic: 'Maximum',
      alarmActions: props.alarmActions,
      logicalId: `${props.idStem}_dlq_depth`,
    });
  }

  /**
   * Lets one EventBridge rule dead-letter into this queue. EventBridge writes with its own
   * service principal, not the function's role, so the queue's policy has to allow it; the
   * source-ARN condition keeps any other rule (in any account) out.
   */
  allowEventBridgeRule(ruleArn: string, idStem: string): void {
    if (this.policy) {
      throw new UnsupportedUseError(`dead-letter queue ${this.node.path} already accepts one rule; add one queue per rule`);
    }
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EventBridgeDeadLetters',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['sqs:SendMessage'],
          Resource: [this.queue.arn],
          Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
        },
      ],
    };
    this.policy = named(
      new SqsQueuePolicy(this, 'policy', { queueUrl: this.queue.url, policy: JSON.stringify(policy) }),
      `${idStem}_dlq`,
    );
  }
}
