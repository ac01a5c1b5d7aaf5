/**
 * What a mirror owns: the replicas it wrote, known by a tag it puts on each, and a
 * destination prefix no other mapping writes into.
 *
 * A tag, rather than a record of our own or the description, because it lives and dies with
 * the parameter it speaks for (a record can outlive a hand delete, or be lost with a table),
 * it is read in the same place as everything else a mirror compares, in whatever account the
 * replica lives, and a person looking at the parameter sees whose it is. A mirror copies its
 * sources' descriptions, so a description cannot say it.
 */
import type { Place } from './places.ts';
import type { MirrorMapping, ParameterDetails, ReplicationMapping } from './types.ts';

/** The tag on every replica a mirror writes; its value names the mirror ({@link replicaMark}). */
export const REPLICA_TAG = 'figgy-events:replica-of';

/** SSM's longest tag value: a mirror whose mark is longer could not mark its replicas. */
export const MAX_TAG_VALUE = 256;

/** SSM's most tags on one parameter: a replica needs one of them for {@link REPLICA_TAG}. */
export const MAX_TAGS = 50;

/**
 * The value of {@link REPLICA_TAG} on this mirror's replicas: its source and destination
 * prefixes, and for a replica in another place the source's region and account too, so that
 * neither a mirror nested in another's destination nor another deployment mirroring the same
 * source prefix into the same target takes a replica for its own. `/app/ to /dr/app/`, or
 * `/app/ in eu-west-1 123456789012 to /dr/app/` (SSM's tag values allow spaces, not arrows).
 */
export function replicaMark(mirror: MirrorMapping, sourcePlace?: Place): string {
  const from = sourcePlace ? `${mirror.source} in ${sourcePlace.region} ${sourcePlace.account}` : mirror.source;
  return `${from} to ${mirror.target.name}`;
}

/**
 * Whose a parameter under a mirror's destination is: this mirror's replica (marked so), or
 * not, with why it is not and what the owner can do.
 */
export type Ownership =
  | { readonly owned: true }
  | { readonly owned: false; readonly reason: string; readonly untagged: boolean };

/** Whether `current`, a parameter under the mirror's destination, carries the mirror's `mark`. */
export function ownershipOf(mark: string, current: ParameterDetails): Ownership {
  const tag = current.tags[REPLICA_TAG];
  if (tag === mark) return { owned: true };
  if (tag !== undefined) {
    return {
      owned: false,
      untagged: false,
      reason: `${current.name} is a replica of another mirror (tag ${REPLICA_TAG}=${tag}), not of ${mark}: left as it is`,
    };
  }
  return {
    owned: false,
    untagged: true,
    reason:
      `${current.name} was not written by the mirror ${mark} (it has no tag ${REPLICA_TAG}): ` +
      'left as it is; delete it, or tag it so, to let the mirror keep it',
  };
}

/** A source's tags as its replica carries them: the source's own, and the mirror's mark. */
export function replicaTags(mark: string, sourceTags: Readonly<Record<string, string>>): Record<string, string> {
  return { ...sourceTags, [REPLICA_TAG]: mark };
}

/** Why a mirror could not mark its replicas; or undefined. */
export function replicaMarkProblem(mark: string): string | undefined {
  if (mark.length <= MAX_TAG_VALUE) return undefined;
  return `its mark "${mark}" is longer than ${MAX_TAG_VALUE} characters, the most a tag value holds, so its replicas could not be marked as the mirror's: use shorter prefixes`;
}

/**
 * Why a mirror may not write under its destination at all: another mapping's destination lies
 * in the same place under, above or at its destination prefix (two writers of one name rewrite
 * it in turn without end, and a mirror would take the other's names for replicas of sources
 * that do not exist).
 */
export function overlapRefusal(mirror: MirrorMapping, mappings: Iterable<ReplicationMapping>): string | undefined {
  const place = placeOf(mirror);
  const prefix = mirror.target.name;
  for (const other of mappings) {
    if (other.destination === mirror.destination || placeOf(other) !== place) continue;
    const name = other.target.name;
    const overlap = other.type === 'mirror' ? name.startsWith(prefix) || prefix.startsWith(name) : name.startsWith(prefix);
    if (overlap) {
      const what = other.type === 'mirror' ? `the destination ${other.destination} of the mirror of ${other.source}` : `the destination ${other.destination} of an ${other.type} mapping`;
      return `destination ${mirror.destination} overlaps ${what}: a mirror writes only a prefix no other mapping writes into`;
    }
  }
  return undefined;
}

/**
 * Why the mirror may not write `replica` because another mapping writes that very name (a
 * live change checks only this: the whole prefix is checked by each whole copy).
 */
export function claimedReplicaRefusal(replica: string, claimant: ReplicationMapping | undefined): string | undefined {
  if (!claimant || claimant.type === 'mirror' || claimant.target.name !== replica) return undefined;
  return `replica ${replica} is the destination of an ${claimant.type} mapping: a mirror never writes another mapping's destination`;
}

/** Home, or the region and account an ARN destination names. */
function placeOf(mapping: ReplicationMapping): string {
  const arn = mapping.target.arn;
  return arn ? `${arn.partition}/${arn.region}/${arn.account}` : 'home';
}
