/**
 * The replication rule: what a destination should hold, and whether it may be written.
 *
 * Both the live replicators and the syncer decide through {@link planReplication}, so a
 * destination is judged the same way whichever path reaches it.
 */
import { isUnderPrefixes } from '../parameter-paths.ts';
import type { ParameterValue, ParameterWrite } from '../parameters.ts';
import { sourcesOf } from './mapping.ts';
import type { DesiredValue, MergePart, ReplicationMapping } from './types.ts';

export type ReplicationPlan =
  | { readonly action: 'write'; readonly write: ParameterWrite }
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
}

/** Looks up the mapping whose destination is `name`, if any. */
export type MappingLookup = (name: string) => Promise<ReplicationMapping | undefined>;

/**
 * Decides one destination. `values` holds the decrypted current values of the mapping's
 * sources and of its destination; names absent from it do not exist.
 */
export function planReplication(
  mapping: ReplicationMapping,
  values: ReadonlyMap<string, ParameterValue>,
  settings: ReplicationSettings,
): ReplicationPlan {
  const refusal = refusalOf(mapping, settings);
  if (refusal) return { action: 'refuse', reason: refusal };
  const desired = desiredValue(mapping, values);
  if ('missing' in desired) {
    return { action: 'wait', reason: `source ${desired.missing.join(', ')} does not exist` };
  }
  const current = values.get(mapping.destination);
  if (current && current.value === desired.value && current.type === desired.type) {
    return { action: 'none', reason: 'in-sync' };
  }
  return {
    action: 'write',
    write: {
      name: mapping.destination,
      type: desired.type,
      value: desired.value,
      keyId: desired.type === 'SecureString' ? settings.kmsKeyId : undefined,
    },
  };
}

/** Why this mapping may never be written, judged from the mapping alone. */
export function refusalOf(mapping: ReplicationMapping, settings: ReplicationSettings): string | undefined {
  if (!isUnderPrefixes(mapping.destination, settings.destinationPrefixes)) {
    return `destination ${mapping.destination} is outside the allowed prefixes ${settings.destinationPrefixes.join(', ')}`;
  }
  const foreign = settings.sourcePrefixes
    ? sourcesOf(mapping).filter((source) => !isUnderPrefixes(source, settings.sourcePrefixes as readonly string[]))
    : [];
  if (foreign.length > 0) {
    return `source ${foreign.join(', ')} is outside the allowed source prefixes ${settings.sourcePrefixes?.join(', ')}`;
  }
  if (sourcesOf(mapping).includes(mapping.destination)) {
    return `destination ${mapping.destination} reads itself`;
  }
  return undefined;
}

/** The longest chain of mappings followed before a cycle is assumed. */
const MAX_CHAIN = 64;

/**
 * The cycle this mapping would close, as the chain of names, or undefined. A cycle exists
 * when following sources upstream through other mappings leads back to the destination.
 */
export async function cycleThrough(mapping: ReplicationMapping, lookup: MappingLookup): Promise<string[] | undefined> {
  const visited = new Set<string>();
  const walk = async (name: string, chain: string[]): Promise<string[] | undefined> => {
    if (name === mapping.destination) return [...chain, name];
    if (visited.has(name) || chain.length > MAX_CHAIN) return undefined;
    visited.add(name);
    const upstream = await lookup(name);
    if (!upstream) return undefined;
    for (const source of sourcesOf(upstream)) {
      const found = await walk(source, [...chain, name]);
      if (found) return found;
    }
    return undefined;
  };
  for (const source of sourcesOf(mapping)) {
    const found = await walk(source, [mapping.destination]);
    if (found) return found;
  }
  return undefined;
}

/** What the destination should hold, or which sources are missing. */
export function desiredValue(
  mapping: ReplicationMapping,
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
