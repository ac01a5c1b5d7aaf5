/**
 * What an app or merge destination should hold, from its sources' values.
 */
import type { ParameterValue } from '../parameters.ts';
import { sourcesOf } from './mapping.ts';
import type { DesiredValue, MergePart, ParameterMapping } from './types.ts';

/** What the destination should hold, or which sources are missing. */
export function desiredValue(
  mapping: ParameterMapping,
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
