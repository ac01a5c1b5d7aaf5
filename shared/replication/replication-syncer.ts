/**
 * The scheduled repair of replication: every destination and the whole source index.
 */
import { collect, mapBounded } from '../concurrency.ts';
import { ValidationError } from '../events/validation.ts';
import { linkKey, parseMapping, sourcesOf } from './mapping.ts';
import { placeKey, type Place } from './places.ts';
import { Replicator, type ReplicatorDependencies } from './replicator.ts';
import { indexedLinks, judgeReplication, type ParameterReader } from './rules.ts';
import type { MirrorMapping, ParameterMapping, ReplicationMapping } from './types.ts';

export interface ReplicationSyncReport {
  readonly mappings: number;
  readonly invalid: number;
  readonly linksAdded: number;
  readonly linksRemoved: number;
  readonly written: number;
  readonly inSync: number;
  readonly refused: number;
  /** Destinations with a missing source: nothing written, as the rule says. */
  readonly waiting: number;
  /** Mirror mappings copied (their replicas are counted in written, inSync, refused, deleted). */
  readonly mirrors: number;
  /** Replicas deleted because their source is gone. */
  readonly deleted: number;
}


/**
 * Reads every mapping once, rebuilds the source index from them, judges every mapping by the
 * replication rule — reading the sources and destinations it allows, and only those, in
 * batched GetParameters calls — to find the destinations that drifted, and has the
 * replicator repair each of them.
 *
 * Destinations are repaired upstream first, and a destination downstream of a repaired one
 * is always looked at again, so one run converges a chain A→B→C. Mirrors come last, each
 * compared whole with its replicas (hand edits, hand deletes, tags, lost deletes), so they
 * copy what the mappings before them wrote.
 *
 * @example
 * const report = await new ReplicationSyncer({ parameters, mappings, sourceIndex, settings, log }).sync();
 */
export class ReplicationSyncer {
  constructor(private readonly deps: ReplicatorDependencies) {}

  async sync(): Promise<ReplicationSyncReport> {
    const { log } = this.deps;
    const mappings: ReplicationMapping[] = [];
    let invalid = 0;
    for await (const item of this.deps.mappings.scan()) {
      try {
        mappings.push(parseMapping(item));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        invalid++;
        log.error('invalid mapping skipped', { parameter_name: String(item.destination), reason: error.message });
      }
    }
    const { linksAdded, linksRemoved } = await this.rebuildIndex(mappings);

    const byDestination = new Map(mappings.map((mapping) => [mapping.destination, mapping]));
    const lookup = async (name: string) => byDestination.get(name);
    const read = batchedReads((names) => this.deps.parameters.readDecrypted(names));
    const readers = new Map<string, ParameterReader>();
    const readIn = (place: Place, names: readonly string[]) => {
      const key = placeKey(place);
      let reader = readers.get(key);
      if (!reader) readers.set(key, (reader = batchedReads((batch) => this.placeStore(place).readDecrypted(batch))));
      return reader(names);
    };
    const parameterMappings = mappings.filter((mapping): mapping is ParameterMapping => mapping.type !== 'mirror');
    const mirrors = mappings.filter((mapping): mapping is MirrorMapping => mapping.type === 'mirror');
    const judgement = { settings: this.deps.settings, lookup, read, readIn, places: this.deps.places };
    const verdicts = new Map(
      await Promise.all(
        parameterMappings.map(async (mapping) => [mapping.destination, await judgeReplication(mapping, judgement)] as const),
      ),
    );
    const replicator = new Replicator(this.deps);
    const changed = new Set<string>();

    const counts = { written: 0, inSync: 0, refused: 0, waiting: 0, deleted: 0 };
    for (const level of upstreamFirst(parameterMappings, byDestination)) {
      await mapBounded(level, this.deps.concurrency ?? 4, async (mapping) => {
        // The first judgement only finds the destinations worth a look: judging again and
        // writing is the replicator's, which reads again right before writing, so a source
        // changed since is never written back over by its older value.
        const upstreamChanged = sourcesOf(mapping).some((source) => changed.has(source));
        if (!upstreamChanged && verdicts.get(mapping.destination)?.action === 'none') {
          counts.inSync++;
          return;
        }
        const outcome = await replicator.replicate(mapping, { lookup });
        switch (outcome.result) {
          case 'written':
            counts.written++;
            changed.add(mapping.destination);
            return;
          case 'refused':
            counts.refused++;
            return;
          case 'waiting':
            counts.waiting++;
            return;
          default:
            counts.inSync++;
        }
      });
    }
    // One mirror at a time: each already keeps the concurrency's writes in flight.
    for (const mirror of mirrors) {
      const outcome = await replicator.mirror(mirror, { lookup });
      if (!outcome.replicas) {
        counts.refused++;
        continue;
      }
      counts.written += outcome.replicas.written;
      counts.deleted += outcome.replicas.deleted;
      counts.inSync += outcome.replicas.inSync;
      counts.refused += outcome.replicas.refused;
    }
    const report = { mappings: mappings.length, invalid, linksAdded, linksRemoved, mirrors: mirrors.length, ...counts };
    log.info('replication sync finished', report);
    return report;
  }

