import { join } from 'node:path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktf';
import { expect } from 'chai';
import { offlinePlan, terraformVersion } from '../../bin/offline-plan.ts';
import { FiggyReplicaTarget, type FiggyReplicaTargetProps } from '../../stacks/replica-target.ts';
import { REPLICA_WRITERS, replicaWriterPolicy } from '../../stacks/replica-writer-policies.ts';
import { FiggyEventsConfigError } from '../../stacks/config-error.ts';
import { asList, resource, scratchDir, type TerraformJson } from './support/synthesized.ts';
import type { PolicyDocument } from '../../stacks/policy-documents.ts';

const TARGET_ACCOUNT = '210987654321';
const PROPS: FiggyReplicaTargetProps = {
  accountId: TARGET_ACCOUNT,
  regions: ['eu-central-1', 'eu-north-1'],
  destinationPrefixes: ['/dr/', '/shared/dr'],
  sources: [
    { accountId: '123456789012', region: 'eu-west-1', destinationPrefixes: ['/dr/prod'] },
    { accountId: '123456789012', region: 'us-east-1', namePrefix: 'platform', destinationPrefixes: ['/dr/platform', '/shared/dr'] },
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
  const PROD = 'eu_west_1_123456789012';
  const PLATFORM = 'us_east_1_123456789012_platform';
  const trustOf = (json: TerraformJson, stem: string) =>
    JSON.parse(resource(json, 'aws_iam_role', `replica_writer_role_${stem}`).assume_role_policy as string) as PolicyDocument;
  const policyOf = (json: TerraformJson, stem: string) =>
    JSON.parse(resource(json, 'aws_iam_role_policy', `replica_writer_policy_${stem}`).policy as string) as PolicyDocument;

  it('gives each source a role of its own, trusting its account and, by aws:PrincipalArn, only its replicating functions', () => {
    const { json, target } = synth();
    expect(Object.keys(json.resource.aws_iam_role!)).to.have.members([`replica_writer_role_${PROD}`, `replica_writer_role_${PLATFORM}`]);
    const cases = [
      { stem: PROD, roles: REPLICA_WRITERS.map((name) => `arn:aws:iam::123456789012:role/figgy-${name}-eu-west-1`) },
      { stem: PLATFORM, roles: REPLICA_WRITERS.map((name) => `arn:aws:iam::123456789012:role/platform-${name}-us-east-1`) },
    ];
    for (const { stem, roles } of cases) {
      const [statement, ...others] = trustOf(json, stem).Statement;
      expect(others).to.deep.equal([]);
      // The account, not the roles: IAM refuses a role principal that does not exist yet, and a
      // re-created role would silently stop matching one it had resolved.
      expect(statement?.Principal).to.deep.equal({ AWS: 'arn:aws:iam::123456789012:root' });
      expect(statement?.Action).to.deep.equal(['sts:AssumeRole']);
      expect(statement?.Condition).to.deep.equal({ ArnEquals: { 'aws:PrincipalArn': roles } });
      expect(statement).not.to.have.property('Resource');
    }
    expect(REPLICA_WRITERS).to.have.members(['parameter-stream-replicator', 'dynamo-stream-replicator', 'replication-syncer']);
    expect(target.roleArnFor({ accountId: '123456789012', region: 'eu-west-1' })).to.equal(
      `arn:aws:iam::${TARGET_ACCOUNT}:role/figgy-replica-writer-eu-west-1-123456789012`,
    );
    expect(target.roleArnFor({ accountId: '123456789012', region: 'us-east-1', namePrefix: 'platform' })).to.equal(
      `arn:aws:iam::${TARGET_ACCOUNT}:role/figgy-replica-writer-platform-us-east-1-123456789012`,
    );
    expect(() => target.roleArnFor({ accountId: '111122223333', region: 'eu-west-1' })).to.throw(FiggyEventsConfigError);
  });

  it('keeps its trust policy far below IAM\'s 2,048-character quota, whatever the number of sources', () => {
    const sources = Array.from({ length: 30 }, (_, index) => ({
      accountId: String(100000000000 + index),
      region: 'eu-west-1',
      namePrefix: 'platform-twenty-char',
      destinationPrefixes: [`/dr/source-${index}`],
    }));
    const { json } = synth({ ...PROPS, sources });
    for (const role of Object.values(json.resource.aws_iam_role!)) {
      expect((role.assume_role_policy as string).length).to.be.below(1024);
    }
  });

  it('lets each source write, read and tag only under its own prefixes in the regions, and use the key only for those', () => {
    const { json } = synth();
    const patterns = (paths: string[]) =>
      ['eu-central-1', 'eu-north-1'].flatMap((region) =>
        paths.flatMap((path) => [`arn:aws:ssm:${region}:${TARGET_ACCOUNT}:parameter/${path}`, `arn:aws:ssm:${region}:${TARGET_ACCOUNT}:parameter/${path}/*`]),
      );
    for (const { stem, paths } of [
      { stem: PROD, paths: ['dr/prod'] },
      { stem: PLATFORM, paths: ['dr/platform', 'shared/dr'] },
    ]) {
      const policy = policyOf(json, stem);
      for (const statement of policy.Statement) {
        expect(asList(statement.Action).every((action) => !action.includes('*')), statement.Sid).to.equal(true);
        if (statement.Sid === 'DescribeReplicas') {
          expect(statement.Action).to.deep.equal(['ssm:DescribeParameters']);
          continue;
        }
        if (statement.Sid === 'DescribeReplicaKeys') {
          expect(statement.Action).to.deep.equal(['kms:DescribeKey']);
          expect(statement.Resource).to.deep.equal([`arn:aws:kms:eu-central-1:${TARGET_ACCOUNT}:key/*`, `arn:aws:kms:eu-north-1:${TARGET_ACCOUNT}:key/*`]);
          continue;
        }
        if (statement.Sid === 'UseReplicaKeysThroughSsm') {
          expect(statement.Resource).to.deep.equal(PROPS.kmsKeyArns);
          expect(statement.Condition).to.deep.equal({
            StringEquals: { 'kms:ViaService': ['ssm.eu-central-1.amazonaws.com', 'ssm.eu-north-1.amazonaws.com'] },
            StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': patterns(paths) },
          });
          continue;
        }
        expect([...statement.Resource].sort(), `${stem} ${statement.Sid}`).to.deep.equal([...patterns(paths)].sort());
      }
      expect(policy.Statement.map((statement) => statement.Sid)).to.have.members([
        'WriteReplicas',
        'ReadReplicas',
        'DescribeReplicas',
        'DescribeReplicaKeys',
        'UseReplicaKeysThroughSsm',
      ]);
      expect(policy).to.deep.equal(replicaWriterPolicy('aws', PROPS, paths.map((path) => `/${path}`)));
    }
  });

  it('lets a lone source write under all of the target\'s prefixes when it names none', () => {
    const { json } = synth({ ...PROPS, sources: [{ accountId: '123456789012', region: 'eu-west-1' }] });
    const write = policyOf(json, PROD).Statement.find((statement) => statement.Sid === 'WriteReplicas');
    expect(write?.Resource).to.include(`arn:aws:ssm:eu-central-1:${TARGET_ACCOUNT}:parameter/shared/dr/*`);
    expect(write?.Resource).to.include(`arn:aws:ssm:eu-central-1:${TARGET_ACCOUNT}:parameter/dr/*`);
  });

  it('refuses two targets in one account that would make the same role, naming roleNamePrefix', () => {
    const app = Testing.app({ outdir: scratchDir('replica-target-twice') });
    for (const region of ['eu-central-1', 'eu-north-1']) {
      const stack = new TerraformStack(app, `dr-${region}`);
      new AwsProvider(stack, 'aws', { region });
      const build = () => new FiggyReplicaTarget(stack, 'replicas', { ...PROPS, regions: [region] });
      if (region === 'eu-central-1') build();
      else expect(build).to.throw(FiggyEventsConfigError).with.property('prop', 'roleNamePrefix');
    }
    // With another prefix, even in the same stack: each target keeps resources of its own.
    const stack = new TerraformStack(Testing.app({ outdir: scratchDir('replica-target-same-stack') }), 'dr-other');
    new AwsProvider(stack, 'aws', { region: 'eu-north-1' });
    new FiggyReplicaTarget(stack, 'replicas', { ...PROPS, regions: ['eu-north-1'] });
    new FiggyReplicaTarget(stack, 'north', { ...PROPS, regions: ['eu-north-1'], roleNamePrefix: 'figgy-dr-north' });
    const roles = (JSON.parse(Testing.synth(stack)) as TerraformJson).resource.aws_iam_role!;
    expect(Object.values(roles).map((role) => role.name)).to.have.members([
      'figgy-replica-writer-eu-west-1-123456789012',
      'figgy-replica-writer-platform-us-east-1-123456789012',
      'figgy-dr-north-eu-west-1-123456789012',
      'figgy-dr-north-platform-us-east-1-123456789012',
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
    refuse({ sources: [{ accountId: '12', region: 'eu-west-1' }] }, 'sources[0].accountId');
    refuse({ sources: [{ accountId: '123456789012', region: 'eu-west-1', namePrefix: 'Platform' }] }, 'sources[0].namePrefix');
    refuse({ sources: [PROPS.sources[0]!, { accountId: '123456789012', region: 'us-east-1' }] }, 'sources[1].destinationPrefixes');
    refuse({ sources: [{ accountId: '123456789012', region: 'eu-west-1', destinationPrefixes: ['/prod'] }] }, 'sources[0].destinationPrefixes');
    refuse(
      { sources: [PROPS.sources[0]!, { accountId: '111122223333', region: 'eu-west-1', destinationPrefixes: ['/dr/prod/db'] }] },
      'sources[1].destinationPrefixes',
    );
    refuse({ roleNamePrefix: 'a-role-name-prefix-far-too-long-for-iam-to-take' }, 'roleNamePrefix');
    refuse({ sources: [PROPS.sources[0]!, { ...PROPS.sources[0]!, destinationPrefixes: ['/dr/again'] }] }, 'sources[1]');
  });

  it('validates and plans offline with the real terraform', function () {
    this.timeout(180_000);
    terraformVersion();
    const { app } = synth();
    app.synth();
    const plan = offlinePlan(join(app.outdir, 'stacks', 'dr-target'), scratchDir('replica-target-plan'));
    expect(plan.validate.valid).to.equal(true);
    expect(plan.summary.changes.map((change) => change.address).sort()).to.deep.equal([
      `aws_iam_role.replica_writer_role_${PROD}`,
      `aws_iam_role.replica_writer_role_${PLATFORM}`,
      `aws_iam_role_policy.replica_writer_policy_${PROD}`,
      `aws_iam_role_policy.replica_writer_policy_${PLATFORM}`,
    ]);
  });
});
