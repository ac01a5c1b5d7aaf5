import { chunk } from '../concurrency.ts';
import { linkKey, readStoredMapping } from '../replication/mapping.ts';
import { MappingExistsError, type MappingItem } from '../replication/mapping-items.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { ReplicationMappings, SourceIndex, SourceLink, StoredMapping } from '../replication/types.ts';
import { REPLICATION_SOURCES_TABLE, REPLICATION_TABLE } from '../tables.ts';
import { ItemReader } from './dynamo-item.ts';
import { FiggyEventsError } from '../errors.ts';

const DESTINATION_KEY = REPLICATION_TABLE.partitionKey.name;
const SOURCE_KEY = REPLICATION_SOURCES_TABLE.partitionKey.name;
const SOURCE_DESTINATION_KEY = REPLICATION_SOURCES_TABLE.sortKey.name;

/** DynamoDB's limit on the requests of one BatchWriteItem call. */
const BATCH_SIZE = 25;

export interface DynamoReplicationOptions {
  /** Items per Query or Scan request (DynamoDB's `Limit`); tests set it low to cross pages. */
  readonly pageSize?: number;
}

/**
 * The replication table (`figgy-config-replication`), each item read once by the domain's
 * `readStoredMapping`: mappings are written by the Figgy CLI and by hand, so an item may be
 * invalid, and comes back saying why rather than failing the read.
 *
 * @example
 * const mappings = new DynamoReplicationMappings(createDynamoDocumentClient(), 'figgy-config-replication');
 * const stored = await mappings.get('/app/db/url'); // { valid: true, mapping } or { valid: false, error }
 */
export class DynamoReplicationMappings implements ReplicationMappings {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: DynamoReplicationOptions = {},
  ) {}

  async get(destination: string): Promise<StoredMapping | undefined> {
    const output = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [DESTINATION_KEY]: destination },
        // The stream replicator reads the mapping its stream record announced, so it must be there.
        ConsistentRead: true,
      }),
    );
    return output.Item && readStoredMapping(output.Item);
  }

  async *scan(): AsyncIterable<StoredMapping> {
    const pages = paginateScan(
      { client: this.documents, pageSize: this.options.pageSize },
      { TableName: this.tableName },
    );
    for await (const page of pages) for (const item of page.Items ?? []) yield readStoredMapping(item);
  }

  /**
   * Writes one item (see `mappingItem`), keyed by its `destination`. Without `replace`, an item
   * already there is left as it is and the write fails with a {@link MappingExistsError}: one
   * conditional PutItem, so two people adding the same destination cannot both succeed.
   */
  async put(item: MappingItem, options: { readonly replace?: boolean } = {}): Promise<void> {
    const destination = String(item[DESTINATION_KEY]);
    const absent = { ConditionExpression: 'attribute_not_exists(#destination)', ExpressionAttributeNames: { '#destination': DESTINATION_KEY } };
    const put = { TableName: this.tableName, Item: item, ...(!options.replace && absent) };
    // A root-level /x is also read where it is keyed x (the Figgy CLI may write it so): that
    // item is the same destination's mapping, refused or replaced with this one in one step.
    const other = rootLevelSpelling(destination);
    try {
      if (other === undefined) {
        await this.documents.send(new PutCommand(put));
        return;
      }
      const key = { [DESTINATION_KEY]: other };
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: put },
            options.replace ? { Delete: { TableName: this.tableName, Key: key } } : { ConditionCheck: { TableName: this.tableName, Key: key, ...absent } },
          ],
        }),
      );
    } catch (error) {
      const refused =
        error instanceof Error &&
        (error.name === 'ConditionalCheckFailedException' ||
          (error.name === 'TransactionCanceledException' &&
            ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed')));
      if (refused) throw new MappingExistsError(destination);
      throw error;
    }
  }

  /**
   * Deletes the item keyed by `destination` exactly as written, and returns what it was
   * (read as the domain reads it); undefined when there was none.
   */
  async delete(destination: string): Promise<StoredMapping | undefined> {
    const output = await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: { [DESTINATION_KEY]: destination }, ReturnValues: 'ALL_OLD' }),
    );
    return output.Attributes && readStoredMapping(output.Attributes);
  }
}

/** The other key a root-level destination `/x` may be written under (`x`); none for any other. */
function rootLevelSpelling(destination: string): string | undefined {
  return destination.startsWith('/') && destination.indexOf('/', 1) === -1 && destination.length > 1 ? destination.slice(1) : undefined;
}

