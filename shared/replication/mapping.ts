/**
 * Replication mappings as the Figgy CLI writes them, validated into domain terms.
 */
import { ValidationError, optionalString, requireString } from '../events/validation.ts';
import { canonicalName } from '../parameter-paths.ts';
import type { MergePart, ReplicationMapping, SourceLink } from './types.ts';

/**
 * Parses one item of the replication table. `source` is a name for `app`; for `merge` it is
 * a string or a list of strings in which `${/name}` and `${/name:uri}` refer to parameters.
 * Throws a {@link ValidationError} naming the field when the item breaks the contract.
 * A root-level name written `x` is read as `/x`, the one name the domain keeps for it.
 */
export function parseMapping(item: Readonly<Record<string, unknown>>): ReplicationMapping {
  const destination = canonicalName(requireString(item.destination, 'destination'));
  const where = (field: string) => `${field} (mapping of ${destination})`;
  const base = {
    destination,
    user: optionalString(item.user, where('user')),
    namespace: optionalString(item.namespace, where('namespace')),
  };
  const type = requireString(item.type, where('type'));
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
  throw new ValidationError(where('type'), `"${type}" is not "app" or "merge"`);
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

/** Every parameter a destination reads: the rows it owns in the source index. */
export function sourcesOf(mapping: ReplicationMapping): string[] {
  if (mapping.type === 'app') return [mapping.source];
  const names = mapping.parts.flatMap((part) => (part.kind === 'reference' ? [part.name] : []));
  return [...new Set(names)];
}

/** One string per link, for sets and maps of links. */
export function linkKey(link: SourceLink): string {
  return `${link.source}\u0000${link.destination}`;
}

/** The links a mapping owns in the source index: one per parameter it reads. */
export function linksOf(mapping: ReplicationMapping): SourceLink[] {
  return sourcesOf(mapping).map((source) => ({ source, destination: mapping.destination }));
}
