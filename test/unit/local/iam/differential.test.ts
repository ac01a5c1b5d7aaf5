/**
 * The sandbox's own IAM evaluator against a well-kept one (`@cloud-copilot/iam-simulate`): the
 * same synthesized policies (each function's `functionPolicy`, each `FiggyReplicaTarget`
 * role's trust and role policies, the key policies) and the same requests (every call the
 * functions make, and the ones the design refuses), with identical decisions.
 *
 * Condition keys: iam-simulate cannot take `kms:EncryptionContext:PARAMETER_ARN` (it drops
 * variable keys not of the `prefix/${Name}` form), so the key is renamed to the global
 * `aws:RequestTag/PARAMETER_ARN` for it, in policies and requests alike (see
 * test/support/aws-iam-simulator.ts). Our evaluator evaluates every key the construct's policies
 * use; a key it does not model (here `aws:SecureTransport`) never allows and always denies (see
 * local/iam/policy-conditions.ts), which the last case checks.
 */
import { expect } from 'chai';
import { authorizationRequest, type ActionOnResource } from '../../../../local/iam/aws-requests.ts';
import { keyPolicy } from '../../../../local/iam/key-policies.ts';
import { evaluate, type PolicyDocument } from '../../../../local/iam/policy-evaluation.ts';
import { SandboxIam, type SandboxRole } from '../../../../local/iam/sandbox-iam.ts';
import { FUNCTION_NAMES } from '../../../../shared/functions.ts';
import { checkPrefixes } from '../../../../shared/parameter-paths.ts';
import { functionPolicy } from '../../../../stacks/permissions.ts';
import { replicaWriterPolicy, replicaWriterTrustPolicy } from '../../../../stacks/replica-writer-policies.ts';
import { simulate } from '../../../support/aws-iam-simulator.ts';
import {
  AUDITED_NAMESPACES,
  DESTINATION_PREFIXES,
  DEV,
  DEV_SOURCE,
  DEV_WRITER_ROLE,
  DR,
  DR_REGION,
  DR_TARGET_PROPS,
  HOME,
  MANAGED_SSM_KEY,
  NAME_PREFIX,
  PROD_SOURCE,
  REGION,
  REPLICATION_KEY,
  REPLICA_TARGETS,
  SOURCE_PREFIXES,
  TABLE_NAMES,
  callerOf,
  deploymentCalls,
  roleArnOf,
  sessionArnOf,
  type CallerName,
} from '../../../support/deployment-calls.ts';

const ASSUME_ANY_ROLE: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
};