export interface DynamoSourceIndexOptions extends DynamoReplicationOptions {
  /** BatchWriteItem calls per batch of 25 before unprocessed writes are an error. */
  readonly batchAttempts?: number;
  /** First backoff before retrying unprocessed writes; it doubles on each further attempt. */
  readonly retryDelayMs?: number;
}

/**
 * Source index writes that DynamoDB still left unprocessed (it throttled them) after every
 * attempt. The index is a projection: the replication syncer rebuilds it, or the stream record
 * that asked for the write is retried.
 */
export class UnprocessedWritesError extends FiggyEventsError {
  /** DynamoDB throttled the table; the same writes succeed once it stops. */
  readonly retryable = true;
  constructor(readonly tableName: string, readonly unprocessed: number, readonly attempts: number) {
    super(
      `${unprocessed} write(s) to ${tableName} were still unprocessed after ${attempts} attempts; ` +
        'DynamoDB is throttling the table: retry later or let the replication syncer rebuild the index',
    );
    this.name = 'UnprocessedWritesError';
  }
}

/**
 * The source index (`figgy-config-replication-sources`): one row per source a destination
 * reads, so that a changed source costs one Query.
 *
 * @example
 * const index = new DynamoSourceIndex(createDynamoDocumentClient(), 'figgy-config-replication-sources');
 * await index.add([{ source: '/shared/db/host', destination: '/app/db/url' }]);
 * const destinations = await index.destinationsOf('/shared/db/host');
 */
export class DynamoSourceIndex implements SourceIndex {
  private readonly batchAttempts: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly tableName: string,
    private readonly options: DynamoSourceIndexOptions = {},
  ) {
    this.batchAttempts = options.batchAttempts ?? 8;
    this.retryDelayMs = options.retryDelayMs ?? 50;
  }

  async destinationsOf(source: string): Promise<string[]> {
    const destinations: string[] = [];
    const pages = paginateQuery(
      { client: this.documents, pageSize: this.options.pageSize },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#source = :source',
        ProjectionExpression: '#destination',
        // `source` is a DynamoDB reserved word.
        ExpressionAttributeNames: { '#source': SOURCE_KEY, '#destination': SOURCE_DESTINATION_KEY },
        ExpressionAttributeValues: { ':source': source },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        destinations.push(this.reader(item).string(SOURCE_DESTINATION_KEY));
      }
    }
    return destinations;
  }

  add(links: readonly SourceLink[]): Promise<void> {
    return this.write(links, (key) => ({ PutRequest: { Item: key } }));
  }

  remove(links: readonly SourceLink[]): Promise<void> {
    return this.write(links, (key) => ({ DeleteRequest: { Key: key } }));
  }

  async *scan(): AsyncIterable<SourceLink> {
    const pages = paginateScan(
      { client: this.documents, pageSize: this.options.pageSize },
      { TableName: this.tableName },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield this.link(item);
    }
  }

  private async write(
    links: readonly SourceLink[],
    request: (key: Record<string, string>) => Record<string, unknown>,
  ): Promise<void> {
    // BatchWriteItem rejects a whole batch that names one key twice.
    const unique = new Map(links.map((link) => [linkKey(link), link]));
    const requests = [...unique.values()].map((link) =>
      request({ [SOURCE_KEY]: link.source, [SOURCE_DESTINATION_KEY]: link.destination }),
    );
    for (const batch of chunk(requests, BATCH_SIZE)) await this.writeBatch(batch);
  }

  private async writeBatch(batch: readonly Record<string, unknown>[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      const output = await this.documents.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: [...pending] } }),
      );
      pending = output.UnprocessedItems?.[this.tableName] ?? [];
      if (pending.length === 0) return;
      if (attempt >= this.batchAttempts) {
        throw new UnprocessedWritesError(this.tableName, pending.length, attempt);
      }
      // Full jitter: writers throttled together should not all come back at the same moment.
      await sleep(Math.random() * this.retryDelayMs * 2 ** (attempt - 1));
    }
  }

  private link(item: Record<string, unknown>): SourceLink {
    const read = this.reader(item);
    return { source: read.string(SOURCE_KEY), destination: read.string(SOURCE_DESTINATION_KEY) };
  }

  private reader(item: Record<string, unknown>): ItemReader {
    return new ItemReader(this.tableName, item, [SOURCE_KEY, SOURCE_DESTINATION_KEY]);
  }
}
