/**
 * Parameter names as SSM understands them: validation, ARNs, and the `name:version` selector.
 */
import { AwsError, validationError } from './aws-error.ts';

/** Account and region a parameter ARN is built for. */
export interface ArnScope {
  readonly account: string;
  readonly region: string;
}

/** A name as a caller wrote it in a read: the parameter and, optionally, which version. */
export interface ParameterReference {
  /** The name, or for an ARN the part after `parameter/`. */
  readonly name: string;
  readonly fromArn: boolean;
  readonly version?: number;
  /** A `name:label` selector; the emulator keeps no labels, so none ever matches. */
  readonly label?: string;
}

const MAX_NAME_LENGTH = 2048;
const MAX_HIERARCHY_LEVELS = 15;
const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
// A name, `name:version` or `name:label` after the ARN's `parameter/`: the shared parser reads
// names, not selectors.
const PARAMETER_ARN = /^arn:aws[\w-]*:ssm:[^:]*:[^:]*:parameter\/(.*)$/;
const NAME_REQUIREMENTS =
  `Parameter name: can't be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of ` +
  'sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

/**
 * Checks a name PutParameter would accept.
 *
 * @throws AwsError `ValidationException` in SSM's words, `AccessDeniedException` for a path
 *   under the reserved `/aws`, or `HierarchyLevelLimitExceededException` beyond 15 levels.
 */
export function validateParameterName(name: string): void {
  if (name.length < 1) throw validationError('name', name, 'Member must have length greater than or equal to 1');
  if (name.length > MAX_NAME_LENGTH) {
    throw validationError(
      'name',
      `${name.slice(0, 32)}...`,
      `Member must have length less than or equal to ${MAX_NAME_LENGTH}`,
    );
  }
  // The texts are SSM's own (as moto records them); SSM words every name rule one way.
  const reserved = /^\/?(aws|ssm)/i.test(name);
  const isPath = name.split('/').length > 2;
  if (reserved && isPath && /^\/aws/i.test(name)) {
    throw new AwsError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
  }
  if (reserved && !isPath) {
    throw new AwsError('ValidationException', `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`);
  }
  const segments = name.split('/').slice(1);
  const malformed =
    !NAME_CHARACTERS.test(name) ||
    (name.includes('/') && !name.startsWith('/')) ||
    (name.includes('/') && segments.some((segment) => segment === ''));
  if (reserved || malformed) throw new AwsError('ValidationException', NAME_REQUIREMENTS);
  if (segments.length > MAX_HIERARCHY_LEVELS) {
    throw new AwsError(
      'HierarchyLevelLimitExceededException',
      `Parameter name ${name} has ${segments.length} levels; a hierarchy can have at most ${MAX_HIERARCHY_LEVELS}.`,
    );
  }
}

/**
 * The name SSM tells parameters apart by: a root-level name with its leading slash, since
 * `x` and `/x` are one parameter to SSM (and share one ARN, `parameter/x`).
 *
 * @example
 * parameterKey('db'); // '/db'
 */
export function parameterKey(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}

/** Every spelling of a name that a Name filter can match: `x` and `/x` at the root. */
export function spellingsOf(name: string): readonly string[] {
  const key = parameterKey(name);
  return key.indexOf('/', 1) === -1 ? [key.slice(1), key] : [key];
}

/**
 * Splits a name, `name:version`, `name:label` or parameter ARN (with or without selector).
 *
 * @example
 * parseReference('/app/db:3'); // { name: '/app/db', fromArn: false, version: 3 }
 */
export function parseReference(raw: string): ParameterReference {
  const arn = PARAMETER_ARN.exec(raw);
  const body = arn ? arn[1] : raw;
  const colon = body.indexOf(':');
  const name = colon < 0 ? body : body.slice(0, colon);
  const base = { name, fromArn: arn !== null };
  if (colon < 0) return base;
  const selector = body.slice(colon + 1);
  return /^[1-9]\d*$/.test(selector) ? { ...base, version: Number(selector) } : { ...base, label: selector };
}
