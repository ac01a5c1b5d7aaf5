/**
 * Live replication: a changed source, or a new or changed mapping, reaches its destinations.
 */
import { chunk as chunkOf, mapBounded } from '../concurrency.ts';
import type { ParameterChange } from '../events/types.ts';
import { messageOf, type Log } from '../log.ts';
import { parameterArn } from '../parameter-arn.ts';
import { Budget, TimeUpError, orWhenTimeUp } from '../sync/budget.ts';
import type { PacerClock } from '../call-pacer.ts';
import { workInOrder } from '../sync/ordered-work.ts';
import { ancestorPrefixes, linkKey } from './mapping.ts';
import { DestinationUnsettledError, ParameterExistsError, WriteRefusedError } from './errors.ts';
import { decideDestination, decideReplica, locateReplica, parametersAt, planReplicaByKey, type Decision, type DecisionPorts } from './decisions.ts';
import { overlapRefusal } from './mirror-ownership.ts';
import type { MappingLookup } from './cycles.ts';
import type { LocatedDestination, ReplicationSettings } from './locate.ts';
import { judgeMirror, replicaName, sourceNameOf } from './mirror-plans.ts';
import { indexedLinks } from './rules.ts';
import type {
  MirrorMapping,
  ParameterDetails,
  ParameterMapping,
  ReplicaPlaces,
  ReplicaStore,
  ReplicationMapping,
  ReplicationMappings,
  SourceIndex,
  SourceLink,
  StoredMapping,
} from './types.ts';

/**
 * Replicas a mirror's copy reads together and checkpoints together: fifty is
 * DescribeParameters' most names per filter. The budget is looked at before each replica, so
 * a chunk's writes never run far past it: at most the writes in flight, each a pace apart.
 */
const MIRROR_CHUNK = 50;
/** Replicas whose details are read together: one GetParameters batch per side. */
const MIRROR_READ_GROUP = 10;

/** Writes of one destination in one invocation before giving up (and letting Lambda retry). */
const MAX_WRITE_ROUNDS = 5;

export type ReplicationResult = 'written' | 'in-sync' | 'refused' | 'waiting' | 'no-mapping' | 'invalid';

export interface ReplicationOutcome {
  /** The destination, or a mirror's replica (an ARN in another place). */
  readonly destination: string;
  readonly result: ReplicationResult;
  readonly reason?: string;
  /** Refused as a runaway (a loop somewhere), not by the rule. */
  readonly runaway?: true;
  /** Written by deleting it: a mirror's replica whose source is gone. */
  readonly deleted?: true;
  /** A mirror's whole copy: what happened to its replicas. */
  readonly replicas?: MirrorCounts;
}

/** What a mirror's copy did, replica by replica. */
export interface MirrorCounts {
  written: number;
  deleted: number;
  inSync: number;
  refused: number;
  /** Replicas whose write failed (logged with the reason); the next copy or pass tries again. */
  failed: number;
}

/** Where a mirror's copy resumes, and how long it may run. */
export interface MirrorProgress {
  /** Continue behind this replica name (the copy goes in name order); absent: from the first. */
  readonly after?: string;
  /** Time to start work in; absent: the copy runs to its end. */
  readonly budget?: Budget;
  /** Copy the first replica whatever the budget: a worker that must get somewhere each time. */
  readonly atLeastOne?: boolean;
  /** After each chunk: replicas up to `after` are done, with what this call did so far. */
  readonly checkpoint?: (after: string, counts: MirrorCounts) => Promise<void>;
  /**
   * Every valid mapping, when the caller has read them all already; otherwise the copy reads
   * them, to refuse a mirror whose destination another mapping writes into.
   */
  readonly mappings?: readonly ReplicationMapping[];
}

/** A mirror's copy, with where it stopped when it ran out of time. */
export interface MirrorOutcome extends ReplicationOutcome {
  /** Continue behind this replica: the copy is not finished. Absent when it is. */
  readonly next?: string;
}

export interface ReplicationContext {
  /** The event being handled, for the log lines. */
  readonly eventId?: string;
  readonly lookup?: MappingLookup;
}

