import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { App, Testing } from 'cdktf';
import { SSM_EVENT_PATTERN } from '../../shared/events/pattern.ts';
import { CONTINUE_EVENT, syncTriggerOf } from '../../shared/sync/sync-pass.ts';
import {
  ASYNC_INVOKE,
  FUNCTIONS,
  FUNCTION_NAMES,
  SCHEDULED_FUNCTIONS,
  SSM_EVENT_FUNCTIONS,
  functionEnvironment,
} from '../../shared/functions.ts';
import { TABLES, tableName, type TableDefinition, type TableRole } from '../../shared/tables.ts';
import { packageRoot } from '../../stacks/function-bundles.ts';
import { functionId } from '../../stacks/logical-ids.ts';
import { DEFAULT_SCHEDULES } from '../../stacks/default-schedules.ts';
import { tableId } from '../../stacks/tables.ts';
import type { ScheduledFunctionName } from '../../stacks/types.ts';
import {
  ACCOUNT,
  ALARM_TOPIC,
  REGION,
  STACK_ID,
  TEST_PROPS,
  resource,
  resources,
  scratchDir,
  synthesize,
  synthesized,
  type Block,
} from './support/synthesized.ts';

const has = (type: string, properties: Record<string, unknown>) =>
  Testing.toHaveResourceWithProperties(synthesized().text, type, properties);

