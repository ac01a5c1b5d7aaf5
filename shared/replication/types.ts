import type { PaceableReads, ParameterStore, ParameterType, ParameterValue, ParameterWrite } from '../parameters.ts';
import type { ValidationError } from '../events/validation.ts';
import type { DestinationAddress, Place } from './places.ts';

/** A piece of a merge: literal text, or the value of another parameter. */
export type MergePart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'reference'; readonly name: string; readonly encoding: 'raw' | 'uri' };

interface MappingBase {
  /** The item's key as the domain spells it: a canonical plain name, or the ARN as written. */
  readonly destination: string;
  /** Where `destination` points: a name at home, or a name in another region or account. */
  readonly target: DestinationAddress;
  readonly user?: string;
  readonly namespace?: string;
}

/** `app`: the destination is a copy of one source. */
export interface AppMapping extends MappingBase {
  readonly type: 'app';
  readonly source: string;
}

/** `merge`: the destination is the concatenation of its parts, always a SecureString. */
export interface MergeMapping extends MappingBase {
  readonly type: 'merge';
  readonly parts: readonly MergePart[];
}

/**
 * `mirror`: every parameter under the `source` prefix is kept at the same relative path under
 * the destination prefix (`target.name`, ending in `/`), with its metadata and tags; deletes
 * propagate unless `keepDeleted`.
 */
export interface MirrorMapping extends MappingBase {
  readonly type: 'mirror';
  /** A prefix ending in `/` (`/` itself mirrors every parameter). */
  readonly source: string;
  /** True: a replica whose source is deleted stays (the item's `keep_deleted`). */
  readonly keepDeleted: boolean;
}

/** A mapping of one destination parameter. */
export type ParameterMapping = AppMapping | MergeMapping;

export type ReplicationMapping = ParameterMapping | MirrorMapping;

/** A row of the source index: `destination` reads `source`. */
export interface SourceLink {
  readonly source: string;
  readonly destination: string;
}

/**
 * An item of the replication table, read once into the domain's terms: a valid mapping, or why
 * it is not one (its `destination`, when it has one, still names what a replicator may write).
 */
export type StoredMapping =
  | { readonly valid: true; readonly mapping: ReplicationMapping }
  | { readonly valid: false; readonly destination?: string; readonly error: ValidationError };

/** The replication table as the domain sees it: each item already read (see `readStoredMapping`). */
export interface ReplicationMappings {
  /** The item keyed by `destination` exactly as written. */
  get(destination: string): Promise<StoredMapping | undefined>;
  scan(): AsyncIterable<StoredMapping>;
}

/** The source index (`figgy-config-replication-sources`). */
export interface SourceIndex {
  /** Destinations that read `source`: one Query, never a Scan. */
  destinationsOf(source: string): Promise<string[]>;
  add(links: readonly SourceLink[]): Promise<void>;
  remove(links: readonly SourceLink[]): Promise<void>;
  scan(): AsyncIterable<SourceLink>;
}

/** The value a destination should hold. */
export interface DesiredValue {
  readonly type: ParameterType;
  readonly value: string;
}

/** A parameter with everything a mirror copies: value, type, metadata and tags. */
export interface ParameterDetails extends ParameterValue {
  readonly tier: 'Standard' | 'Advanced';
  readonly dataType: string;
  readonly allowedPattern?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A mirror's write of one replica: the value with its metadata, and the tags to change. */
export interface ReplicaWrite extends ParameterWrite {
  readonly tier: 'Standard' | 'Advanced';
  readonly dataType: string;
  readonly allowedPattern?: string;
  /**
   * Create the replica with these tags, never overwriting: a parameter that exists by then
   * fails the write with a `ParameterExistsError`. Absent: overwrite.
   */
  readonly createWithTags?: Readonly<Record<string, string>>;
}

/** Parameter Store in one place as replication uses it: its values, and a mirror's details. */
export interface ReplicaStore extends Pick<ParameterStore, 'readDecrypted' | 'readVersion' | 'write'>, PaceableReads<ReplicaStore> {
  /** Latest values with metadata and tags, decrypted; names that do not exist are absent. */
  readDetails(names: readonly string[]): Promise<Map<string, ParameterDetails>>;
  /** Every parameter name under `prefix` (ending in `/`; `/` for all), page by page. */
  namesUnder(prefix: string): AsyncIterable<string>;
  /** Adds (or overwrites) and removes tags of one parameter. */
  retag(name: string, add: Readonly<Record<string, string>>, remove: readonly string[]): Promise<void>;
  /** Deletes parameters; names that no longer exist are not an error. */
  deleteParameters(names: readonly string[]): Promise<void>;
  /**
   * The ARN of the KMS key `keyId` names in this place (alias name or ARN, key id or ARN), so
   * that two spellings of one key compare equal.
   */
  keyArn(keyId: string): Promise<string>;
}

/** The places replication writes: home and the replica targets, each with its Parameter Store. */
export interface ReplicaPlaces {
  /** The deployment's own region and account. */
  home(): Promise<Place>;
  /** Parameter Store in `place`, which is home or a configured target's. */
  parametersIn(place: Place): ReplicaStore;
}