export interface ReplicatorDependencies {
  /** Parameter Store at home: every source, and the destinations there. */
  readonly parameters: ReplicaStore;
  /** The replica targets' Parameter Stores; absent when none are configured. */
  readonly places?: ReplicaPlaces;
  readonly mappings: ReplicationMappings;
  readonly sourceIndex: SourceIndex;
  readonly settings: ReplicationSettings;
  readonly log: Log;
  /** Parameter Store writes in flight at once (destinations of one source, or of a sync). */
  readonly concurrency?: number;
  /** Epoch ms now; tests replace it. */
  readonly now?: () => number;
  /** How paced bulk writes wait their turn; tests replace the clock. */
  readonly pacing?: PacerClock;
  /**
   * Makes a new or changed mirror's whole copy (paced, under the replication job's lease);
   * absent: the copy runs here, unpaced, to its end.
   */
  readonly copyMirror?: MirrorCopier;
}

/** Copies a mirror whole on behalf of its stream record. */
export type MirrorCopier = (mapping: MirrorMapping, context: ReplicationContext) => Promise<ReplicationOutcome>;

/**
 * Replicates on events. A source change costs one Query of the source index for its name and
 * one per ancestor prefix (the mirrors of those prefixes), plus, per destination, a GetItem
 * for its mapping and one per upstream name or ancestor prefix for the cycle check, and one
 * GetParameters (a second after a write). A destination already equal in value and type is
 * not written, so chains A→B→C converge and repeated events are cheap.
 *
 * @example
 * const replicator = new Replicator({ parameters, mappings, sourceIndex, settings, log });
 * await replicator.onParameterChanged(change);
 */
export class Replicator {
  constructor(private readonly deps: ReplicatorDependencies) {}

  /**
   * A put reaches every destination that reads the parameter; a delete leaves those alone.
   * Either reaches the replica of every mirror of a prefix above it: a mirror copies the
   * change, or deletes its replica.
   */
  async onParameterChanged(change: ParameterChange): Promise<ReplicationOutcome[]> {
    const { sourceIndex } = this.deps;
    const [destinations, mirrors] = await Promise.all([
      change.kind === 'delete' ? [] : sourceIndex.destinationsOf(change.name),
      Promise.all(ancestorPrefixes(change.name).map((prefix) => sourceIndex.destinationsOf(prefix))),
    ]);
    // The destinations of one source share their upstream chain: each mapping on it is read
    // once per event, not once per destination (and never kept longer: mappings change).
    const lookup = readOnce((name) => this.storedMapping(name));
    const context = { eventId: change.eventId, lookup };
    const work = [
      ...destinations.map((destination) => () => this.replicateDestination(destination, context)),
      ...mirrors.flat().map((mirror) => () => this.replicateReplicaOf(mirror, change.name, context)),
    ];
    return mapBounded(work, this.deps.concurrency ?? 4, (run) => run());
  }

  /**
   * A mapping was created, changed or removed (the replication table's stream). The source
   * index follows the mapping first, then the destination is replicated at once. Removing a
   * mapping leaves its destination in place, as Figgy does. A mapping that breaks the
   * contract loses its links (nothing may replicate from it) and the error is rethrown, so
   * the stream record ends in the dead-letter queue with the field named.
   */
  async onMappingChanged(next: StoredMapping | undefined, previous: StoredMapping | undefined, eventId?: string): Promise<ReplicationOutcome | undefined> {
    const oldLinks = previous?.valid ? indexedLinks(previous.mapping) : [];
    if (next && !next.valid) {
      if (oldLinks.length > 0) await this.deps.sourceIndex.remove(oldLinks);
      throw next.error;
    }
    const mapping = next?.mapping;
    const newLinks = mapping ? indexedLinks(mapping) : [];
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
    if (!mapping) return undefined;
    // A new mirror's first copy is the stream's: nothing else would copy what does not change.
    if (mapping.type !== 'mirror') return this.replicate(mapping, { eventId });
    return this.deps.copyMirror ? this.deps.copyMirror(mapping, { eventId }) : this.mirror(mapping, { eventId });
  }

