import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isAccessDenied } from '../access-denied.ts';

/** A queue's depth, or why it is not known. */
export type QueueDepth = { readonly depth: number } | { readonly unknown: string };

/**
 * How many messages wait in a queue (`ApproximateNumberOfMessages`), by the queue's name in
 * the caller's account and region: GetQueueUrl, then GetQueueAttributes of that one attribute.
 *
 * @example
 * const depths = new SqsQueueDepths(new SQSClient({}));
 * await depths.depth('figgy-audit-syncer-dlq'); // { depth: 0 }, or { unknown: 'not readable' }
 */
export class SqsQueueDepths {
  constructor(private readonly sqs: SQSClient) {}

  async depth(queueName: string): Promise<QueueDepth> {
    try {
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      const { Attributes } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      const depth = Number(Attributes?.ApproximateNumberOfMessages);
      return Number.isInteger(depth) ? { depth } : { unknown: 'SQS answered no ApproximateNumberOfMessages' };
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      // SQS may also refuse with a bare 403.
      if (isAccessDenied(error) || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) return { unknown: 'not readable' };
      if (error.name === 'QueueDoesNotExist') return { unknown: 'no such queue' };
      // One queue that cannot be read must not hide the rest of the summary.
      return { unknown: `failed: ${error.name}: ${error.message}` };
    }
  }
}
