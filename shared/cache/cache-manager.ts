/**
 * The cache rule: ACTIVE on put, DELETED tombstone on delete, never older over newer.
 */
import type { ParameterChange } from '../events/types.ts';
import type { Log } from '../log.ts';
import type { MetricSink } from '../metrics.ts';
import { compareChanges } from '../ordering.ts';
import type { ParameterStore } from '../parameters.ts';
import { newEntry, newestEntry, positionOf, type Existence } from './entries.ts';
import type { CacheEntry, CacheState, NameCache } from './types.ts';
import { ContentionError } from '../errors.ts';

export type CacheOutcome = 'written' | 'duplicate' | 'stale' | 'unchanged';

export interface CacheManagerDependencies {
  readonly cache: NameCache;
  /** Only asked whether a name exists, to settle a same-second put/delete tie. */
  readonly parameters: Pick<ParameterStore, 'existing'>;
  readonly log: Log;
  /** Counts the ties Parameter Store was asked to settle; by default nothing is counted. */
  readonly metrics?: MetricSink;
  readonly now?: () => number;
  readonly tombstoneTtlDays?: number;
}

const MAX_ATTEMPTS = 5;

/**
 * Keeps the name cache the Figgy CLI autocompletes from.
 *
 * Each change is compared with the item it would replace: a late or duplicate event leaves
 * newer state alone, and the swap of old item for new happens in one conditional
 * transaction, so a name never has two items for long and a race is simply retried.
 *
 * @example
 * const manager = new CacheManager({ cache, parameters, log });
 * await manager.apply(change);
 */
export class CacheManager {
  private readonly now: () => number;

  constructor(private readonly deps: CacheManagerDependencies) {
    this.now = deps.now ?? Date.now;
  }

  async apply(change: ParameterChange): Promise<CacheOutcome> {
    const fields = { parameter_name: change.name, event_id: change.eventId };
    const state: CacheState = change.kind === 'put' ? 'ACTIVE' : 'DELETED';
    const content = {
      name: change.name,
      state,
      eventTime: change.eventTime,
      eventId: change.eventId,
      version: change.kind === 'put' ? change.version : undefined,
    };
    const existence = this.existence(change.name);

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const entries = await this.deps.cache.entries(change.name);
      const current = await newestEntry(entries, existence);
      if (current?.eventId === change.eventId) {
        this.deps.log.info('already applied', fields);
        if (entries.length > 1) await this.collapse(change.name, existence);
        return 'duplicate';
      }
      if (current) {
        const order = compareChanges(positionOf(content), positionOf(current));
        const outcome = await this.settle(order, state, current.state, existence);
        if (outcome) {
          this.deps.log.info(`left as it is: ${outcome}`, { ...fields, state: current.state });
          if (entries.length > 1) await this.collapse(change.name, existence);
          return outcome;
        }
      }
      const next = newEntry(content, entries, this.now(), this.deps.tombstoneTtlDays);
      if (await this.deps.cache.replace(entries, next)) {
        this.deps.log.info('cache updated', { ...fields, state });
        // Only a write that found no item can have raced another into a second item: one that
        // found items deleted them under conditions in the same transaction.
        if (entries.length === 0) await this.collapse(change.name, existence);
        return 'written';
      }
      this.deps.log.debug('cache item changed under us; retrying', { ...fields, attempt });
    }
    throw new ContentionError(`cache update of ${change.name} (event ${change.eventId}) lost ${MAX_ATTEMPTS} races in a row`);
  }

  /**
   * Two first writes of one name cannot see each other (a transaction can only guard keys it
   * names, and the new item's key is new), so after such a write the name is read again and
   * any extra items are folded into the newest. The later of two racing writes always sees
   * both, and every writer folds towards the same item, so they converge on one.
   */
  private async collapse(name: string, existence: Existence): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const entries = await this.deps.cache.entries(name);
      if (entries.length <= 1) return;
      const newest = (await newestEntry(entries, existence)) as CacheEntry;
      const folded = newEntry(
        { name, state: newest.state, eventTime: newest.eventTime, eventId: newest.eventId, version: newest.version },
        entries,
        this.now(),
        this.deps.tombstoneTtlDays,
      );
      if (await this.deps.cache.replace(entries, folded)) {
        this.deps.log.info('folded racing cache items into one', { parameter_name: name, items: entries.length });
        return;
      }
    }
  }

  /** Asks Parameter Store at most once per change whether the name exists now. */
  private existence(name: string): Existence {
    let answer: Promise<boolean> | undefined;
    return () => {
      if (!answer) this.deps.metrics?.add('CacheTiesSettled', 1);
      return (answer ??= this.deps.parameters.existing([name]).then((names) => names.has(name)));
    };
  }

  /** Undefined when the change should be written; otherwise why it is not. */
  private async settle(
    order: ReturnType<typeof compareChanges>,
    state: CacheState,
    currentState: CacheState,
    exists: Existence,
  ): Promise<CacheOutcome | undefined> {
    switch (order) {
      case 'newer':
        return undefined;
      case 'older':
        return 'stale';
      case 'same':
        return 'unchanged';
      case 'ambiguous': {
        if (state === currentState) return 'unchanged';
        return ((await exists()) ? 'ACTIVE' : 'DELETED') === state ? undefined : 'stale';
      }
    }
  }
}
