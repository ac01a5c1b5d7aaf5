/**
 * `path_root` backfilled on audit records written before the path index existed, and the
 * marker that says whether that has been done.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pathRoot } from '../audit/path-root.ts';
import { mapBounded } from '../concurrency.ts';
import { CallPacer, type PacerClock } from '../call-pacer.ts';
import { AUDIT_PATH_INDEX, AUDIT_PATH_ROOT, AUDIT_TABLE } from '../tables.ts';
import { SetupError } from '../errors.ts';

const PARTITION_KEY = AUDIT_TABLE.partitionKey.name;
const SORT_KEY = AUDIT_TABLE.sortKey.name;

/**
 * The key of the marker item. `#` cannot start a parameter name, so no record shares it; it
 * has no `user` and no `path_root`, so neither index holds it, and only a Scan meets it.
 */
export const MIGRATION_MARKER_KEY = { [PARTITION_KEY]: '#figgy-events/migration/path-root', [SORT_KEY]: 0 } as const;

/** True for the marker item, which every Scan of the audit table must pass over. */
export function isMigrationMarker(item: Readonly<Record<string, unknown>>): boolean {
  return item[PARTITION_KEY] === MIGRATION_MARKER_KEY[PARTITION_KEY];
}

/** Where the backfill stands: never started, stopped part way, or done. */
export type MigrationStatus = 'not-started' | 'in-progress' | 'complete';

/**
 * Whether every record of `table` carries `path_root`, read from the marker (one GetItem).
 * `figgy-events migrate` writes the marker after it has seen the whole table, and
 * {@link markNewTable} on a table that holds nothing yet.
 *
 * @example
 * if ((await migrationStatus(documents, 'figgy-config-auditor')) !== 'complete') { ... }
 */
export async function migrationStatus(documents: DynamoDBDocumentClient, table: string): Promise<MigrationStatus> {
  const marker = await readMarker(documents, table);
  return marker === undefined ? 'not-started' : marker.status === 'complete' ? 'complete' : 'in-progress';
}

/** Marks `table` as backfilled: every record it holds carries `path_root`. */
async function markMigrated(documents: DynamoDBDocumentClient, table: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: table,
      Key: MIGRATION_MARKER_KEY,
      UpdateExpression: 'SET #status = :status, #at = :now REMOVE #resume',
      ExpressionAttributeNames: { '#status': 'status', '#at': 'updated_at', '#resume': 'resume_key' },
      ExpressionAttributeValues: { ':status': 'complete', ':now': new Date().toISOString() },
    }),
  );
}

/**
 * Marks `table` as needing no migration when it holds no item at all: a new table's records
 * are all written with `path_root`, so there is nothing to backfill. One Scan of one item
 * decides (the marker itself, or any record, means the table is not new); the marker is put
 * only where none exists, so racing callers write it once.
 *
 * The auditor calls it before its first write, and the sandbox when it creates its tables.
 * A writer that leaves `path_root` out (Figgy's own auditor) must not share a table that is
 * marked this way: its records would stay outside the path index.
 *
 * @returns true when this call wrote the marker
 * @example
 * await markNewTable(documents, 'figgy-config-auditor');
 */
export async function markNewTable(documents: DynamoDBDocumentClient, table: string): Promise<boolean> {
  const page = await documents.send(
    new ScanCommand({ TableName: table, Limit: 1, ProjectionExpression: '#name', ExpressionAttributeNames: { '#name': PARTITION_KEY }, ConsistentRead: true }),
  );
  // A page may come back empty with more to read: only an empty last page means an empty table.
  if ((page.Items?.length ?? 0) > 0 || page.LastEvaluatedKey !== undefined) return false;
  return putNewAuditItem(documents, table, { ...MIGRATION_MARKER_KEY, status: 'complete', updated_at: new Date().toISOString(), reason: 'new-table' });
}

/**
 * Writes `item` to the audit table unless an item with its key is there already: the
 * records and the marker are only ever added, and racing writers find out who won.
 *
 * @returns false when the key was taken
 */