  private placeStore(place: Place) {
    if (!this.deps.places) throw new Error('a destination in another place was allowed without replica places');
    return this.deps.places.parametersIn(place);
  }

  /** Makes the source index exactly the projection of the mappings. */
  private async rebuildIndex(mappings: readonly ReplicationMapping[]) {
    const wanted = new Map(mappings.flatMap(indexedLinks).map((link) => [linkKey(link), link]));
    const stored = new Map((await collect(this.deps.sourceIndex.scan())).map((link) => [linkKey(link), link]));
    const missing = [...wanted].filter(([key]) => !stored.has(key)).map(([, link]) => link);
    const stale = [...stored].filter(([key]) => !wanted.has(key)).map(([, link]) => link);
    if (missing.length > 0) await this.deps.sourceIndex.add(missing);
    if (stale.length > 0) await this.deps.sourceIndex.remove(stale);
    if (missing.length + stale.length > 0) {
      this.deps.log.info('source index repaired', { links_added: missing.length, links_removed: stale.length });
    }
    return { linksAdded: missing.length, linksRemoved: stale.length };
  }
}

/**
 * A reader whose reads asked for within one turn of the event loop go out as one read of
 * all their names, which the port batches ten to a GetParameters call.
 */
function batchedReads(read: ParameterReader): ParameterReader {
  let pending: { readonly names: Set<string>; readonly values: ReturnType<ParameterReader> } | undefined;
  return (names) => {
    if (!pending) {
      const batch = new Set<string>();
      const values = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        pending = undefined;
        return read([...batch]);
      });
      pending = { names: batch, values };
    }
    for (const name of names) pending.names.add(name);
    return pending.values;
  };
}

/**
 * Groups mappings into levels: a mapping whose sources are themselves destinations comes
 * after them. Mappings on a cycle get the last level; the rule refuses them anyway.
 */
function upstreamFirst(
  mappings: readonly ParameterMapping[],
  byDestination: ReadonlyMap<string, ReplicationMapping>,
): ParameterMapping[][] {
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (mapping: ReplicationMapping): number => {
    const known = depth.get(mapping.destination);
    if (known !== undefined) return known;
    if (visiting.has(mapping.destination)) return mappings.length;
    visiting.add(mapping.destination);
    const upstream = sourcesOf(mapping).flatMap((source) => {
      const parent = byDestination.get(source);
      return parent ? [depthOf(parent) + 1] : [];
    });
    visiting.delete(mapping.destination);
    const result = Math.min(mappings.length, Math.max(0, ...upstream));
    depth.set(mapping.destination, result);
    return result;
  };
  const levels = new Map<number, ParameterMapping[]>();
  for (const mapping of mappings) {
    const level = depthOf(mapping);
    const members = levels.get(level);
    if (members) members.push(mapping);
    else levels.set(level, [mapping]);
  }
  return [...levels.keys()].sort((a, b) => a - b).map((level) => levels.get(level) as ParameterMapping[]);
}
