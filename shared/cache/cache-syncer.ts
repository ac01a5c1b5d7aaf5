/**
 * Reconciles the name cache with Parameter Store, repairing whatever events were missed.
 */
import { CallPacer, type PacerClock } from '../call-pacer.ts';
import { mapBounded } from '../concurrency.ts';
import type { Log } from '../log.ts';
import { ListingTokenRejectedError, type NamesPage, type PaceableReads, type ParameterStore } from '../parameters.ts';
import { DEFAULT_BULK_READS_PER_SECOND } from '../replication/replica-targets.ts';
import { TimeUpError } from '../sync/budget.ts';
import type { PassStep, PassTools, SyncPass } from '../sync/sync-pass.ts';
import { newEntry, newestEntry } from './entries.ts';
import type { CacheEntry, CacheScanKey, CacheState, NameCache } from './types.ts';

/** What a pass did, counted over every invocation it took. */
export interface CacheSyncReport {
  readonly parametersListed: number;
  /**
   * Items the pass read by scanning the cache: each invocation's snapshot of the cache's
   * states in the listing phase as well as the cache phase's pages, so it shows what the
   * pass's Scans cost — about the cache's size once per invocation that listed, plus once.
   */
  readonly cacheItemsRead: number;
  readonly added: number;
  readonly tombstoned: number;
  /** Names a race had left with more than one item, now back to one. */
  readonly collapsed: number;
  /** Repairs that lost a race with a concurrent event: that event is the newer truth. */
  readonly skipped: number;
}

/**
 * Where a pass stands: in Parameter Store's listing (`token` is SSM's NextToken of the next
 * page), then in the cache table (`start` is DynamoDB's key to scan on from). Saved as JSON
 * between invocations.
 */
export type CacheSyncCursor =
  | { readonly phase: 'listing'; readonly token?: string }
  | { readonly phase: 'cache'; readonly start?: CacheScanKey };

/** What the cache syncer reads of Parameter Store. */
type ListedStore = Pick<ParameterStore, 'listNamesPage' | 'existing'>;

export interface CacheSyncerDependencies {
  readonly cache: NameCache;
  readonly parameters: ListedStore & PaceableReads<ListedStore>;
  /**
   * Read calls per second to Parameter Store (each DescribeParameters page, the listing's and
   * the existence checks'); default {@link DEFAULT_BULK_READS_PER_SECOND}.
   */
  readonly readsPerSecond?: number;
  /** Where the pace's clock comes from; tests pass one that never waits. */
  readonly pacing?: PacerClock;
  readonly log: Log;
  readonly now?: () => number;
  /** Names read from or written to the cache at once; default 8. */
  readonly concurrency?: number;
  readonly tombstoneTtlDays?: number;
}

type Tally = { -readonly [Count in keyof CacheSyncReport]: number };

/** The newest state of each name the cache holds, as one invocation's snapshot read it. */
type CacheStates = Map<string, CacheState>;

/**
 * Makes the name cache agree with Parameter Store, one page at a time, in a pass that may
 * take many invocations: first every listed name not ACTIVE in the cache is added, then
 * every name the cache holds as ACTIVE but Parameter Store no longer has becomes a
 * tombstone, and a name a race left with several items is collapsed to one.
 *
 * Each page ends with its repairs done, so the pass continues after the last page finished
 * and never starts over. A name is changed only on a look at Parameter Store taken while its
 * page is worked on, and each write is conditional on the items it replaces, so a live event
 * that lands meanwhile wins.
 *
 * The listing phase finds the names not ACTIVE in the cache in a snapshot of the cache's
 * states, read with Scan pages the first time an invocation works on a listing page, held
 * in memory (name → newest state, not whole items, to keep it small) and never saved. That
 * costs one Scan of the cache per invocation that lists — at 110,000 names and 1,000 items a
 * page, 110 requests and about 2,000 read units — where a Query per listed name cost 110,000
 * requests and read units every pass. A snapshot may be minutes old, and that is safe: it
 * only picks the names to look at. Each is confirmed with Parameter Store and its items read
 * again right before the conditional swap, so a name a live event made ACTIVE since is left
 * to that event. A name the snapshot holds as ACTIVE is not looked at: if it is deleted and
 * created again meanwhile and only the creation's event is missed, the next pass repairs
 * it, as it would had that happened right after its page was listed.
 *
 * @example
 * const syncer = new CacheSyncer({ cache, parameters, log });
 * const outcome = await runSyncPass({ store, job: 'config-cache-syncer', owner, trigger, budget, log }, syncer);
 */
