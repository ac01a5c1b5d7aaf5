/**
 * IAM's decision for one request: identity policies and, where the resource has one, its
 * resource policy (a KMS key policy, a role's trust policy, a queue policy), evaluated as AWS
 * documents it for requests within one account and across accounts. Enough of IAM for the
 * sandbox to say no where AWS says no; SCPs, permission boundaries and session policies are
 * not modelled (the construct uses none).
 */
import { conditionHolds, type ConditionBlock, type RequestContext } from './policy-conditions.ts';
import { arnMatches, wildcardMatches } from './wildcards.ts';

/** A policy statement as IAM reads it: single values or lists, any element optional. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: PrincipalElement;
  readonly NotPrincipal?: PrincipalElement;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

/** A `Principal` element: `*`, or principals by kind (`AWS`, `Service`, ...). */
export type PrincipalElement = '*' | Readonly<Record<string, string | readonly string[]>>;

/** A policy document; `Statement` may be one statement or a list, as IAM accepts both. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: Statement | readonly Statement[];
}

/** Who makes the request. */
export type RequestPrincipal =
  | {
      readonly kind: 'role-session';
      readonly account: string;
      /** `arn:aws:iam::<account>:role/<name>`: what a trust or key policy names, and `aws:PrincipalArn`. */
      readonly roleArn: string;
      /** `arn:aws:sts::<account>:assumed-role/<name>/<session>`: what error messages name. */
      readonly sessionArn: string;
    }
  | { readonly kind: 'service'; readonly service: string };

/** One authorization: an action on one resource, with its request context. */
export interface AuthorizationRequest {
  readonly action: string;
  /** The resource's ARN, or `*` for an action that supports no resource. */
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  readonly context: RequestContext;
  /** Whether the request table models a condition key (lower case) for this request. */
  readonly modelledKey: (key: string) => boolean;
}

/**
 * How AWS combines a resource policy with identity policies:
 * - `optional` (SQS, and services without resource policies): within one account either may allow;
 * - `required` (KMS key policies, role trust policies): the resource policy must allow, itself
 *   or by naming the account, which then leaves it to the identity policies.
 */
export type ResourcePolicyRole = 'optional' | 'required';

/** IAM's three outcomes, and which side failed to allow. */
export type Decision =
  | { readonly result: 'Allowed' }
  | { readonly result: 'ExplicitlyDenied'; readonly by: 'identity-based' | 'resource-based' }
  | { readonly result: 'ImplicitlyDenied'; readonly missing: 'identity-based' | 'resource-based' };

export interface Evaluation {
  readonly principal: RequestPrincipal;
  readonly request: AuthorizationRequest;
  readonly identityPolicies: readonly PolicyDocument[];
  readonly resourcePolicy?: PolicyDocument;
  readonly resourcePolicyRole?: ResourcePolicyRole;
}

/**
 * IAM's decision: an applicable Deny anywhere wins; then, within one account, an identity
 * Allow or a resource policy Allow that names the principal itself; across accounts both
 * sides must allow. A resource policy that names the account (`arn:aws:iam::<account>:root`)
 * only delegates to that account's identity policies.
 *
 * @example
 * evaluate({ principal, request, identityPolicies: [policy] }).result; // 'Allowed'
 */
