/**
 * The filters of DescribeParameters and GetParametersByPath, checked as SSM checks them and
 * turned into a predicate over stored parameters plus the key prefix that bounds the scan.
 */
import { PARAMETER_TYPES } from '../../shared/parameters.ts';
import { AwsError, constraintFailure, validationErrors } from './aws-error.ts';
import { keyReference } from './kms.ts';
import { parameterKey, spellingsOf } from './parameter-names.ts';
import type { RequestInput } from './request-members.ts';
import { latest, type StoredParameter } from './store.ts';

/** A compiled set of filters: all must hold. */
export interface ParameterSelection {
  /** Only keys with this prefix can match (a Path filter's, a path's or a name's). */
  readonly prefix?: string;
  readonly matches: (parameter: StoredParameter) => boolean;
  /** GetParametersByPath's Label filter: answer with the version carrying one of these. */
  readonly labels?: readonly string[];
}

/** The operation whose filters are compiled: each allows other keys and options. */
export type FilteringOperation = 'DescribeParameters' | 'GetParametersByPath';

type Predicate = (parameter: StoredParameter) => boolean;

interface Compiled {
  readonly predicate: Predicate;
  readonly prefix?: string;
  readonly labels?: readonly string[];
}

const KEY_PATTERN = /^(tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType)$/s;
const KEY_PATTERN_TEXT = 'tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType';
const MAX_KEY_LENGTH = 132;
const MAX_OPTION_LENGTH = 10;
const MAX_VALUES = 50;
const MAX_VALUE_LENGTH = 1024;
const MAX_PATH_LEVELS = 15;
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'];
const LEGACY_KEYS = ['Name', 'Type', 'KeyId'];
const PATH_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;

const KEYS: Readonly<Record<FilteringOperation, readonly string[]>> = {
  DescribeParameters: ['Name', 'Path', 'Type', 'KeyId', 'Tier', 'DataType', 'tag'],
  GetParametersByPath: ['Type', 'KeyId', 'Label'],
};
// SSM's refusals list fewer keys and options than it accepts (DataType, tag and Label are
// missing, and Name's Contains): the texts are SSM's, the rules its API reference's.
const KEYS_SAID: Readonly<Record<FilteringOperation, string>> = {
  DescribeParameters: '[Path, Name, Type, KeyId, Tier]',
  GetParametersByPath: '[Type, KeyId]',
};
const PATH_REQUIREMENTS =
  `The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash "/". ` +
  `It can't be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following ` +
  'symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, ' +
  'must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

/**
 * Compiles `ParameterFilters` (`{Key, Option?, Values?}`) as `operation` reads them.
 *
 * Shapes the API model forbids (a key outside its pattern or over 132 characters, an option
 * over 10, more than 50 values or a value outside 1..1024 characters) fail together in one
 * `ValidationException`; then each filter is judged in order.
 *
 * @throws AwsError `ValidationException`, `InvalidFilterKey` (a key the operation does not take,
 *   or the same key twice), `InvalidFilterOption` or `InvalidFilterValue`.
 */
export function compileParameterFilters(
  filters: readonly RequestInput[] | undefined,
  operation: FilteringOperation,
): ParameterSelection {
  const list = filters ?? [];
  const failures = list.flatMap((filter, index) => modelFailures(filter, `parameterFilters.${index + 1}.member`));
  if (failures.length > 0) throw validationErrors(failures);
  const seen = new Set<string>();
  const compiled = list.map((filter) => {
    const key = filter.Key as string;
    const kind = key.startsWith('tag:') ? 'tag' : key;
    if (!KEYS[operation].includes(kind)) {
      throw new AwsError(
        'InvalidFilterKey',
        `The following filter key is not valid: ${key}. Valid filter keys include: ${KEYS_SAID[operation]}.`,
      );
    }
    if (seen.has(key)) {
      throw new AwsError(
        'InvalidFilterKey',
        `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`,
      );
    }
    seen.add(key);
    const options = optionsFor(kind, operation);
    const option = (filter.Option as string | undefined) ?? options[0];
    if (!options.includes(option)) {
      throw new AwsError(
        'InvalidFilterOption',
        `The following filter option is not valid: ${option}. Valid options include: ${optionsSaid(kind)}.`,
      );
    }
    const values = filter.Values as string[] | undefined;
    if (values === undefined) {
      // A tag filter without values asks only whether the tag is there.
      if (kind === 'tag') return tagFilter(key.slice('tag:'.length), undefined, option);
      throw new AwsError('InvalidFilterValue', `The following filter values are missing : null for filter key ${key}.`);
    }
    return compile(kind, key, values, option);
  });
  return combine(compiled);
}

/**
 * Compiles the legacy `Filters` member of DescribeParameters (`{Key, Values}`, equality only).
 *
 * @throws AwsError `ValidationException` for a key outside [Name, Type, KeyId] or values
 *   outside the model's bounds.
 */
