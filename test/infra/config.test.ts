import { expect } from 'chai';
import { TerraformStack, Testing, Token } from 'cdktf';
import { readFileSync } from 'node:fs';
import { buildStacks, readCdktfContext, readDeploymentConfig, stackId } from '../../stacks/app.ts';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { FiggyEvents } from '../../stacks/figgy-events.ts';
import { FiggyEvents as PublicFiggyEvents, FiggyEventsConfigError as PublicConfigError } from '../../stacks/index.ts';
import { FiggyEventsConfigError } from '../../stacks/config-error.ts';
import { resolveSettings } from '../../stacks/settings.ts';
import type { FiggyEventsProps } from '../../stacks/types.ts';
import { TEST_PROPS, scratchDir, synthesize, type TerraformJson } from './support/synthesized.ts';

const BASE: FiggyEventsProps = { region: 'eu-west-1', destinationPrefixes: ['/app/'] };

function configError(props: Partial<FiggyEventsProps>): FiggyEventsConfigError {
  try {
    resolveSettings({ ...BASE, ...props });
  } catch (error) {
    if (error instanceof FiggyEventsConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(props)} to be refused`);
}

describe('FiggyEvents props', () => {
  it('fills in the documented defaults', () => {
    const settings = resolveSettings(BASE);
    expect(settings).to.deep.include({
      namePrefix: 'figgy',
      partition: 'aws',
      auditedNamespaces: ['/'],
      destinationPrefixes: ['/app'],
      sourcePrefixes: ['/'],
      createTrail: true,
      trailLogExpirationDays: 90,
      logRetentionDays: 30,
      logLevel: 'INFO',
      asyncRetryAttempts: 2,
      deliveryRetryAttempts: 16,
      deliveryMaximumEventAgeSeconds: 3600,
      streamRetryAttempts: 5,
      schedules: { 'replication-syncer': 'rate(15 minutes)', 'config-cache-syncer': 'rate(1 hour)', 'audit-syncer': 'rate(15 minutes)' },
    });
    expect(settings).not.to.have.property('auditImportDays');
    expect(settings.functions['parameter-store-auditor']).to.deep.equal({
      memorySize: 256,
      timeoutSeconds: 30,
      architecture: 'arm64',
    });
    expect(settings.functions['replication-syncer'].timeoutSeconds).to.equal(300);
  });

  it('applies per-function sizing over the shared one', () => {
    const settings = resolveSettings({
      ...BASE,
      lambda: { memorySize: 512, architecture: 'x86_64' },
      functions: { 'replication-syncer': { timeoutSeconds: 600 } },
    });
    expect(settings.functions['replication-syncer']).to.deep.equal({
      memorySize: 512,
      timeoutSeconds: 600,
      architecture: 'x86_64',
    });
  });

  it('normalises prefixes as the handlers do, and refuses at synth what they would refuse at cold start', () => {
    expect(resolveSettings({ ...BASE, destinationPrefixes: ['/app', '/x/'] }).destinationPrefixes).to.deep.equal([
      '/app',
      '/x',
    ]);
    expect(configError({ destinationPrefixes: ['/app//x'] }).message).to.include('empty path segment');
    // IAM reads "?" as a wildcard as it reads "*": /app? would grant /app1, /app2, ...
    for (const prefix of ['/app?', '/app/*', '/a,b', '/my app']) {
      expect(configError({ sourcePrefixes: [prefix] }).prop, prefix).to.equal('sourcePrefixes');
    }
  });

  it('refuses "/" as a destination prefix: replication could overwrite every parameter', () => {
    expect(configError({ destinationPrefixes: ['/'] }).prop).to.equal('destinationPrefixes');
  });

  it('names the prop and the fix for each value AWS would reject at apply time', () => {
    expect(configError({ destinationPrefixes: ['app/'] }).message).to.include('has the prefix "app/", which must start with "/"');
    expect(configError({ namePrefix: 'Figgy_Events' }).prop).to.equal('namePrefix');
    expect(configError({ region: 'Ireland' }).prop).to.equal('region');
    expect(configError({ accountId: '1234' }).prop).to.equal('accountId');
    expect(configError({ logRetentionDays: 10 }).message).to.include('accepts 1, 3, 5, 7, 14, 30');
    expect(configError({ schedules: { 'config-cache-syncer': 'hourly' } }).prop).to.equal(
      'schedules.config-cache-syncer',
    );
    expect(configError({ functions: { 'config-cache-syncer': { timeoutSeconds: 901 } } }).prop).to.equal(
      'functions.config-cache-syncer.timeoutSeconds',
    );
    expect(configError({ lambda: { memorySize: 64 } }).prop).to.equal('lambda.memorySize');
    expect(configError({ asyncRetryAttempts: 3 }).prop).to.equal('asyncRetryAttempts');
    expect(configError({ replicationKmsKeyArn: 'alias/mine' }).message).to.include('not an alias');
    expect(configError({ alarmTopicArn: 'ops-alerts' }).prop).to.equal('alarmTopicArn');
  });

  for (const [prop, calls] of [
    ['bulkWritesPerSecond', 'writes'],
    ['bulkReadsPerSecond', 'reads'],
  ] as const) {
    it(`checks ${prop}, at home and per target, by the functions' own rule, naming the prop, and leaves it unset by default`, () => {
      const rule = `not a number of ${calls} per second from 0.1 to 1000`;
      expect(resolveSettings(BASE)).not.to.have.property(prop);
      expect(resolveSettings({ ...BASE, [prop]: 0.5 })[prop]).to.equal(0.5);
      for (const rate of [0, 0.05, -1, 1001, Number.NaN, Number.POSITIVE_INFINITY]) {
        const error = configError({ [prop]: rate });
        expect(error.prop, String(rate)).to.equal(prop);
        expect(error.message).to.include(rule);
      }
      expect(configError({ [prop]: '5' as unknown as number }).message).to.equal(`FiggyEvents prop "${prop}" is "5", ${rule}`);
      expect(configError({ [prop]: Token.asNumber('${var.rate}') }).message).to.include(`a token; give the number of ${calls} per second`);
      const target = { region: 'eu-central-1', destinationPrefixes: ['/dr/'] };
      expect(resolveSettings({ ...BASE, replicaTargets: [target, { ...target, region: 'us-east-1', [prop]: 2 }] }).replicaTargets).to.deep.equal([
        { region: 'eu-central-1', destinationPrefixes: ['/dr'] },
        { region: 'us-east-1', destinationPrefixes: ['/dr'], [prop]: 2 },
      ]);
      const error = configError({ replicaTargets: [target, { ...target, region: 'us-east-1', [prop]: 1001 }] });
      expect(error.prop).to.equal(`replicaTargets[1].${prop}`);
      expect(error.message).to.include(rule);
    });
  }

  it('takes the partition from the region', () => {
    expect(resolveSettings({ ...BASE, region: 'cn-north-1' }).partition).to.equal('aws-cn');
    expect(resolveSettings({ ...BASE, region: 'us-gov-west-1' }).partition).to.equal('aws-us-gov');
  });

  it('refuses a second instance in one stack, whose logical ids would collide', () => {
    const stack = new TerraformStack(Testing.app({ outdir: scratchDir('app') }), 'twice');
    new FiggyEvents(stack, 'one', { ...BASE });
    expect(
      () => new FiggyEvents(stack, 'two', { ...BASE, namePrefix: 'other' }),
    ).to.throw(/already has a FiggyEvents/);
  });
});

