/**
 * Every call in each function's catalog entry (and the calls the design refuses), simulated
 * with a well-kept IAM evaluator (`@cloud-copilot/iam-simulate`) against the synthesized JSON:
 * the repo's stack, and a disaster-recovery pair (a source with a same-account and a
 * cross-account target, and the target account's `FiggyReplicaTarget` with two sources).
 * The calls and the decisions the design wants are test/support/deployment-calls.ts.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktf';
import { expect } from 'chai';
import { keyPolicy } from '../../local/iam/key-policies.ts';
import { kmsRequest, type ActionOnResource } from '../../local/iam/aws-requests.ts';
import { FUNCTIONS, FUNCTION_NAMES, type FunctionName } from '../../shared/functions.ts';
import { functionId } from '../../stacks/logical-ids.ts';
import { FiggyReplicaTarget } from '../../stacks/replica-target.ts';
import { simulate } from '../support/aws-iam-simulator.ts';
import {
  AUDITED_NAMESPACES,
  DESTINATION_PREFIXES,
  DR_TARGET_PROPS,
  HOME,
  MANAGED_SSM_KEY,
  REGION,
  REPLICATION_KEY,
  REPLICA_TARGETS,
  SOURCE_PREFIXES,
  callerOf,
  deploymentCalls,
  roleArnOf,
  sessionArnOf,
  type CallerName,
  type ExpectedCall,
} from '../support/deployment-calls.ts';
import { TEST_PROPS, resource, resources, scratchDir, synthesize, synthesized, type TerraformJson } from './support/synthesized.ts';

/**
 * The synthesized document with Terraform's references to the stack's own resources replaced
 * by the ARNs they stand for, as IAM sees them once applied.
 */
function resolved(json: TerraformJson, document: string, account = HOME): unknown {
  const arnOf = (type: string, id: string): string => {
    const block = resource(json, type, id);
    switch (type) {
      case 'aws_dynamodb_table':
        return `arn:aws:dynamodb:${REGION}:${account}:table/${String(block.name)}`;
      case 'aws_sqs_queue':
        return `arn:aws:sqs:${REGION}:${account}:${String(block.name)}`;
      case 'aws_cloudwatch_log_group':
        return `arn:aws:logs:${REGION}:${account}:log-group:${String(block.name)}`;
      case 'aws_kms_key':
        return REPLICATION_KEY;
      default:
        throw new Error(`no ARN known for ${type}.${id}`);
    }
  };
  const text = document.replace(/\$\{(aws_[a-z0-9_]+)\.([a-z0-9_]+)\.arn\}/g, (_, type: string, id: string) => arnOf(type, id));
  if (text.includes('${')) throw new Error(`an unresolved reference is left in ${text}`);
  return JSON.parse(text);
}

interface Deployment {
  /** Each caller's identity policies, as synthesized. */
  readonly policies: Partial<Record<CallerName, unknown[]>>;
  /** Trust policies of the target roles, by role ARN. */
  readonly trustPolicies: Readonly<Record<string, unknown>>;
}

function functionPolicies(json: TerraformJson): Record<FunctionName, unknown[]> {
  return Object.fromEntries(
    FUNCTION_NAMES.map((name) => [name, [resolved(json, String(resource(json, 'aws_iam_role_policy', functionId(name)).policy))]]),
  ) as Record<FunctionName, unknown[]>;
}

async function decisionsOf(deployment: Deployment, calls: readonly ExpectedCall[]): Promise<string[]> {
  const wrong: string[] = [];
  for (const call of calls) {
    const caller = callerOf(call.caller);
    const policies = deployment.policies[call.caller];
    if (!policies) continue;
    const decision = await simulate({
      principal: sessionArnOf(caller),
      action: call.needed.action,
      resource: call.needed.resource,
      resourceAccount: call.needed.resourceAccount,
      context: contextOf(call.caller, call.needed),
      identityPolicies: policies,
      resourcePolicy: resourcePolicyOf(deployment, call.needed),
    });
    if ((decision === 'Allowed') !== call.allowed) {
      wrong.push(`${call.caller}: ${call.call} (${call.needed.action} on ${call.needed.resource}) is ${decision}, the design wants it ${call.allowed ? 'allowed' : 'denied'}`);
    }
  }
  return wrong;
}

function contextOf(name: CallerName, needed: ActionOnResource): Record<string, string | readonly string[]> {
  const caller = callerOf(name);
  const context: Record<string, string | readonly string[]> = { 'aws:PrincipalArn': roleArnOf(caller), 'aws:PrincipalAccount': caller.account };
  for (const [key, value] of Object.entries(needed.context ?? {})) if (typeof value !== 'symbol') context[key] = value;
  return context;
}

function resourcePolicyOf(deployment: Deployment, needed: ActionOnResource): unknown {
  if (needed.action === 'sts:AssumeRole') return deployment.trustPolicies[needed.resource] ?? { Version: '2012-10-17', Statement: [] };
  if (needed.action.startsWith('kms:')) return keyPolicy(needed.resource, needed.resource === MANAGED_SSM_KEY ? REGION : undefined);
  return undefined;
}

