/**
 * Live replication: a changed source, or a new or changed mapping, reaches its destinations.
 */
import { mapBounded } from '../concurrency.ts';
import type { ParameterChange } from '../events/types.ts';
import { ValidationError } from '../events/validation.ts';
import type { Log } from '../log.ts';
import type { ParameterStore, ParameterValue } from '../parameters.ts';
import { linkKey, linksOf, parseMapping } from './mapping.ts';
import { DestinationUnsettledError } from './errors.ts';
import {
  judgeReplication,
  rewriteProbe,
  runawayRefusal,
  type MappingLookup,
  type ReplicationSettings,
} from './rules.ts';
import type { ReplicationMapping, ReplicationMappings, SourceIndex, SourceLink } from './types.ts';

/** Writes of one destination in one invocation before giving up (and letting Lambda retry). */
const MAX_WRITE_ROUNDS = 5;

export type ReplicationResult = 'written' | 'in-sync' | 'refused' | 'waiting' | 'no-mapping' | 'invalid';

export interface ReplicationOutcome {
  readonly destination: string;
  readonly result: ReplicationResult;
  readonly reason?: string;
}

export interface ReplicationContext {
  /** The event being handled, for the log lines. */
  readonly eventId?: string;
  readonly lookup?: MappingLookup;
}

export interface ReplicatorDependencies {
  readonly parameters: ParameterStore;
  readonly mappings: ReplicationMappings;
  readonly sourceIndex: SourceIndex;
  readonly settings: ReplicationSettings;
  readonly log: Log;
  /** Parameter Store writes in flight at once (destinations of one source, or of a sync). */
  readonly concurrency?: number;
  /** Epoch ms now; tests replace it. */
  readonly now?: () => number;
}

/**
 * Replicates on events. A source change costs one Query of the source index plus, per
 * destination, a GetItem for its mapping and one per upstream link for the cycle check, and
 * one GetParameters (a second after a write). A destination already equal in value and type
 * is not written, so chains A→B→C converge and repeated events are cheap.
 *
 * @example
 * const replicator = new Replicator({ parameters, mappings, sourceIndex, settings, log });
 * await replicator.onParameterChanged(change);
 */
export class Replicator {
  constructor(private readonly deps: ReplicatorDependencies) {}

  /** A put reaches every destination that reads the parameter; a delete leaves them alone. */
  async onParameterChanged(change: ParameterChange): Promise<ReplicationOutcome[]> {
    if (change.kind === 'delete') return [];
    const destinations = await this.deps.sourceIndex.destinationsOf(change.name);
    // The destinations of one source share their upstream chain: each mapping on it is read
    // once per event, not once per destination (and never kept longer: mappings change).
    const lookup = readOnce((name) => this.storedMapping(name));
    return mapBounded(destinations, this.deps.concurrency ?? 4, (destination) =>
      this.replicateDestination(destination, { eventId: change.eventId, lookup }),
    );
  }

  /**
   * A mapping was created, changed or removed (the replication table's stream). The source
   * index follows the mapping first, then the destination is replicated at once. Removing a
   * mapping leaves its destination in place, as Figgy does. A mapping that breaks the
   * contract loses its links (nothing may replicate from it) and the error is rethrown, so
   * the stream record ends in the dead-letter queue with the field named.
   */
  async onMappingChanged(
    newItem: Readonly<Record<string, unknown>> | undefined,
    oldItem: Readonly<Record<string, unknown>> | undefined,
    eventId?: string,
  ): Promise<ReplicationOutcome | undefined> {
    const oldLinks = oldItem ? linksOfStoredItem(oldItem) : [];
    let mapping: ReplicationMapping | undefined;
    try {
      mapping = newItem ? parseMapping(newItem) : undefined;
    } catch (error) {
      if (error instanceof ValidationError && oldLinks.length > 0) await this.deps.sourceIndex.remove(oldLinks);
      throw error;
    }
    const newLinks = mapping ? linksOf(mapping) : [];
    const added = difference(newLinks, oldLinks);
    const removed = difference(oldLinks, newLinks);
    if (added.length > 0) await this.deps.sourceIndex.add(added);
    if (removed.length > 0) await this.deps.sourceIndex.remove(removed);
    if (added.length + removed.length > 0) {
      this.deps.log.info('source index updated', {
        parameter_name: mapping?.destination ?? oldLinks[0]?.destination,
        event_id: eventId,
        links_added: added.length,
        links_removed: removed.length,
      });
    }
    return mapping ? this.replicate(mapping, { eventId }) : undefined;
  }

