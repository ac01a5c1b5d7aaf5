/**
 * Where a destination lives: at home under the destination prefixes, or in a replica target
 * under that target's prefixes, with the key its SecureStrings take there.
 */
import { partitionOf } from '../partitions.ts';
import { readableNameProblem, writableNameProblem } from '../parameter-names.ts';
import { isUnderPrefixes } from '../parameter-paths.ts';
import { placeKey, samePlace, type Place } from './places.ts';
import { replicaTargetAt, type ReplicaTarget } from './replica-targets.ts';
import type { ReplicaPlaces, ReplicationMapping } from './types.ts';

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
export function mirrorPrefixProblem(prefix: string, role: 'source' | 'destination'): string | undefined {
  if (prefix === '/') return role === 'source' ? undefined : 'is "/", which would let a mirror overwrite every parameter';
  const path = prefix.slice(0, -1);
  return role === 'source' ? readableNameProblem(path) : writableNameProblem(path);
}
