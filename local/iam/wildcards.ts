/**
 * IAM's wildcards: `*` any run of characters (none too), `?` exactly one, everything else
 * literal. Actions compare without regard to case, resources and ARNs with it.
 */

const compiled = new Map<string, RegExp>();

/**
 * True when `value` matches `pattern` with IAM's wildcards.
 *
 * @example
 * wildcardMatches('arn:aws:ssm:*:*:parameter/app/*', 'arn:aws:ssm:eu-west-1:1:parameter/app/db'); // true
 */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let expression = compiled.get(cacheKey);
  if (!expression) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
    expression = new RegExp(`^${body}$`, ignoreCase ? 'si' : 's');
    compiled.set(cacheKey, expression);
  }
  return expression.test(value);
}

/**
 * True when the ARN `value` matches the ARN `pattern` as IAM compares ARNs (a policy's
 * `Resource`, `ArnLike`): field by field on the first five colons, so that a `*` in the region
 * never spans into the account; the resource part is matched as a whole, colons and all.
 * `*` alone matches anything.
 *
 * @example
 * arnMatches('arn:aws:iam::*:role/figgy-*', 'arn:aws:iam::123456789012:role/figgy-x'); // true
 */
export function arnMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const patternFields = arnFields(pattern);
  const valueFields = arnFields(value);
  if (!patternFields || !valueFields) return wildcardMatches(pattern, value);
  return patternFields.every((field, index) => wildcardMatches(field, valueFields[index] as string));
}

function arnFields(arn: string): string[] | undefined {
  const fields = arn.split(':');
  if (fields.length < 6 || fields[0] !== 'arn') return undefined;
  return [...fields.slice(0, 5), fields.slice(5).join(':')];
}
