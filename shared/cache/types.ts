export type CacheState = 'ACTIVE' | 'DELETED';

/** The name cache's one item per parameter name. */
export interface CacheEntry {
  readonly name: string;
  readonly state: CacheState;
  /** Sort key, epoch ms when the item was written (the Figgy CLI reads it). */
  readonly lastUpdated: number;
  /** Epoch ms of the change this item reflects: what ordering compares. */
  readonly eventTime: number;
  readonly eventId?: string;
  readonly version?: number;
  /** Epoch seconds after which DynamoDB's TTL removes a tombstone. */
  readonly expiresAt?: number;
}

export interface NameCache {
  /** Every item for one name; normally one, more only after a race we then repair. */
  entries(name: string): Promise<CacheEntry[]>;
  /**
   * Swaps `previous` for `next` in one transaction that fails if any of `previous` changed
   * or a newer item appeared; false when it did.
   */
  replace(previous: readonly CacheEntry[], next: CacheEntry): Promise<boolean>;
  /**
   * One page of every item in the cache, from where the page before it ended (`start`, that
   * page's `next`). A name's items come one after another, but may straddle two pages.
   */
  scanPage(start?: CacheScanKey): Promise<CachePage>;
}

/** Where a scan of the cache goes on from: the key of the last item read, plain JSON to save. */
export type CacheScanKey = Readonly<Record<string, string | number>>;

export interface CachePage {
  readonly entries: readonly CacheEntry[];
  /** Absent after the last page. */
  readonly next?: CacheScanKey;
}