  /**
   * Replicates the destination named in the source index, if its mapping still exists. A
   * malformed mapping is reported and skipped: it must not fail the other destinations of
   * the same source.
   */
  async replicateDestination(destination: string, context: ReplicationContext = {}): Promise<ReplicationOutcome> {
    const fields = { parameter_name: destination, event_id: context.eventId };
    const stored = await this.stored(destination);
    if (!stored) {
      // The index is a projection and may lag a removed mapping; the syncer prunes it.
      this.deps.log.warn('source index names a destination with no mapping', fields);
      return { destination, result: 'no-mapping' };
    }
    if (!stored.valid) {
      const { error } = stored;
      this.deps.log.error('invalid mapping: nothing written', { ...fields, field: error.field, reason: error.reason });
      return { destination, result: 'invalid', reason: error.message };
    }
    const { mapping } = stored;
    return mapping.type === 'mirror' ? this.mirror(mapping, context) : this.replicate(mapping, context);
  }

  /**
   * Brings the replica of `source` in line, for the mirror the source index names under one
   * of its ancestor prefixes (if it is still a mirror of that source).
   */
  async replicateReplicaOf(key: string, source: string, context: ReplicationContext = {}): Promise<ReplicationOutcome> {
    const mapping = await this.storedMapping(key);
    if (mapping?.type !== 'mirror' || !source.startsWith(mapping.source)) {
      // The index is a projection and may lag a changed mapping; the syncer prunes it.
      if (!mapping) this.deps.log.warn('source index names a destination with no mapping', { parameter_name: key, event_id: context.eventId });
      return mapping && mapping.type !== 'mirror' ? this.replicate(mapping, context) : { destination: key, result: 'no-mapping' };
    }
    const replica = replicaName(mapping, source);
    const address = addressOf(mapping, replica);
    const located = await locateReplica(mapping, replica, address, this.portsFor(context));
    if ('refusal' in located) return this.refused(located.refused, located.refusal, context);
    return this.replicateReplica(mapping, located, replica, context);
  }

  /**
   * A mirror's whole copy: every parameter under its source, and every replica under its
   * destination (a replica whose source is gone is deleted, unless the mirror keeps them).
   * Both sides are listed, then worked through in name order, a chunk at a time: each chunk
   * is read in batches and only replicas that differ are judged again, from a fresh read, and
   * written. With a budget the copy stops in time and says where (`next`); given that name
   * as `after`, the next call continues behind it.
   */
  async mirror(mapping: MirrorMapping, context: ReplicationContext = {}, progress: MirrorProgress = {}): Promise<MirrorOutcome> {
    const located = await judgeMirror(mapping, this.portsFor(context));
    if ('refusal' in located) return this.refused(mapping.destination, located.refusal, context);
    const overlap = overlapRefusal(mapping, progress.mappings ?? (await this.validMappings()));
    if (overlap) return this.refused(mapping.destination, overlap, context);
    const store = parametersAt(this.deps, located.place);
    const budget = progress.budget ?? Budget.unlimited();
    const after = progress.after;
    const [sources, replicas] = await Promise.all([
      collectWithin(this.deps.parameters.namesUnder(mapping.source), budget),
      collectWithin(store.namesUnder(located.name), budget),
    ]);
    if (sources === undefined || replicas === undefined) {
      // At its read pace a large prefix can take longer to list than an invocation has:
      // stopping here, where nothing is half done, lets the next invocation (or the syncer,
      // for a first copy) continue instead of the function being killed at its timeout.
      this.deps.log.warn('mirror copy paused: listing its prefixes took the invocation\'s time', {
        parameter_name: mapping.destination,
        event_id: context.eventId,
      });
      const none: MirrorCounts = { written: 0, deleted: 0, inSync: 0, refused: 0, failed: 0 };
      return { destination: mapping.destination, result: 'in-sync', replicas: none, next: after ?? '' };
    }
    const existing = new Set(replicas);
    const names = new Set(sources.map((source) => replicaName(mapping, source)));
    if (!mapping.keepDeleted) for (const replica of replicas) names.add(replica);
    const ordered = [...names].filter((name) => after === undefined || name > after).sort();

    const counts: MirrorCounts = { written: 0, deleted: 0, inSync: 0, refused: 0, failed: 0 };
    let read: { sources: Map<string, ParameterDetails>; replicas: Map<string, ParameterDetails> } = { sources: new Map(), replicas: new Map() };
    const sourceSet = new Set(sources);
    const { finished, last } = await workInOrder(ordered, {
      budget,
      atLeastOne: progress.atLeastOne === true,
      chunkSize: MIRROR_CHUNK,
      concurrency: this.deps.concurrency ?? 4,
      prepare: async (chunk) => {
        read = { sources: new Map(), replicas: new Map() };
        let prepared = 0;
        // A group at a time, so that a slow read pace stops between groups when time runs out
        // rather than reading a whole chunk past the invocation's timeout.
        for (const group of chunkOf(chunk, MIRROR_READ_GROUP)) {
          if (prepared > 0 && budget.spent()) break;
          const details = await orWhenTimeUp(
            Promise.all([
              this.deps.parameters.readDetails(group.map((replica) => sourceNameOf(mapping, replica)).filter((source) => sourceSet.has(source))),
              store.readDetails(group.filter((replica) => existing.has(replica))),
            ]),
            undefined,
          );
          if (!details) break;
          const [sourceDetails, replicaDetails] = details;
          for (const [name, details] of sourceDetails) read.sources.set(name, details);
          for (const [name, details] of replicaDetails) read.replicas.set(name, details);
          prepared += group.length;
        }
        return prepared;
      },
      work: async (replica) => {
        const source = read.sources.get(sourceNameOf(mapping, replica));
        const first = await planReplicaByKey(mapping, located, replica, source, read.replicas.get(replica), store);
        if (first.action === 'none') {
          counts.inSync++;
          return;
        }
        let outcome;
        try {
          outcome = await this.replicateReplica(mapping, located, replica, context);
        } catch (error) {
          // Out of time is not a failure: the next invocation starts again at this replica.
          if (error instanceof TimeUpError) throw error;
          // One replica must not hold up the rest of a copy that may take an hour.
          counts.failed++;
          this.deps.log.error('replica not written; the next copy or pass tries again', {
            parameter_name: addressOf(mapping, replica),
            event_id: context.eventId,
            reason: messageOf(error),
          });
          return;
        }
        if (outcome.result === 'written') counts[source ? 'written' : 'deleted']++;
        else if (outcome.result === 'refused') counts.refused++;
        else counts.inSync++;
      },
      checkpoint: async (done) => progress.checkpoint?.(done, { ...counts }),
    });
    const next = finished ? undefined : (last ?? after ?? '');
    this.deps.log.info(finished ? 'mirror copied' : 'mirror copy paused', { parameter_name: mapping.destination, event_id: context.eventId, ...counts });
    const result = counts.written + counts.deleted > 0 ? 'written' : 'in-sync';
    return { destination: mapping.destination, result, replicas: counts, ...(next !== undefined && { next }) };
  }

