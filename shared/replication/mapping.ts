/**
 * Replication mappings as the Figgy CLI writes them, validated into domain terms.
 */
import { ValidationError, optionalString, requireString } from '../events/validation.ts';
import { canonicalName } from '../parameter-paths.ts';
import { parseDestination } from './places.ts';
import type { MergePart, MirrorMapping, ReplicationMapping, SourceLink, StoredMapping } from './types.ts';

/**
 * Parses one item of the replication table. `source` is a name for `app`; for `merge` it is
 * a string or a list of strings in which `${/name}` and `${/name:uri}` refer to parameters;
 * for `mirror` a prefix ending in `/`. `destination` is a plain name (this region and
 * account) or a parameter ARN (another region or account); a mirror's ends in `/`.
 * Throws a {@link ValidationError} naming the field when the item breaks the contract.
 * A root-level name written `x` is read as `/x`, the one name the domain keeps for it.
 */
export function parseMapping(item: Readonly<Record<string, unknown>>): ReplicationMapping {
  const raw = requireString(item.destination, 'destination');
  const target = parseDestination(raw, 'destination');
  const destination = target.arn ? raw : target.name;
  const where = (field: string) => `${field} (mapping of ${destination})`;
  const base = {
    destination,
    target,
    user: optionalString(item.user, where('user')),
    namespace: optionalString(item.namespace, where('namespace')),
  };
  const type = requireString(item.type, where('type'));
  if (type === 'mirror') return parseMirror(item, base, where);
  if (type === 'app') {
    const source = requireString(item.source, where('source'));
    if (source.includes('${')) throw new ValidationError(where('source'), 'an app source is a plain parameter name');
    return { ...base, type, source: canonicalName(source) };
  }
  if (type === 'merge') {
    const pieces = Array.isArray(item.source)
      ? item.source.map((piece, index) => requireString(piece, where(`source[${index}]`)))
      : [requireString(item.source, where('source'))];
    const parts = pieces.flatMap((piece, index) => parseMergeText(piece, where(`source[${index}]`)));
    if (!parts.some((part) => part.kind === 'reference')) {
      throw new ValidationError(where('source'), 'a merge refers to no parameter (use ${/name})');
    }
    return { ...base, type, parts };
  }
  throw new ValidationError(where('type'), `"${type}" is not "app", "merge" or "mirror"`);
}

/**
 * An item read for the domain: the mapping, or the {@link ValidationError} saying what is wrong
 * with it. Adapters read the table through it, so no caller parses an item again.
 *
 * @example
 * const stored = readStoredMapping(item);
 * if (!stored.valid) log.error('invalid mapping', { reason: stored.error.message });
 */
export function readStoredMapping(item: Readonly<Record<string, unknown>>): StoredMapping {
  try {
    return { valid: true, mapping: parseMapping(item) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { valid: false, ...(typeof item.destination === 'string' && { destination: item.destination }), error };
  }
}

/** The item attribute that keeps a mirror's replicas when their sources are deleted. */
export const KEEP_DELETED = 'keep_deleted';

function parseMirror(
  item: Readonly<Record<string, unknown>>,
  base: Pick<MirrorMapping, 'destination' | 'target' | 'user' | 'namespace'>,
  where: (field: string) => string,
): MirrorMapping {
  const source = requireString(item.source, where('source'));
  if (!source.endsWith('/')) {
    throw new ValidationError(where('source'), `"${source}" is not a prefix: a mirror's source ends in "/", such as /app/`);
  }
  if (!base.target.name.endsWith('/')) {
    throw new ValidationError(where('destination'), `"${base.destination}" is not a prefix: a mirror's destination ends in "/", such as /dr/app/`);
  }
  const keep = item[KEEP_DELETED];
  if (keep !== undefined && keep !== null && typeof keep !== 'boolean') {
    throw new ValidationError(where(KEEP_DELETED), 'must be a boolean (true keeps replicas whose source is deleted)');
  }
  return { ...base, type: 'mirror', source: canonicalName(source), keepDeleted: keep === true };
}

const REFERENCE = /\$\{([^}]*)\}/g;

/** Splits merge text into literal text and `${/name}` / `${/name:uri}` references. */
export function parseMergeText(text: string, field: string): MergePart[] {
  const parts: MergePart[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    if (match.index > last) parts.push({ kind: 'literal', text: text.slice(last, match.index) });
    parts.push(parseReference(match[1] ?? '', field));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'literal', text: text.slice(last) });
  if (text.slice(last).includes('${')) throw new ValidationError(field, 'has an unclosed "${"');
  return parts;
}

function parseReference(body: string, field: string): MergePart {
  const uri = body.endsWith(':uri');
  const name = uri ? body.slice(0, -':uri'.length) : body;
  if (!name.startsWith('/') || name.length < 2) {
    throw new ValidationError(field, `"\${${body}}" must name a parameter path such as \${/app/db/host}`);
  }
  return { kind: 'reference', name, encoding: uri ? 'uri' : 'raw' };
}

/** Every parameter a mapping reads by name; a mirror reads a prefix, so none. */
export function sourcesOf(mapping: ReplicationMapping): string[] {
  if (mapping.type === 'mirror') return [];
  if (mapping.type === 'app') return [mapping.source];
  const names = mapping.parts.flatMap((part) => (part.kind === 'reference' ? [part.name] : []));
  return [...new Set(names)];
}

/** One string per link, for sets and maps of links. */
export function linkKey(link: SourceLink): string {
  return `${link.source}\u0000${link.destination}`;
}

/**
 * The links a mapping owns in the source index: one per parameter it reads, or for a mirror
 * one for its source prefix (a change under it finds the mirror by its ancestors).
 */
export function linksOf(mapping: ReplicationMapping): SourceLink[] {
  const sources = mapping.type === 'mirror' ? [mapping.source] : sourcesOf(mapping);
  return sources.map((source) => ({ source, destination: mapping.destination }));
}

/**
 * The prefixes whose mirrors a change of `name` concerns, each ending in `/`: `/` and every
 * ancestor of `name` (`/a/b/c` → `/`, `/a/`, `/a/b/`). At most SSM's 15 levels.
 */
export function ancestorPrefixes(name: string): string[] {
  const prefixes = ['/'];
  for (let slash = name.indexOf('/', 1); slash !== -1; slash = name.indexOf('/', slash + 1)) {
    prefixes.push(name.slice(0, slash + 1));
  }
  return prefixes;
}
