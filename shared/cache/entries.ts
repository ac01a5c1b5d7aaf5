/**
 * Building and reading cache entries: the one place that knows how a change becomes an item.
 */
import type { ChangePosition } from '../ordering.ts';
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
  return {
    ...content,
    lastUpdated,
    expiresAt:
      content.state === 'DELETED' ? Math.floor(now / 1000) + tombstoneTtlDays * DAY_SECONDS : undefined,
  };
}

/** The entry that speaks for a name when a race left more than one. */
export function currentEntry(entries: readonly CacheEntry[]): CacheEntry | undefined {
  return entries.reduce<CacheEntry | undefined>(
    (best, entry) =>
      !best || entry.eventTime > best.eventTime || (entry.eventTime === best.eventTime && entry.lastUpdated > best.lastUpdated)
        ? entry
        : best,
    undefined,
  );
}

export function positionOf(entry: CacheEntry): ChangePosition {
  return {
    eventTime: entry.eventTime,
    kind: entry.state === 'ACTIVE' ? 'put' : 'delete',
    version: entry.version,
  };
}
