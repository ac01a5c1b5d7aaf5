/**
 * A parameter name's leading path segment: the partition of the audit log's path index.
 */
import { canonicalName } from '../parameter-paths.ts';

/**
 * The leading path segment of a name or of a normalised prefix, as the audit table's
 * `path_root` holds it; undefined for the root `/`, which has no single segment.
 *
 * A root-level name is its own root in its canonical spelling, so `x` and `/x` (one
 * parameter to SSM) share a partition and a prefix `/x` finds both.
 *
 * @example
 * pathRoot('/app/orders/db'); // '/app'
 * pathRoot('db-url'); // '/db-url'
 * pathRoot('/'); // undefined
 */
export function pathRoot(name: string): string | undefined {
  const canonical = canonicalName(name);
  const end = canonical.indexOf('/', 1);
  const root = end < 0 ? canonical : canonical.slice(0, end);
  return root === '/' ? undefined : root;
}
