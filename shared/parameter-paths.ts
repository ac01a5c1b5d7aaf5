/**
 * Parameter paths as prefixes: the one rule for "is this name under that prefix", used by the
 * audited namespaces, the replication destination prefixes and restore.
 */
import { FiggyEventsError } from './errors.ts';

/**
 * The one spelling the domain keeps for a parameter name.
 *
 * SSM treats a root-level `x` and `/x` as the same parameter, so the audit log, the cache,
 * restore and replay write both as `/x`, the way every hierarchical name is written; a record
 * kept under the other spelling is read as this one.
 *
 * @example
 * canonicalName('db-url'); // '/db-url'
 * canonicalName('/app/db-url'); // '/app/db-url'
 */
export function canonicalName(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}

/**
 * Every spelling a parameter may be kept under: a root-level name with and without its
 * leading slash (one parameter to SSM, see {@link canonicalName}), any other name only in its
 * canonical one, first.
 *
 * @example
 * spellingsOf('/db-url'); // ['/db-url', 'db-url']
 * spellingsOf('/app/db-url'); // ['/app/db-url']
 */
export function spellingsOf(name: string): string[] {
  const canonical = canonicalName(name);
  const rootLevel = canonical.length > 1 && !canonical.includes('/', 1);
  return rootLevel ? [canonical, canonical.slice(1)] : [canonical];
}

/** A prefix that cannot name a parameter path. */
export class InvalidPrefixError extends FiggyEventsError {
  /** The prefix must change. */
  readonly retryable = false;
  constructor(
    readonly prefix: string,
    /** What is wrong with it, as the end of a sentence that names it. */
    readonly reason: string,
  ) {
    super(`prefix "${prefix}" ${reason}`);
    this.name = 'InvalidPrefixError';
  }
}

// What a parameter name may hold besides "/" (PutParameter's naming constraints). Anything
// else could name no parameter, and "*" or "?" would become wildcards in the IAM patterns.
const PATH_CHARACTER = /[a-zA-Z0-9_.\-/]/;

/**
 * Normalises a prefix: a parameter path such as `/app/orders`, without the trailing slash,
 * or `/` for every parameter.
 *
 * A prefix is a path rather than a string prefix, so `/app` never reaches `/application`.
 *
 * @example
 * normalizePrefix('/app/orders/'); // '/app/orders'
 */
export function normalizePrefix(raw: string): string {
  const prefix = raw.trim();
  if (!prefix.startsWith('/')) {
    throw new InvalidPrefixError(raw, 'must start with "/", as a parameter path does, such as /app/orders');
  }
  const stray = [...prefix].find((character) => !PATH_CHARACTER.test(character));
  if (stray !== undefined) {
    throw new InvalidPrefixError(
      raw,
      `has "${stray}", which no parameter name holds (and IAM would read "*" or "?" as a wildcard): use only a-z, A-Z, 0-9, "_", ".", "-" and "/"`,
    );
  }
  if (prefix.includes('//')) throw new InvalidPrefixError(raw, 'has an empty path segment ("//")');
  return prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

/** Whether a list may hold `/`, every parameter of the account. */
export interface PrefixListRule {
  /** False for the prefixes replication writes under: `/` would let it overwrite anything. */
  readonly rootAllowed: boolean;
}

/**
 * The one rule for a list of prefixes, whoever reads it (the construct's props, the
 * functions' environment, the CLI, the sandbox): at least one, each {@link normalizePrefix}d,
 * `/` only where `rule` allows it. `invalid` turns the reason into the caller's own error,
 * which names the prop, variable or flag the list came from.
 *
 * @example
 * checkPrefixes(['/app/'], (reason) => new Error(`--prefix ${reason}`), { rootAllowed: true }); // ['/app']
 */
export function checkPrefixes(
  raws: readonly string[],
  invalid: (reason: string) => Error,
  rule: PrefixListRule,
): string[] {
  if (raws.length === 0) throw invalid('lists no prefix');
  return raws.map((raw) => {
    let prefix: string;
    try {
      prefix = normalizePrefix(raw);
    } catch (error) {
      if (error instanceof InvalidPrefixError) throw invalid(`has the prefix "${error.prefix}", which ${error.reason}`);
      throw error;
    }
    if (prefix === '/' && !rule.rootAllowed) {
      throw invalid('includes "/", which would let replication overwrite every parameter in the account; list the paths destinations live under');
    }
    return prefix;
  });
}

/**
 * True when `name` is the parameter `prefix` itself or lies under it. The root `/` covers
 * every parameter, those whose names have no leading slash (SSM allows them) included. IAM
 * must read a prefix the same way: the construct grants both `parameter/app` and
 * `parameter/app/*` for `/app`.
 *
 * @example
 * isUnderPrefix('/app/orders/db', '/app/orders'); // true
 * isUnderPrefix('/app/orders', '/app/orders'); // true
 * isUnderPrefix('/app/orders-v2/db', '/app/orders'); // false
 */
export function isUnderPrefix(name: string, prefix: string): boolean {
  if (prefix === '/') return true;
  return name === prefix || name.startsWith(`${prefix}/`);
}

/**
 * True when a mapping's destination or source, a parameter name or a mirror's prefix (ending
 * in `/`), writes or reads under `path`: it lies under `path`, or it is a prefix that holds it.
 *
 * @example
 * concernsPath('/app/orders/db', '/app'); // true
 * concernsPath('/app/', '/app/orders'); // true: a mirror of /app/ copies /app/orders too
 * concernsPath('/app/orders/db', '/app/orders/db/x'); // false
 */
export function concernsPath(nameOrPrefix: string, path: string): boolean {
  if (isUnderPrefix(nameOrPrefix, path)) return true;
  return nameOrPrefix.endsWith('/') && isUnderPrefix(path, nameOrPrefix === '/' ? '/' : nameOrPrefix.slice(0, -1));
}

/** What a name is compared with to be under a path, as a store that matches strings needs it. */
export interface PathMatch {
  /** The path itself, in every spelling it may be kept under. */
  readonly names: readonly string[];
  /** The start every name below the path shares (the path and a slash). */
  readonly below: string;
}

/**
 * The string matches that find every stored name {@link isUnderPrefix} puts under `prefix`,
 * whichever spelling it was kept under; undefined for the root `/`, which matches every name.
 * `prefix` is a path as {@link normalizePrefix} returns it (a trailing slash is allowed).
 *
 * @example
 * pathMatch('/app/orders'); // { names: ['/app/orders'], below: '/app/orders/' }
 * pathMatch('/db-url'); // { names: ['/db-url', 'db-url'], below: '/db-url/' }
 */
export function pathMatch(prefix: string): PathMatch | undefined {
  const path = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (path === '/' || path === '') return undefined;
  return { names: spellingsOf(path), below: `${canonicalName(path)}/` };
}

/** True when `name` lies under any of `prefixes` (each as {@link normalizePrefix} returns it). */
export function isUnderPrefixes(name: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => isUnderPrefix(name, prefix));
}
