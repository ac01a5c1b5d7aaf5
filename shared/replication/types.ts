import type { ParameterType } from '../parameters.ts';

/** A piece of a merge: literal text, or the value of another parameter. */
export type MergePart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'reference'; readonly name: string; readonly encoding: 'raw' | 'uri' };

interface MappingBase {
  readonly destination: string;
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

export type ReplicationMapping = AppMapping | MergeMapping;

/** A row of the source index: `destination` reads `source`. */
export interface SourceLink {
  readonly source: string;
  readonly destination: string;
}

/** The replication table as the domain sees it: raw items, validated by the domain. */
export interface ReplicationMappings {
  get(destination: string): Promise<Record<string, unknown> | undefined>;
  scan(): AsyncIterable<Record<string, unknown>>;
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