  /**
   * Replicates the destination named in the source index, if its mapping still exists. A
   * malformed mapping is reported and skipped: it must not fail the other destinations of
   * the same source.
   */
  async replicateDestination(destination: string, context: ReplicationContext = {}): Promise<ReplicationOutcome> {
    const fields = { parameter_name: destination, event_id: context.eventId };
    const item = await this.storedItem(destination);
    if (!item) {
      // The index is a projection and may lag a removed mapping; the syncer prunes it.
      this.deps.log.warn('source index names a destination with no mapping', fields);
      return { destination, result: 'no-mapping' };
    }
    let mapping: ReplicationMapping;
    try {
      mapping = parseMapping(item);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.deps.log.error('invalid mapping: nothing written', { ...fields, field: error.field, reason: error.reason });
      return { destination, result: 'invalid', reason: error.message };
    }
    return this.replicate(mapping, context);
  }

  /**
   * Brings one destination in line with its sources, as {@link judgeReplication} decides.
   * `lookup` finds upstream mappings for the cycle check; by default it reads the
   * replication table, each mapping once for all the rounds below.
   */
  async replicate(mapping: ReplicationMapping, context: ReplicationContext = {}): Promise<ReplicationOutcome> {
    const fields = { parameter_name: mapping.destination, event_id: context.eventId };
    const lookup = context.lookup ?? readOnce((name) => this.storedMapping(name));
    let written = false;
    for (let round = 1; round <= MAX_WRITE_ROUNDS; round++) {
      let current: ParameterValue | undefined;
      const plan = await judgeReplication(mapping, {
        settings: this.deps.settings,
        lookup,
        read: async (names) => {
          const values = await this.deps.parameters.readDecrypted(names);
          current = values.get(mapping.destination);
          return values;
        },
      });
      switch (plan.action) {
        case 'write': {
          const runaway = await this.runaway(mapping.destination, current);
          if (runaway) {
            this.deps.log.error('replication refused', { ...fields, reason: runaway });
            return { destination: mapping.destination, result: 'refused', reason: runaway };
          }
          const version = await this.deps.parameters.write(plan.write);
          this.deps.log.info('destination replicated', { ...fields, type: plan.write.type, version });
          written = true;
          // Parameter Store has no conditional write: a replicator that read older sources
          // may have written after us. Reading again until nothing is left to write makes
          // the last writer of a destination always the one that saw the newest sources.
          continue;
        }
        case 'none':
          if (!written) this.deps.log.debug('destination already in sync', fields);
          return { destination: mapping.destination, result: written ? 'written' : 'in-sync' };
        case 'refuse':
          this.deps.log.warn('replication refused', { ...fields, reason: plan.reason });
          return { destination: mapping.destination, result: 'refused', reason: plan.reason };
        case 'wait':
          this.deps.log.warn('nothing written: a source is missing', { ...fields, reason: plan.reason });
          return { destination: mapping.destination, result: 'waiting', reason: plan.reason };
      }
    }
    throw new DestinationUnsettledError(mapping.destination, MAX_WRITE_ROUNDS);
  }

  /**
   * Why the destination must not be written because it is being rewritten without end. Only
   * a destination written within the last few minutes costs a read (of an older version).
   */
  private async runaway(destination: string, current: ParameterValue | undefined): Promise<string | undefined> {
    const now = (this.deps.now ?? Date.now)();
    const probe = rewriteProbe(current, now);
    if (probe === undefined) return undefined;
    return runawayRefusal(destination, await this.deps.parameters.readVersion(destination, probe), now);
  }

  /** The valid mapping stored for `destination`; a malformed one counts as none. */
  private async storedMapping(destination: string): Promise<ReplicationMapping | undefined> {
    const item = await this.storedItem(destination);
    return item ? parseStoredMapping(item) : undefined;
  }

  /** The item kept for `destination`, which a root-level one may be keyed by as `x`, not `/x`. */
  private async storedItem(destination: string): Promise<Record<string, unknown> | undefined> {
    const item = await this.deps.mappings.get(destination);
    if (item || !isRootLevel(destination)) return item;
    return this.deps.mappings.get(destination.slice(1));
  }
}

/** A lookup that reads each mapping once, however often it is asked. */
function readOnce(lookup: MappingLookup): MappingLookup {
  const read = new Map<string, Promise<ReplicationMapping | undefined>>();
  return (name) => {
    let mapping = read.get(name);
    if (!mapping) read.set(name, (mapping = lookup(name)));
    return mapping;
  };
}

/** `/x`: a name SSM also knows as `x`. */
function isRootLevel(name: string): boolean {
  return name.startsWith('/') && name.indexOf('/', 1) === -1;
}

/** The links an item in the table had; an item that never parsed never had any. */
function linksOfStoredItem(item: Readonly<Record<string, unknown>>): SourceLink[] {
  const mapping = parseStoredMapping(item);
  return mapping ? linksOf(mapping) : [];
}

function parseStoredMapping(item: Readonly<Record<string, unknown>>): ReplicationMapping | undefined {
  try {
    return parseMapping(item);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
}

function difference(links: readonly SourceLink[], minus: readonly SourceLink[]): SourceLink[] {
  const keys = new Set(minus.map(linkKey));
  return links.filter((link) => !keys.has(linkKey(link)));
}
