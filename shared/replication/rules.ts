/**
 * The replication rule: whether a destination may be written, and what it should hold.
 *
 * {@link judgeReplication} is the whole rule, and the live replicators and the syncer all
 * decide through it, so a destination is judged the same way whichever path reaches it:
 * first what the mapping alone shows (its place, {@link locateDestination}), then what lies
 * upstream of it ({@link cycleRefusal}), and only then, from the values of the sources it may
 * read, what to write ({@link desiredValue}). Mirrors are judged in mirror-plans.ts, runaways
 * in runaway.ts; decisions.ts folds them all into the one decision the replicator carries out.
 */
import { readableNameProblem } from '../parameter-names.ts';
import { isUnderPrefixes } from '../parameter-paths.ts';
import type { ParameterValue, ParameterWrite } from '../parameters.ts';
import { cycleRefusal, type MappingLookup } from './cycles.ts';
import { locateDestination, type LocatedDestination, type ReplicationSettings } from './locate.ts';
import { linksOf, sourcesOf } from './mapping.ts';
import { desiredValue } from './merge-values.ts';
import type { Place } from './places.ts';
import type { ParameterMapping, ReplicaPlaces, ReplicationMapping, SourceLink } from './types.ts';

export type ReplicationPlan =
  | { readonly action: 'write'; readonly write: ParameterWrite; readonly place?: Place }
  | { readonly action: 'none'; readonly reason: 'in-sync' }
  | { readonly action: 'refuse'; readonly reason: string }
  | { readonly action: 'wait'; readonly reason: string };

/**
 * Reads the decrypted current values of `names`; names absent from the result do not exist.
 * The rule calls it only with names it allows to be read.
 */
export type ParameterReader = (names: readonly string[]) => Promise<ReadonlyMap<string, ParameterValue>>;

/** What {@link judgeReplication} needs besides the mapping. */
export interface ReplicationJudgement {
  readonly settings: ReplicationSettings;
  /** Finds upstream mappings for the cycle check. */
  readonly lookup: MappingLookup;
  /** Reads at home: sources, and a destination there. */
  readonly read: ParameterReader;
  /** The replica targets' Parameter Stores; absent when none are configured. */
  readonly places?: ReplicaPlaces;
  /** Reads a destination in another place; by default one read of `places.parametersIn(place)`. */
  readonly readIn?: (place: Place, names: readonly string[]) => Promise<ReadonlyMap<string, ParameterValue>>;
}

/**
 * The whole replication rule for one destination: refused for what the mapping alone shows
 * ({@link refusalOf}), then for what lies upstream ({@link cycleRefusal}); only a mapping
 * that passes both has its sources and destination read, so nothing the deployment may not
 * read is ever asked for (under its IAM one such name fails a whole GetParameters call).
 *
 * @example
 * const plan = await judgeReplication(mapping, { settings, lookup, read: (names) => parameters.readDecrypted(names) });
 * if (plan.action === 'write') await parameters.write(plan.write);
 */
export async function judgeReplication(mapping: ParameterMapping, judgement: ReplicationJudgement): Promise<ReplicationPlan> {
  const located = await locateDestination(mapping, judgement.settings, judgement.places);
  if ('refusal' in located) return { action: 'refuse', reason: located.refusal };
  const refusal =
    refusalOf(mapping, judgement.settings) ?? (located.place ? undefined : await cycleRefusal(mapping, judgement.lookup));
  if (refusal) return { action: 'refuse', reason: refusal };
  const sources = sourcesOf(mapping);
  const { place } = located;
  const values = place
    ? await readApart(judgement, sources, place, located.name)
    : await judgement.read([...sources, located.name]);
  return planFromValues(mapping, located, values);
}

async function readApart(
  judgement: ReplicationJudgement,
  sources: readonly string[],
  place: Place,
  name: string,
): Promise<ReadonlyMap<string, ParameterValue>> {
  const readIn = judgement.readIn ?? ((where, names) => (judgement.places as ReplicaPlaces).parametersIn(where).readDecrypted(names));
  const [home, there] = await Promise.all([judgement.read(sources), readIn(place, [name])]);
  // A source and the destination may share a name in different places: the destination's
  // value is kept apart under a key no parameter has.
  const current = there.get(name);
  return current ? new Map([...home, [REMOTE_DESTINATION, current]]) : home;
}

// The key of a remote destination's value among the values of the sources read at home.
const REMOTE_DESTINATION = '\u0000destination';

/** What to do with a destination whose mapping the rule allows, given the values read. */
function planFromValues(
  mapping: ParameterMapping,
  located: LocatedDestination,
  values: ReadonlyMap<string, ParameterValue>,
): ReplicationPlan {
  const desired = desiredValue(mapping, values);
  if ('missing' in desired) {
    return { action: 'wait', reason: `source ${desired.missing.join(', ')} does not exist` };
  }
  const current = values.get(located.place ? REMOTE_DESTINATION : located.name);
  if (current && current.value === desired.value && current.type === desired.type) {
    return { action: 'none', reason: 'in-sync' };
  }
  return {
    action: 'write',
    write: {
      name: located.name,
      type: desired.type,
      value: desired.value,
      keyId: desired.type === 'SecureString' ? located.keyId : undefined,
    },
    ...(located.place && { place: located.place }),
  };
}

/**
 * References one merge may hold: each is a parameter read whenever the destination is
 * judged, and a merge of thousands would spend the account's read quota on every change.
 */
export const MAX_MERGE_REFERENCES = 50;

/**
 * Why the sources of this mapping may never be read, judged from the mapping alone (where
 * its destination may be written is {@link locateDestination}'s).
 */
export function refusalOf(mapping: ParameterMapping, settings: ReplicationSettings): string | undefined {
  const destination = mapping.target.name;
  const references = tooManyReferences(mapping);
  if (references !== undefined) {
    return `the merge has ${references} references; at most ${MAX_MERGE_REFERENCES} are replicated: split it into smaller merges`;
  }
  const sources = sourcesOf(mapping);
  for (const source of sources) {
    const unreadable = readableNameProblem(source);
    if (unreadable) return `source ${source} ${unreadable}, so SSM would refuse to read it`;
  }
  const allowed = settings.sourcePrefixes;
  const foreign = allowed ? sources.filter((source) => !isUnderPrefixes(source, allowed)) : [];
  if (foreign.length > 0) {
    return `source ${foreign.join(', ')} is outside the allowed source prefixes ${allowed?.join(', ')}`;
  }
  if (!mapping.target.arn && sources.includes(destination)) return `destination ${destination} reads itself`;
  return undefined;
}

/** The references of a merge over {@link MAX_MERGE_REFERENCES}, or undefined. */
function tooManyReferences(mapping: ParameterMapping): number | undefined {
  if (mapping.type !== 'merge') return undefined;
  const references = mapping.parts.filter((part) => part.kind === 'reference').length;
  return references > MAX_MERGE_REFERENCES ? references : undefined;
}

/**
 * The rows a mapping may own in the source index: none for a merge refused for its size,
 * so a change of its sources never even reads it.
 */
export function indexedLinks(mapping: ReplicationMapping): SourceLink[] {
  return mapping.type !== 'mirror' && tooManyReferences(mapping) !== undefined ? [] : linksOf(mapping);
}
