/**
 * IAM identity policies as the emulator evaluates them: enough of IAM's policy logic to hold
 * a function to the statements the construct grants it, so that a call AWS would deny is
 * denied in the sandbox too, and the end-to-end tests see it.
 *
 * Evaluated: `Allow` and `Deny` statements, actions and resources with IAM's wildcards (`*`
 * any run of characters, `?` one). A statement with a `Condition` is not evaluated and never
 * allows (the emulator knows none of the context keys), so a grant that needs one is missing
 * rather than wider than on AWS.
 */
import { callerArn, type Caller } from './ssm/caller.ts';
import { AwsError } from './ssm/aws-error.ts';
import { parameterArn, parseReference } from './ssm/parameter-names.ts';
import type { RequestInput } from './ssm/request-members.ts';

/** One statement of an identity policy, as the construct synthesizes it. */
export interface PolicyStatementLike {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: unknown;
}

/** The identity policies of the callers held to IAM, by access key id. */
export type CallerPolicies = Readonly<Record<string, readonly PolicyStatementLike[]>>;

/**
 * True when `statements` allow `action` on `resource`: some `Allow` matches and no `Deny`
 * does. IAM matches actions case-insensitively and resources case-sensitively.
 *
 * @example
 * isAllowed([{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: ['arn:aws:ssm:*:*:parameter/app/*'] }],
 *   'ssm:GetParameter', 'arn:aws:ssm:us-east-1:123456789012:parameter/app/db'); // true
 */
export function isAllowed(statements: readonly PolicyStatementLike[], action: string, resource: string): boolean {
  const matching = statements.filter(
    (statement) =>
      statement.Action.some((pattern) => wildcard(pattern, 'i').test(action)) &&
      statement.Resource.some((pattern) => wildcard(pattern).test(resource)),
  );
  if (matching.some((statement) => statement.Effect === 'Deny')) return false;
  return matching.some((statement) => statement.Effect === 'Allow' && statement.Condition === undefined);
}

function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`, flags);
}

// The request members that name parameters, per operation; any other operation acts on "*".
const NAME_MEMBERS: Readonly<Record<string, { readonly member: string; readonly many?: boolean }>> = {
  GetParameter: { member: 'Name' },
  GetParameters: { member: 'Names', many: true },
  GetParameterHistory: { member: 'Name' },
  GetParametersByPath: { member: 'Path' },
  PutParameter: { member: 'Name' },
  DeleteParameter: { member: 'Name' },
  DeleteParameters: { member: 'Names', many: true },
  LabelParameterVersion: { member: 'Name' },
  UnlabelParameterVersion: { member: 'Name' },
  AddTagsToResource: { member: 'ResourceId' },
  ListTagsForResource: { member: 'ResourceId' },
  RemoveTagsFromResource: { member: 'ResourceId' },
};

/**
 * The ARNs IAM authorizes an SSM call on: each parameter it names (a `name:version` selector
 * is the parameter's), the path for GetParametersByPath, and `*` for calls that name none.
 */
export function ssmRequestResources(operation: string, input: RequestInput, caller: Pick<Caller, 'account' | 'region'>): string[] {
  const names = NAME_MEMBERS[operation];
  if (!names) return ['*'];
  const raw = input[names.member];
  const values = (names.many ? (Array.isArray(raw) ? raw : []) : [raw]).filter((value) => typeof value === 'string');
  return values.map((value) => {
    const reference = parseReference(value);
    return parameterArn(reference.name, caller);
  });
}

/**
 * Refuses an SSM call the caller's policy does not allow on every resource it names, as
 * `AccessDeniedException` with IAM's message; a caller without a policy is not held to IAM.
 * One name denied fails the whole call, as GetParameters does on AWS.
 */
export function authorizeSsmCall(policies: CallerPolicies, caller: Caller, operation: string, input: RequestInput): void {
  const statements = policies[caller.accessKeyId];
  if (!statements) return;
  const action = `ssm:${operation}`;
  const denied = ssmRequestResources(operation, input, caller).find((resource) => !isAllowed(statements, action, resource));
  if (denied === undefined) return;
  throw new AwsError(
    'AccessDeniedException',
    `User: ${callerArn(caller)} is not authorized to perform: ${action} on resource: ${denied} ` +
      `because no identity-based policy allows the ${action} action`,
  );
}
