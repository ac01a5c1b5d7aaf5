/**
 * The replication rule: whether a destination may be written, and what it should hold.
 *
 * {@link judgeReplication} is the whole rule, and the live replicators and the syncer all
 * decide through it, so a destination is judged the same way whichever path reaches it:
 * first what the mapping alone shows, then what lies upstream of it, and only then, from the
 * values of the sources it may read, what to write.
 */
import { partitionOf } from '../partitions.ts';
import { readableNameProblem, writableNameProblem } from '../parameter-names.ts';
import { isUnderPrefixes } from '../parameter-paths.ts';
import type { ParameterValue, ParameterWrite } from '../parameters.ts';
import { ancestorPrefixes, linksOf, sourcesOf } from './mapping.ts';
import { placeKey, samePlace, type Place } from './places.ts';
import { MAX_TAGS, REPLICA_TAG, ownershipOf, replicaMark, replicaMarkProblem, replicaTags } from './mirror-ownership.ts';
import { replicaTargetAt, type ReplicaTarget } from './replica-targets.ts';
import type {
  DesiredValue,
  MergePart,
  MirrorMapping,
  ParameterDetails,
  ParameterMapping,
  ReplicaPlaces,
  ReplicaWrite,
  ReplicationMapping,
  SourceLink,
} from './types.ts';

export type ReplicationPlan =
  | { readonly action: 'write'; readonly write: ParameterWrite; readonly place?: Place }
  | { readonly action: 'none'; readonly reason: 'in-sync' }
  | { readonly action: 'refuse'; readonly reason: string }
  | { readonly action: 'wait'; readonly reason: string };

export interface ReplicationSettings {
  /** Destinations must lie under one of these (as returned by `parsePrefixes`). */
  readonly destinationPrefixes: readonly string[];
  /** Sources must lie under one of these; absent means any parameter may be a source. */
  readonly sourcePrefixes?: readonly string[];
  /** KMS key for SecureString destinations; absent means the account's SSM key. */
  readonly kmsKeyId?: string;
  /**
   * The other regions and accounts replication may write (the construct's `replicaTargets`,
   * prefixes normalised); absent or empty: none, and every ARN destination is refused.
   */
  readonly replicaTargets?: readonly ReplicaTarget[];
  /** Pace of first copies and repairs at home, writes per second; absent: the default. */
  readonly bulkWritesPerSecond?: number;
  /** Pace of background reads at home, read calls per second; absent: the default. */
  readonly bulkReadsPerSecond?: number;
}

/** Where a destination the rule allows lives, and the key its SecureStrings take there. */
export interface LocatedDestination {
  /** Absent: home, this deployment's own region and account. */
  readonly place?: Place;
  /** Home, when `place` is another: a mirror's replicas there name it in their mark. */
  readonly home?: Place;
  /** Whether `place` is in another region than home (an AMI id, for one, is regional). */
  readonly otherRegion: boolean;
  /** The parameter name, or a mirror's prefix ending in `/`, in that place. */
  readonly name: string;
  /** Key for SecureStrings there; absent: that place's default SSM key. */
  readonly keyId?: string;
  /**
   * That key's ARN, as KMS names it there: set by the replicator before a replica's key (also
   * as KMS names it) is compared, since Parameter Store may spell one key several ways.
   */
  readonly keyArn?: string;
}

/** Looks up the mapping whose destination is `name`, if any. */
export type MappingLookup = (name: string) => Promise<ReplicationMapping | undefined>;

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
 * Where a mapping's destination lives, or why it may not be written there: a plain name must
 * lie under the destination prefixes; an ARN must name a configured replica target (never
 * home: a plain name says that) and lie under that target's prefixes. Asks `places` for the
 * home account only for an ARN destination.
 */
