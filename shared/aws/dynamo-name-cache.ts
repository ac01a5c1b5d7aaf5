import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand, TransactWriteCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { CacheEntry, CachePage, CacheScanKey, CacheState, NameCache } from '../cache/types.ts';
import { CACHE_TABLE } from '../tables.ts';
import { ItemReader, omitAbsent } from './dynamo-item.ts';
import { FiggyEventsError } from '../errors.ts';

const PARTITION_KEY = CACHE_TABLE.partitionKey.name;
const SORT_KEY = CACHE_TABLE.sortKey.name;
const TTL_ATTRIBUTE = CACHE_TABLE.ttlAttribute;
const CACHE_STATES: readonly CacheState[] = ['ACTIVE', 'DELETED'];

/** DynamoDB's limit on the actions of one TransactWriteItems call. */
const MAX_TRANSACTION_ACTIONS = 100;

export interface DynamoNameCacheOptions {
  /** Items per Query or Scan request (DynamoDB's `Limit`); tests set it low to cross pages. */
  readonly pageSize?: number;
}

/**
 * A `replace` that DynamoDB would refuse before checking any condition, such as two actions
 * on one item. It is a bug in the caller, never a race, so it is not reported as `false`.
 */
export class InvalidCacheReplaceError extends FiggyEventsError {
  /** A bug in the caller: the same call fails the same way. */
  readonly retryable = false;
  constructor(reason: string) {
    super(`cannot replace name cache items: ${reason}`);
    this.name = 'InvalidCacheReplaceError';
  }
}

/**
 * The name cache on the `figgy-config-cache` table.
 *
 * Items are `{parameter_name, state, last_updated}` as the Figgy CLI reads them, plus our
 * `event_time`, `event_id`, `version` and the TTL attribute `expires_at` on tombstones.
 *
 * @example
 * const cache = new DynamoNameCache(createDynamoDocumentClient(), 'figgy-config-cache');
 * const swapped = await cache.replace(await cache.entries('/app/db/url'), next);
 */
export class DynamoNameCache implements NameCache {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: DynamoNameCacheOptions = {},
  ) {}

  async entries(name: string): Promise<CacheEntry[]> {
    const entries: CacheEntry[] = [];
    const pages = paginateQuery(
      { client: this.documents, pageSize: this.options.pageSize },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#name = :name',
        ExpressionAttributeNames: { '#name': PARTITION_KEY },
        ExpressionAttributeValues: { ':name': name },
        // What is read here becomes the condition of the next replace: a stale read only fails it.
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) entries.push(this.entry(item));
    }
    return entries;
  }

  async replace(previous: readonly CacheEntry[], next: CacheEntry): Promise<boolean> {
    this.checkReplace(previous, next);
    const deletes = previous.map((entry) => ({
      Delete: {
        TableName: this.tableName,
        Key: { [PARTITION_KEY]: entry.name, [SORT_KEY]: entry.lastUpdated },
        // Items written by Figgy itself have no event_time; entry() read theirs from last_updated.
        ConditionExpression:
          'attribute_exists(#name) AND #state = :state' +
          ' AND (#event_time = :event_time OR attribute_not_exists(#event_time))',
        ExpressionAttributeNames: {
          '#name': PARTITION_KEY,
          '#state': 'state',
          '#event_time': 'event_time',
        },
        ExpressionAttributeValues: { ':state': entry.state, ':event_time': entry.eventTime },
      },
    }));
    const put = {
      Put: {
        TableName: this.tableName,
        Item: cacheItem(next),
        ConditionExpression: 'attribute_not_exists(#name)',
        ExpressionAttributeNames: { '#name': PARTITION_KEY },
      },
    };
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: [...deletes, put] }));
      return true;
    } catch (error) {
      if (cancelledByCondition(error)) return false;
      throw error;
    }
  }

  /**
   * One Scan request (`pageSize` items, else DynamoDB's 1 MB); `next` is its LastEvaluatedKey,
   * the item's two key attributes, a string and a number, which survive a JSON round trip.
   * A Scan reads each name's items together, in sort key order.
   */
  async scanPage(start?: CacheScanKey): Promise<CachePage> {
    const { Items: items = [], LastEvaluatedKey: last } = await this.documents.send(
      new ScanCommand({
        TableName: this.tableName,
        ...(this.options.pageSize !== undefined && { Limit: this.options.pageSize }),
        ...(start !== undefined && { ExclusiveStartKey: { ...start } }),
      }),
    );
    const entries = items.map((item) => this.entry(item));
    return { entries, ...(last !== undefined && { next: this.scanKey(last) }) };
  }

  private checkReplace(previous: readonly CacheEntry[], next: CacheEntry): void {
    const mostPrevious = MAX_TRANSACTION_ACTIONS - 1;
    if (previous.length > mostPrevious) {
      throw new InvalidCacheReplaceError(
        `${previous.length} previous items for ${next.name} exceed one transaction (${mostPrevious} at most)`,
      );
    }
    // DynamoDB rejects a transaction that touches one item twice, whatever its conditions.
    const keys = new Set<string>();
    for (const entry of [...previous, next]) {
      const key = `${entry.name}@${entry.lastUpdated}`;
      if (keys.has(key)) {
        throw new InvalidCacheReplaceError(
          `${key} appears twice (last_updated is the sort key: give the new item a later one)`,
        );
      }
      keys.add(key);
    }
  }

  private scanKey(key: Record<string, unknown>): CacheScanKey {
    const read = new ItemReader(this.tableName, key, [PARTITION_KEY, SORT_KEY]);
    return { [PARTITION_KEY]: read.string(PARTITION_KEY), [SORT_KEY]: read.number(SORT_KEY) };
  }

  private entry(item: Record<string, unknown>): CacheEntry {
    const read = new ItemReader(this.tableName, item, [PARTITION_KEY, SORT_KEY]);
    const lastUpdated = read.number(SORT_KEY);
    return omitAbsent({
      name: read.string(PARTITION_KEY),
      state: read.oneOf('state', CACHE_STATES),
      lastUpdated,
      // Figgy's own items know only when they were written; that is the best order they have.
      eventTime: read.optionalNumber('event_time') ?? lastUpdated,
      eventId: read.optionalString('event_id'),
      version: read.optionalNumber('version'),
      expiresAt: read.optionalNumber(TTL_ATTRIBUTE),
    });
  }
}

function cacheItem(entry: CacheEntry): Record<string, unknown> {
  return omitAbsent({
    [PARTITION_KEY]: entry.name,
    [SORT_KEY]: entry.lastUpdated,
    state: entry.state,
    event_time: entry.eventTime,
    event_id: entry.eventId,
    version: entry.version,
    [TTL_ATTRIBUTE]: entry.expiresAt,
  });
}

/** A cancelled transaction whose conditions failed: the cache moved on since it was read. */
function cancelledByCondition(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] })
    .CancellationReasons;
  return reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed') ?? false;
}