  /** Brings one replica of a mirror the rule allows in line with its source, as {@link decideReplica} decides. */
  private replicateReplica(mapping: MirrorMapping, located: LocatedDestination, replica: string, context: ReplicationContext): Promise<ReplicationOutcome> {
    const ports = this.portsFor(context);
    return this.untilSettled(addressOf(mapping, replica), context, () => decideReplica(mapping, located, replica, ports), 'replica');
  }

  /** Brings one destination in line with its sources, as {@link decideDestination} decides. */
  replicate(mapping: ParameterMapping, context: ReplicationContext = {}): Promise<ReplicationOutcome> {
    const ports = this.portsFor(context);
    return this.untilSettled(mapping.destination, context, () => decideDestination(mapping, ports), 'destination');
  }

  /**
   * Decides, carries the decision out and decides again, until nothing is left to do.
   * Parameter Store has no conditional write: a replicator that read older sources may have
   * written after us, so deciding again after every write makes the last writer of a
   * destination always the one that saw the newest sources. A destination written this many
   * times over and still differing is given up on, retryably; one written and out of time to
   * read back is counted as written (the next pass checks it). A destination found in sync
   * is logged at debug; a replica is not (a mirror's events and copies find most in sync).
   */
  private async untilSettled(
    destination: string,
    context: ReplicationContext,
    decide: () => Promise<Decision>,
    kind: 'destination' | 'replica',
  ): Promise<ReplicationOutcome> {
    const fields = { parameter_name: destination, event_id: context.eventId };
    let written = false;
    let deleted = false;
    const done = () => ({ destination, result: 'written' as const, ...(deleted && { deleted: true as const }) });
    for (let attempt = 1; attempt <= MAX_WRITE_ROUNDS; attempt++) {
      const decision: Decision | undefined = written ? await orWhenTimeUp(decide(), undefined) : await decide();
      if (!decision) return done();
      switch (decision.action) {
        case 'none':
          if (!written && kind === 'destination') this.deps.log.debug('destination already in sync', fields);
          return written ? done() : { destination, result: 'in-sync' };
        case 'wait':
          this.deps.log.warn('nothing written: a source is missing', { ...fields, reason: decision.reason });
          return { destination, result: 'waiting', reason: decision.reason };
        case 'refuse':
          return this.refused(destination, decision.reason, context, decision.runaway ? 'error' : 'warn');
      }
      try {
        await this.carryOut(decision, fields);
      } catch (error) {
        if (error instanceof WriteRefusedError) return this.refused(destination, error.message, context);
        // Created by someone else since it was read: the next round reads it and decides again.
        if (error instanceof ParameterExistsError) continue;
        throw error;
      }
      written = true;
      deleted = decision.action === 'delete';
    }
    throw new DestinationUnsettledError(destination, MAX_WRITE_ROUNDS);
  }