export async function locateDestination(
  mapping: ReplicationMapping,
  settings: ReplicationSettings,
  places: ReplicaPlaces | undefined,
): Promise<LocatedDestination | { readonly refusal: string }> {
  const { target, destination } = mapping;
  const prefix = mapping.type === 'mirror';
  const nameProblem = prefix ? mirrorPrefixProblem(target.name, 'destination') : writableNameProblem(target.name);
  if (nameProblem) return { refusal: `destination ${destination} ${nameProblem}, so SSM would refuse to write it` };
  const path = prefix ? target.name.slice(0, -1) : target.name;
  if (!target.arn) {
    if (!isUnderPrefixes(path, settings.destinationPrefixes)) {
      return { refusal: `destination ${destination} is outside the allowed prefixes ${settings.destinationPrefixes.join(', ')}` };
    }
    return { name: target.name, otherRegion: false, ...(settings.kmsKeyId !== undefined && { keyId: settings.kmsKeyId }) };
  }
  const { partition, region, account } = target.arn;
  if (partition !== partitionOf(region)) {
    return { refusal: `destination ${destination} names partition ${partition}, but ${region} is in ${partitionOf(region)}` };
  }
  const targets = settings.replicaTargets ?? [];
  const home = targets.length > 0 && places ? await places.home() : undefined;
  const place = { region, account };
  if (home && samePlace(home, place)) {
    return { refusal: `destination ${destination} names this deployment's own region and account: write the plain name ${target.name}` };
  }
  const replicaTarget = home && replicaTargetAt(targets, place, home.account);
  if (!home || !replicaTarget) {
    return {
      refusal:
        `destination ${destination} is in ${placeKey(place)}, which is not a replica target of this deployment: ` +
        `add { region: '${region}', accountId: '${account}', destinationPrefixes: [...] } (and, for another account, ` +
        `the roleArn of its FiggyReplicaTarget) to the construct prop replicaTargets`,
    };
  }
  if (!isUnderPrefixes(path, replicaTarget.destinationPrefixes)) {
    return {
      refusal: `destination ${destination} is outside the prefixes of replica target ${placeKey(place)}: ${replicaTarget.destinationPrefixes.join(', ')}`,
    };
  }
  return {
    place,
    home,
    otherRegion: region !== home.region,
    name: target.name,
    ...(replicaTarget.kmsKeyArn !== undefined && { keyId: replicaTarget.kmsKeyArn }),
  };
}

/** Why a mirror's prefix (ending in `/`) could hold no parameter, or undefined. */
function mirrorPrefixProblem(prefix: string, role: 'source' | 'destination'): string | undefined {
  if (prefix === '/') return role === 'source' ? undefined : 'is "/", which would let a mirror overwrite every parameter';
  const path = prefix.slice(0, -1);
  return role === 'source' ? readableNameProblem(path) : writableNameProblem(path);
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

/** The deepest chain of mappings followed upstream; a deeper one is refused, never assumed safe. */
export const MAX_CHAIN = 64;
/** Upstream mappings read for one check at most: merges fan out, and every read costs. */
export const MAX_UPSTREAM = 256;

/**
 * Why this mapping must not replicate because of what lies upstream of it, or undefined.
 *
 * Following what it reads upstream through other mappings must never lead back to what it
 * writes (a cycle rewrites its members forever). A mirror reads and writes whole prefixes, so
 * "leads back" means overlaps: a name under a prefix, or two prefixes one inside the other.
 * Upstream of a name are the mapping keyed by it and the mirrors whose destination prefix is
 * one of its ancestors (one lookup each, at most SSM's 15 levels). A chain too deep or too
 * wide to follow to its end cannot be shown free of cycles, so it is refused too: treating it
 * as safe is how a long ring replicates forever. Only a destination at home can close a cycle:
 * sources are always read at home.
 */
export async function cycleRefusal(mapping: ReplicationMapping, lookup: MappingLookup): Promise<string | undefined> {
  if (mapping.target.arn) return undefined;
  const written = mapping.target.name;
  const visited = new Set<string>();
  type Walk = { readonly cycle: string[] } | { readonly tooLong: string[] } | undefined;
  const walk = async (region: string, chain: string[]): Promise<Walk> => {
    if (overlaps(region, written)) return { cycle: [...chain, region] };
    if (visited.has(region)) return undefined;
    visited.add(region);
    const upstream = await upstreamOf(region, lookup);
    if (upstream.length === 0) return undefined;
    // `chain` holds the destination and the regions between it and this one: its length is
    // the depth of this mapping.
    if (chain.length > MAX_CHAIN || visited.size > MAX_UPSTREAM) return { tooLong: [...chain, region] };
    for (const source of upstream) {
      const found = await walk(source, [...chain, region]);
      if (found) return found;
    }
    return undefined;
  };
  const reads = mapping.type === 'mirror' ? [mapping.source] : sourcesOf(mapping);
  for (const source of reads) {
    const found = await walk(source, [mapping.destination]);
    if (!found) continue;
    if ('cycle' in found) return `mapping closes a cycle: ${found.cycle.join(' <- ')}`;
    return (
      `the mappings upstream of ${mapping.destination} are too many to check for a cycle ` +
      `(more than ${MAX_CHAIN} deep or ${MAX_UPSTREAM} in all, reached at ${found.tooLong.at(-1)}), ` +
      'so it is refused rather than assumed safe: shorten the chain'
    );
  }
  return undefined;
}

/** What the mappings writing `region` (a name, or a prefix ending in `/`) read to write it. */
async function upstreamOf(region: string, lookup: MappingLookup): Promise<string[]> {
  const regions: string[] = [];
  if (!region.endsWith('/')) {
    const exact = await lookup(region);
    if (exact && exact.type !== 'mirror' && !exact.target.arn) regions.push(...sourcesOf(exact));
  }
  // A mirror into "/" is refused, so the root is never looked up.
  for (const prefix of ancestorPrefixes(region).slice(1)) {
    const mirror = await lookup(prefix);
    if (mirror?.type === 'mirror' && !mirror.target.arn && mirror.target.name === prefix) {
      regions.push(mirror.source + region.slice(prefix.length));
    }
  }
  return regions;
}

/** Whether two names or prefixes (ending in `/`) share a parameter. */
function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.endsWith('/') && b.startsWith(a)) return true;
  return b.endsWith('/') && a.startsWith(b);
}

