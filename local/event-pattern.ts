/**
 * EventBridge pattern matching, for the subset of the pattern language our rule uses:
 * lists of literal values, `{ exists: boolean }`, `{ prefix }`, and nested objects.
 */
import { UnsupportedUseError } from '../shared/errors.ts';

type Pattern = Readonly<Record<string, unknown>>;

/** True when `event` matches `pattern` as EventBridge would decide it. */
export function matchesPattern(event: unknown, pattern: Pattern): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([field, rule]) => matchesField(record[field], field in record, rule));
}

function matchesField(value: unknown, present: boolean, rule: unknown): boolean {
  if (Array.isArray(rule)) return rule.some((candidate) => matchesCandidate(value, present, candidate));
  if (typeof rule === 'object' && rule !== null) return present && matchesPattern(value, rule as Pattern);
  throw new UnsupportedUseError(`unsupported pattern rule ${JSON.stringify(rule)}: use a list of values`);
}

function matchesCandidate(value: unknown, present: boolean, candidate: unknown): boolean {
  if (typeof candidate === 'object' && candidate !== null) {
    const operator = candidate as Record<string, unknown>;
    // CloudTrail writes an absent errorCode as no field at all; a null counts as absent too.
    if ('exists' in operator) return operator.exists === (present && value !== null);
    if ('prefix' in operator) return typeof value === 'string' && value.startsWith(String(operator.prefix));
    throw new UnsupportedUseError(`unsupported pattern operator ${JSON.stringify(candidate)}`);
  }
  if (Array.isArray(value)) return value.includes(candidate);
  return present && value === candidate;
}
