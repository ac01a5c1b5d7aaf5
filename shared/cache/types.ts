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
  /** Every item in the cache, page by page. */
  scan(): AsyncIterable<CacheEntry>;
}