  /** Writes or deletes as decided, in the destination's place. */
  private async carryOut(decision: Extract<Decision, { action: 'write' | 'delete' }>, fields: Record<string, unknown>): Promise<void> {
    const store = parametersAt(this.deps, decision.place);
    if (decision.action === 'delete') {
      await store.deleteParameters([decision.name]);
      this.deps.log.info('replica deleted: its source is gone', fields);
      return;
    }
    const version = decision.write && (await store.write(decision.write));
    if (!decision.retag) {
      this.deps.log.info('destination replicated', { ...fields, type: decision.write?.type, version });
      return;
    }
    await store.retag(decision.name, decision.retag.add, decision.retag.remove);
    this.deps.log.info('replica written', { ...fields, type: decision.write?.type, tags_only: !decision.write });
  }

  /** A refusal, logged: a runaway (a loop somewhere) at error, the rule's reasons at warn. */
  private refused(destination: string, reason: string, context: ReplicationContext, level: 'warn' | 'error' = 'warn'): ReplicationOutcome {
    this.deps.log[level]('replication refused', { parameter_name: destination, event_id: context.eventId, reason });
    return { destination, result: 'refused', reason, ...(level === 'error' && { runaway: true as const }) };
  }

  /** The context's lookup, or one that reads the replication table, each mapping once. */
  private lookupOf(context: ReplicationContext): MappingLookup {
    return context.lookup ?? readOnce((name) => this.storedMapping(name));
  }

  /** What the rule reads through, with the context's lookup. */
  private portsFor(context: ReplicationContext): DecisionPorts {
    return { ...this.deps, lookup: this.lookupOf(context), now: this.deps.now ?? Date.now };
  }

  /** Every valid mapping in the table; a malformed one replicates nothing, so it counts as none. */
  private async validMappings(): Promise<ReplicationMapping[]> {
    const mappings: ReplicationMapping[] = [];
    for await (const stored of this.deps.mappings.scan()) if (stored.valid) mappings.push(stored.mapping);
    return mappings;
  }

  /** The valid mapping stored for `destination`; a malformed one counts as none. */
  private async storedMapping(destination: string): Promise<ReplicationMapping | undefined> {
    const stored = await this.stored(destination);
    return stored?.valid ? stored.mapping : undefined;
  }

  /** The item kept for `destination`, which a root-level one may be keyed by as `x`, not `/x`. */
  private async stored(destination: string): Promise<StoredMapping | undefined> {
    const stored = await this.deps.mappings.get(destination);
    if (stored || !isRootLevel(destination)) return stored;
    return this.deps.mappings.get(destination.slice(1));
  }
}

/** Every item, or undefined when time ran out (the budget spent, or a paced call's turn too late) first. */
async function collectWithin<T>(items: AsyncIterable<T>, budget: Budget): Promise<T[] | undefined> {
  const all: T[] = [];
  const listed = async () => {
    for await (const item of items) {
      if (budget.spent()) return undefined;
      all.push(item);
    }
    return all;
  };
  return orWhenTimeUp(listed(), undefined);
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

/** How a replica is named in outcomes and logs: its name at home, its ARN elsewhere. */
function addressOf(mapping: MirrorMapping, replica: string): string {
  const arn = mapping.target.arn;
  return arn ? parameterArn(arn, replica) : replica;
}

function difference(links: readonly SourceLink[], minus: readonly SourceLink[]): SourceLink[] {
  const keys = new Set(minus.map(linkKey));
  return links.filter((link) => !keys.has(linkKey(link)));
}
