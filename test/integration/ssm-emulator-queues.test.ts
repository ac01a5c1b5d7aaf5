/**
 * The emulator's SQS: GetQueueUrl and GetQueueAttributes on the queues it is given, with the
 * real `@aws-sdk/client-sqs` over SQS's JSON protocol.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { startSsmEmulator, type SsmEmulator } from '../../local/ssm/index.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

describe('ssm emulator: SQS queue depths', () => {
  let emulator: SsmEmulator;
  let sqs: SQSClient;
  const depths = new Map([['figgy-audit-syncer-dlq', 3]]);

  before(async () => {
    emulator = await startSsmEmulator({
      account: ACCOUNT,
      region: REGION,
      queues: (queue) => (queue.account === ACCOUNT && queue.region === REGION ? depths.get(queue.name) : undefined),
    });
    sqs = new SQSClient({ endpoint: emulator.url, region: REGION, credentials: { accessKeyId: 'alice', secretAccessKey: 'x' }, maxAttempts: 1 });
  });

  after(async () => {
    sqs.destroy();
    await emulator.stop();
  });

  it('answers a queue URL on its own endpoint, and the queue\'s depth and ARN', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'figgy-audit-syncer-dlq' }));
    expect(QueueUrl).to.equal(`${emulator.url}/${ACCOUNT}/figgy-audit-syncer-dlq`);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(Attributes).to.deep.equal({ ApproximateNumberOfMessages: '3' });
    const all = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(all.Attributes).to.deep.equal({ ApproximateNumberOfMessages: '3', QueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:figgy-audit-syncer-dlq` });
  });

  it('raises QueueDoesNotExist for a queue it does not have, in its own region or another', async () => {
    const error = await sqs.send(new GetQueueUrlCommand({ QueueName: 'figgy-nothing-dlq' })).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(QueueDoesNotExist);
    expect((error as Error).message).to.equal('The specified queue does not exist.');
    const elsewhere = new SQSClient({ endpoint: emulator.url, region: 'us-west-2', credentials: { accessKeyId: 'alice', secretAccessKey: 'x' }, maxAttempts: 1 });
    const again = await elsewhere.send(new GetQueueUrlCommand({ QueueName: 'figgy-audit-syncer-dlq' })).catch((caught: unknown) => caught);
    elsewhere.destroy();
    expect(again).to.be.instanceOf(QueueDoesNotExist);
  });

  it('refuses an attribute it does not model rather than making one up', async () => {
    const QueueUrl = `${emulator.url}/${ACCOUNT}/figgy-audit-syncer-dlq`;
    const error = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] })).catch((caught: unknown) => caught);
    expect((error as Error).message).to.include('ApproximateNumberOfMessages and QueueArn only, not VisibilityTimeout');
  });
});