export function compileLegacyFilters(filters: readonly RequestInput[]): ParameterSelection {
  const failures = filters.flatMap((filter, index) => {
    const at = `filters.${index + 1}.member`;
    const keyFailures =
      typeof filter.Key === 'string' && LEGACY_KEYS.includes(filter.Key)
        ? []
        : [constraintFailure(`${at}.key`, filter.Key, `Member must satisfy enum value set: [${LEGACY_KEYS.join(', ')}]`)];
    return [
      ...keyFailures,
      ...(filter.Values === undefined || filter.Values === null
        ? [constraintFailure(`${at}.values`, undefined, 'Member must not be null')]
        : valuesFailures(filter.Values, `${at}.values`)),
    ];
  });
  if (failures.length > 0) throw validationErrors(failures);
  const seen = new Set<string>();
  return combine(
    filters.map((filter) => {
      const key = filter.Key as string;
      if (seen.has(key)) {
        throw new AwsError(
          'InvalidFilterKey',
          `The following filter is duplicated in the request: ${key}. A request can contain only one occurrence of a specific filter.`,
        );
      }
      seen.add(key);
      return compile(key, key, filter.Values as string[], 'Equals');
    }),
  );
}

/**
 * The selection GetParametersByPath makes from its Path and Recursive members.
 *
 * @throws AwsError `ValidationException` when the path is not a fully qualified hierarchy.
 */
export function pathSelection(path: string, recursive: boolean): ParameterSelection {
  const refusal = pathRefusal(path);
  if (refusal) throw refusal;
  const normalized = normalizePath(path);
  return { prefix: pathPrefix(normalized), matches: ({ key }) => isUnderPath(key, normalized, recursive) };
}

/** Both selections at once: the narrower prefix bounds the scan. */
export function intersect(a: ParameterSelection, b: ParameterSelection): ParameterSelection {
  const prefix = [a.prefix, b.prefix].reduce<string | undefined>(
    (longest, candidate) =>
      candidate !== undefined && candidate.length > (longest?.length ?? -1) ? candidate : longest,
    undefined,
  );
  const labels = a.labels ?? b.labels;
  return {
    ...(prefix !== undefined && { prefix }),
    ...(labels !== undefined && { labels }),
    matches: (parameter) => a.matches(parameter) && b.matches(parameter),
  };
}

function optionsSaid(kind: string): string {
  if (kind === 'Path') return '[Recursive, OneLevel]';
  return kind === 'Label' ? '[Equals]' : '[BeginsWith, Equals]';
}

function optionsFor(kind: string, operation: FilteringOperation): readonly string[] {
  if (kind === 'Path') return ['OneLevel', 'Recursive'];
  if (kind === 'Label') return ['Equals'];
  if (kind === 'Name' && operation === 'DescribeParameters') return ['Equals', 'BeginsWith', 'Contains'];
  return ['Equals', 'BeginsWith'];
}

function compile(kind: string, key: string, values: readonly string[], option: string): Compiled {
  const textIs = (text: string | undefined) =>
    text !== undefined && values.some((value) => (option === 'BeginsWith' ? text.startsWith(value) : text === value));
  switch (kind) {
    case 'Name':
      return {
        // Either spelling of a root-level name matches: `x` and `/x` are one parameter.
        predicate: ({ name }) =>
          spellingsOf(name).some((spelling) =>
            values.some((value) =>
              option === 'BeginsWith'
                ? spelling.startsWith(value)
                : option === 'Contains'
                ? spelling.includes(value)
                : spelling === value,
            ),
          ),
        ...(option === 'BeginsWith' && values.length === 1 && { prefix: parameterKey(values[0] as string) }),
      };
    case 'Path': {
      for (const value of values) {
        if (/^\/?(aws|ssm)/i.test(value)) {
          throw new AwsError(
            'ValidationException',
            `Filters for common parameters can't be prefixed with "aws" or "ssm" (case-insensitive). ` +
              'When using global parameters, please specify within a global namespace.',
          );
        }
        const refusal = pathRefusal(value);
        if (refusal) throw refusal;
      }
      const paths = values.map(normalizePath);
      return {
        predicate: ({ key: name }) => paths.some((path) => isUnderPath(name, path, option === 'Recursive')),
        ...(paths.length === 1 && { prefix: pathPrefix(paths[0] as string) }),
      };
    }
    case 'Type':
      if (option === 'Equals') checkEnum(values, PARAMETER_TYPES);
      return { predicate: (parameter) => textIs(latest(parameter).type) };
    case 'Tier':
      if (option === 'Equals') checkEnum(values, TIERS);
      return { predicate: (parameter) => textIs(latest(parameter).tier) };
    case 'DataType':
      return { predicate: (parameter) => textIs(latest(parameter).dataType) };
    case 'KeyId': {
      // Equals compares keys however they are written (id, ARN, alias); BeginsWith the text.
      const references = values.map(keyReference);
      return {
        predicate: (parameter) => {
          const keyId = latest(parameter).keyId;
          if (keyId === undefined) return false;
          return option === 'Equals' ? references.includes(keyReference(keyId)) : textIs(keyId);
        },
      };
    }
    case 'Label':
      return {
        predicate: (parameter) => values.some((label) => parameter.labels.has(label)),
        labels: values,
      };
    default:
      return tagFilter(key.slice('tag:'.length), values, option);
  }
}

