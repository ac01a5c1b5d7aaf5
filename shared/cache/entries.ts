/**
 * Building and reading cache entries: the one place that knows how a change becomes an item.
 */
import { compareChanges, type ChangePosition } from '../ordering.ts';
import type { CacheEntry, CacheState } from './types.ts';

export const DEFAULT_TOMBSTONE_TTL_DAYS = 14;
const DAY_SECONDS = 24 * 60 * 60;

export interface EntryContent {
  readonly name: string;
  readonly state: CacheState;
  readonly eventTime: number;
  readonly eventId?: string;
  readonly version?: number;
}

/**
 * The item that records `content`, written at `now`. The sort key must differ from every
 * item it replaces, because one transaction cannot touch one key twice.
 */
export function newEntry(
  content: EntryContent,
  previous: readonly CacheEntry[],
  now: number,
  tombstoneTtlDays = DEFAULT_TOMBSTONE_TTL_DAYS,
): CacheEntry {
  const latestWrite = Math.max(0, ...previous.map((entry) => entry.lastUpdated));
  const lastUpdated = Math.max(now, latestWrite + 1);
  return { ...content, lastUpdated, expiresAt: tombstoneExpiry(content, tombstoneTtlDays) };
}

/**
 * When DynamoDB's TTL removes a tombstone: a set time after the delete itself, so the live
 * cache, a syncer repair and a replay of the audit log all agree on it.
 */
export function tombstoneExpiry(
  content: Pick<EntryContent, 'state' | 'eventTime'>,
  tombstoneTtlDays = DEFAULT_TOMBSTONE_TTL_DAYS,
): number | undefined {
  return content.state === 'DELETED' ? Math.floor(content.eventTime / 1000) + tombstoneTtlDays * DAY_SECONDS : undefined;
}

/** Whether the parameter exists in Parameter Store now: the tie-breaker of last resort. */
export type Existence = () => Promise<boolean>;

/**
 * The entry that speaks for a name when a race left more than one: the newest change by
 * {@link compareChanges}; a same-second put/delete tie goes to whichever state Parameter
 * Store confirms; otherwise the later write.
 */
export async function newestEntry(entries: readonly CacheEntry[], exists: Existence): Promise<CacheEntry | undefined> {
  let best: CacheEntry | undefined;
  for (const entry of entries) {
    if (!best) {
      best = entry;
      continue;
    }
    switch (compareChanges(positionOf(entry), positionOf(best))) {
      case 'newer':
        best = entry;
        break;
      case 'older':
        break;
      case 'same':
        if (entry.lastUpdated > best.lastUpdated) best = entry;
        break;
      case 'ambiguous':
        if (entry.state === best.state) {
          if (entry.lastUpdated > best.lastUpdated) best = entry;
        } else if ((entry.state === 'ACTIVE') === (await exists())) {
          best = entry;
        }
        break;
    }
  }
  return best;
}

/** Where the change an entry (or the content of one) records stands in a parameter's history. */
export function positionOf(entry: Pick<EntryContent, 'state' | 'eventTime' | 'version'>): ChangePosition {
  return {
    eventTime: entry.eventTime,
    kind: entry.state === 'ACTIVE' ? 'put' : 'delete',
    version: entry.version,
  };
}
