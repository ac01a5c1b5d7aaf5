/**
 * Mirrors: whether one may copy at all, and what it does with each replica.
 */
import { writableNameProblem } from '../parameter-names.ts';
import { isUnderPrefixes } from '../parameter-paths.ts';
import { cycleRefusal, overlaps, type MappingLookup } from './cycles.ts';
import { locateDestination, mirrorPrefixProblem, type LocatedDestination, type ReplicationSettings } from './locate.ts';
import { MAX_TAGS, REPLICA_TAG, ownershipOf, replicaMark, replicaMarkProblem, replicaTags } from './mirror-ownership.ts';
import type { MirrorMapping, ParameterDetails, ReplicaPlaces, ReplicaWrite } from './types.ts';

/**
 * Why a mirror may never copy anything, judged from the mirror alone and what lies upstream,
 * before anything is read; or where it writes.
 */
export async function judgeMirror(
  mirror: MirrorMapping,
  judgement: { readonly settings: ReplicationSettings; readonly lookup: MappingLookup; readonly places?: ReplicaPlaces },
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
