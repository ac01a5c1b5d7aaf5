/**
 * The filters of DescribeParameters and GetParametersByPath, turned into a predicate over
 * stored parameters plus the name prefix that bounds the scan.
 */
import { PARAMETER_TYPES } from '../../shared/parameters.ts';
import { AwsError } from './aws-error.ts';
import { keyReference } from './kms.ts';
import type { RequestInput } from './request-members.ts';
import { latest, type StoredParameter } from './store.ts';

/** A compiled set of filters: all must hold. */
export interface ParameterSelection {
  /** Only names with this prefix can match (a Path filter's or a path's). */
  readonly prefix?: string;
  readonly matches: (parameter: StoredParameter) => boolean;
}

type Predicate = (parameter: StoredParameter) => boolean;

interface FilterSpec {
  readonly options: readonly string[];
  readonly compile: (values: readonly string[], option: string) => { predicate: Predicate; prefix?: string };
}

const EQUALS = ['Equals'];

const SPECS: Readonly<Record<string, FilterSpec>> = {
  Name: {
    options: ['Equals', 'BeginsWith', 'Contains'],
    compile: (values, option) => ({
      predicate: ({ name }) =>
        values.some((value) =>
          option === 'BeginsWith'
            ? name.startsWith(value)
            : option === 'Contains'
            ? name.includes(value)
            : name === value,
        ),
      ...(option === 'BeginsWith' && values.length === 1 && { prefix: values[0] }),
    }),
  },
  Path: {
    options: ['OneLevel', 'Recursive'],
    compile: (values, option) => {
      const relative = values.find((value) => !value.startsWith('/'));
      if (relative !== undefined) {
        throw new AwsError(
          'InvalidFilterValue',
          `The Path filter value ${relative} must be fully qualified: start it with "/".`,
        );
      }
      const paths = values.map(normalizePath);
      return {
        predicate: ({ name }) => paths.some((path) => isUnderPath(name, path, option === 'Recursive')),
        ...(paths.length === 1 && { prefix: pathPrefix(paths[0]) }),
      };
    },
  },
  Type: {
    options: EQUALS,
    compile: (values) => {
      const invalid = values.find((value) => !(PARAMETER_TYPES as readonly string[]).includes(value));
      if (invalid !== undefined) {
        throw new AwsError(
          'InvalidFilterValue',
          `Type filter value ${invalid} is not one of ${PARAMETER_TYPES.join(', ')}.`,
        );
      }
      return { predicate: (parameter) => values.includes(latest(parameter).type) };
    },
  },
  KeyId: {
    options: EQUALS,
    compile: (values) => {
      const references = values.map(keyReference);
      return {
        predicate: (parameter) => {
          const keyId = latest(parameter).keyId;
          return keyId !== undefined && references.includes(keyReference(keyId));
        },
      };
    },
  },
  Tier: {
    options: EQUALS,
    compile: (values) => ({ predicate: (parameter) => values.includes(latest(parameter).tier) }),
  },
  DataType: {
    options: EQUALS,
    compile: (values) => ({ predicate: (parameter) => values.includes(latest(parameter).dataType) }),
  },
};

/** Filter keys DescribeParameters accepts in ParameterFilters. */
export const DESCRIBE_FILTER_KEYS = ['Name', 'Path', 'Type', 'KeyId', 'Tier', 'DataType'] as const;
/** Filter keys GetParametersByPath accepts (the path itself is its own member). */
export const BY_PATH_FILTER_KEYS = ['Type', 'KeyId'] as const;

/**
 * Compiles `ParameterFilters` (`{Key, Option?, Values?}`) allowing only `allowedKeys`.
 *
 * @throws AwsError `InvalidFilterKey`, `InvalidFilterOption` or `InvalidFilterValue` naming
 *   the filter and what it accepts.
 */
export function compileParameterFilters(
  filters: readonly RequestInput[] | undefined,
  allowedKeys: readonly string[],
): ParameterSelection {
  const compiled = (filters ?? []).map((filter) => {
    const key = filter.Key;
    if (typeof key !== 'string' || !allowedKeys.includes(key)) {
      throw new AwsError(
        'InvalidFilterKey',
        `The filter key ${String(key)} is not valid here. Valid filter keys include: [${allowedKeys.join(', ')}].`,
      );
    }
    const spec = SPECS[key];
    const option = filter.Option ?? spec.options[0];
    if (typeof option !== 'string' || !spec.options.includes(option)) {
      throw new AwsError(
        'InvalidFilterOption',
        `The filter option ${String(option)} is not valid for key ${key}. Valid options include: [${spec.options.join(
          ', ',
        )}].`,
      );
    }
    return spec.compile(filterValues(key, filter.Values), option);
  });
  return combine(compiled);
}

/**
 * Compiles the legacy `Filters` member of DescribeParameters (`{Key, Values}`, equality only).
 */
export function compileLegacyFilters(filters: readonly RequestInput[]): ParameterSelection {
  const legacyKeys = ['Name', 'Type', 'KeyId'];
  return compileParameterFilters(
    filters.map((filter) => {
      if (typeof filter.Key !== 'string' || !legacyKeys.includes(filter.Key)) {
        throw new AwsError(
          'InvalidFilterKey',
          `The filter key ${String(filter.Key)} is not valid. Valid filter keys include: [${legacyKeys.join(', ')}].`,
        );
      }
      return { Key: filter.Key, Values: filter.Values };
    }),
    legacyKeys,
  );
}

/**
 * The selection GetParametersByPath makes from its Path and Recursive members.
 *
 * @throws AwsError `ValidationException` when the path is not fully qualified.
 */
export function pathSelection(path: string, recursive: boolean): ParameterSelection {
  if (!path.startsWith('/')) {
    throw new AwsError('ValidationException', `The path ${path} must be fully qualified: start it with "/".`);
  }
  const normalized = normalizePath(path);
  return { prefix: pathPrefix(normalized), matches: ({ name }) => isUnderPath(name, normalized, recursive) };
}

/** Both selections at once: the narrower prefix bounds the scan. */
export function intersect(a: ParameterSelection, b: ParameterSelection): ParameterSelection {
  const prefix = [a.prefix, b.prefix].reduce<string | undefined>(
    (longest, candidate) =>
      candidate !== undefined && candidate.length > (longest?.length ?? -1) ? candidate : longest,
    undefined,
  );
  return {
    ...(prefix !== undefined && { prefix }),
    matches: (parameter) => a.matches(parameter) && b.matches(parameter),
  };
}

function combine(compiled: readonly { predicate: Predicate; prefix?: string }[]): ParameterSelection {
  return compiled.reduce<ParameterSelection>(
    (selection, filter) =>
      intersect(selection, {
        ...(filter.prefix !== undefined && { prefix: filter.prefix }),
        matches: filter.predicate,
      }),
    { matches: () => true },
  );
}

function filterValues(key: string, values: unknown): string[] {
  if (values === undefined || values === null) {
    throw new AwsError('InvalidFilterValue', `The filter ${key} needs at least one value in Values.`);
  }
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.some((value) => typeof value !== 'string' || value === '')
  ) {
    throw new AwsError(
      'InvalidFilterValue',
      `The filter ${key} needs Values as a non-empty list of non-empty strings.`,
    );
  }
  return values as string[];
}

// "/app/" and "/app" are the same path to SSM.
function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function pathPrefix(path: string): string {
  return path === '/' ? '/' : `${path}/`;
}

function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = pathPrefix(path);
  if (!name.startsWith(prefix) || name.length === prefix.length) return false;
  return recursive || !name.includes('/', prefix.length);
}
