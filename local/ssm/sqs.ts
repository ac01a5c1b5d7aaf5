/**
 * The two SQS calls an operator's health check makes on dead-letter queues, over SQS's JSON
 * protocol (`X-Amz-Target: AmazonSQS.<Operation>`): GetQueueUrl and GetQueueAttributes with
 * `ApproximateNumberOfMessages`. The queues and their depths are the sandbox's: it keeps the
 * dead letters itself, so this answers from them rather than modelling a queue service.
 */
import { AwsError, validationError } from './aws-error.ts';
import type { Caller } from './caller.ts';
import type { RequestInput } from './request-members.ts';
import type { QueueDepths, QueueRef } from './types.ts';

/** The target prefix of SQS's JSON protocol. */
export const SQS_SERVICE = 'AmazonSQS';

/** The IAM actions of the calls answered. */
export type QueueRead = 'sqs:GetQueueUrl' | 'sqs:GetQueueAttributes';

/** The attributes answered; any other one asked for is refused, so a caller never reads a made-up value. */
const ANSWERED = ['ApproximateNumberOfMessages', 'QueueArn'] as const;

/**
 * Answers one SQS call. `authorize` is IAM's check of the action on the queue's ARN, before
 * anything about the queue is told.
 */
export function sqsCall(
  operation: string,
  input: RequestInput,
  caller: Caller,
  endpoint: string,
  depths: QueueDepths,
  authorize: (action: QueueRead, queueArn: string) => void,
): object {
  if (operation === 'GetQueueUrl') {
    const name = requiredString(input, 'QueueName');
    const owner = input.QueueOwnerAWSAccountId;
    const queue = { account: typeof owner === 'string' ? owner : caller.account, region: caller.region, name };
    authorize('sqs:GetQueueUrl', queueArn(queue));
    if (depths(queue) === undefined) throw nonExistentQueue();
    // The emulator's own address: the SDK sends later calls on the queue to the QueueUrl's host.
    return { QueueUrl: `${endpoint}/${queue.account}/${name}` };
  }
  if (operation === 'GetQueueAttributes') {
    const queue = queueOfUrl(requiredString(input, 'QueueUrl'), caller.region);
    const asked = input.AttributeNames ?? [];
    if (!Array.isArray(asked)) throw validationError('attributeNames', String(asked), 'Member must be a list');
    const names = asked.includes('All') ? [...ANSWERED] : asked.map(String);
    const unanswered = names.filter((name) => !(ANSWERED as readonly string[]).includes(name));
    if (unanswered.length > 0) {
      throw new AwsError('UnknownOperationException', `The emulator answers GetQueueAttributes for ${ANSWERED.join(' and ')} only, not ${unanswered.join(', ')}.`);
    }
    authorize('sqs:GetQueueAttributes', queueArn(queue));
    const depth = depths(queue);
    if (depth === undefined) throw nonExistentQueue();
    const values: Record<(typeof ANSWERED)[number], string> = { ApproximateNumberOfMessages: String(depth), QueueArn: queueArn(queue) };
    // SQS leaves the attributes member out when none was asked for.
    return names.length === 0 ? {} : { Attributes: Object.fromEntries(names.map((name) => [name, values[name as (typeof ANSWERED)[number]]])) };
  }
  throw new AwsError('UnknownOperationException', `The emulator answers SQS's GetQueueUrl and GetQueueAttributes only, not ${operation}.`);
}

export function queueArn(queue: QueueRef): string {
  return `arn:aws:sqs:${queue.region}:${queue.account}:${queue.name}`;
}

/** `http(s)://host/<account>/<name>`, as SQS's queue URLs are. */
function queueOfUrl(url: string, region: string): QueueRef {
  let path: string[];
  try {
    path = new URL(url).pathname.split('/').filter(Boolean);
  } catch {
    throw new AwsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
  }
  const [account, name] = path;
  if (path.length !== 2 || account === undefined || name === undefined || !/^\d{12}$/.test(account)) {
    throw new AwsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
  }
  return { account, region, name };
}

function requiredString(input: RequestInput, member: string): string {
  const value = input[member];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError('MissingParameter', `The request must contain the parameter ${member}.`);
  }
  return value;
}

/** SQS's JSON answer for an unknown queue; the SDK raises it as `QueueDoesNotExist`. */
function nonExistentQueue(): AwsError {
  return new AwsError('QueueDoesNotExist', 'The specified queue does not exist.');
}
