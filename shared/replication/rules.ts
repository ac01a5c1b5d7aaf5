/**
 * The replication rule: whether a destination may be written, and what it should hold.
 *
 * {@link judgeReplication} is the whole rule, and the live replicators and the syncer all
 * decide through it, so a destination is judged the same way whichever path reaches it:
 * first what the mapping alone shows, then what lies upstream of it, and only then, from the
 * values of the sources it may read, what to write.
 */
import { readableNameProblem, writableNameProblem } from '../parameter-names.ts';
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
 * Reads the decrypted current values of `names`; names absent from the result do not exist.
 * The rule calls it only with names it allows to be read.
 */
export type ParameterReader = (names: readonly string[]) => Promise<ReadonlyMap<string, ParameterValue>>;

/** What {@link judgeReplication} needs besides the mapping. */
export interface ReplicationJudgement {
  readonly settings: ReplicationSettings;
  /** Finds upstream mappings for the cycle check. */
  readonly lookup: MappingLookup;
  readonly read: ParameterReader;
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
export async function judgeReplication(mapping: ReplicationMapping, judgement: ReplicationJudgement): Promise<ReplicationPlan> {
  const refusal = refusalOf(mapping, judgement.settings) ?? (await cycleRefusal(mapping, judgement.lookup));
  if (refusal) return { action: 'refuse', reason: refusal };
  return planFromValues(mapping, await judgement.read([...sourcesOf(mapping), mapping.destination]), judgement.settings);
}

/** What to do with a destination whose mapping the rule allows, given the values read. */
function planFromValues(
  mapping: ReplicationMapping,
  values: ReadonlyMap<string, ParameterValue>,
  settings: ReplicationSettings,
): ReplicationPlan {
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

/**
 * References one merge may hold: each is a parameter read whenever the destination is
 * judged, and a merge of thousands would spend the account's read quota on every change.
 */
export const MAX_MERGE_REFERENCES = 50;

/** Why this mapping may never be written, judged from the mapping alone. */
export function refusalOf(mapping: ReplicationMapping, settings: ReplicationSettings): string | undefined {
  const { destination } = mapping;
  const unwritable = writableNameProblem(destination);
  if (unwritable) return `destination ${destination} ${unwritable}, so SSM would refuse to write it`;
  if (!isUnderPrefixes(destination, settings.destinationPrefixes)) {
    return `destination ${destination} is outside the allowed prefixes ${settings.destinationPrefixes.join(', ')}`;
  }
  if (mapping.type === 'merge') {
    const references = mapping.parts.filter((part) => part.kind === 'reference').length;
    if (references > MAX_MERGE_REFERENCES) {
      return `the merge has ${references} references; at most ${MAX_MERGE_REFERENCES} are replicated: split it into smaller merges`;
    }
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
  if (sources.includes(destination)) return `destination ${destination} reads itself`;
  return undefined;
}

/** The deepest chain of mappings followed upstream; a deeper one is refused, never assumed safe. */
export const MAX_CHAIN = 64;
/** Upstream mappings read for one check at most: merges fan out, and every read costs. */
export const MAX_UPSTREAM = 256;

/**
 * Why this mapping must not replicate because of what lies upstream of it, or undefined.
 *
 * Following sources upstream through other mappings must never lead back to the destination
 * (a cycle rewrites its members forever). A chain too deep or too wide to follow to its end
 * cannot be shown free of cycles, so it is refused too: treating it as safe is how a long
 * ring replicates forever.
 */
export async function cycleRefusal(mapping: ReplicationMapping, lookup: MappingLookup): Promise<string | undefined> {
  const visited = new Set<string>();
  type Walk = { readonly cycle: string[] } | { readonly tooLong: string[] } | undefined;
  const walk = async (name: string, chain: string[]): Promise<Walk> => {
    if (name === mapping.destination) return { cycle: [...chain, name] };
    if (visited.has(name)) return undefined;
    visited.add(name);
    const upstream = await lookup(name);
    if (!upstream) return undefined;
    // `chain` holds the destination and the mappings between it and `name`: its length is
    // the depth of this mapping.
    if (chain.length > MAX_CHAIN || visited.size > MAX_UPSTREAM) return { tooLong: [...chain, name] };
    for (const source of sourcesOf(upstream)) {
      const found = await walk(source, [...chain, name]);
      if (found) return found;
    }
    return undefined;
  };
  for (const source of sourcesOf(mapping)) {
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
