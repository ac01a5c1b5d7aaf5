/**
 * `replicaTargets` on the synthesized JSON: where the replicators and the syncer may write in
 * other regions and accounts, and nothing more.
 */
import { expect } from 'chai';
import { ENV } from '../../shared/config.ts';
import { FUNCTION_NAMES } from '../../shared/functions.ts';
import { offlinePlan, terraformVersion } from '../../bin/offline-plan.ts';
import { functionId } from '../../stacks/logical-ids.ts';
import { REPLICA_WRITERS } from '../../stacks/replica-writer-policies.ts';
import { FiggyEventsConfigError } from '../../stacks/config-error.ts';
import type { ReplicaTarget } from '../../shared/replication/replica-targets.ts';
import { ACCOUNT, TEST_PROPS, allPolicies, asList, resource, rolePolicy, scratchDir, synthesize } from './support/synthesized.ts';

const DR_ACCOUNT = '210987654321';
const DR_ROLE = `arn:aws:iam::${DR_ACCOUNT}:role/figgy-replica-writer-eu-west-1-${ACCOUNT}`;
const SAME_ACCOUNT_KEY = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
const TARGETS: ReplicaTarget[] = [
  { region: 'eu-central-1', kmsKeyArn: SAME_ACCOUNT_KEY, destinationPrefixes: ['/dr/'] },
  { region: 'us-west-2', accountId: DR_ACCOUNT, roleArn: DR_ROLE, destinationPrefixes: ['/dr/', '/shared/dr'] },
];

