/**
 * Replay: the name cache rebuilt from the audit log alone.
 */
import type { AuditRecord } from '../audit/types.ts';
import { DEFAULT_TOMBSTONE_TTL_DAYS, newEntry, positionOf, tombstoneExpiry, type EntryContent } from '../cache/entries.ts';
import type { CacheEntry, NameCache } from '../cache/types.ts';
import { mapBounded } from '../concurrency.ts';
import type { Log } from '../log.ts';
import { compareChanges, type ChangePosition } from '../ordering.ts';
import { isPut, orderRecords } from './record-order.ts';
import { recordsByName } from './state-at.ts';
import { ContentionError } from '../errors.ts';

export interface CacheReplayerDependencies {
  /** The cache table to rebuild: the live one, or an empty table with the same schema. */
  readonly cache: NameCache;
  readonly log: Log;
  readonly now?: () => number;
  readonly tombstoneTtlDays?: number;
  /** Names replayed at once; default 8. */
  readonly concurrency?: number;
}

export type ReplayOutcome = 'written' | 'unchanged' | 'kept-newer' | 'expired';

export interface CacheReplayReport {
  readonly names: number;
  readonly written: number;
  readonly unchanged: number;
  /** The table knew a later change than the audit log (the auditor is behind, or a syncer saw it). */
  readonly keptNewer: number;
  /** Deleted longer ago than the tombstone TTL: the live table would hold nothing either. */
  readonly expired: number;
}

const MAX_ATTEMPTS = 5;

/**
 * Rebuilds the name cache from audit records.
 *
 * Each name gets the item its last change implies (ACTIVE after a put, a DELETED tombstone
 * after a delete) with that change's event time, id and version, through the cache's own
 * conditional swap, so replay and the live cache manager can run side by side. An item that
 * already says exactly that is left alone, which makes a second replay write nothing; an item
 * that reflects a later change than the log knows is left alone too, as the cache manager
 * would. Tombstones expire as the live ones do, counted from the delete.
 *
 * @example
 * const replayer = new CacheReplayer({ cache: new DynamoNameCache(documents, 'figgy-config-cache'), log });
 * const report = await replayer.replay(auditLog.recordsUnder(''));
 */
export class CacheReplayer {
  private readonly now: () => number;
  private readonly ttlDays: number;

  constructor(private readonly deps: CacheReplayerDependencies) {
    this.now = deps.now ?? Date.now;
    this.ttlDays = deps.tombstoneTtlDays ?? DEFAULT_TOMBSTONE_TTL_DAYS;
  }

  async replay(records: AsyncIterable<AuditRecord>): Promise<CacheReplayReport> {
    const byName = await recordsByName(records);
    const outcomes = await mapBounded([...byName], this.deps.concurrency ?? 8, ([name, history]) =>
      this.replayName(name, history),
    );
    const count = (outcome: ReplayOutcome) => outcomes.filter((each) => each === outcome).length;
    const report = {
      names: byName.size,
      written: count('written'),
      unchanged: count('unchanged'),
      keptNewer: count('kept-newer'),
      expired: count('expired'),
    };
    this.deps.log.info('replay finished', report);
    return report;
  }

  private async replayName(name: string, history: readonly AuditRecord[]): Promise<ReplayOutcome> {
    const last = orderRecords(history).at(-1) as AuditRecord;
    const content: EntryContent = {
      name,
      state: isPut(last) ? 'ACTIVE' : 'DELETED',
      eventTime: last.eventTime,
      eventId: last.eventId,
      version: isPut(last) ? last.version : undefined,
    };
    const expiresAt = tombstoneExpiry(content, this.ttlDays);
    const position = positionOf(content);

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const entries = await this.deps.cache.entries(name);
      if (entries.some((entry) => entry.eventId !== content.eventId && knowsLater(entry, position))) {
        this.deps.log.info('cache holds a later change than the audit log; kept', { parameter_name: name });
        return 'kept-newer';
      }
      if (entries.length === 1 && says(entries[0] as CacheEntry, content)) return 'unchanged';
      if (expiresAt !== undefined && expiresAt <= this.now() / 1000 && entries.length === 0) return 'expired';

      const next = newEntry(content, entries, this.now(), this.ttlDays);
      if (await this.deps.cache.replace(entries, next)) {
        this.deps.log.info('cache item replayed', { parameter_name: name, state: content.state });
        return 'written';
      }
      this.deps.log.debug('cache item changed under the replay; retrying', { parameter_name: name, attempt });
    }
    throw new ContentionError(`replay of ${name} lost ${MAX_ATTEMPTS} races with live cache updates in a row; run it again`);
  }
}

/** True when `entry` reflects a change after `position`, or settled a same-second tie otherwise. */
function knowsLater(entry: CacheEntry, position: ChangePosition): boolean {
  const order = compareChanges(positionOf(entry), position);
  // The cache manager settles a same-second put/delete by asking Parameter Store, which knows
  // more than the log: its answer stands.
  return order === 'newer' || (order === 'ambiguous' && positionOf(entry).kind !== position.kind);
}

function says(entry: CacheEntry, content: EntryContent): boolean {
  return (
    entry.state === content.state &&
    entry.eventTime === content.eventTime &&
    entry.eventId === content.eventId &&
    entry.version === content.version
  );
}
