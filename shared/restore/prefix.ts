/**
 * Which parameters a restore covers.
 */

/** A prefix that cannot name a parameter path. */
export class InvalidPrefixError extends Error {
  constructor(readonly prefix: string, reason: string) {
    super(`prefix "${prefix}" ${reason}`);
    this.name = 'InvalidPrefixError';
  }
}

/**
 * Normalises a restore prefix: a parameter path such as `/app/orders`, without the trailing
 * slash, or `/` for every path.
 *
 * A prefix is a path rather than a string prefix, so `/app` never reaches `/application`.
 *
 * @example
 * normalizePrefix('/app/orders/'); // '/app/orders'
 */
export function normalizePrefix(raw: string): string {
  const prefix = raw.trim();
  if (!prefix.startsWith('/')) {
    throw new InvalidPrefixError(raw, 'must be a parameter path starting with "/", such as /app/orders');
  }
  if (prefix.includes('//')) throw new InvalidPrefixError(raw, 'has an empty path segment ("//")');
  return prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

/**
 * True when `name` is the parameter `prefix` itself or lies under it.
 *
 * @example
 * isUnderPrefix('/app/orders/db', '/app/orders'); // true
 * isUnderPrefix('/app/orders-v2/db', '/app/orders'); // false
 */
export function isUnderPrefix(name: string, prefix: string): boolean {
  if (prefix === '/') return name.startsWith('/');
  return name === prefix || name.startsWith(`${prefix}/`);
}