export class CacheSyncer implements SyncPass<CacheSyncCursor, CacheSyncReport> {
  private readonly now: () => number;
  private readonly concurrency: number;

  constructor(private readonly deps: CacheSyncerDependencies) {
    this.now = deps.now ?? Date.now;
    this.concurrency = deps.concurrency ?? 8;
  }

  begin(): { cursor: CacheSyncCursor; report: CacheSyncReport } {
    return {
      cursor: { phase: 'listing' },
      report: { parametersListed: 0, cacheItemsRead: 0, added: 0, tombstoned: 0, collapsed: 0, skipped: 0 },
    };
  }

  async run(
    cursor: CacheSyncCursor,
    report: CacheSyncReport,
    tools: PassTools<CacheSyncCursor, CacheSyncReport>,
  ): Promise<PassStep<CacheSyncCursor, CacheSyncReport>> {
    let at = cursor;
    const tally: Tally = { ...report };
    let saved: CacheSyncReport = { ...report };
    // DescribeParameters' quota is the account's, shared with every application there: paced,
    // and the pace carried to the next invocation, so a pass leaves the rest of it to them.
    const reads = new CallPacer(this.deps.readsPerSecond ?? DEFAULT_BULK_READS_PER_SECOND, this.deps.pacing, tools.progress.notBefore);
    const clock = this.deps.pacing?.now ?? Date.now;
    const lastTurn = tools.budget.lastTurn(clock);
    const parameters = this.deps.parameters.withReadTurns(async () => {
      await reads.next(lastTurn);
    });
    const notBefore = () => {
      const next = reads.handOver(clock());
      return Number.isFinite(next) ? { notBefore: next } : {};
    };
    // This invocation's own, never saved. The listing comes before the cache, so it is read at
    // the start of the invocation's time, never in the reserve that finishes a page.
    let states: CacheStates | undefined;
    while (!tools.budget.spent()) {
      let next: CacheSyncCursor | undefined;
      try {
        if (at.phase === 'listing') {
          states ??= await this.cacheStates(tally);
          next = await this.listingPage(parameters, at.token, states, tally);
        } else {
          next = await this.cachePage(parameters, at.start, tally);
        }
      } catch (error) {
        // Out of time mid-page: the next invocation does the page again (its repairs are
        // conditional swaps, so none is made twice), so it is reported as the checkpoint has it.
        if (error instanceof TimeUpError) return { done: false, cursor: at, report: saved, ...notBefore() };
        throw error;
      }
      if (next === undefined) {
        this.deps.log.info('cache sync finished', tally);
        return { done: true, cursor: at, report: { ...tally }, ...notBefore() };
      }
      at = next;
      saved = { ...tally };
      await tools.checkpoint(at, saved);
    }
    return { done: false, cursor: at, report: { ...tally }, ...notBefore() };
  }

  /**
   * The newest state of every name in the cache, from a Scan of the whole table. A name's
   * items come one after another but may straddle two pages, so its state is settled when
   * the next name begins. Only listed names are looked up, and those exist: that settles a
   * same-second put/delete tie, as a listing would.
   */
  private async cacheStates(tally: Tally): Promise<CacheStates> {
    const states: CacheStates = new Map();
    let items: CacheEntry[] = [];
    const settle = async () => {
      const newest = await newestEntry(items, async () => true);
      if (newest) states.set(newest.name, newest.state);
    };
    let start: CacheScanKey | undefined;
    do {
      const page = await this.deps.cache.scanPage(start);
      tally.cacheItemsRead += page.entries.length;
      for (const entry of page.entries) {
        if (entry.name !== items[0]?.name) {
          await settle();
          items = [];
        }
        items.push(entry);
      }
      start = page.next;
    } while (start !== undefined);
    await settle();
    return states;
  }

  /** Adds the names of one listing page that the snapshot does not hold as ACTIVE. */
  private async listingPage(parameters: ListedStore, token: string | undefined, states: CacheStates, tally: Tally): Promise<CacheSyncCursor> {
    const observedAt = this.now();
    const page = await this.listNamesPage(parameters, token);
    tally.parametersListed += page.names.length;
    const missing = page.names.filter((name) => states.get(name) !== 'ACTIVE');
    // A second look: a name may have been deleted since its page was listed.
    const existing = missing.length > 0 ? await parameters.existing(missing) : new Set<string>();
    await mapBounded(missing, this.concurrency, async (name) => {
      if (!existing.has(name)) {
        this.leftToItsEvent(name);
        return;
      }
      // The swap is conditional on every item of the name as it is now, and a live event may
      // have changed them since the snapshot.
      const entries = await this.deps.cache.entries(name);
      // Listed a moment ago: that settles a same-second put/delete tie.
      const current = await newestEntry(entries, async () => true);
      if (current?.state === 'ACTIVE') this.lostToLiveEvent(name, tally);
      // Kept up to date, so a listing begun again after a refused token skips what it added.
      else if (await this.repair(name, 'ACTIVE', entries, current, observedAt, tally)) states.set(name, 'ACTIVE');
    });
    return page.next === undefined ? { phase: 'cache' } : { phase: 'listing', token: page.next };
  }

