/**
 * A DynamoDB stream event source mapping, on one machine: polls the replication table's
 * stream in DynamoDB Local and invokes the stream function with Lambda's batch semantics —
 * partial batch responses, bisect on error, a retry cap, then the on-failure destination.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetRecordsCommandOutput,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { FunctionName } from '../shared/functions.ts';
import type { DeadLetter } from './types.ts';

export interface StreamSourceSettings {
  readonly batchSize: number;
  readonly maximumRetryAttempts: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** Where a shard is first read from: the oldest record kept, or only new ones. */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
}

export interface StreamPollerOptions {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly region: string;
  readonly functionName: FunctionName;
  readonly settings: StreamSourceSettings;
  readonly invoke: (event: unknown) => Promise<unknown>;
  readonly onDeadLetter: (letter: DeadLetter) => void;
  readonly pollIntervalMs?: number;
}

interface LambdaStreamRecord {
  readonly eventID: string;
  readonly eventName: string;
  readonly dynamodb: { readonly SequenceNumber: string };
}

/** Polls every shard of one stream and feeds the records to the function, in order. */
export class StreamPoller {
  private readonly iterators = new Map<string, string | null>();
  /** The last sequence number handed to the function, per shard: where to resume. */
  private readonly positions = new Map<string, string>();
  private running = false;
  private loop: Promise<void> | undefined;
  private polls = 0;
  private emptyPollsInARow = 0;

  constructor(private readonly options: StreamPollerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * Resolves once a poll that started after this call found nothing: every record written
   * before the call has then been processed (or dead-lettered).
   */
  async drain(): Promise<void> {
    const started = this.polls;
    while (this.running && !(this.polls >= started + 2 && this.emptyPollsInARow >= 1)) {
      await sleep(this.options.pollIntervalMs ?? 20);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const found = await this.pollOnce();
        this.emptyPollsInARow = found === 0 ? this.emptyPollsInARow + 1 : 0;
      } catch (error) {
        // DynamoDB Local may be restarting: resume from the last position handed over.
        this.emptyPollsInARow = 0;
        this.iterators.clear();
        if (this.running) process.stderr.write(`sandbox stream poller: ${(error as Error).message}\n`);
        await sleep(200);
      }
      this.polls++;
      await sleep(this.options.pollIntervalMs ?? 20);
    }
  }

  private async pollOnce(): Promise<number> {
    const description = await this.options.client.send(new DescribeStreamCommand({ StreamArn: this.options.streamArn }));
    let found = 0;
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId as string;
      if (this.iterators.get(shardId) === null) continue;
      let iterator: string | null | undefined = this.iterators.get(shardId);
      iterator ??= await this.iteratorFor(shardId);
      while (iterator) {
        let page: GetRecordsCommandOutput;
        try {
          page = await this.options.client.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.settings.batchSize }),
          );
        } catch (error) {
          // DynamoDB Local expires an iterator taken on an empty shard once records arrive;
          // a fresh one from the last position reads on without repeating anything.
          if ((error as Error).name !== 'TrimmedDataAccessException' && (error as Error).name !== 'ExpiredIteratorException') {
            throw error;
          }
          iterator = await this.iteratorFor(shardId);
          continue;
        }
        const records = (page.Records ?? []).map((record) => this.lambdaRecord(record));
        iterator = page.NextShardIterator ?? null;
        if (records.length > 0) {
          found += records.length;
          await this.deliver(records, this.options.settings.maximumRetryAttempts);
          this.positions.set(shardId, (records.at(-1) as LambdaStreamRecord).dynamodb.SequenceNumber);
        }
        if (records.length < this.options.settings.batchSize) break;
      }
      this.iterators.set(shardId, iterator);
    }
    return found;
  }

  private async iteratorFor(shardId: string): Promise<string | null> {
    const position = this.positions.get(shardId);
    const start = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ...(position
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position }
          : { ShardIteratorType: this.options.settings.startingPosition }),
      }),
    );
    return start.ShardIterator ?? null;
  }

  /**
   * Lambda's retry of a stream batch: a reported failure retries from the first failed
   * record on; a thrown error retries the whole batch, split in two when bisecting; when
   * the retries run out the records go to the on-failure destination and the shard moves on.
   */
  private async deliver(records: readonly LambdaStreamRecord[], retriesLeft: number): Promise<void> {
    let failedFrom: number;
    let error: string;
    try {
      const response = (await this.options.invoke({ Records: records })) as
        | { batchItemFailures?: { itemIdentifier: string }[] }
        | undefined;
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      if (failed.size === 0) return;
      failedFrom = records.findIndex((record) => failed.has(record.dynamodb.SequenceNumber));
      if (failedFrom === -1) failedFrom = 0;
      error = `${failed.size} record(s) reported as failed`;
    } catch (thrown) {
      failedFrom = 0;
      error = (thrown as Error).message;
    }
    const remaining = records.slice(failedFrom);
    if (retriesLeft <= 0) {
      this.options.onDeadLetter({
        source: 'replication-stream',
        functionName: this.options.functionName,
        payload: { Records: remaining },
        error,
        attempts: this.options.settings.maximumRetryAttempts + 1,
      });
      return;
    }
    if (this.options.settings.bisectBatchOnFunctionError && remaining.length > 1) {
      const half = Math.ceil(remaining.length / 2);
      await this.deliver(remaining.slice(0, half), retriesLeft - 1);
      await this.deliver(remaining.slice(half), retriesLeft - 1);
      return;
    }
    await this.deliver(remaining, retriesLeft - 1);
  }

  /** The record as Lambda hands it over: ARN and region added, times in epoch seconds. */
  private lambdaRecord(record: StreamRecord): LambdaStreamRecord {
    const data = record.dynamodb ?? {};
    return {
      eventID: record.eventID as string,
      eventName: record.eventName as string,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      eventSourceARN: this.options.streamArn,
      dynamodb: {
        ...data,
        ApproximateCreationDateTime: data.ApproximateCreationDateTime
          ? Math.floor(data.ApproximateCreationDateTime.getTime() / 1000)
          : undefined,
        SequenceNumber: data.SequenceNumber as string,
      },
    } as LambdaStreamRecord;
  }
}