describe('every call of the functions, simulated with iam-simulate against the synthesized IAM', function () {
  this.timeout(240_000);

  it("the repo's stack: every call at home allowed where the code needs it, denied where the design says no", async () => {
    const { json } = synthesized();
    // The repo's stack replicates to no other place; its destinations include /shared/replicated.
    expect(TEST_PROPS.replicaTargets ?? []).to.deep.equal([]);
    const atHome = deploymentCalls().filter(
      (call) => (call.caller as string) in functionPolicies(json) && !/(eu-central-1|us-east-1|sts:)/.test(`${call.needed.resource} ${call.needed.action}`),
    );
    expect(atHome.length).to.be.greaterThan(100);
    expect(await decisionsOf({ policies: functionPolicies(json), trustPolicies: {} }, atHome)).to.deep.equal([]);
  });

  it('every function may have DynamoDB decrypt its tables\' key (aws/dynamodb) as it, and none may have SSM decrypt unless it reads values', async () => {
    // Not in the catalog: DynamoDB makes this call itself, as the caller, on every request to
    // a table encrypted with the AWS managed key, which is what `server_side_encryption` asks.
    const { json } = synthesized();
    const policies = functionPolicies(json);
    const dynamoKey = `arn:aws:kms:${REGION}:${HOME}:key/0b4c1c9e-0000-4000-8000-0000000ddbdd`;
    const decisions: string[] = [];
    for (const name of FUNCTION_NAMES) {
      const caller = callerOf(name);
      for (const [service, key] of [['dynamodb', dynamoKey], ['ssm', MANAGED_SSM_KEY]] as const) {
        const needed = kmsRequest({ action: 'kms:Decrypt', keyArn: key, callerAccount: HOME, viaService: `${service}.${REGION}.amazonaws.com` });
        const decision = await simulate({
          principal: sessionArnOf(caller),
          action: needed.action,
          resource: needed.resource,
          resourceAccount: needed.resourceAccount,
          context: contextOf(name, needed),
          identityPolicies: policies[name],
          resourcePolicy: keyPolicy(key, REGION, service),
        });
        decisions.push(`${name} ${service} ${decision}`);
      }
    }
    const readsValues = (name: FunctionName) => (FUNCTIONS[name].ssm as readonly string[]).includes('read-decrypted');
    expect(decisions).to.deep.equal(
      FUNCTION_NAMES.flatMap((name) => [`${name} dynamodb Allowed`, `${name} ssm ${readsValues(name) ? 'Allowed' : 'ExplicitlyDenied'}`]),
    );
  });

  it('a DR pair: the source with same- and cross-account targets, and the FiggyReplicaTarget of its two sources', async () => {
    const source = synthesize(
      {
        ...TEST_PROPS,
        accountId: HOME,
        destinationPrefixes: DESTINATION_PREFIXES,
        sourcePrefixes: SOURCE_PREFIXES,
        auditedNamespaces: AUDITED_NAMESPACES,
        replicationKmsKeyArn: REPLICATION_KEY,
        replicaTargets: REPLICA_TARGETS,
      },
      false,
    ).json;
    const app = Testing.app({ outdir: scratchDir('dr-pair') });
    const stack = new TerraformStack(app, 'dr-target');
    new AwsProvider(stack, 'aws', { region: DR_TARGET_PROPS.regions[0] as string });
    const target = new FiggyReplicaTarget(stack, 'replicas', DR_TARGET_PROPS);
    const targetJson = JSON.parse(Testing.synth(stack)) as TerraformJson;

    const writers = target.writers.map((writer) => {
      const stem = Object.entries(resources(targetJson, 'aws_iam_role')).find(([, block]) => block.name === writer.roleArn.split('/').pop())?.[0];
      const role = resource(targetJson, 'aws_iam_role', stem as string);
      const policy = Object.values(resources(targetJson, 'aws_iam_role_policy')).find((block) => String(block.role).includes(`aws_iam_role.${stem}.`));
      return { roleArn: writer.roleArn, trust: JSON.parse(String(role.assume_role_policy)), policy: JSON.parse(String(policy?.policy)) };
    });
    const [prod, dev] = writers;
    expect(prod?.roleArn).to.equal(roleArnOf(callerOf('prod-writer')));
    expect(dev?.roleArn).to.equal(roleArnOf(callerOf('dev-writer')));

    const assumeAny = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] };
    const deployment: Deployment = {
      policies: {
        ...functionPolicies(source),
        'prod-writer': [prod?.policy],
        'dev-writer': [dev?.policy],
        // Callers that may assume any role: only the target's trust policies keep them out.
        'dev-replication-syncer': [assumeAny],
        'home-stranger': [assumeAny],
      },
      trustPolicies: Object.fromEntries(writers.map((writer) => [writer.roleArn, writer.trust])),
    };
    expect(await decisionsOf(deployment, deploymentCalls())).to.deep.equal([]);
  });
});