function tagFilter(tagKey: string, values: readonly string[] | undefined, option: string): Compiled {
  return {
    predicate: ({ tags }) => {
      const value = tags.get(tagKey);
      if (value === undefined) return false;
      if (values === undefined) return true;
      return values.some((wanted) => (option === 'BeginsWith' ? value.startsWith(wanted) : value === wanted));
    },
  };
}

function checkEnum(values: readonly string[], allowed: readonly string[]): void {
  const invalid = values.find((value) => !allowed.includes(value));
  if (invalid !== undefined) {
    throw new AwsError(
      'InvalidFilterValue',
      `The following filter value is not valid: ${invalid}. Valid values include: [${allowed.join(', ')}].`,
    );
  }
}

function modelFailures(filter: RequestInput, at: string): string[] {
  const failures: string[] = [];
  const { Key: key, Option: option, Values: values } = filter;
  if (key === undefined || key === null) failures.push(constraintFailure(`${at}.key`, undefined, 'Member must not be null'));
  else if (typeof key !== 'string') failures.push(constraintFailure(`${at}.key`, JSON.stringify(key), 'Member must be a string'));
  else {
    if (key.length > MAX_KEY_LENGTH) {
      failures.push(constraintFailure(`${at}.key`, key, `Member must have length less than or equal to ${MAX_KEY_LENGTH}`));
    }
    if (!KEY_PATTERN.test(key)) {
      failures.push(constraintFailure(`${at}.key`, key, `Member must satisfy regular expression pattern: ${KEY_PATTERN_TEXT}`));
    }
  }
  if (option !== undefined && option !== null) {
    if (typeof option !== 'string') {
      failures.push(constraintFailure(`${at}.option`, JSON.stringify(option), 'Member must be a string'));
    } else if (option.length < 1 || option.length > MAX_OPTION_LENGTH) {
      const bound =
        option.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_OPTION_LENGTH}`;
      failures.push(constraintFailure(`${at}.option`, option, `Member must have length ${bound}`));
    }
  }
  if (values !== undefined && values !== null) failures.push(...valuesFailures(values, `${at}.values`));
  return failures;
}

function valuesFailures(values: unknown, member: string): string[] {
  if (!Array.isArray(values) || values.some((value) => typeof value !== 'string')) {
    return [constraintFailure(member, JSON.stringify(values), 'Member must be a list of strings')];
  }
  const failures: string[] = [];
  if (values.length < 1) failures.push(constraintFailure(member, values, 'Member must have length greater than or equal to 1'));
  if (values.length > MAX_VALUES) {
    failures.push(constraintFailure(member, values, `Member must have length less than or equal to ${MAX_VALUES}`));
  }
  if (values.some((value: string) => value.length < 1 || value.length > MAX_VALUE_LENGTH)) {
    failures.push(
      constraintFailure(
        member,
        values,
        `Member must satisfy constraint: [Member must have length less than or equal to ${MAX_VALUE_LENGTH}, ` +
          'Member must have length greater than or equal to 1]',
      ),
    );
  }
  return failures;
}

// SSM's refusal of a path no hierarchy could have, or undefined for a good one.
function pathRefusal(path: string): AwsError | undefined {
  if (!path.startsWith('/') || !PATH_CHARACTERS.test(path) || path.includes('//')) {
    return new AwsError('ValidationException', PATH_REQUIREMENTS);
  }
  const levels = normalizePath(path).split('/').length - 1;
  if (levels > MAX_PATH_LEVELS) {
    return new AwsError(
      'ValidationException',
      `The parameter path ${path} has ${levels} levels; a hierarchy can have at most ${MAX_PATH_LEVELS}.`,
    );
  }
  return undefined;
}

function combine(compiled: readonly Compiled[]): ParameterSelection {
  return compiled.reduce<ParameterSelection>(
    (selection, filter) =>
      intersect(selection, {
        ...(filter.prefix !== undefined && { prefix: filter.prefix }),
        ...(filter.labels !== undefined && { labels: filter.labels }),
        matches: filter.predicate,
      }),
    { matches: () => true },
  );
}

// "/app/" and "/app" are the same path to SSM.
function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function pathPrefix(path: string): string {
  return path === '/' ? '/' : `${path}/`;
}

function isUnderPath(key: string, path: string, recursive: boolean): boolean {
  const prefix = pathPrefix(path);
  if (!key.startsWith(prefix) || key.length === prefix.length) return false;
  return recursive || !key.includes('/', prefix.length);
}