describe('FiggyEvents variants', () => {
  it('without an account id, reads it from aws_caller_identity (needs credentials at plan time)', () => {
    const { json } = synthesize({ ...TEST_PROPS, accountId: undefined }, false);
    expect(json.data).to.have.nested.property('aws_caller_identity.current');
    expect(json.provider.aws![0]).not.to.have.property('allowed_account_ids');
    expect(json.resource.aws_s3_bucket!.trail_bucket!.bucket).to.equal(
      'figgy-trail-${data.aws_caller_identity.current.account_id}-eu-west-1',
    );
  });

  it('when disposable, lets terraform destroy remove the audit table and empty the trail bucket', () => {
    const { json } = synthesize({ ...TEST_PROPS, disposable: true }, false);
    const tables = json.resource.aws_dynamodb_table!;
    for (const [id, table] of Object.entries(tables)) expect(table.deletion_protection_enabled, id).to.equal(false);
    expect(json.resource.aws_s3_bucket!.trail_bucket!.force_destroy).to.equal(true);
  });

  it('with createTrail false, creates no trail and no bucket', () => {
    const { json } = synthesize({ ...TEST_PROPS, createTrail: false }, false);
    const types = Object.keys(json.resource);
    expect(types.filter((type) => type.startsWith('aws_s3') || type === 'aws_cloudtrail')).to.deep.equal([]);
    expect(json.output).not.to.have.property('trail_arn');
  });

  it('with a replication key given, creates none and grants and configures the given one', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/0b5f7c1e-3a4d-4c2b-9e8f-7a6b5c4d3e2f';
    const { json } = synthesize({ ...TEST_PROPS, replicationKmsKeyArn: key }, false);
    expect(json.resource).not.to.have.property('aws_kms_key');
    const fn = json.resource.aws_lambda_function!.fn_replication_syncer as {
      environment: { variables: Record<string, string> };
    };
    expect(fn.environment.variables.REPLICATION_KMS_KEY_ID).to.equal(key);
    expect(json.resource.aws_iam_role_policy!.fn_replication_syncer!.policy).to.include(`"Resource":["${key}"]`);
  });

  it('with bulkWritesPerSecond, hands the pace to the functions that write parameters, and to no other', () => {
    const { json } = synthesize({ ...TEST_PROPS, bulkWritesPerSecond: 5 }, false);
    const paced = Object.entries(json.resource.aws_lambda_function!)
      .filter(([, fn]) => (fn as { environment: { variables: Record<string, string> } }).environment.variables.REPLICATION_BULK_WRITES_PER_SECOND === '5')
      .map(([id]) => id);
    expect(paced).to.have.members(['fn_parameter_stream_replicator', 'fn_dynamo_stream_replicator', 'fn_replication_syncer']);
  });

  it('with bulkReadsPerSecond, hands the read pace to the functions that work on a sync job, and to no other', () => {
    const { json } = synthesize({ ...TEST_PROPS, bulkReadsPerSecond: 5, replicaTargets: [{ region: 'eu-central-1', bulkReadsPerSecond: 3, destinationPrefixes: ['/dr/'] }] }, false);
    const variables = (id: string) =>
      (json.resource.aws_lambda_function![id] as { environment: { variables: Record<string, string> } }).environment.variables;
    const paced = Object.keys(json.resource.aws_lambda_function!).filter((id) => variables(id).BULK_READS_PER_SECOND === '5');
    expect(paced).to.have.members(['fn_dynamo_stream_replicator', 'fn_replication_syncer', 'fn_config_cache_syncer', 'fn_audit_syncer']);
    const targets = JSON.parse(variables('fn_replication_syncer').REPLICATION_REPLICA_TARGETS as string) as { bulkReadsPerSecond?: number }[];
    expect(targets[0]!.bulkReadsPerSecond).to.equal(3);
  });

  it('hands auditImportDays to the audit syncer alone, and refuses more days than CloudTrail keeps, naming the prop', () => {
    const { json } = synthesize({ ...TEST_PROPS, auditImportDays: 0 }, false);
    const imports = Object.entries(json.resource.aws_lambda_function!)
      .filter(([, fn]) => (fn as { environment: { variables: Record<string, string> } }).environment.variables.AUDIT_IMPORT_DAYS !== undefined)
      .map(([id, fn]) => [id, (fn as { environment: { variables: Record<string, string> } }).environment.variables.AUDIT_IMPORT_DAYS]);
    expect(imports).to.deep.equal([['fn_audit_syncer', '0']]);
    for (const days of [91, -1, 1.5]) {
      expect(configError({ auditImportDays: days }).prop, String(days)).to.equal('auditImportDays');
    }
  });

  it('without bulkWritesPerSecond, writes no pace: the functions use their default', () => {
    const { json } = synthesize(TEST_PROPS, false);
    for (const [id, fn] of Object.entries(json.resource.aws_lambda_function!)) {
      const variables = (fn as { environment: { variables: Record<string, string> } }).environment.variables;
      expect(variables, id).not.to.have.property('REPLICATION_BULK_WRITES_PER_SECOND');
      expect(variables, id).not.to.have.property('BULK_READS_PER_SECOND');
    }
  });
});

