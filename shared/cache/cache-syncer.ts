/**
 * Reconciles the name cache with Parameter Store, repairing whatever events were missed.
 */
import { collect, mapBounded } from '../concurrency.ts';
import type { Log } from '../log.ts';
import type { ParameterStore } from '../parameters.ts';
import { newEntry, newestEntry } from './entries.ts';
import type { CacheEntry, CacheState, NameCache } from './types.ts';

export interface CacheSyncReport {
  readonly parametersListed: number;
  readonly cacheItemsRead: number;
  readonly added: number;
  readonly tombstoned: number;
  /** Names a race had left with more than one item, now back to one. */
  readonly collapsed: number;
  /** Repairs that lost a race with a concurrent event: that event is the newer truth. */
  readonly skipped: number;
}

export interface CacheSyncerDependencies {
  readonly cache: NameCache;
  readonly parameters: Pick<ParameterStore, 'listNames' | 'existing'>;
  readonly log: Log;
  readonly now?: () => number;
  readonly concurrency?: number;
  readonly tombstoneTtlDays?: number;
}

/**
 * Lists every parameter and every cache item, then makes the cache agree: missing names
 * are added as ACTIVE, names gone from Parameter Store become tombstones. A name is only
 * changed after a second look at Parameter Store, because a listing that takes minutes
 * races with live writes; and each write is conditional on the item it replaces, so a
 * live event that lands meanwhile wins.
 *
 * @example
 * const report = await new CacheSyncer({ cache, parameters, log }).sync();
 */
export class CacheSyncer {
  private readonly now: () => number;

  constructor(private readonly deps: CacheSyncerDependencies) {
    this.now = deps.now ?? Date.now;
  }

  async sync(): Promise<CacheSyncReport> {
    const observedAt = this.now();
    const listed = new Set(await collect(this.deps.parameters.listNames()));
    const byName = new Map<string, CacheEntry[]>();
    let cacheItemsRead = 0;
    for await (const entry of this.deps.cache.scan()) {
      cacheItemsRead++;
      const entries = byName.get(entry.name);
      if (entries) entries.push(entry);
      else byName.set(entry.name, [entry]);
    }

    // The listing is what Parameter Store said during this run: it settles same-second ties.
    const current = new Map<string, CacheEntry>();
    for (const [name, entries] of byName) {
      current.set(name, (await newestEntry(entries, async () => listed.has(name))) as CacheEntry);
    }
    const wanted = new Map<string, CacheState>();
    for (const name of listed) {
      if (current.get(name)?.state !== 'ACTIVE') wanted.set(name, 'ACTIVE');
    }
    for (const [name, entries] of byName) {
      const state = current.get(name)?.state;
      if (!listed.has(name) && state === 'ACTIVE') wanted.set(name, 'DELETED');
      else if (entries.length > 1 && !wanted.has(name) && state) wanted.set(name, state);
    }

    const confirmed = await this.recheck(wanted);
    let added = 0;
    let tombstoned = 0;
    let collapsed = 0;
    let skipped = 0;
    await mapBounded([...confirmed], this.deps.concurrency ?? 8, async ([name, state]) => {
      const entries = byName.get(name) ?? [];
      const before = current.get(name);
      const next = newEntry(
        { name, state, eventTime: Math.max(observedAt, before?.eventTime ?? 0) },
        entries,
        this.now(),
        this.deps.tombstoneTtlDays,
      );
      if (!(await this.deps.cache.replace(entries, next))) {
        skipped++;
        this.deps.log.info('cache changed while syncing; the live event wins', { parameter_name: name });
        return;
      }
      if (before?.state === state) collapsed++;
      else if (state === 'ACTIVE') added++;
      else tombstoned++;
      this.deps.log.info('cache repaired', { parameter_name: name, state });
    });

    const report = { parametersListed: listed.size, cacheItemsRead, added, tombstoned, collapsed, skipped };
    this.deps.log.info('cache sync finished', report);
    return report;
  }

  /** Keeps only the repairs that a fresh look at Parameter Store still agrees with. */
  private async recheck(wanted: Map<string, CacheState>): Promise<Map<string, CacheState>> {
    // The port batches the names to DescribeParameters' limits itself.
    const existing = await this.deps.parameters.existing([...wanted.keys()]);
    const confirmed = new Map<string, CacheState>();
    for (const [name, state] of wanted) {
      if ((state === 'ACTIVE') === existing.has(name)) confirmed.set(name, state);
      else this.deps.log.info('changed during the sync; left to its event', { parameter_name: name });
    }
    return confirmed;
  }
}