describe('replicaTargets (disaster-recovery targets)', () => {
  const synthesized = synthesize({ ...TEST_PROPS, replicaTargets: TARGETS }, false);
  const json = synthesized.json;

  it('lets only the replicators and the syncer write replicas, under the target prefixes of its region and account', () => {
    for (const name of FUNCTION_NAMES) {
      const statements = rolePolicy(json, name).Statement;
      const writes = statements.find((statement) => statement.Sid === 'WriteReplicas');
      if (!REPLICA_WRITERS.includes(name)) {
        expect(writes, name).to.equal(undefined);
        continue;
      }
      expect(writes?.Resource, name).to.deep.equal([
        `arn:aws:ssm:eu-central-1:${ACCOUNT}:parameter/dr`,
        `arn:aws:ssm:eu-central-1:${ACCOUNT}:parameter/dr/*`,
      ]);
      expect(asList(writes?.Action ?? [])).to.have.members([
        'ssm:PutParameter',
        'ssm:DeleteParameter',
        'ssm:DeleteParameters',
        'ssm:AddTagsToResource',
        'ssm:RemoveTagsFromResource',
      ]);
      const keys = statements.find((statement) => statement.Sid === 'UseReplicaKeyThroughSsmEuCentral1');
      expect(keys?.Resource).to.deep.equal([SAME_ACCOUNT_KEY]);
      // Only through SSM there, and only for the target's own replicas (SSM's encryption context).
      expect(keys?.Condition).to.deep.equal({
        StringEquals: { 'kms:ViaService': ['ssm.eu-central-1.amazonaws.com'] },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': writes?.Resource },
      });
      const describe = statements.find((statement) => statement.Sid === 'DescribeReplicaKeys');
      expect(describe?.Action).to.deep.equal(['kms:DescribeKey']);
      expect(describe?.Resource).to.deep.equal([`arn:aws:kms:eu-central-1:${ACCOUNT}:key/*`]);
    }
  });

  it('writes another account only through the named role, which is all it may assume', () => {
    const assumes = allPolicies(json).flatMap(({ where, policy }) =>
      policy.Statement.filter((statement) => asList(statement.Action).includes('sts:AssumeRole') && where.startsWith('aws_iam_role_policy')).map(
        (statement) => ({ where, resource: statement.Resource }),
      ),
    );
    expect(assumes.map((entry) => entry.where).sort()).to.deep.equal(
      REPLICA_WRITERS.map((name) => `aws_iam_role_policy.${functionId(name)}`).sort(),
    );
    for (const entry of assumes) expect(entry.resource).to.deep.equal([DR_ROLE]);
    // Nothing of the other account is granted directly.
    for (const { where, policy } of allPolicies(json)) {
      for (const statement of policy.Statement) {
        if (asList(statement.Action).includes('sts:AssumeRole')) continue;
        expect(JSON.stringify(statement.Resource), where).not.to.include(DR_ACCOUNT);
      }
    }
  });

  it('hands the targets to the writers in their environment, and to no one else', () => {
    for (const name of FUNCTION_NAMES) {
      const variables = (resource(json, 'aws_lambda_function', functionId(name)).environment as { variables: Record<string, string> })
        .variables;
      if (REPLICA_WRITERS.includes(name)) {
        expect(JSON.parse(variables[ENV.replicaTargets] as string), name).to.deep.equal([
          { region: 'eu-central-1', accountId: ACCOUNT, kmsKeyArn: SAME_ACCOUNT_KEY, destinationPrefixes: ['/dr'] },
          { region: 'us-west-2', accountId: DR_ACCOUNT, roleArn: DR_ROLE, destinationPrefixes: ['/dr', '/shared/dr'] },
        ]);
        expect(variables[ENV.homeAccountId], name).to.equal(ACCOUNT);
      } else {
        expect(variables[ENV.replicaTargets], name).to.equal(undefined);
        expect(variables[ENV.homeAccountId], name).to.equal(undefined);
      }
    }
  });

  it("hands the writers the deployment's account as Terraform learns it when no accountId is given", () => {
    const withoutAccount = { ...TEST_PROPS, accountId: undefined };
    const learnt = synthesize({ ...withoutAccount, replicaTargets: [{ region: 'eu-central-1', destinationPrefixes: ['/dr/'] }] }, false);
    for (const name of REPLICA_WRITERS) {
      const variables = (resource(learnt.json, 'aws_lambda_function', functionId(name)).environment as { variables: Record<string, string> })
        .variables;
      expect(variables[ENV.homeAccountId], name).to.equal('${data.aws_caller_identity.current.account_id}');
    }
  });

  it('refuses a target that could never be written as configured, naming the field', () => {
    const refuse = (targets: ReplicaTarget[], prop: string, reason: RegExp) =>
      expect(() => synthesize({ ...TEST_PROPS, replicaTargets: targets }, false))
        .to.throw(FiggyEventsConfigError, reason)
        .with.property('prop', prop);
    refuse([{ region: 'eu-central-1', accountId: DR_ACCOUNT, destinationPrefixes: ['/dr'] }], 'replicaTargets[0].roleArn', /FiggyReplicaTarget/);
    refuse([{ region: 'eu-central-1', destinationPrefixes: ['/'] }], 'replicaTargets[0].destinationPrefixes', /"\/"/);
    refuse([{ region: 'eu-central-1', destinationPrefixes: ['/dr?'] }], 'replicaTargets[0].destinationPrefixes', /\?/);
    refuse([{ region: 'eu-west-1', destinationPrefixes: ['/dr'] }], 'replicaTargets[0].region', /own region/);
    refuse(
      [{ region: 'eu-central-1', kmsKeyArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/abc`, destinationPrefixes: ['/dr'] }],
      'replicaTargets[0].kmsKeyArn',
      /target's region eu-central-1/,
    );
    refuse(
      [{ region: 'us-west-2', accountId: DR_ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/x`, destinationPrefixes: ['/dr'] }],
      'replicaTargets[0].roleArn',
      /not of the target's account/,
    );
    refuse(
      [
        { region: 'eu-central-1', destinationPrefixes: ['/dr'] },
        { region: 'eu-central-1', destinationPrefixes: ['/other'] },
      ],
      'replicaTargets[1].region',
      /second time/,
    );
    for (const rate of [0, -2, 1001, Number.NaN]) {
      refuse(
        [{ region: 'eu-central-1', bulkWritesPerSecond: rate, destinationPrefixes: ['/dr'] }],
        'replicaTargets[0].bulkWritesPerSecond',
        /not a number of writes per second from 0.1 to 1000/,
      );
    }
  });

  it('hands a target\'s bulkWritesPerSecond to the writers with the target', () => {
    const paced = synthesize({ ...TEST_PROPS, replicaTargets: [{ region: 'eu-central-1', bulkWritesPerSecond: 1, destinationPrefixes: ['/dr/'] }] }, false);
    const variables = (resource(paced.json, 'aws_lambda_function', functionId('replication-syncer')).environment as { variables: Record<string, string> })
      .variables;
    expect(JSON.parse(variables[ENV.replicaTargets] as string)).to.deep.equal([
      { region: 'eu-central-1', accountId: ACCOUNT, destinationPrefixes: ['/dr'], bulkWritesPerSecond: 1 },
    ]);
  });

  it('validates and plans offline with targets, creating only', function () {
    this.timeout(180_000);
    terraformVersion();
    const onDisk = synthesize({ ...TEST_PROPS, replicaTargets: TARGETS });
    const plan = offlinePlan(onDisk.stackDir, scratchDir('replica-targets-plan'));
    expect(plan.validate.valid).to.equal(true);
    expect(plan.summary.changes.every((change) => change.actions.join() === 'create')).to.equal(true);
  });
});