/**
 * Why a mirror may never copy anything, judged from the mirror alone and what lies upstream,
 * before anything is read; or where it writes.
 */
export async function judgeMirror(
  mirror: MirrorMapping,
  judgement: Pick<ReplicationJudgement, 'settings' | 'lookup' | 'places'>,
): Promise<LocatedDestination | { readonly refusal: string }> {
  const located = await locateDestination(mirror, judgement.settings, judgement.places);
  if ('refusal' in located) return located;
  const { source } = mirror;
  const unreadable = mirrorPrefixProblem(source, 'source');
  if (unreadable) return { refusal: `source ${source} ${unreadable}, so SSM would refuse to read it` };
  const allowed = judgement.settings.sourcePrefixes;
  const sourcePath = source === '/' ? '/' : source.slice(0, -1);
  if (allowed && !isUnderPrefixes(sourcePath, allowed)) {
    return { refusal: `source ${source} is outside the allowed source prefixes ${allowed.join(', ')}` };
  }
  if (!located.place && overlaps(source, located.name)) {
    return { refusal: `mirror of ${source} into ${located.name} overlaps its own source: every copy would be copied again` };
  }
  const unmarkable = replicaMarkProblem(replicaMark(mirror, located.home));
  if (unmarkable) return { refusal: `mirror of ${source} into ${mirror.destination}: ${unmarkable}` };
  const cycle = await cycleRefusal(mirror, judgement.lookup);
  return cycle ? { refusal: cycle } : located;
}

/** What a mirror does with one replica. */
export type ReplicaPlan =
  | { readonly action: 'none' }
  | { readonly action: 'refuse'; readonly reason: string }
  | { readonly action: 'delete' }
  | {
      readonly action: 'write';
      /** Absent when only the tags differ. */
      readonly write?: ReplicaWrite;
      readonly addTags: Readonly<Record<string, string>>;
      readonly removeTags: readonly string[];
    };

/** The name a mirror keeps the copy of `sourceName` under. */
export function replicaName(mirror: MirrorMapping, sourceName: string): string {
  return mirror.target.name + sourceName.slice(mirror.source.length);
}

/** The source whose copy a mirror keeps under `replica`. */
export function sourceNameOf(mirror: MirrorMapping, replica: string): string {
  return mirror.source + replica.slice(mirror.target.name.length);
}

/** The key SSM names for a SecureString written without one: the place's default. */
export const DEFAULT_SSM_KEY = 'alias/aws/ssm';

/**
 * What a mirror the rule allows ({@link judgeMirror}) does with one replica, given the source
 * and the replica as they are now: copy value, type, description, tier, data type, allowed
 * pattern and tags, and mark the replica as this mirror's ({@link REPLICA_TAG}); delete it
 * when the source is gone (unless the mirror keeps deleted ones); refuse what could not exist
 * in the target. A parameter the mirror did not write is never written or deleted: only one
 * that is already exactly the copy, unmarked, is marked and so taken on (a replica written
 * before mirrors marked theirs, or one whose mark a failed write left out).
 */
