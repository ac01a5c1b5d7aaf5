/**
 * IAM condition blocks: the operators the construct's policies use, with IAM's rules for
 * absent keys, `IfExists`, and the `ForAllValues:` / `ForAnyValue:` set operators.
 *
 * What this cannot evaluate (numeric, date, IP and binary operators, policy variables such as
 * `${aws:username}`, or a key the request table does not model) is reported as `unevaluable`:
 * the statement evaluator then lets no Allow apply and every Deny apply, so an unknown
 * condition can only make the sandbox stricter than AWS, never more lenient.
 */
import { arnMatches, wildcardMatches } from './wildcards.ts';

/**
 * The request context: condition keys (lower case, as IAM compares them) and their values.
 * A key that is absent is not in the request; {@link UNKNOWN} marks one the request carries
 * but the evaluator could not work out.
 */
export type RequestContext = ReadonlyMap<string, readonly string[] | typeof UNKNOWN>;

/** A context value present in the request but not known to the evaluator. */
export const UNKNOWN = Symbol('unknown context value');

/** The outcome of one condition block. */
export type ConditionResult = boolean | 'unevaluable';

/** One policy's `Condition` element: operator → key → value(s). */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | boolean | readonly (string | boolean)[]>>>>;

/** How a single request value compares with one policy value. */
type Comparison = (requestValue: string, policyValue: string) => boolean;

const COMPARISONS: Readonly<Record<string, { readonly compare: Comparison; readonly negated: boolean }>> = {
  stringequals: { compare: (a, b) => a === b, negated: false },
  stringnotequals: { compare: (a, b) => a === b, negated: true },
  stringequalsignorecase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: false },
  stringnotequalsignorecase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: true },
  stringlike: { compare: (a, b) => wildcardMatches(b, a), negated: false },
  stringnotlike: { compare: (a, b) => wildcardMatches(b, a), negated: true },
  // ArnEquals takes wildcards as ArnLike does; both compare the six ARN fields one by one.
  arnequals: { compare: (a, b) => arnMatches(b, a), negated: false },
  arnlike: { compare: (a, b) => arnMatches(b, a), negated: false },
  arnnotequals: { compare: (a, b) => arnMatches(b, a), negated: true },
  arnnotlike: { compare: (a, b) => arnMatches(b, a), negated: true },
  bool: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: false },
};

/**
 * True when every operator and key of `block` holds for `context` (IAM ANDs them, and ORs
 * the values of one key); `unevaluable` when any part cannot be evaluated.
 *
 * @param modelled whether the request table models a key (lower case); a condition on any
 *   other key is unevaluable, since AWS might supply a value the sandbox does not.
 * @example
 * conditionHolds({ StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } },
 *   new Map([['kms:viaservice', ['ssm.eu-west-1.amazonaws.com']]]), () => true); // true
 */
export function conditionHolds(
  block: ConditionBlock,
  context: RequestContext,
  modelled: (key: string) => boolean,
): ConditionResult {
  let result: ConditionResult = true;
  for (const [operator, keys] of Object.entries(block)) {
    for (const [key, raw] of Object.entries(keys)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map(String);
      const lowerKey = key.toLowerCase();
      const outcome = modelled(lowerKey) ? operatorHolds(operator, context.get(lowerKey), values) : 'unevaluable';
      if (outcome === 'unevaluable') result = 'unevaluable';
      else if (!outcome && result !== 'unevaluable') result = false;
    }
  }
  return result;
}

function operatorHolds(
  operator: string,
  present: readonly string[] | typeof UNKNOWN | undefined,
  policyValues: readonly string[],
): ConditionResult {
  const parsed = /^(?:(forallvalues|foranyvalue):)?(.+?)(ifexists)?$/.exec(operator.toLowerCase());
  if (!parsed) return 'unevaluable';
  const [, setOperator, name, ifExists] = parsed as unknown as [string, string | undefined, string, string | undefined];
  if (present === UNKNOWN) return 'unevaluable';
  if (policyValues.some((value) => value.includes('${'))) return 'unevaluable';
  if (name === 'null') {
    if (setOperator || ifExists) return 'unevaluable';
    const wantsAbsent = policyValues.map((value) => value.toLowerCase() === 'true');
    return wantsAbsent.some((absent) => absent === (present === undefined || present.length === 0));
  }
  const comparison = COMPARISONS[name];
  if (!comparison) return 'unevaluable';
  const matchesOne = (value: string) => {
    const matched = policyValues.some((policyValue) => comparison.compare(value, policyValue));
    return comparison.negated ? !matched : matched;
  };
  if (setOperator === 'forallvalues') return (present ?? []).every(matchesOne);
  if (setOperator === 'foranyvalue') return (present ?? []).some(matchesOne);
  if (present === undefined || present.length === 0) {
    // An absent key matches only with IfExists, and under a negated operator (nothing equals it).
    return ifExists !== undefined || comparison.negated;
  }
  // A single-valued operator on a key with many values is a policy mistake IAM answers
  // differently per operator; the sandbox refuses to guess.
  if (present.length !== 1) return 'unevaluable';
  return matchesOne(present[0] as string);
}
