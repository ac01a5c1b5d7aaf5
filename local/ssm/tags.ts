/**
 * Resource tags in SSM's wire shape (`[{Key, Value}]`), checked against the API model.
 */
import { constraintFailure, validationErrors } from './aws-error.ts';
import { memberName, type RequestInput } from './request-members.ts';

/** One tag as the API carries it. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

// The model's pattern for tag keys and values: letters, separators, digits and _.:/=+-@.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_TEXT_PATTERN = '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$';
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
const MAX_TAGS_PER_REQUEST = 1000;

/**
 * The `Tags` member (or another tag list) of a request, every constraint checked at once.
 *
 * @throws AwsError `ValidationException` listing each broken constraint, as AWS does.
 */
export function readTags(input: RequestInput, key: string): Tag[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  const member = memberName(key);
  if (!Array.isArray(value)) throw validationErrors([constraintFailure(member, JSON.stringify(value), 'Member must be a list')]);
  const failures: string[] = [];
  if (value.length > MAX_TAGS_PER_REQUEST) {
    failures.push(constraintFailure(member, `${value.length} tags`, `Member must have length less than or equal to ${MAX_TAGS_PER_REQUEST}`));
  }
  value.forEach((tag: unknown, index) => {
    const at = `${member}.${index + 1}.member`;
    const fields = typeof tag === 'object' && tag !== null ? (tag as Record<string, unknown>) : {};
    failures.push(...textFailures(fields.Key, `${at}.key`, 1, MAX_KEY_LENGTH));
    failures.push(...textFailures(fields.Value, `${at}.value`, 0, MAX_VALUE_LENGTH));
  });
  if (failures.length > 0) throw validationErrors(failures);
  return value as Tag[];
}

/**
 * A list of tag keys (RemoveTagsFromResource's `TagKeys`), each checked like a tag's key.
 *
 * @throws AwsError `ValidationException` listing each broken constraint.
 */
export function readTagKeys(input: RequestInput, key: string): string[] {
  const value = input[key];
  const member = memberName(key);
  if (value === undefined || value === null) throw validationErrors([constraintFailure(member, undefined, 'Member must not be null')]);
  if (!Array.isArray(value)) throw validationErrors([constraintFailure(member, JSON.stringify(value), 'Member must be a list')]);
  const failures = value.flatMap((tagKey: unknown, index) => textFailures(tagKey, `${member}.${index + 1}.member`, 1, MAX_KEY_LENGTH));
  if (failures.length > 0) throw validationErrors(failures);
  return value as string[];
}

/** Tags by key, a later tag of the same key winning as SSM's overwrite does. */
export function tagMap(tags: readonly Tag[]): Map<string, string> {
  return new Map(tags.map((tag) => [tag.Key, tag.Value]));
}

function textFailures(value: unknown, member: string, min: number, max: number): string[] {
  if (value === undefined || value === null) return [constraintFailure(member, undefined, 'Member must not be null')];
  if (typeof value !== 'string') return [constraintFailure(member, JSON.stringify(value), 'Member must be a string')];
  const failures: string[] = [];
  if (value.length < min) failures.push(constraintFailure(member, value, `Member must have length greater than or equal to ${min}`));
  if (value.length > max) failures.push(constraintFailure(member, value, `Member must have length less than or equal to ${max}`));
  if (!TAG_TEXT.test(value)) {
    failures.push(constraintFailure(member, value, `Member must satisfy regular expression pattern: ${TAG_TEXT_PATTERN}`));
  }
  return failures;
}