describe('deployment app (main.ts)', () => {
  const context = { regions: ['us-east-1'], destinationPrefixes: ['/replicated/'] };

  it('runs from cdktf.json alone: the shipped bundles built, then `npx tsx main.ts`, one default region', () => {
    const cdktf = JSON.parse(readFileSync('cdktf.json', 'utf8')) as { app: string };
    expect(cdktf.app).to.equal('npm run --silent build:functions && npx tsx main.ts');
    const config = readDeploymentConfig({}, readCdktfContext());
    expect(config.regions).to.deep.equal(['us-east-1']);
    expect(config.state, 'local state unless a bucket is configured').to.equal(undefined);
  });

  it('reads FIGGY_* variables over cdktf.json context', () => {
    const config = readDeploymentConfig(
      { FIGGY_REGIONS: 'eu-west-1, us-east-1', FIGGY_CREATE_TRAIL: 'false', FIGGY_LOG_RETENTION_DAYS: '14', FIGGY_BULK_WRITES_PER_SECOND: '2.5', FIGGY_BULK_READS_PER_SECOND: '7' },
      { ...context, accountId: '123456789012' },
    );
    expect(config).to.deep.include({
      regions: ['eu-west-1', 'us-east-1'],
      accountId: '123456789012',
      destinationPrefixes: ['/replicated/'],
      createTrail: false,
      logRetentionDays: 14,
      bulkWritesPerSecond: 2.5,
      bulkReadsPerSecond: 7,
      state: undefined,
    });
  });

  it('refuses a pace that is not a number, naming the variable', () => {
    expect(() => readDeploymentConfig({ FIGGY_BULK_WRITES_PER_SECOND: 'fast' }, context)).to.throw(/FIGGY_BULK_WRITES_PER_SECOND.*use a number/);
    expect(() => readDeploymentConfig({ FIGGY_BULK_READS_PER_SECOND: 'fast' }, context)).to.throw(/FIGGY_BULK_READS_PER_SECOND.*use a number/);
  });

  it('requires destination prefixes, naming where to set them', () => {
    expect(() => readDeploymentConfig({}, {})).to.throw(/FIGGY_DESTINATION_PREFIXES \(or context "destinationPrefixes"/);
  });

  it('refuses a malformed flag instead of guessing', () => {
    expect(() => readDeploymentConfig({ FIGGY_CREATE_TRAIL: 'yes' }, context)).to.throw(/use true or false/);
  });

  it('builds one stack per region, each with its own state key and names that cannot collide', () => {
    const app = Testing.app({ outdir: scratchDir('app') });
    const config = readDeploymentConfig(
      {
        FIGGY_REGIONS: 'eu-west-1,us-east-1',
        FIGGY_ACCOUNT_ID: '123456789012',
        FIGGY_STATE_BUCKET: 'acme-terraform-state',
        FIGGY_ALARM_TOPIC_ARN: 'arn:aws:sns:{region}:123456789012:ops',
      },
      context,
    );
    const stacks = buildStacks(app, config);
    expect(stacks.map((stack) => stack.node.id)).to.deep.equal([
      stackId(undefined, 'eu-west-1'),
      stackId(undefined, 'us-east-1'),
    ]);
    const [west, east] = stacks.map((stack) => JSON.parse(Testing.synth(stack)) as TerraformJson);
    expect(west!.terraform.backend).to.deep.equal({
      s3: {
        bucket: 'acme-terraform-state',
        key: 'figgy-events/figgy-events-eu-west-1.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
    expect((east!.terraform.backend as { s3: { key: string } }).s3.key).to.equal(
      'figgy-events/figgy-events-us-east-1.tfstate',
    );
    // IAM roles and S3 buckets are global: their names must differ between the two stacks.
    const globalNames = (json: TerraformJson) => [
      ...Object.values(json.resource.aws_iam_role!).map((role) => role.name),
      ...Object.values(json.resource.aws_s3_bucket!).map((bucket) => bucket.bucket),
    ];
    const shared = globalNames(west!).filter((name) => globalNames(east!).includes(name));
    expect(shared).to.deep.equal([]);
    const alarm = east!.resource.aws_cloudwatch_metric_alarm!.fn_replication_syncer_errors!;
    expect(alarm.alarm_actions).to.deep.equal(['arn:aws:sns:us-east-1:123456789012:ops']);
  });

  it('locks S3 state with a DynamoDB table when one is named', () => {
    const app = Testing.app({ outdir: scratchDir('app') });
    const config = readDeploymentConfig(
      { FIGGY_STATE_BUCKET: 'acme-terraform-state', FIGGY_STATE_LOCK_TABLE: 'terraform-locks' },
      context,
    );
    const [stack] = buildStacks(app, config);
    const backend = (JSON.parse(Testing.synth(stack!)) as TerraformJson).terraform.backend as {
      s3: Record<string, unknown>;
    };
    expect(backend.s3).to.include({ dynamodb_table: 'terraform-locks', region: 'us-east-1' });
    expect(backend.s3).not.to.have.property('use_lockfile');
  });
});

describe('FiggyEvents refuses at construction what would fail later (through the public export)', () => {
  const construct = (props: unknown, provider?: string) => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    if (provider !== undefined) new AwsProvider(stack, 'aws', { region: provider });
    return () => new PublicFiggyEvents(stack, 'figgy', props as FiggyEventsProps);
  };
  const refusal = (build: () => unknown): PublicConfigError => {
    try {
      build();
    } catch (error) {
      if (error instanceof PublicConfigError) return error;
      throw error;
    }
    throw new Error('expected a FiggyEventsConfigError');
  };

  it('names a required prop left out, as plain JavaScript can, instead of a TypeError', () => {
    const missing = refusal(construct({ region: 'eu-west-1' }));
    expect(missing.prop).to.equal('destinationPrefixes');
    expect(missing.message).to.include('is missing').and.include("destinationPrefixes: ['/app/']");
    expect(refusal(construct({ destinationPrefixes: ['/app/'] })).prop).to.equal('region');
    expect(refusal(construct({ region: 'eu-west-1', destinationPrefixes: '/app/' })).message).to.include('give a list of paths');
  });

  it('names replicaTargets, or the target, when plain JavaScript gives something other than a list of objects', () => {
    expect(refusal(construct({ ...BASE, replicaTargets: { region: 'eu-central-1', destinationPrefixes: ['/dr/'] } })).prop).to.equal('replicaTargets');
    expect(refusal(construct({ ...BASE, replicaTargets: [null] })).prop).to.equal('replicaTargets[0]');
    const misspelt = refusal(construct({ ...BASE, replicaTargets: [{ region: 'eu-central-1', destinationPrefix: ['/dr/'] }] }));
    expect(misspelt.prop).to.equal('replicaTargets[0].destinationPrefix');
    expect(misspelt.message).to.include('did you mean "destinationPrefixes"?');
  });

  it('refuses a prop it does not know, with the one it was probably meant to be', () => {
    const misspelt = refusal(construct({ region: 'eu-west-1', destinationPrefix: ['/app/'] }));
    expect(misspelt.prop).to.equal('destinationPrefix');
    expect(misspelt.message).to.equal('FiggyEvents prop "destinationPrefix" is not a FiggyEvents prop: did you mean "destinationPrefixes"?');
    expect(refusal(construct({ ...BASE, createTrial: false })).message).to.include('did you mean "createTrail"?');
    expect(refusal(construct({ ...BASE, colour: 'blue' })).message).to.equal('FiggyEvents prop "colour" is not a FiggyEvents prop');
  });

  it("refuses a region other than the stack's AWS provider's, naming both", () => {
    const mismatch = refusal(construct(BASE, 'us-east-1'));
    expect(mismatch.prop).to.equal('region');
    expect(mismatch.message).to.include('"eu-west-1"').and.include('"us-east-1"');
    expect(construct(BASE, 'eu-west-1')).not.to.throw();
    expect(construct(BASE, Token.asString({ Ref: 'region' }))).not.to.throw();
  });

  it('refuses at synth a mismatching provider added after the construct', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'stack');
    new PublicFiggyEvents(stack, 'figgy', BASE);
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    expect(() => app.synth()).to.throw(/prop "region" is "eu-west-1", but the stack's AWS provider .* "us-east-1"/);
  });
});