describe('FiggyEvents resources', () => {
  describe('tables', () => {
    for (const role of Object.keys(TABLES) as TableRole[]) {
      const table: TableDefinition = TABLES[role];
      it(`${role}: keys, on-demand billing and SSE exactly as shared/tables.ts says`, () => {
        const block = resource(synthesized().json, 'aws_dynamodb_table', tableId(role));
        expect(block).to.deep.include({
          name: tableName('figgy', table),
          billing_mode: 'PAY_PER_REQUEST',
          hash_key: table.partitionKey.name,
          server_side_encryption: { enabled: true },
          point_in_time_recovery: { enabled: table.pointInTimeRecovery },
          deletion_protection_enabled: table.deletionProtection,
        });
        expect(block.range_key).to.equal(table.sortKey?.name);
      });
    }

    it('expires cache tombstones through the TTL attribute', () => {
      expect(has('aws_dynamodb_table', {
        name: 'figgy-config-cache',
        ttl: { attribute_name: TABLES.cache.ttlAttribute, enabled: true },
      })).to.equal(true);
    });

    it('indexes the audit log by user and time and by path root and time, with deletion protection and PITR', () => {
      expect(has('aws_dynamodb_table', {
        name: 'figgy-config-auditor',
        global_secondary_index: [
          { name: 'AuditByUserIdx', hash_key: 'user', range_key: 'time', projection_type: 'ALL' },
          { name: 'AuditByPathRootIdx', hash_key: 'path_root', range_key: 'time', projection_type: 'ALL' },
        ],
        deletion_protection_enabled: true,
        point_in_time_recovery: { enabled: true },
      })).to.equal(true);
    });

    it('streams the replication table with both images', () => {
      expect(has('aws_dynamodb_table', {
        name: 'figgy-config-replication',
        stream_enabled: true,
        stream_view_type: 'NEW_AND_OLD_IMAGES',
      })).to.equal(true);
    });

    it('keeps sync progress in an on-demand table keyed by job alone: no stream, no TTL, no PITR', () => {
      const block = resource(synthesized().json, 'aws_dynamodb_table', 'sync_progress_table');
      expect(block).to.deep.include({
        name: 'figgy-config-sync-progress',
        billing_mode: 'PAY_PER_REQUEST',
        hash_key: 'job',
        attribute: [{ name: 'job', type: 'S' }],
        stream_enabled: false,
        point_in_time_recovery: { enabled: false },
        deletion_protection_enabled: false,
      });
      expect(block).not.to.have.property('range_key');
      expect(block).not.to.have.property('stream_view_type');
      expect(block).not.to.have.property('ttl');
      expect(block).not.to.have.property('global_secondary_index');
    });

    it('declares each key attribute once', () => {
      const audit = resource(synthesized().json, 'aws_dynamodb_table', 'audit_table');
      expect(audit.attribute).to.deep.equal([
        { name: 'parameter_name', type: 'S' },
        { name: 'time', type: 'N' },
        { name: 'user', type: 'S' },
        { name: 'path_root', type: 'S' },
      ]);
    });
  });

  describe('functions', () => {
    for (const name of FUNCTION_NAMES) {
      it(`${name}: Node.js 22 ESM bundle, own role, environment from functionEnvironment()`, () => {
        const fn = resource(synthesized().json, 'aws_lambda_function', functionId(name));
        const expectedEnv = functionEnvironment(name, {
          namePrefix: 'figgy',
          accountId: ACCOUNT,
          auditedNamespaces: ['/app', '/shared'],
          destinationPrefixes: ['/app', '/shared/replicated'],
          sourcePrefixes: ['/shared', '/app'],
          replicationKmsKeyId: '${aws_kms_key.replication_key.arn}',
          logLevel: 'INFO',
        });
        expect(fn).to.deep.include({
          function_name: `figgy-${name}`,
          runtime: 'nodejs22.x',
          handler: 'index.handler',
          architectures: ['arm64'],
          memory_size: 256,
          timeout: FUNCTIONS[name].trigger === 'schedule' ? 300 : 30,
          role: `\${aws_iam_role.${functionId(name)}.arn}`,
          environment: { variables: expectedEnv },
        });
        expect(fn.filename).to.match(/^assets\/.+\/[0-9a-f]{64}\/archive\.zip$/);
        expect(fn.filename).to.include(fn.source_code_hash as string);
        expect(fn.depends_on).to.have.members([
          `aws_cloudwatch_log_group.${functionId(name)}`,
          `aws_iam_role_policy.${functionId(name)}`,
        ]);
      });

      it(`${name}: its own log group with retention, and async retries and event age capped before the DLQ`, () => {
        const { json } = synthesized();
        expect(resource(json, 'aws_cloudwatch_log_group', functionId(name))).to.deep.include({
          name: `/aws/lambda/figgy-${name}`,
          retention_in_days: 30,
        });
        expect(resource(json, 'aws_lambda_function_event_invoke_config', functionId(name))).to.deep.equal({
          function_name: `\${aws_lambda_function.${functionId(name)}.function_name}`,
          maximum_retry_attempts: 2,
          maximum_event_age_in_seconds: ASYNC_INVOKE.maximumEventAgeSeconds,
          destination_config: {
            on_failure: { destination: `\${aws_sqs_queue.${functionId(name)}_dlq.arn}` },
          },
        });
      });

      it(`${name}: a role Lambda assumes, named with the region so stacks in other regions do not collide`, () => {
        const role = resource(synthesized().json, 'aws_iam_role', functionId(name));
        expect(role.name).to.equal(`figgy-${name}-${REGION}`);
        expect(JSON.parse(role.assume_role_policy as string)).to.deep.equal({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'LambdaAssumesRole',
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        });
        expect(resource(synthesized().json, 'aws_iam_role_policy', functionId(name)).role).to.equal(
          `\${aws_iam_role.${functionId(name)}.name}`,
        );
      });

      it(`${name}: an encrypted dead-letter queue keeping messages 14 days`, () => {
        expect(resource(synthesized().json, 'aws_sqs_queue', `${functionId(name)}_dlq`)).to.deep.include({
          name: `figgy-${name}-dlq`,
          message_retention_seconds: 1209600,
          sqs_managed_sse_enabled: true,
        });
      });

      it(`${name}: alarms on its errors and on its dead-letter depth, to the alarm topic`, () => {
        const { json } = synthesized();
        expect(resource(json, 'aws_cloudwatch_metric_alarm', `${functionId(name)}_errors`)).to.deep.include({
          namespace: 'AWS/Lambda',
          metric_name: 'Errors',
          dimensions: { FunctionName: `figgy-${name}` },
          comparison_operator: 'GreaterThanThreshold',
          threshold: 0,
          alarm_actions: [ALARM_TOPIC],
        });
        expect(resource(json, 'aws_cloudwatch_metric_alarm', `${functionId(name)}_dlq_depth`)).to.deep.include({
          namespace: 'AWS/SQS',
          metric_name: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: `figgy-${name}-dlq` },
          comparison_operator: 'GreaterThanThreshold',
          threshold: 0,
          alarm_actions: [ALARM_TOPIC],
        });
      });
    }
  });

  describe('SSM event rule', () => {
    it('matches exactly the pattern of shared/events/pattern.ts', () => {
      const rule = resource(synthesized().json, 'aws_cloudwatch_event_rule', 'ssm_events');
      expect(JSON.parse(rule.event_pattern as string)).to.deep.equal(SSM_EVENT_PATTERN);
      expect(rule.name).to.equal('figgy-ssm-parameter-changes');
    });

    it('has one target per SSM-event function, none for the others', () => {
      const targets = Object.values(resources(synthesized().json, 'aws_cloudwatch_event_target'))
        .filter((target) => target.rule === '${aws_cloudwatch_event_rule.ssm_events.name}')
        .map((target) => target.target_id);
      expect(targets).to.have.members([...SSM_EVENT_FUNCTIONS]);
    });

    for (const name of SSM_EVENT_FUNCTIONS) {
      it(`${name}: target with a retry policy and its dead-letter queue, and permission to invoke`, () => {
        const { json } = synthesized();
        expect(resource(json, 'aws_cloudwatch_event_target', `${functionId(name)}_ssm_events`)).to.deep.equal({
          rule: '${aws_cloudwatch_event_rule.ssm_events.name}',
          target_id: name,
          arn: `\${aws_lambda_function.${functionId(name)}.arn}`,
          retry_policy: { maximum_retry_attempts: 16, maximum_event_age_in_seconds: 3600 },
          dead_letter_config: { arn: `\${aws_sqs_queue.${functionId(name)}_dlq.arn}` },
        });
        expect(resource(json, 'aws_lambda_permission', `${functionId(name)}_ssm_events`)).to.deep.include({
          action: 'lambda:InvokeFunction',
          principal: 'events.amazonaws.com',
          source_arn: '${aws_cloudwatch_event_rule.ssm_events.arn}',
        });
      });

      it(`${name}: its queue lets only this rule's EventBridge deliveries in`, () => {
        const block = resource(synthesized().json, 'aws_sqs_queue_policy', `${functionId(name)}_dlq`);
        expect(JSON.parse(block.policy as string).Statement).to.deep.equal([
          {
            Sid: 'EventBridgeDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['sqs:SendMessage'],
            Resource: [`\${aws_sqs_queue.${functionId(name)}_dlq.arn}`],
            Condition: { ArnEquals: { 'aws:SourceArn': '${aws_cloudwatch_event_rule.ssm_events.arn}' } },
          },
        ]);
      });
    }
  });

  describe('schedules', () => {
    for (const name of SCHEDULED_FUNCTIONS) {
      it(`${name}: runs on its default schedule with a retry policy and dead-letter queue`, () => {
        const { json } = synthesized();
        const stem = `${functionId(name)}_schedule`;
        expect(resource(json, 'aws_cloudwatch_event_rule', stem)).to.deep.include({
          name: `figgy-${name}-schedule`,
          schedule_expression: DEFAULT_SCHEDULES[name as ScheduledFunctionName],
        });
        expect(resource(json, 'aws_cloudwatch_event_target', stem)).to.deep.include({
          arn: `\${aws_lambda_function.${functionId(name)}.arn}`,
          retry_policy: { maximum_retry_attempts: 16, maximum_event_age_in_seconds: 3600 },
          dead_letter_config: { arn: `\${aws_sqs_queue.${functionId(name)}_dlq.arn}` },
        });
        expect(resource(json, 'aws_lambda_permission', stem)).to.deep.include({
          principal: 'events.amazonaws.com',
          source_arn: `\${aws_cloudwatch_event_rule.${stem}.arn}`,
        });
      });

      it(`${name}: the start schedule sends EventBridge's own event, which the handler reads as a start`, () => {
        const target = resource(synthesized().json, 'aws_cloudwatch_event_target', `${functionId(name)}_schedule`);
        expect(target).not.to.have.property('input');
        expect(syncTriggerOf({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })).to.equal('start');
      });

      it(`${name}: a continuation schedule every minute sends the constant continue event, with its own permission`, () => {
        const { json } = synthesized();
        const stem = `${functionId(name)}_continue`;
        expect(resource(json, 'aws_cloudwatch_event_rule', stem)).to.deep.include({
          name: `figgy-${name}-continue`,
          schedule_expression: 'rate(1 minute)',
        });
        const target = resource(json, 'aws_cloudwatch_event_target', stem);
        // A minute-old continue event has a successor: retried within its minute, never dead-lettered.
        expect(target).to.deep.equal({
          rule: `\${aws_cloudwatch_event_rule.${stem}.name}`,
          target_id: name,
          arn: `\${aws_lambda_function.${functionId(name)}.arn}`,
          input: JSON.stringify(CONTINUE_EVENT),
          retry_policy: { maximum_retry_attempts: 16, maximum_event_age_in_seconds: 60 },
        });
        expect(syncTriggerOf(JSON.parse(target.input as string))).to.equal('continue');
        expect(resource(json, 'aws_lambda_permission', stem)).to.deep.include({
          function_name: `\${aws_lambda_function.${functionId(name)}.function_name}`,
          statement_id: 'invoke-from-continue',
          action: 'lambda:InvokeFunction',
          principal: 'events.amazonaws.com',
          source_arn: `\${aws_cloudwatch_event_rule.${stem}.arn}`,
        });
      });

      it(`${name}: its queue still lets in only the start schedule's dead letters`, () => {
        const block = resource(synthesized().json, 'aws_sqs_queue_policy', `${functionId(name)}_dlq`);
        const statements = JSON.parse(block.policy as string).Statement as Block[];
        expect(statements.map((statement) => statement.Condition)).to.deep.equal([
          { ArnEquals: { 'aws:SourceArn': `\${aws_cloudwatch_event_rule.${functionId(name)}_schedule.arn}` } },
        ]);
      });
    }

    it('only the syncers have a continuation schedule', () => {
      const rules = Object.keys(resources(synthesized().json, 'aws_cloudwatch_event_rule')).filter((id) => id.endsWith('_continue'));
      expect(rules).to.have.members(SCHEDULED_FUNCTIONS.map((name) => `${functionId(name)}_continue`));
    });
  });

  describe('replication stream mapping', () => {
    it('bisects failing batches, reports partial failures, caps retries and dead-letters', () => {
      const mapping = resource(
        synthesized().json,
        'aws_lambda_event_source_mapping',
        'fn_dynamo_stream_replicator_stream',
      );
      expect(mapping).to.deep.equal({
        event_source_arn: '${aws_dynamodb_table.replication_table.stream_arn}',
        function_name: '${aws_lambda_function.fn_dynamo_stream_replicator.arn}',
        starting_position: 'TRIM_HORIZON',
        batch_size: 25,
        maximum_batching_window_in_seconds: 1,
        bisect_batch_on_function_error: true,
        function_response_types: ['ReportBatchItemFailures'],
        maximum_retry_attempts: 5,
        destination_config: {
          on_failure: { destination_arn: '${aws_sqs_queue.fn_dynamo_stream_replicator_dlq.arn}' },
        },
      });
    });

    it('is the only event source mapping, for the only stream-triggered function', () => {
      const streamed = FUNCTION_NAMES.filter((name) => FUNCTIONS[name].trigger === 'replication-stream');
      expect(Object.keys(resources(synthesized().json, 'aws_lambda_event_source_mapping'))).to.deep.equal(
        streamed.map((name) => `${functionId(name)}_stream`),
      );
    });
  });

  describe('trail and bucket', () => {
    const bucketRef = '${aws_s3_bucket.trail_bucket.id}';

    it('records management write events in this region, with log file validation', () => {
      expect(resource(synthesized().json, 'aws_cloudtrail', 'ssm_events_trail')).to.deep.include({
        name: 'figgy-ssm-events',
        s3_bucket_name: bucketRef,
        is_multi_region_trail: false,
        enable_log_file_validation: true,
        enable_logging: true,
        event_selector: [{ read_write_type: 'WriteOnly', include_management_events: true }],
        depends_on: ['aws_s3_bucket_policy.trail_bucket'],
      });
    });

    it('names the bucket with account and region, which keeps it globally unique', () => {
      expect(resource(synthesized().json, 'aws_s3_bucket', 'trail_bucket').bucket).to.equal(
        `figgy-trail-${ACCOUNT}-${REGION}`,
      );
    });

    it('versions, encrypts and blocks public access to the bucket, and disables ACLs', () => {
      // Each setting's depends_on is the next test's.
      const { json } = synthesized();
      expect(resource(json, 'aws_s3_bucket_versioning', 'trail_bucket')).to.deep.include({
        bucket: bucketRef,
        versioning_configuration: { status: 'Enabled' },
      });
      expect(resource(json, 'aws_s3_bucket_server_side_encryption_configuration', 'trail_bucket')).to.deep.include({
        bucket: bucketRef,
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
      });
      expect(resource(json, 'aws_s3_bucket_public_access_block', 'trail_bucket')).to.deep.include({
        bucket: bucketRef,
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(resource(json, 'aws_s3_bucket_ownership_controls', 'trail_bucket')).to.deep.include({
        bucket: bucketRef,
        rule: { object_ownership: 'BucketOwnerEnforced' },
      });
    });

    it('applies the bucket\'s settings one at a time, the trail last: S3 refuses concurrent changes to one bucket', () => {
      const { json } = synthesized();
      const chain = [
        ['aws_s3_bucket_ownership_controls', undefined],
        ['aws_s3_bucket_public_access_block', 'aws_s3_bucket_ownership_controls.trail_bucket'],
        ['aws_s3_bucket_versioning', 'aws_s3_bucket_public_access_block.trail_bucket'],
        ['aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_versioning.trail_bucket'],
        ['aws_s3_bucket_lifecycle_configuration', 'aws_s3_bucket_server_side_encryption_configuration.trail_bucket'],
        ['aws_s3_bucket_policy', 'aws_s3_bucket_lifecycle_configuration.trail_bucket'],
      ] as const;
      for (const [type, after] of chain) {
        expect(resource(json, type, 'trail_bucket').depends_on, type).to.deep.equal(after === undefined ? undefined : [after]);
      }
      expect(resource(json, 'aws_cloudtrail', 'ssm_events_trail').depends_on).to.deep.equal(['aws_s3_bucket_policy.trail_bucket']);
    });

    it('keeps the audit table and the trail bucket from terraform destroy unless the deployment is disposable', () => {
      expect(resource(synthesized().json, 'aws_dynamodb_table', 'audit_table').deletion_protection_enabled).to.equal(true);
      expect(resource(synthesized().json, 'aws_s3_bucket', 'trail_bucket')).not.to.have.property('force_destroy');
    });

    it('expires logs and their old versions after 90 days', () => {
      const lifecycle = resource(synthesized().json, 'aws_s3_bucket_lifecycle_configuration', 'trail_bucket');
      expect((lifecycle.rule as Block[])[0]).to.deep.include({
        status: 'Enabled',
        expiration: [{ days: 90 }],
        noncurrent_version_expiration: [{ noncurrent_days: 90 }],
      });
    });

    it('denies plain HTTP and lets only this trail write, under AWSLogs/<account>/', () => {
      const block = resource(synthesized().json, 'aws_s3_bucket_policy', 'trail_bucket');
      const statements = JSON.parse(block.policy as string).Statement as Block[];
      const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/figgy-ssm-events`;
      expect(statements[0]).to.deep.include({
        Effect: 'Deny',
        Principal: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      expect(statements[2]).to.deep.include({
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['s3:PutObject'],
        Resource: [`\${aws_s3_bucket.trail_bucket.arn}/AWSLogs/${ACCOUNT}/*`],
      });
      expect(statements.slice(1).map((statement) => statement.Condition)).to.deep.equal([
        { StringEquals: { 'aws:SourceArn': trailArn } },
        { StringEquals: { 'aws:SourceArn': trailArn, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      ]);
    });
  });

  describe('replication key', () => {
    it('is created with rotation and an alias when none is given', () => {
      expect(has('aws_kms_key', { enable_key_rotation: true, deletion_window_in_days: 30 })).to.equal(true);
      expect(has('aws_kms_alias', {
        name: 'alias/figgy-replication',
        target_key_id: '${aws_kms_key.replication_key.key_id}',
      })).to.equal(true);
    });
  });

  describe('provider, backend and outputs', () => {
    it('pins the provider to the region and the account, and tags everything', () => {
      expect(Testing.toHaveProviderWithProperties(synthesized().text, 'aws', {
        region: REGION,
        allowed_account_ids: [ACCOUNT],
        default_tags: [{ tags: { application: 'figgy-events', 'figgy-events:stack': 'figgy-events-eu-west-1' } }],
      })).to.equal(true);
    });

    it('keeps local state outside the disposable synth folder by default', () => {
      const backend = synthesized().json.terraform.backend as { local: { path: string } };
      expect(backend.local.path).to.match(/^(\.\.\/)+.*terraform\.figgy-events-eu-west-1\.tfstate$/);
    });

    it('finds the same local state in the project root when synthesized from another folder', function () {
      this.timeout(60_000);
      const home = process.cwd();
      process.chdir(scratchDir('elsewhere'));
      let result: ReturnType<typeof synthesize>;
      try {
        result = synthesize(TEST_PROPS, false);
      } finally {
        process.chdir(home);
      }
      // Terraform resolves the path from the stack's synth folder, where it runs.
      const stackDir = join(App.of(result.stack).outdir, 'stacks', STACK_ID);
      const backend = result.json.terraform.backend as { local: { path: string } };
      expect(resolve(stackDir, backend.local.path)).to.equal(join(packageRoot(), `terraform.${STACK_ID}.tfstate`));
    });

    it('outputs tables, functions, queues, the rule, the key and the trail', () => {
      expect(Object.keys(synthesized().json.output)).to.have.members([
        'table_names',
        'function_names',
        'dead_letter_queue_urls',
        'ssm_event_rule_arn',
        'replication_kms_key_arn',
        'trail_arn',
        'trail_bucket',
      ]);
      expect(synthesized().json.output.table_names!.value).to.deep.equal({
        cache: 'figgy-config-cache',
        audit: 'figgy-config-auditor',
        replication: 'figgy-config-replication',
        replicationSources: 'figgy-config-replication-sources',
        syncProgress: 'figgy-config-sync-progress',
      });
    });

    it('needs no data source, so the plan runs without AWS', () => {
      expect(synthesized().json.data ?? {}).to.deep.equal({});
    });
  });
});
