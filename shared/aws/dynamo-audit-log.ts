import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { PutCommand, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { AuditLog, AuditRecord } from '../audit/types.ts';
import { SSM_EVENT_NAMES } from '../events/pattern.ts';
import { PARAMETER_TYPES } from '../parameters.ts';
import { pathRoot } from '../audit/path-root.ts';
import { AUDIT_PATH_ROOT, AUDIT_TABLE } from '../tables.ts';
import { ItemReader, omitAbsent } from './dynamo-item.ts';

const PARTITION_KEY = AUDIT_TABLE.partitionKey.name;
const SORT_KEY = AUDIT_TABLE.sortKey.name;

/** `time` and `user` are DynamoDB reserved words, so every expression goes through names. */
const KEY_NAMES = { '#name': PARTITION_KEY, '#time': SORT_KEY };

export interface DynamoAuditLogOptions {
  /** Items per Query or Scan request (DynamoDB's `Limit`); tests set it low to cross pages. */
  readonly pageSize?: number;
}

/**
 * The audit log (the event store) on the `figgy-config-auditor` table.
 *
 * Items follow the Figgy contract, so the Figgy CLI reads what the auditor writes:
 * `parameter_name`, `time`, `action`, `user`, `value`, `type`, `key_id`, `description` and
 * `version` as a string, plus our own `event_id`, `user_arn`, `event_time` and `modified_at`.
 * Absent optional attributes are left out of the item, not written empty.
 *
 * @example
 * const auditLog = new DynamoAuditLog(createDynamoDocumentClient(), 'figgy-config-auditor');
 * const written = await auditLog.insert(record); // false: that key already holds a record
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: DynamoAuditLogOptions = {},
  ) {}

  async insert(record: AuditRecord): Promise<boolean> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: auditItem(record),
          ConditionExpression: 'attribute_not_exists(#name)',
          ExpressionAttributeNames: { '#name': PARTITION_KEY },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  recordsBetween(parameterName: string, from: number, to: number): Promise<AuditRecord[]> {
    return this.query({
      KeyConditionExpression: '#name = :name AND #time BETWEEN :from AND :to',
      ExpressionAttributeNames: KEY_NAMES,
      ExpressionAttributeValues: { ':name': parameterName, ':from': from, ':to': to },
    });
  }

  /**
   * Every record of every parameter whose name starts with `prefix`, page by page.
   *
   * A Scan, so records come in no particular order; restore and replay group them by name.
   */
  async *recordsUnder(prefix: string): AsyncIterable<AuditRecord> {
    const pages = paginateScan(
      { client: this.documents, pageSize: this.options.pageSize },
      {
        TableName: this.tableName,
        // begins_with rejects an empty operand, and an empty prefix means every record anyway.
        ...(prefix === ''
          ? {}
          : {
              FilterExpression: 'begins_with(#name, :prefix)',
              ExpressionAttributeNames: { '#name': PARTITION_KEY },
              ExpressionAttributeValues: { ':prefix': prefix },
            }),
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield this.record(item);
    }
  }

  private async query(
    condition: Pick<
      QueryCommandInput,
      'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    const pages = paginateQuery(
      { client: this.documents, pageSize: this.options.pageSize },
      // The auditor reads right after writing (a busy second's free slot), so reads are consistent.
      { TableName: this.tableName, ConsistentRead: true, ...condition },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) records.push(this.record(item));
    }
    return records;
  }

  private record(item: Record<string, unknown>): AuditRecord {
    const read = new ItemReader(this.tableName, item, [PARTITION_KEY, SORT_KEY]);
    const parameterName = read.string(PARTITION_KEY);
    const time = read.number(SORT_KEY);
    return omitAbsent({
      parameterName,
      time,
      action: read.oneOf('action', SSM_EVENT_NAMES),
      user: read.string('user'),
      userArn: read.optionalString('user_arn'),
      // Records written by Figgy's own auditor carry neither attribute. Their key is unique per
      // event, so it serves as the idempotency key, and Figgy's `time` is the event's time.
      eventId: read.optionalString('event_id') ?? `${parameterName}@${time}`,
      eventTime: read.optionalNumber('event_time') ?? time,
      value: read.optionalString('value'),
      type: read.optionalOneOf('type', PARAMETER_TYPES),
      keyId: read.optionalString('key_id'),
      description: read.optionalString('description'),
      version: version(read),
      modifiedAt: read.optionalNumber('modified_at'),
    });
  }
}

function auditItem(record: AuditRecord): Record<string, unknown> {
  return omitAbsent({
    [PARTITION_KEY]: record.parameterName,
    [SORT_KEY]: record.time,
    // Every new record joins the path index; `figgy-events migrate` backfills older ones.
    [AUDIT_PATH_ROOT]: pathRoot(record.parameterName),
    action: record.action,
    user: record.user,
    value: record.value,
    type: record.type,
    key_id: record.keyId,
    description: record.description,
    // The Figgy contract stores the version as a string.
    version: record.version === undefined ? undefined : String(record.version),
    event_id: record.eventId,
    user_arn: record.userArn,
    event_time: record.eventTime,
    modified_at: record.modifiedAt,
  });
}

function version(read: ItemReader): number | undefined {
  const text = read.optionalString('version');
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) {
    read.fail('version', `is "${text}", expected a positive integer`);
  }
  return Number(text);
}
