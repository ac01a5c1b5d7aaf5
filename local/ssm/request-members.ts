/**
 * Readers for members of an AWS JSON request body, failing the way AWS does when a member is
 * missing or has the wrong shape.
 */
import { validationError } from './aws-error.ts';

/** A decoded AWS JSON 1.1 request body. */
export type RequestInput = Readonly<Record<string, unknown>>;

/** A member as AWS names it in validation messages, in camelCase: `at 'maxResults'`. */
export function memberName(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

/** A string member that must be present. */
export function requiredString(input: RequestInput, key: string): string {
  const value = optionalString(input, key);
  if (value === undefined) throw validationError(memberName(key), undefined, 'Member must not be null');
  return value;
}

/** A string member that may be absent. */
export function optionalString(input: RequestInput, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationError(memberName(key), value, 'Member must be a string');
  return value;
}

/** A boolean member that may be absent. */
export function optionalBoolean(input: RequestInput, key: string): boolean | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw validationError(memberName(key), value, 'Member must be a boolean');
  return value;
}

/** An integer member within [min, max], or `fallback` when absent. */
export function integerInRange(input: RequestInput, key: string, min: number, max: number, fallback: number): number {
  const value = input[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError(memberName(key), value, 'Member must be an integer');
  }
  if (value < min)
    throw validationError(memberName(key), value, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(memberName(key), value, `Member must have value less than or equal to ${max}`);
  return value;
}

/** A list of strings with between `min` and `max` entries. */
export function stringList(input: RequestInput, key: string, min: number, max: number): string[] {
  const value = input[key];
  if (value === undefined || value === null)
    throw validationError(memberName(key), undefined, 'Member must not be null');
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw validationError(memberName(key), value, 'Member must be a list of strings');
  }
  if (value.length < min)
    throw validationError(memberName(key), value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max)
    throw validationError(memberName(key), value, `Member must have length less than or equal to ${max}`);
  return value as string[];
}

/** A list of objects (e.g. filters) that may be absent. */
export function optionalObjectList(input: RequestInput, key: string): RequestInput[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.some((entry) => typeof entry !== 'object' || entry === null || Array.isArray(entry))
  ) {
    throw validationError(memberName(key), JSON.stringify(value), 'Member must be a list of structures');
  }
  return value as RequestInput[];
}
