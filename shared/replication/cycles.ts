/**
 * The cycle walk: whether following what a mapping reads upstream leads back to what it writes.
 */
import { ancestorPrefixes, sourcesOf } from './mapping.ts';
import type { ReplicationMapping } from './types.ts';

/** Looks up the mapping whose destination is `name`, if any. */
export type MappingLookup = (name: string) => Promise<ReplicationMapping | undefined>;

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
export function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.endsWith('/') && b.startsWith(a)) return true;
  return b.endsWith('/') && a.startsWith(b);
}