  private async listNamesPage(parameters: ListedStore, token: string | undefined): Promise<NamesPage> {
    try {
      return await parameters.listNamesPage(token);
    } catch (error) {
      if (!(error instanceof ListingTokenRejectedError)) throw error;
      // SSM's NextTokens expire, and one saved by an earlier invocation may have. Listing
      // again costs reads only: names the pass already made ACTIVE are not written again.
      this.deps.log.warn('the saved listing token was refused; listing again from the first page', { reason: error.reason });
      return parameters.listNamesPage();
    }
  }

  /** Tombstones the names of one cache page that Parameter Store no longer has, and collapses names with several items. */
  private async cachePage(parameters: ListedStore, start: CacheScanKey | undefined, tally: Tally): Promise<CacheSyncCursor | undefined> {
    const observedAt = this.now();
    const page = await this.deps.cache.scanPage(start);
    tally.cacheItemsRead += page.entries.length;
    const byName = new Map<string, CacheEntry[]>();
    for (const entry of page.entries) byName.set(entry.name, [...(byName.get(entry.name) ?? []), entry]);
    // The last name's items may go on in the next page: read them all, so several are seen.
    const last = page.entries.at(-1)?.name;
    if (page.next !== undefined && last !== undefined) byName.set(last, await this.deps.cache.entries(last));

    // A lone tombstone needs no look at Parameter Store: a name that exists again was listed.
    const asked = [...byName].filter(([, entries]) => entries.length > 1 || entries.some(({ state }) => state === 'ACTIVE'));
    const existing = asked.length > 0 ? await parameters.existing(asked.map(([name]) => name)) : new Set<string>();
    const wanted: string[] = [];
    for (const [name, entries] of asked) {
      const exists = existing.has(name);
      const current = await newestEntry(entries, async () => exists);
      if (repairOf(current, entries.length, exists)) wanted.push(name);
      else if (entries.length > 1) this.leftToItsEvent(name);
    }

    await mapBounded(wanted, this.concurrency, async (name) => {
      // The swap is conditional on every item of the name as it is now, and a live event may
      // have changed them since the page was read.
      const entries = await this.deps.cache.entries(name);
      const exists = existing.has(name);
      const current = await newestEntry(entries, async () => exists);
      const state = repairOf(current, entries.length, exists);
      if (state) await this.repair(name, state, entries, current, observedAt, tally);
      else this.lostToLiveEvent(name, tally);
    });
    return page.next === undefined ? undefined : { phase: 'cache', start: page.next };
  }

  private async repair(
    name: string,
    state: CacheState,
    entries: readonly CacheEntry[],
    current: CacheEntry | undefined,
    observedAt: number,
    tally: Tally,
  ): Promise<boolean> {
    const next = newEntry(
      { name, state, eventTime: Math.max(observedAt, current?.eventTime ?? 0) },
      entries,
      this.now(),
      this.deps.tombstoneTtlDays,
    );
    if (!(await this.deps.cache.replace(entries, next))) {
      this.lostToLiveEvent(name, tally);
      return false;
    }
    if (current?.state === state) tally.collapsed++;
    else if (state === 'ACTIVE') tally.added++;
    else tally.tombstoned++;
    this.deps.log.info('cache repaired', { parameter_name: name, state });
    return true;
  }

  private lostToLiveEvent(name: string, tally: Tally): void {
    tally.skipped++;
    this.deps.log.info('cache changed while syncing; the live event wins', { parameter_name: name });
  }

  private leftToItsEvent(name: string): void {
    this.deps.log.info('changed during the sync; left to its event', { parameter_name: name });
  }
}

/**
 * The state a name's items are swapped for, if any: a tombstone when the newest says ACTIVE
 * and Parameter Store has no such name, the newest alone when there are several and
 * Parameter Store agrees with it.
 */
function repairOf(current: CacheEntry | undefined, items: number, exists: boolean): CacheState | undefined {
  if (current?.state === 'ACTIVE' && !exists) return 'DELETED';
  if (current && items > 1 && (current.state === 'ACTIVE') === exists) return current.state;
  return undefined;
}
