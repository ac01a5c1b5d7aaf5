import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LeaseLostError } from '../sync/job-lease.ts';
import type { JobProgress, JobReader, JobSave, JobView, Lease, SyncProgressStore } from '../sync/types.ts';
import { SYNC_PROGRESS_TABLE } from '../tables.ts';
import { ItemReader } from './dynamo-item.ts';

const JOB_KEY = SYNC_PROGRESS_TABLE.partitionKey.name;

// `owner` and `state` are DynamoDB reserved words, so every expression names them.
const NAMES = {
  '#owner': 'owner',
  '#until': 'lease_until',
  '#state': 'state',
  '#requests': 'requests',
  '#notBefore': 'not_before',
  '#finishedAt': 'finished_at',
  '#coveredUntil': 'covered_until',
  '#lastPass': 'last_pass',
  '#updatedAt': 'updated_at',
} as const;

/** What a save sets only when it is given, each under its `NAMES` entry. */
const SET_WHEN_GIVEN = ['finishedAt', 'coveredUntil', 'lastPass'] as const;

/**
 * The sync progress table (`figgy-config-sync-progress`): one item per job,
 * `{job, owner, lease_until, state, requests, not_before, finished_at, covered_until, last_pass,
 * updated_at}` (`last_pass`: the last finished pass's summary, JSON).
 *
 * Every call is one UpdateItem, so the functions need no other permission on the table: the
 * claim is conditional on the lease being free, run out or already ours, and every later
 * write on still being ours.
 *
 * @example
 * const progress = new DynamoSyncProgress(createDynamoDocumentClient(), 'figgy-config-sync-progress');
 * const job = await progress.claim({ job: 'config-cache-syncer', owner: requestId, until }, Date.now());
 */
export class DynamoSyncProgress implements SyncProgressStore, JobReader {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async claim(lease: Lease, now: number): Promise<JobProgress | undefined> {
    try {
      const { Attributes: item = {} } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [JOB_KEY]: lease.job },
          UpdateExpression: 'SET #owner = :owner, #until = :until, #updatedAt = :now',
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :now OR #owner = :owner',
          ExpressionAttributeNames: pick('#owner', '#until', '#updatedAt'),
          ExpressionAttributeValues: { ':owner': lease.owner, ':until': lease.until, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.progressOf(item);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async save(lease: Lease, save: JobSave): Promise<void> {
    const set = ['#updatedAt = :now'];
    const values: Record<string, unknown> = { ':owner': lease.owner, ':now': Date.now() };
    const names: Record<string, string> = pick('#owner', '#updatedAt');
    const remove: string[] = [];
    if (save.state !== undefined) names['#state'] = NAMES['#state'];
    if (save.state === null) remove.push('#state');
    else if (save.state !== undefined) {
      set.push('#state = :state');
      values[':state'] = save.state;
    }
    for (const field of SET_WHEN_GIVEN) {
      if (save[field] === undefined) continue;
      set.push(`#${field} = :${field}`);
      values[`:${field}`] = save[field];
      names[`#${field}`] = NAMES[`#${field}`];
    }
    let update = `SET ${set.join(', ')}`;
    if (remove.length > 0) update += ` REMOVE ${remove.join(', ')}`;
    if (save.handled?.length) {
      update += ' DELETE #requests :handled';
      values[':handled'] = new Set(save.handled);
      names['#requests'] = NAMES['#requests'];
    }
    await this.asHolder(lease, {
      UpdateExpression: update,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  async release(lease: Lease, notBefore?: number): Promise<void> {
    const values: Record<string, unknown> = { ':owner': lease.owner };
    let update = 'REMOVE #owner, #until';
    const names: Record<string, string> = pick('#owner', '#until');
    if (notBefore !== undefined) {
      update += ' SET #notBefore = :notBefore';
      values[':notBefore'] = notBefore;
      names['#notBefore'] = NAMES['#notBefore'];
    }
    await this.asHolder(lease, { UpdateExpression: update, ExpressionAttributeNames: names, ExpressionAttributeValues: values });
  }

  /** One GetItem, strongly consistent: the lease and the open pass as the holder last wrote them. */
  async read(job: string): Promise<JobView | undefined> {
    const { Item: item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { [JOB_KEY]: job }, ConsistentRead: true }));
    if (!item) return undefined;
    const read = new ItemReader(this.tableName, item, [JOB_KEY]);
    const owner = read.optionalString('owner');
    const leaseUntil = read.optionalNumber('lease_until');
    return { job, ...this.progressOf(item), ...(owner !== undefined && { owner }), ...(leaseUntil !== undefined && { leaseUntil }) };
  }

  async request(job: string, item: string): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [JOB_KEY]: job },
        UpdateExpression: 'ADD #requests :item',
        ExpressionAttributeNames: pick('#requests'),
        ExpressionAttributeValues: { ':item': new Set([item]) },
      }),
    );
  }

  private async asHolder(
    lease: Lease,
    update: Pick<ConstructorParameters<typeof UpdateCommand>[0], 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<void> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [JOB_KEY]: lease.job },
          ConditionExpression: '#owner = :owner',
          ...update,
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(lease.job, { cause: error });
      throw error;
    }
  }

  private progressOf(item: Record<string, unknown>): JobProgress {
    const read = new ItemReader(this.tableName, item, [JOB_KEY]);
    const requests = item.requests;
    if (requests !== undefined && !(requests instanceof Set)) read.fail('requests', 'should be a string set');
    const state = read.optionalString('state');
    const notBefore = read.optionalNumber('not_before');
    const finishedAt = read.optionalNumber('finished_at');
    const coveredUntil = read.optionalNumber('covered_until');
    const lastPass = read.optionalString('last_pass');
    return {
      requests: [...((requests as Set<string> | undefined) ?? [])].sort(),
      ...(state !== undefined && { state }),
      ...(notBefore !== undefined && { notBefore }),
      ...(finishedAt !== undefined && { finishedAt }),
      ...(coveredUntil !== undefined && { coveredUntil }),
      ...(lastPass !== undefined && { lastPass }),
    };
  }
}

function pick<K extends keyof typeof NAMES>(...keys: K[]): Record<string, string> {
  return Object.fromEntries(keys.map((key) => [key, NAMES[key]]));
}