export function evaluate(evaluation: Evaluation): Decision {
  const { principal, request } = evaluation;
  const identity = evaluation.identityPolicies.flatMap(statementsOf).map((statement) => applies(statement, request, undefined));
  const resource = evaluation.resourcePolicy
    ? statementsOf(evaluation.resourcePolicy).map((statement) => applies(statement, request, principal))
    : [];
  if (identity.some((outcome) => outcome === 'deny')) return { result: 'ExplicitlyDenied', by: 'identity-based' };
  if (resource.some((outcome) => outcome === 'deny')) return { result: 'ExplicitlyDenied', by: 'resource-based' };

  const identityAllows = identity.includes('allow');
  const resourceAllowsPrincipal = resource.includes('allow');
  const resourceAllowsAccount = resource.includes('allow-account');
  const sameAccount = principal.kind === 'service' || principal.account === request.resourceAccount;
  const required = evaluation.resourcePolicyRole === 'required';

  if (required || !sameAccount) {
    const resourceAllows = resourceAllowsPrincipal || resourceAllowsAccount;
    if (!resourceAllows) return { result: 'ImplicitlyDenied', missing: 'resource-based' };
    // Within one account, a policy naming the principal itself needs no identity grant.
    if (sameAccount && resourceAllowsPrincipal) return { result: 'Allowed' };
    return identityAllows ? { result: 'Allowed' } : { result: 'ImplicitlyDenied', missing: 'identity-based' };
  }
  return identityAllows || resourceAllowsPrincipal ? { result: 'Allowed' } : { result: 'ImplicitlyDenied', missing: 'identity-based' };
}

/** The statements of a document, one or many. */
export function statementsOf(policy: PolicyDocument): readonly Statement[] {
  return Array.isArray(policy.Statement) ? (policy.Statement as readonly Statement[]) : [policy.Statement as Statement];
}

type Outcome = 'allow' | 'allow-account' | 'deny' | 'none';

/**
 * Whether a statement applies, and how. `principal` is given for resource policies only,
 * whose statements must name the caller; `allow-account` is an Allow that names the caller's
 * account rather than the caller.
 */
function applies(statement: Statement, request: AuthorizationRequest, principal: RequestPrincipal | undefined): Outcome {
  if (!matchesAction(statement, request.action) || !matchesResource(statement, request.resource)) return 'none';
  let named: 'principal' | 'account' | undefined = 'principal';
  if (principal) {
    named = statement.Principal === undefined || statement.NotPrincipal !== undefined ? undefined : namedBy(statement.Principal, principal);
    if (named === undefined) return 'none';
  }
  const condition = statement.Condition ? conditionHolds(statement.Condition, request.context, request.modelledKey) : true;
  if (statement.Effect === 'Deny') {
    // An unevaluable condition is taken to hold for a Deny and to fail for an Allow.
    return condition === false ? 'none' : 'deny';
  }
  if (condition !== true) return 'none';
  return named === 'account' ? 'allow-account' : 'allow';
}

function matchesAction(statement: Statement, action: string): boolean {
  if (statement.Action !== undefined) return list(statement.Action).some((pattern) => wildcardMatches(pattern, action, true));
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((pattern) => wildcardMatches(pattern, action, true));
  return false;
}

function matchesResource(statement: Statement, resource: string): boolean {
  // A trust policy has no Resource: it is about the role it belongs to.
  if (statement.Resource === undefined && statement.NotResource === undefined) return statement.Principal !== undefined;
  if (statement.Resource !== undefined) return list(statement.Resource).some((pattern) => arnMatches(pattern, resource));
  return !list(statement.NotResource as string | readonly string[]).some((pattern) => arnMatches(pattern, resource));
}

/**
 * How a resource policy's `Principal` names the caller: itself (`*`, its role, its session),
 * only its account (`123456789012`, `arn:aws:iam::123456789012:root`), or not at all.
 * Federated and canonical-user principals never name a sandbox caller.
 */
function namedBy(element: PrincipalElement, principal: RequestPrincipal): 'principal' | 'account' | undefined {
  if (element === '*') return 'principal';
  let found: 'principal' | 'account' | undefined;
  for (const [kind, values] of Object.entries(element)) {
    for (const value of list(values)) {
      if (kind === 'Service' && principal.kind === 'service' && value === principal.service) return 'principal';
      if (kind !== 'AWS' || principal.kind !== 'role-session') continue;
      if (value === '*' || value === principal.roleArn || value === principal.sessionArn) return 'principal';
      const account = /^(?:arn:[\w-]+:iam::(\d{12}):root|(\d{12}))$/.exec(value);
      if (account && (account[1] ?? account[2]) === principal.account) found = 'account';
    }
  }
  return found;
}

function list(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}
