import type { DynamoDBDocumentClient, QueryCommandInput, ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import { pathRoot } from '../audit/path-root.ts';
import { figgyEventId, type AuditLog, type AuditRecord } from '../audit/types.ts';
import { SSM_EVENT_NAMES } from '../events/pattern.ts';
import type { Log } from '../log.ts';
import { type PathMatch, pathMatch, spellingsOf } from '../parameter-paths.ts';
import { PARAMETER_TYPES } from '../parameters.ts';
import type { AuditHistory, TimeWindow } from '../restore/types.ts';
import { AUDIT_PATH_INDEX, AUDIT_PATH_ROOT, AUDIT_TABLE, AUDIT_USER_INDEX } from '../tables.ts';
import { isMigrationMarker, markNewTable, migrationStatus, putNewAuditItem } from './audit-path-migration.ts';
import { ItemReader, omitAbsent } from './dynamo-item.ts';

const PARTITION_KEY = AUDIT_TABLE.partitionKey.name;
const SORT_KEY = AUDIT_TABLE.sortKey.name;

/** The slots of one second: a record's `time` is at most this much after its event time. */
const SLOT_SPAN = 999;

/** `time` and `user` are DynamoDB reserved words, so every expression goes through names. */
const KEY_NAMES = { '#name': PARTITION_KEY, '#time': SORT_KEY };

export interface DynamoAuditLogOptions {
  /** Items per Query or Scan request (DynamoDB's `Limit`); tests set it low to cross pages. */
  readonly pageSize?: number;
  /** Where the warning goes when prefixes must be read by a Scan (see `figgy-events migrate`). */
  readonly log?: Log;
  /**
   * Before the first insert, mark a table that holds nothing yet as needing no migration
   * (`markNewTable`): the auditor, the first writer of a new deployment, sets it.
   */
  readonly markNewTable?: boolean;
}

/**
 * The audit log (the event store) on the `figgy-config-auditor` table.
 *
 * Items follow the Figgy contract, so the Figgy CLI reads what the auditor writes:
 * `parameter_name`, `time`, `action`, `user`, `value`, `type`, `key_id`, `description` and
 * `version` as a string, plus our own `event_id`, `user_arn`, `event_time`, `modified_at`,
 * `path_root` (the partition of the path index) and `repair` (true on the audit syncer's records).
 * Absent optional attributes are left out of the item, not written empty.
 *
 * @example
 * const auditLog = new DynamoAuditLog(createDynamoDocumentClient(), 'figgy-config-auditor');
 * const written = await auditLog.insert(record); // false: that key already holds a record
 */
export class DynamoAuditLog implements AuditLog, AuditHistory {
  private coverage: Promise<boolean> | undefined;
  /** Settled once the table has been looked at; cleared on failure, so the next insert tries again. */
  private newTableChecked: Promise<unknown> | undefined;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: DynamoAuditLogOptions = {},
  ) {}

  async insert(record: AuditRecord): Promise<boolean> {
    if (this.options.markNewTable) await this.checkNewTable();
    return putNewAuditItem(this.documents, this.tableName, auditItem(record));
  }

  recordsBetween(parameterName: string, from: number, to: number): Promise<AuditRecord[]> {
    return this.query({
      KeyConditionExpression: '#name = :name AND #time BETWEEN :from AND :to',
      ExpressionAttributeNames: KEY_NAMES,
      ExpressionAttributeValues: { ':name': parameterName, ':from': from, ':to': to },
    });
  }

  /**
   * Every record under `prefix` within `window`: one Query of the path index on the prefix's
   * leading segment (time bounds as its key condition, deeper segments a filter, which DynamoDB
   * applies after reading the segment's records). The root, an empty prefix, and a table `figgy-events migrate` has not yet
   * backfilled are read by a Scan instead; the last with a warning saying to migrate. Both
   * find a root-level name under either spelling, so the answers are the same before and after.
   */
  async *recordsUnder(prefix: string, window: TimeWindow = {}): AsyncIterable<AuditRecord> {
    const match = prefix === '' ? undefined : pathMatch(prefix);
    const root = match && pathRoot(prefix);
    if (match && root !== undefined && (await this.indexed())) {
      const key = keyCondition(AUDIT_PATH_ROOT, root, window);
      // The segment's partition holds every spelling of the segment itself: filter only deeper.
      const filter = match.names[0] === root ? undefined : pathFilter(match);
      yield* this.within(window, this.pages(this.queryPages, {
        IndexName: AUDIT_PATH_INDEX,
        ...key,
        ...(filter && {
          FilterExpression: filter.FilterExpression,
          ExpressionAttributeNames: { ...key.ExpressionAttributeNames, ...filter.ExpressionAttributeNames },
          ExpressionAttributeValues: { ...key.ExpressionAttributeValues, ...filter.ExpressionAttributeValues },
        }),
      }));
      return;
    }
    yield* this.within(window, this.pages(this.scanPages, match ? pathFilter(match) : {}));
  }

  /** One Query of the table's own key per spelling of the name (`x` and `/x` for a root-level one). */
  async *recordsOf(name: string): AsyncIterable<AuditRecord> {
    for (const spelling of spellingsOf(name)) {
      yield* this.pages(this.queryPages, {
        KeyConditionExpression: '#name = :name',
        ExpressionAttributeNames: { '#name': PARTITION_KEY },
        ExpressionAttributeValues: { ':name': spelling },
      });
    }
  }

  /** One Query of `AuditByUserIdx`, the index the Figgy CLI reads a user's changes by. */
  async *recordsBy(user: string, window: TimeWindow = {}): AsyncIterable<AuditRecord> {
    yield* this.within(window, this.pages(this.queryPages, {
      IndexName: AUDIT_USER_INDEX,
      ...keyCondition('user', user, window),
    }));
  }

  /** Once per instance, before the first record is written, which would make the table not new. */
  private async checkNewTable(): Promise<void> {
    this.newTableChecked ??= markNewTable(this.documents, this.tableName).catch((error: unknown) => {
      this.newTableChecked = undefined;
      throw error;
    });
    await this.newTableChecked;
  }

  /**
   * Whether the path index covers every record, asked once per instance: the marker
   * `figgy-events migrate` writes when it has backfilled the whole table, or the auditor when
   * it found the table new (one GetItem). The warning says what was found: the marker, not
   * the records, which only a Scan of the whole table could tell.
   */
  private indexed(): Promise<boolean> {
    this.coverage ??= migrationStatus(this.documents, this.tableName).then((status) => {
      if (status !== 'complete') this.options.log?.warn(UNINDEXED_WARNING[status], { table: this.tableName });
      return status === 'complete';
    });
    return this.coverage;
  }

  private readonly queryPages = (input: Omit<QueryCommandInput, 'TableName'>) =>
    paginateQuery({ client: this.documents, pageSize: this.options.pageSize }, { TableName: this.tableName, ...input });

  private readonly scanPages = (input: Omit<ScanCommandInput, 'TableName'>) =>
    paginateScan({ client: this.documents, pageSize: this.options.pageSize }, { TableName: this.tableName, ...input });

  private async *pages<I>(
    paginate: (input: I) => AsyncIterable<{ Items?: Record<string, unknown>[] }>,
    input: I,
  ): AsyncIterable<AuditRecord> {
    for await (const page of paginate(input)) {
      for (const item of page.Items ?? []) if (!isMigrationMarker(item)) yield this.record(item);
    }
  }

  /** Keeps the records whose event time is in the window; a key condition on `time` comes close, this is exact. */
  private async *within(window: TimeWindow, records: AsyncIterable<AuditRecord>): AsyncIterable<AuditRecord> {
    for await (const record of records) {
      if ((window.since === undefined || record.eventTime >= window.since) && (window.until === undefined || record.eventTime <= window.until)) {
        yield record;
      }
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
      eventId: read.optionalString('event_id') ?? figgyEventId(parameterName, time),
      eventTime: read.optionalNumber('event_time') ?? time,
      value: read.optionalString('value'),
      type: read.optionalOneOf('type', PARAMETER_TYPES),
      keyId: read.optionalString('key_id'),
      description: read.optionalString('description'),
      version: version(read),
      modifiedAt: read.optionalNumber('modified_at'),
      repair: item.repair === true ? true : undefined,
    });
  }
}