export function planReplica(
  mirror: MirrorMapping,
  located: LocatedDestination,
  replica: string,
  source: ParameterDetails | undefined,
  current: ParameterDetails | undefined,
): ReplicaPlan {
  const mark = replicaMark(mirror, located.home);
  const ownership = current && ownershipOf(mark, current);
  if (!source) {
    if (!ownership || mirror.keepDeleted) return { action: 'none' };
    return ownership.owned ? { action: 'delete' } : { action: 'refuse', reason: ownership.reason };
  }
  const unwritable = writableNameProblem(replica);
  if (unwritable) return { action: 'refuse', reason: `replica ${replica} ${unwritable}, so SSM would refuse to write it` };
  if (source.dataType === 'aws:ec2:image' && located.otherRegion) {
    return {
      action: 'refuse',
      reason:
        `source ${source.name} has data type aws:ec2:image: an AMI id names an image of one region, so it cannot ` +
        `exist in ${located.place?.region}; mirror it under another data type or leave it out of the mirror`,
    };
  }
  const tags = replicaTags(mark, source.tags);
  if (Object.keys(tags).length > MAX_TAGS) {
    return {
      action: 'refuse',
      reason: `source ${source.name} has ${MAX_TAGS} tags, the most a parameter holds, and its replica needs one more: ${REPLICA_TAG}`,
    };
  }
  const keyId = source.type === 'SecureString' ? (located.keyId ?? DEFAULT_SSM_KEY) : undefined;
  // SSM never moves a parameter back to Standard: a replica already Advanced stays so.
  const tier = current?.tier === 'Advanced' ? 'Advanced' : source.tier;
  const write: ReplicaWrite = {
    name: replica,
    type: source.type,
    value: source.value,
    description: source.description ?? '',
    tier,
    dataType: source.dataType,
    ...(source.allowedPattern !== undefined && { allowedPattern: source.allowedPattern }),
    ...(keyId !== undefined && located.keyId !== undefined && { keyId }),
  };
  const same =
    current !== undefined &&
    current.value === write.value &&
    current.type === write.type &&
    (current.description ?? '') === write.description &&
    current.tier === tier &&
    current.dataType === write.dataType &&
    current.allowedPattern === write.allowedPattern &&
    (keyId === undefined || current.keyId === (located.keyArn ?? keyId));
  const have = current?.tags ?? {};
  const addTags = Object.fromEntries(Object.entries(tags).filter(([key, value]) => have[key] !== value));
  const removeTags = Object.keys(have).filter((key) => !(key in tags));
  if (ownership && !ownership.owned) {
    const onlyUnmarked = same && removeTags.length === 0 && Object.keys(addTags).join() === REPLICA_TAG;
    if (!ownership.untagged || !onlyUnmarked) return { action: 'refuse', reason: ownership.reason };
  }
  if (same && Object.keys(addTags).length === 0 && removeTags.length === 0) return { action: 'none' };
  // A new replica is created with its tags in one call, which SSM refuses over a parameter
  // created meanwhile: it is never left unmarked, nor written over someone else's.
  if (!current) return { action: 'write', write: { ...write, createWithTags: tags }, addTags: {}, removeTags: [] };
  return { action: 'write', ...(!same && { write }), addTags, removeTags };
}

/**
 * Writes of one destination within {@link REWRITE_WINDOW_MS} that mean replication is running
 * away: no parameter worth replicating changes every ten seconds for five minutes, while a
 * loop the cycle check cannot see (two deployments mirroring into each other, a mapping
 * changed while it was checked) rewrites its members as fast as events arrive.
 */
export const REWRITE_LIMIT = 30;
export const REWRITE_WINDOW_MS = 5 * 60 * 1000;

/**
 * The version of the destination to read to tell whether it is being rewritten without end,
 * or undefined when its current version alone shows it is not (old, or too few versions).
 */
export function rewriteProbe(current: ParameterValue | undefined, now: number): number | undefined {
  if (current?.lastModified === undefined || now - current.lastModified > REWRITE_WINDOW_MS) return undefined;
  return current.version >= REWRITE_LIMIT ? current.version - REWRITE_LIMIT + 1 : undefined;
}

/**
 * Why the destination must not be written again: its version {@link rewriteProbe} named,
 * `earlier`, was written within the window, so the last {@link REWRITE_LIMIT} writes all were.
 */
export function runawayRefusal(destination: string, earlier: ParameterValue | undefined, now: number): string | undefined {
  if (earlier?.lastModified === undefined || now - earlier.lastModified > REWRITE_WINDOW_MS) return undefined;
  return (
    `destination ${destination} was written ${REWRITE_LIMIT} times in the last ${REWRITE_WINDOW_MS / 60_000} minutes: ` +
    'replication stopped writing it as a runaway (a loop through mappings?); it resumes once the writes calm down'
  );
}

/** What the destination should hold, or which sources are missing. */
export function desiredValue(
  mapping: ParameterMapping,
  values: ReadonlyMap<string, ParameterValue>,
): DesiredValue | { readonly missing: string[] } {
  const missing = sourcesOf(mapping).filter((name) => !values.has(name));
  if (missing.length > 0) return { missing };
  if (mapping.type === 'app') {
    const source = values.get(mapping.source) as ParameterValue;
    return { type: source.type, value: source.value };
  }
  return { type: 'SecureString', value: mapping.parts.map((part) => renderPart(part, values)).join('') };
}

function renderPart(part: MergePart, values: ReadonlyMap<string, ParameterValue>): string {
  if (part.kind === 'literal') return part.text;
  const value = (values.get(part.name) as ParameterValue).value;
  return part.encoding === 'uri' ? formEncode(value) : value;
}

/** `application/x-www-form-urlencoded` encoding: what `${/name:uri}` means (space as `+`). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice('v='.length);
}
