/**
 * Where a replica lives: the deployment's own region and account ("home"), or a replica
 * target's. A mapping names another place by writing its destination as a parameter ARN.
 */
import { ValidationError } from '../events/validation.ts';
import { parseParameterArn } from '../parameter-arn.ts';
import { canonicalName } from '../parameter-paths.ts';

/** One region of one account: the scope of a Parameter Store. */
export interface Place {
  readonly region: string;
  readonly account: string;
}

/** A destination as a mapping writes it: a plain name at home, or an ARN naming a place. */
export interface DestinationAddress {
  /** The parameter name (or, for a mirror, the prefix) in its place, with a leading `/`. */
  readonly name: string;
  /** Absent for a plain name: the destination is at home. */
  readonly arn?: { readonly partition: string; readonly region: string; readonly account: string };
}

// What a replica target can be: a region's code and a 12-digit account.
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

/**
 * Reads a mapping's `destination`: a plain name stays at home; `arn:<partition>:ssm:<region>:
 * <account>:parameter/<path>` names a parameter in that region and account.
 *
 * @throws ValidationError naming `field` for a string that starts like an ARN but is not a
 *   parameter ARN.
 * @example
 * parseDestination('arn:aws:ssm:eu-central-1:210987654321:parameter/dr/db', 'destination');
 * // { name: '/dr/db', arn: { partition: 'aws', region: 'eu-central-1', account: '210987654321' } }
 */
export function parseDestination(raw: string, field: string): DestinationAddress {
  if (!raw.startsWith('arn:')) return { name: canonicalName(raw) };
  const arn = parseParameterArn(raw);
  if (!arn || !REGION.test(arn.region) || !ACCOUNT.test(arn.account)) {
    throw new ValidationError(
      field,
      `"${raw}" is not a parameter ARN: write arn:<partition>:ssm:<region>:<12-digit account>:parameter/<path>, or a plain name for this region and account`,
    );
  }
  const { partition, region, account, path } = arn;
  if (path.startsWith('//')) {
    // SSM's ARN of /dr/x is parameter/dr/x: a second spelling of one name would let two
    // mappings (keyed by the string as written) write it without either seeing the other.
    throw new ValidationError(field, `"${raw}" is not a parameter ARN: the path after "parameter" takes one "/" (parameter${path.slice(1)})`);
  }
  return { name: arn.name, arn: { partition, region, account } };
}

/** One string per place, for maps and log lines: `eu-central-1/210987654321`. */
export function placeKey(place: Place): string {
  return `${place.region}/${place.account}`;
}

/** True when both name the same region of the same account. */
export function samePlace(a: Place, b: Place): boolean {
  return a.region === b.region && a.account === b.account;
}
