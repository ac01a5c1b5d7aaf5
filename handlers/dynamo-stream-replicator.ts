import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ValidationError } from '../shared/events/validation.ts';
import { countReplication } from '../shared/metric-counts.ts';
import type { MetricSink } from '../shared/metrics.ts';
import { firstCopier } from '../shared/replication/first-copy.ts';
import { readStoredMapping } from '../shared/replication/mapping.ts';
import { Replicator } from '../shared/replication/replicator.ts';
import { Budget } from '../shared/sync/budget.ts';
import { figgyHandler } from './runtime/figgy-handler.ts';
import { replicationDependencies } from './runtime/replication.ts';
import { reportRecordFailure, streamImages } from './runtime/stream-record.ts';
import { leaseOwner, syncProgress } from './runtime/sync.ts';

/**
 * Replication table stream → a new or changed mapping replicates at once and the source
 * index follows it (a new mirror's first copy as {@link firstCopier} says). Records are
 * processed in order, because INSERT then MODIFY of one destination can share a batch; a
 * failed record is reported alone, so Lambda retries (and bisects) only what failed and the
 * rest of the batch is not blocked.
 */
export const handler = figgyHandler('dynamo-stream-replicator', (log, metrics) => {
  const dependencies = replicationDependencies(log);
  const store = syncProgress();
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const processRecord = (replicator: Replicator) => async (record: DynamoDBRecord) => {
    countRecord(record, metrics);
    try {
      const { newImage, oldImage } = streamImages(record);
      const outcome = await replicator.onMappingChanged(newImage && readStoredMapping(newImage), oldImage && readStoredMapping(oldImage), record.eventID);
      if (outcome) countReplication([outcome], metrics);
      return outcome;
    } catch (error) {
      // The batch processor keeps a failure to itself, and the on-failure destination gets
      // only shard positions: this line is where the reason is told.
      reportRecordFailure(log, record, error);
      // The batch reports this record alone as failed, so the invocation does not throw: the
      // record is counted here, once per attempt.
      metrics.add('EventsFailed', 1, error instanceof ValidationError ? 'invalid' : 'error');
      throw error;
    }
  };
  return (event: DynamoDBStreamEvent, { context }) => {
    // A new mirror's first copy runs within this invocation's time; what is left goes to the syncer.
    const budget = Budget.of(context.getRemainingTimeInMillis());
    const copyMirror = firstCopier(dependencies, { store, owner: leaseOwner(context), budget, log });
    const replicator = new Replicator({ ...dependencies, copyMirror });
    return processPartialResponse(event, processRecord(replicator), processor, { context, processInParallel: false });
  };
});

/** A stream record handled, and its age: how long after the mapping changed it was handled. */
function countRecord(record: DynamoDBRecord, metrics: MetricSink): void {
  metrics.add('EventsHandled', 1);
  const created = record.dynamodb?.ApproximateCreationDateTime;
  // The stream gives the time to the second.
  if (created !== undefined) metrics.add('EventAge', Math.max(0, Date.now() - created * 1000));
}