export async function putNewAuditItem(documents: DynamoDBDocumentClient, table: string, item: Record<string, unknown>): Promise<boolean> {
  try {
    await documents.send(
      new PutCommand({
        TableName: table,
        Item: item,
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

export interface MigrationProgress {
  /** Items read so far (the marker and records that already had `path_root` included). */
  readonly scanned: number;
  /** Records this run gave a `path_root`. */
  readonly updated: number;
}

export interface MigrationReport extends MigrationProgress {
  readonly table: string;
  /** True when the marker already said complete: nothing was read or written. */
  readonly alreadyComplete: boolean;
  /** True when the run picked up where an interrupted one stopped. */
  readonly resumed: boolean;
}

export interface MigrationOptions {
  /** Record updates per second at most; default {@link DEFAULT_MIGRATION_WPS}. */
  readonly maxWritesPerSecond?: number;
  /** Items per Scan page; each page is a checkpoint. Default 500. */
  readonly pageSize?: number;
  readonly onProgress?: (progress: MigrationProgress) => void;
  readonly clock?: PacerClock;
}

/** A pace that leaves an on-demand table's write capacity to the auditor. */
export const DEFAULT_MIGRATION_WPS = 100;
const UPDATES_IN_FLIGHT = 8;

/**
 * Backfills `path_root` on the audit table's records.
 *
 * Idempotent: a record is updated only while it lacks the attribute (a condition, not a read
 * then a write), and a finished table is left alone. Resumable: after every Scan page the
 * marker keeps the page's end, and the next run starts there. Paced: at most
 * `maxWritesPerSecond` updates, so the auditor's own writes are never starved. Nothing but
 * `path_root` is written, so the Figgy CLI reads every record as before.
 *
 * @example
 * const report = await new AuditPathMigration(dynamo, documents, 'figgy-config-auditor').run({ maxWritesPerSecond: 50 });
 */
export class AuditPathMigration {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly documents: DynamoDBDocumentClient,
    readonly table: string,
  ) {}

  async run(options: MigrationOptions = {}): Promise<MigrationReport> {
    await this.requireIndex();
    const marker = await readMarker(this.documents, this.table);
    if (marker?.status === 'complete') {
      return { table: this.table, scanned: 0, updated: 0, alreadyComplete: true, resumed: false };
    }
    const pacer = new CallPacer(options.maxWritesPerSecond ?? DEFAULT_MIGRATION_WPS, options.clock);
    let startKey = marker?.resume_key;
    const resumed = startKey !== undefined;
    let scanned = 0;
    let updated = 0;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: this.table,
          Limit: options.pageSize ?? 500,
          ExclusiveStartKey: startKey,
          // Only the key is needed to compute and write path_root.
          ProjectionExpression: '#name, #time',
          FilterExpression: 'attribute_not_exists(#root)',
          ExpressionAttributeNames: { '#name': PARTITION_KEY, '#time': SORT_KEY, '#root': AUDIT_PATH_ROOT },
          // The scan must see records written just before it started.
          ConsistentRead: true,
        }),
      );
      scanned += page.ScannedCount ?? 0;
      const records = (page.Items ?? []).filter((item) => !isMigrationMarker(item));
      const written = await mapBounded(records, UPDATES_IN_FLIGHT, async (item) => {
        await pacer.next();
        return this.backfill(item);
      });
      updated += written.filter(Boolean).length;
      startKey = page.LastEvaluatedKey;
      if (startKey === undefined) await markMigrated(this.documents, this.table);
      else await this.saveProgress(startKey);
      options.onProgress?.({ scanned, updated });
    } while (startKey !== undefined);
    return { table: this.table, scanned, updated, alreadyComplete: false, resumed };
  }

  /** Sets `path_root` unless it is there already; false when another run got there first. */
  private async backfill(item: Record<string, unknown>): Promise<boolean> {
    const name = item[PARTITION_KEY];
    const root = typeof name === 'string' ? pathRoot(name) : undefined;
    // A name that is only "/" or not a string is no parameter's: the index cannot hold it.
    if (root === undefined) return false;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [PARTITION_KEY]: name, [SORT_KEY]: item[SORT_KEY] },
          UpdateExpression: 'SET #root = :root',
          // Never create an item, never rewrite one: the audit log is append-only.
          ConditionExpression: 'attribute_exists(#name) AND attribute_not_exists(#root)',
          ExpressionAttributeNames: { '#name': PARTITION_KEY, '#root': AUDIT_PATH_ROOT },
          ExpressionAttributeValues: { ':root': root },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  private async saveProgress(resumeKey: Record<string, unknown>): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.table,
        Key: MIGRATION_MARKER_KEY,
        UpdateExpression: 'SET #status = :status, #at = :now, #resume = :resume',
        ExpressionAttributeNames: { '#status': 'status', '#at': 'updated_at', '#resume': 'resume_key' },
        ExpressionAttributeValues: { ':status': 'in-progress', ':now': new Date().toISOString(), ':resume': resumeKey },
      }),
    );
  }

  private async requireIndex(): Promise<void> {
    const { Table: table } = await this.dynamo.send(new DescribeTableCommand({ TableName: this.table }));
    if (!table?.GlobalSecondaryIndexes?.some((index) => index.IndexName === AUDIT_PATH_INDEX)) {
      throw new SetupError(
        `table ${this.table} has no index ${AUDIT_PATH_INDEX}: deploy this version of figgy-events first ` +
          '(it adds the index and an auditor that writes path_root), then migrate',
      );
    }
  }
}

interface Marker {
  readonly status?: unknown;
  readonly resume_key?: Record<string, unknown>;
}

async function readMarker(documents: DynamoDBDocumentClient, table: string): Promise<Marker | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: table, Key: MIGRATION_MARKER_KEY, ConsistentRead: true }));
  return Item as Marker | undefined;
}
