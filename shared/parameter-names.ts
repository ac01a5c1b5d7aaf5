/**
 * Names Parameter Store accepts, after the naming constraints of the PutParameter API
 * reference: judged before a call, so a name SSM would refuse is refused with its reason
 * instead of failing the call (and every retry of it).
 */

// Beyond "/", which separates the levels of a hierarchy.
const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
const MAX_LEVELS = 15;
// SSM counts 1011 characters on the parameter's ARN; the name alone can never be longer.
const MAX_NAME_LENGTH = 1011;
// Reserved for AWS (public parameters such as /aws/service/...): readable, never writable.
const RESERVED = /^\/?(aws|ssm)/i;

/**
 * Why SSM would refuse to read `name` as a parameter name, or undefined when it is one.
 *
 * @example
 * readableNameProblem('/app//db'); // 'has an empty path segment ("//" or a trailing "/")'
 */
export function readableNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long; SSM allows at most ${MAX_NAME_LENGTH}`;
  if (!NAME_CHARACTERS.test(name)) return 'has characters SSM does not allow: use only a-z, A-Z, 0-9, "_", ".", "-" and "/"';
  if (!name.includes('/')) return undefined;
  if (!name.startsWith('/')) return 'is a path that does not start with "/"';
  const levels = name.split('/').slice(1);
  if (levels.includes('')) return 'has an empty path segment ("//" or a trailing "/")';
  if (levels.length > MAX_LEVELS) return `has ${levels.length} levels; SSM allows at most ${MAX_LEVELS}`;
  return undefined;
}

/**
 * Why SSM would refuse to write a parameter named `name` (PutParameter), or undefined.
 *
 * @example
 * writableNameProblem('/aws/x'); // 'starts with "aws" or "ssm", which SSM reserves'
 */
export function writableNameProblem(name: string): string | undefined {
  return readableNameProblem(name) ?? (RESERVED.test(name) ? 'starts with "aws" or "ssm", which SSM reserves' : undefined);
}
