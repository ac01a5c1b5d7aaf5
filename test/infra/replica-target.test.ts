import { join } from 'node:path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktf';
import { expect } from 'chai';
import { offlinePlan, terraformVersion } from '../../scripts/offline-plan.ts';
import { FiggyReplicaTarget, REPLICA_WRITERS, type FiggyReplicaTargetProps } from '../../stacks/replica-target.ts';
import { FiggyEventsConfigError } from '../../stacks/settings.ts';
import { asList, resource, scratchDir, type TerraformJson } from './support/synthesized.ts';
import type { PolicyDocument } from '../../stacks/permissions.ts';

const TARGET_ACCOUNT = '210987654321';
const PROPS: FiggyReplicaTargetProps = {
  accountId: TARGET_ACCOUNT,
  regions: ['eu-central-1', 'eu-north-1'],
  destinationPrefixes: ['/dr/', '/shared/dr'],
  sources: [
    { accountId: '123456789012', region: 'eu-west-1' },
    { accountId: '123456789012', region: 'us-east-1', namePrefix: 'platform' },
  ],
  kmsKeyArns: [`arn:aws:kms:eu-central-1:${TARGET_ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`],
};

function synth(props: FiggyReplicaTargetProps = PROPS) {
  const app = Testing.app({ outdir: scratchDir('replica-target') });
  const stack = new TerraformStack(app, 'dr-target');
  new AwsProvider(stack, 'aws', { region: 'eu-central-1' });
  const target = new FiggyReplicaTarget(stack, 'replicas', props);
  return { app, stack, target, json: JSON.parse(Testing.synth(stack)) as TerraformJson };
}

describe('FiggyReplicaTarget (the target account of cross-account DR)', () => {
  it('trusts exactly the replicators and syncer of the named deployments, by role ARN', () => {
    const { json, target } = synth();
    const trust = JSON.parse(resource(json, 'aws_iam_role', 'replica_writer_role').assume_role_policy as string) as PolicyDocument;
    expect(trust.Statement).to.have.length(1);
    const [statement] = trust.Statement;
    expect(statement?.Action).to.equal('sts:AssumeRole');
    expect(statement?.Condition).to.equal(undefined);
    const principals = asList((statement?.Principal as { AWS: string[] }).AWS);
    expect([...principals].sort()).to.deep.equal(
      [
        ...REPLICA_WRITERS.map((name) => `arn:aws:iam::123456789012:role/figgy-${name}-eu-west-1`),
        ...REPLICA_WRITERS.map((name) => `arn:aws:iam::123456789012:role/platform-${name}-us-east-1`),
      ].sort(),
    );
    expect(REPLICA_WRITERS).to.have.members(['parameter-stream-replicator', 'dynamo-stream-replicator', 'replication-syncer']);
    expect(target.roleArn).to.equal(`arn:aws:iam::${TARGET_ACCOUNT}:role/figgy-replica-writer`);
  });

  it('may write, read and tag only under its prefixes in its regions, and use its key only through SSM', () => {
    const { json } = synth();
    const policy = JSON.parse(resource(json, 'aws_iam_role_policy', 'replica_writer_policy').policy as string) as PolicyDocument;
    const patterns = ['eu-central-1', 'eu-north-1'].flatMap((region) =>
      ['dr', 'shared/dr'].flatMap((path) => [`arn:aws:ssm:${region}:${TARGET_ACCOUNT}:parameter/${path}`, `arn:aws:ssm:${region}:${TARGET_ACCOUNT}:parameter/${path}/*`]),
    );
    for (const statement of policy.Statement) {
      expect(asList(statement.Action).every((action) => !action.includes('*')), statement.Sid).to.equal(true);
      if (statement.Sid === 'DescribeReplicas') {
        expect(statement.Action).to.deep.equal(['ssm:DescribeParameters']);
        continue;
      }
      if (statement.Sid === 'UseReplicaKeysThroughSsm') {
        expect(statement.Resource).to.deep.equal(PROPS.kmsKeyArns);
        expect(statement.Condition).to.deep.equal({
          StringEquals: { 'kms:ViaService': ['ssm.eu-central-1.amazonaws.com', 'ssm.eu-north-1.amazonaws.com'] },
        });
        continue;
      }
      expect([...statement.Resource].sort(), statement.Sid).to.deep.equal([...patterns].sort());
    }
    expect(policy.Statement.map((statement) => statement.Sid)).to.have.members([
      'WriteReplicas',
      'ReadReplicas',
      'DescribeReplicas',
      'UseReplicaKeysThroughSsm',
    ]);
  });

  it('refuses what could never be safe or right, naming the prop', () => {
    const refuse = (props: Partial<FiggyReplicaTargetProps>, prop: string) =>
      expect(() => synth({ ...PROPS, ...props }))
        .to.throw(FiggyEventsConfigError)
        .with.property('prop', prop);
    refuse({ destinationPrefixes: ['/'] }, 'destinationPrefixes');
    refuse({ destinationPrefixes: ['/dr?'] }, 'destinationPrefixes');
    refuse({ accountId: '42' }, 'accountId');
    refuse({ sources: [] }, 'sources');
    refuse({ regions: [] }, 'regions');
  });

  it('validates and plans offline with the real terraform', function () {
    this.timeout(180_000);
    terraformVersion();
    const { app } = synth();
    app.synth();
    const plan = offlinePlan(join(app.outdir, 'stacks', 'dr-target'), scratchDir('replica-target-plan'));
    expect(plan.validate.valid).to.equal(true);
    expect(plan.summary.changes.map((change) => change.address).sort()).to.deep.equal([
      'aws_iam_role.replica_writer_role',
      'aws_iam_role_policy.replica_writer_policy',
    ]);
  });
});