function homeFunctionPolicy(name: (typeof FUNCTION_NAMES)[number], account = HOME, targets = REPLICA_TARGETS) {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${account}:${resource}`;
  return functionPolicy(name, {
    partition: 'aws',
    region: REGION,
    accountId: account,
    tableArns: {
      cache: arn('dynamodb', `table/${TABLE_NAMES.cache}`),
      audit: arn('dynamodb', `table/${TABLE_NAMES.audit}`),
      replication: arn('dynamodb', `table/${TABLE_NAMES.replication}`),
      replicationSources: arn('dynamodb', `table/${TABLE_NAMES.replicationSources}`),
      syncProgress: arn('dynamodb', `table/${TABLE_NAMES.syncProgress}`),
    },
    logGroupArn: arn('logs', `log-group:/aws/lambda/${NAME_PREFIX}-${name}`),
    deadLetterQueueArn: arn('sqs', `${NAME_PREFIX}-${name}-dlq`),
    auditedNamespaces: AUDITED_NAMESPACES,
    destinationPrefixes: DESTINATION_PREFIXES,
    sourcePrefixes: SOURCE_PREFIXES,
    replicationKeyArn: REPLICATION_KEY,
    replicaTargets: targets,
  });
}

const writerRole = (source: typeof PROD_SOURCE, caller: CallerName): SandboxRole => ({
  arn: roleArnOf(callerOf(caller)),
  policies: [
    replicaWriterPolicy('aws', DR_TARGET_PROPS, checkPrefixes(source.destinationPrefixes ?? [], (reason) => new Error(reason), { rootAllowed: false })),
  ],
  trustPolicy: replicaWriterTrustPolicy(source),
});

const ROLES: readonly SandboxRole[] = [
  ...FUNCTION_NAMES.map((name) => ({ arn: roleArnOf(callerOf(name)), policies: [homeFunctionPolicy(name)] })),
  writerRole(PROD_SOURCE, 'prod-writer'),
  writerRole(DEV_SOURCE, 'dev-writer'),
  {
    // The dev deployment's syncer, which may assume any role: only the trust policies keep it out of prod's.
    arn: roleArnOf(callerOf('dev-replication-syncer')),
    policies: [
      homeFunctionPolicy('replication-syncer', DEV, [
        { region: DR_REGION, accountId: DR, roleArn: DEV_WRITER_ROLE, destinationPrefixes: ['/dr/dev'] },
      ]),
      ASSUME_ANY_ROLE,
    ],
  },
  { arn: roleArnOf(callerOf('home-stranger')), policies: [ASSUME_ANY_ROLE] },
];

/** The resource policy iam-simulate is given: the role's trust policy, or the key's policy. */
function resourcePolicyFor(needed: ActionOnResource): unknown {
  if (needed.action === 'sts:AssumeRole') return ROLES.find((role) => role.arn === needed.resource)?.trustPolicy ?? { Version: '2012-10-17', Statement: [] };
  if (needed.action.startsWith('kms:')) return keyPolicy(needed.resource, needed.resource === MANAGED_SSM_KEY ? REGION : undefined);
  return undefined;
}

/** The request context both evaluators are given: the caller's global keys and the call's own. */
function contextFor(name: CallerName, needed: ActionOnResource): Record<string, string | readonly string[]> {
  const caller = callerOf(name);
  const context: Record<string, string | readonly string[]> = {
    'aws:PrincipalArn': roleArnOf(caller),
    'aws:PrincipalAccount': caller.account,
    'aws:PrincipalType': 'AssumedRole',
  };
  // A value the sandbox could not work out (e.g. an index's leading key) is absent for iam-simulate.
  for (const [key, value] of Object.entries(needed.context ?? {})) if (typeof value !== 'symbol') context[key] = value;
  return context;
}

describe('the sandbox IAM evaluator against iam-simulate (same policies, same requests)', function () {
  // iam-simulate loads its service data lazily; the first calls read it from disk.
  this.timeout(60_000);
  const iam = new SandboxIam({ roles: ROLES, awsManagedKeys: [MANAGED_SSM_KEY] });
  const calls = deploymentCalls();

  it('covers every function, every table operation of the catalog, and the calls the design refuses', () => {
    for (const name of FUNCTION_NAMES) expect(calls.some((call) => call.caller === name && call.allowed), name).to.be.true;
    expect(calls.filter((call) => !call.allowed).length).to.be.greaterThan(40);
    const actions = new Set(calls.map((call) => call.needed.action.split(':')[0]));
    expect([...actions].sort()).to.deep.equal(['cloudtrail', 'dynamodb', 'kms', 'sqs', 'ssm', 'sts']);
  });

  it('decides every call as iam-simulate does, and as the design wants', async () => {
    const disagreements: string[] = [];
    for (const call of calls) {
      const caller = callerOf(call.caller);
      const ours = iam.decide(caller, call.needed).result;
      const theirs = await simulate({
        principal: sessionArnOf(caller),
        action: call.needed.action,
        resource: call.needed.resource,
        resourceAccount: call.needed.resourceAccount,
        context: contextFor(call.caller, call.needed),
        identityPolicies: ROLES.find((role) => role.arn === roleArnOf(caller))?.policies ?? [],
        resourcePolicy: resourcePolicyFor(call.needed),
      });
      const wanted = call.allowed ? 'Allowed' : 'denied';
      if (ours !== theirs || (ours === 'Allowed') !== call.allowed) {
        disagreements.push(`${call.caller}: ${call.call} (${call.needed.action} on ${call.needed.resource}): ours ${ours}, iam-simulate ${theirs}, design ${wanted}`);
      }
    }
    expect(disagreements).to.deep.equal([]);
  });

  describe('condition operators and policy elements beyond the construct’s own', () => {
    const principal = { kind: 'role-session', account: HOME, roleArn: `arn:aws:iam::${HOME}:role/r`, sessionArn: `arn:aws:sts::${HOME}:assumed-role/r/s` } as const;
    const queue = `arn:aws:sqs:${REGION}:${HOME}:q`;
    const table = `arn:aws:dynamodb:${REGION}:${HOME}:table/t`;
    const cases: { name: string; statement: Record<string, unknown>; needed: ActionOnResource }[] = [
      { name: 'StringNotEquals on an absent key', statement: { Action: 'sqs:SendMessage', Resource: '*', Condition: { StringNotEquals: { 'aws:SourceArn': 'x' } } }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'StringEqualsIfExists on an absent key', statement: { Action: 'sqs:SendMessage', Resource: '*', Condition: { StringEqualsIfExists: { 'aws:SourceArn': 'x' } } }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'ArnLike on an absent key', statement: { Action: 'sqs:SendMessage', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:*:*:rule/*' } } }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'Null on an absent key', statement: { Action: 'sqs:SendMessage', Resource: '*', Condition: { Null: { 'aws:SourceArn': 'true' } } }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'ArnEquals on aws:PrincipalArn', statement: { Action: 'sqs:SendMessage', Resource: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${HOME}:role/*` } } }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'NotAction', statement: { NotAction: 'sqs:*', Resource: '*' }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'NotResource', statement: { Action: 'sqs:*', NotResource: `arn:aws:sqs:${REGION}:${HOME}:other` }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'an action in another case', statement: { Action: 'SQS:sendmessage', Resource: queue }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'a resource in another case', statement: { Action: 'sqs:SendMessage', Resource: queue.toUpperCase() }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
      { name: 'ForAnyValue:StringEquals on LeadingKeys', statement: { Action: 'dynamodb:BatchWriteItem', Resource: table, Condition: { 'ForAnyValue:StringEquals': { 'dynamodb:LeadingKeys': ['a'] } } }, needed: { action: 'dynamodb:BatchWriteItem', resource: table, resourceAccount: HOME, context: { 'dynamodb:LeadingKeys': ['a', 'b'] } } },
      { name: 'ForAllValues:StringEquals on LeadingKeys, one outside', statement: { Action: 'dynamodb:BatchWriteItem', Resource: table, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['a'] } } }, needed: { action: 'dynamodb:BatchWriteItem', resource: table, resourceAccount: HOME, context: { 'dynamodb:LeadingKeys': ['a', 'b'] } } },
      { name: 'ForAllValues:StringEquals on LeadingKeys, none in the request', statement: { Action: 'dynamodb:Scan', Resource: table, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['a'] } } }, needed: { action: 'dynamodb:Scan', resource: table, resourceAccount: HOME } },
      { name: 'Bool', statement: { Action: 'sqs:SendMessage', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }, needed: { action: 'sqs:SendMessage', resource: queue, resourceAccount: HOME } },
    ];
    for (const { name, statement, needed } of cases) {
      for (const effect of ['Allow', 'Deny'] as const) {
        it(`${effect}: ${name}`, async () => {
          const policies: PolicyDocument[] = [
            { Version: '2012-10-17', Statement: [{ Effect: effect, ...statement } as never] },
            // A Deny needs an Allow to take away.
            ...(effect === 'Deny' ? [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: '*', Resource: '*' }] }] : []),
          ];
          const ours = evaluate({ principal, request: authorizationRequest(principal, needed), identityPolicies: policies }).result;
          const theirs = await simulate({
            principal: principal.sessionArn,
            action: needed.action,
            resource: needed.resource,
            resourceAccount: needed.resourceAccount,
            context: { 'aws:PrincipalArn': principal.roleArn, ...(needed.context as Record<string, readonly string[]>) },
            identityPolicies: policies,
          });
          // aws:SecureTransport is a key the sandbox does not model: it never allows, and always denies.
          if (name === 'Bool') expect(ours).to.equal(effect === 'Allow' ? 'ImplicitlyDenied' : 'ExplicitlyDenied');
          else expect(ours).to.equal(theirs);
        });
      }
    }
  });
});