/** Why prefixes are read by a Scan, by what the marker says. */
const UNINDEXED_WARNING = {
  'not-started':
    `the audit table has no marker saying every record carries ${AUDIT_PATH_ROOT} (a table written before the path index, ` +
    'or by a version that did not mark new tables), so prefixes are read by a Scan of the whole table; ' +
    'run "figgy-events migrate" once: it gives any record without it the attribute, then writes the marker',
  'in-progress':
    `the audit table's ${AUDIT_PATH_ROOT} migration stopped part way, so prefixes are read by a Scan of the whole table; ` +
    'run "figgy-events migrate" again to finish it',
} as const;

/**
 * The key condition of an index Query: one partition and, when the window has ends, a range of
 * `time`. `time` is the event's second plus a slot, so every record of the window lies in
 * `[since, until + 999]`; the few more it lets in are left out by the event time afterwards.
 */
function keyCondition(
  attribute: string,
  value: string,
  window: TimeWindow,
): Required<Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>> {
  const { since, until } = window;
  const range =
    since !== undefined && until !== undefined
      ? ' AND #time BETWEEN :since AND :until'
      : since !== undefined
        ? ' AND #time >= :since'
        : until !== undefined
          ? ' AND #time <= :until'
          : '';
  return {
    KeyConditionExpression: `#partition = :partition${range}`,
    ExpressionAttributeNames: { '#partition': attribute, ...(range && { '#time': SORT_KEY }) },
    ExpressionAttributeValues: {
      ':partition': value,
      ...(since !== undefined && { ':since': since }),
      ...(until !== undefined && { ':until': until + SLOT_SPAN }),
    },
  };
}

/**
 * A filter on the table's key for the names under a path: a path, not a string prefix, so
 * /app/orders leaves /app/orders-v2 out, and a root-level path in each spelling it is kept under.
 */
function pathFilter(match: PathMatch): Required<Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>> {
  const names = match.names.map((name, index) => [`:path${index}`, name] as const);
  return {
    FilterExpression: [...names.map(([placeholder]) => `#name = ${placeholder}`), 'begins_with(#name, :below)'].join(' OR '),
    ExpressionAttributeNames: { '#name': PARTITION_KEY },
    ExpressionAttributeValues: { ...Object.fromEntries(names), ':below': match.below },
  };
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
    repair: record.repair,
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
