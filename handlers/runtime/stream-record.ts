/**
 * DynamoDB stream records of the replication table, as plain items.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { ValidationError } from '../../shared/events/validation.ts';
import { messageOf, type Log } from '../../shared/log.ts';

export interface StreamImages {
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
}

/** The images a record carries; REMOVE has only the old one, INSERT only the new one. */
export function streamImages(record: DynamoDBRecord): StreamImages {
  const images = record.dynamodb;
  if (!images) throw new ValidationError('dynamodb', 'stream record carries no images');
  const image = (raw: unknown) => (raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined);
  switch (record.eventName) {
    case 'INSERT':
    case 'MODIFY':
      if (!images.NewImage) throw new ValidationError('dynamodb.NewImage', `${record.eventName} record without a new image`);
      return { newImage: image(images.NewImage), oldImage: image(images.OldImage) };
    case 'REMOVE':
      return { oldImage: image(images.OldImage) };
    default:
      throw new ValidationError('eventName', `"${String(record.eventName)}" is not INSERT, MODIFY or REMOVE`);
  }
}

/** Logs why one stream record failed, naming the record and the mapping's destination. */
export function reportRecordFailure(log: Log, record: DynamoDBRecord, error: unknown): void {
  const key = record.dynamodb?.Keys?.destination;
  const fields = {
    event_id: record.eventID,
    parameter_name: key && 'S' in key ? key.S : undefined,
    sequence_number: record.dynamodb?.SequenceNumber,
  };
  if (error instanceof ValidationError) {
    log.error('stream record rejected: the mapping does not fit the contract', { ...fields, field: error.field, reason: error.reason });
  } else {
    log.error('stream record failed', { ...fields, error: messageOf(error) });
  }
}
