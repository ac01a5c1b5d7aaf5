/**
 * One Lambda function with everything it owns: bundle, role, log group, dead-letter queue,
 * async-invoke configuration and error alarm.
 */
import { Construct } from 'constructs';
import {
  AssetType,
  CloudwatchLogGroup,
  IamRole,
  IamRolePolicy,
  LambdaFunction,
  LambdaFunctionEventInvokeConfig,
  LambdaPermission,
  TerraformAsset,
} from './framework.ts';
import { ASYNC_INVOKE, deadLetterQueueName, type FunctionName } from '../shared/functions.ts';
import { nonZeroAlarm } from './alarms.ts';
import { LAMBDA_HANDLER, type FunctionBundle } from './function-bundles.ts';
import { functionRoleName } from './function-role-name.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { functionId, named } from './logical-ids.ts';
import type { PolicyDocument } from './policy-documents.ts';
import type { ResolvedFunctionSettings } from './settings.ts';

export const LAMBDA_RUNTIME = 'nodejs22.x';

export interface FiggyFunctionProps {
  readonly name: FunctionName;
  readonly namePrefix: string;
  readonly region: string;
  readonly bundle: FunctionBundle;
  readonly settings: ResolvedFunctionSettings;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetentionDays: number;
  readonly asyncRetryAttempts: number;
  readonly alarmActions: readonly string[];
  /** Builds the role's policy once the log group and queue ARNs exist. */
  readonly policy: (resources: { logGroupArn: string; deadLetterQueueArn: string }) => PolicyDocument;
}

const LAMBDA_TRUST_POLICY = JSON.stringify({
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

/**
 * A Lambda function of the catalog. Its role is its own (so its policy can be read on its
 * own), its log group exists before it runs (so retention applies from the first line), and
 * whatever it gives up on lands in its own dead-letter queue.
 */
export class FiggyFunction extends Construct {
  readonly functionName: string;
  readonly lambda: LambdaFunction;
  readonly role: IamRole;
  readonly deadLetterQueue: DeadLetterQueue;
  private readonly idStem: string;

  constructor(scope: Construct, id: string, props: FiggyFunctionProps) {
    super(scope, id);
    const stem = functionId(props.name);
    this.idStem = stem;
    this.functionName = `${props.namePrefix}-${props.name}`;

    this.deadLetterQueue = new DeadLetterQueue(this, 'dead_letters', {
      queueName: deadLetterQueueName(props.namePrefix, props.name),
      idStem: stem,
      alarmActions: props.alarmActions,
    });

    const logGroup = named(
      new CloudwatchLogGroup(this, 'logs', {
        name: `/aws/lambda/${this.functionName}`,
        retentionInDays: props.logRetentionDays,
      }),
      stem,
    );

    this.role = named(
      new IamRole(this, 'role', {
        name: functionRoleName(props.namePrefix, props.name, props.region),
        description: `Runs ${this.functionName} in ${props.region}`,
        assumeRolePolicy: LAMBDA_TRUST_POLICY,
      }),
      stem,
    );
    const policy = props.policy({
      logGroupArn: logGroup.arn,
      deadLetterQueueArn: this.deadLetterQueue.queue.arn,
    });
    const rolePolicy = named(
      new IamRolePolicy(this, 'policy', {
        name: 'least-privilege',
        role: this.role.name,
        policy: JSON.stringify(policy),
      }),
      stem,
    );

    const code = new TerraformAsset(this, 'code', {
      path: props.bundle.directory,
      type: AssetType.ARCHIVE,
      // The bundle's own hash, not the zip's: the zip carries file times, the bundle does not.
      assetHash: props.bundle.sha256,
    });

    this.lambda = named(
      new LambdaFunction(this, 'function', {
        functionName: this.functionName,
        role: this.role.arn,
        runtime: LAMBDA_RUNTIME,
        handler: LAMBDA_HANDLER,
        architectures: [props.settings.architecture],
        memorySize: props.settings.memorySize,
        timeout: props.settings.timeoutSeconds,
        filename: code.path,
        sourceCodeHash: code.assetHash,
        environment: { variables: { ...props.environment } },
        // Created after its log group and its permissions: Lambda checks the role when a
        // destination or event source is attached, and would create a log group without
        // retention on its first invocation.
        dependsOn: [logGroup, rolePolicy],
      }),
      stem,
    );

    named(
      new LambdaFunctionEventInvokeConfig(this, 'async', {
        functionName: this.lambda.functionName,
        maximumRetryAttempts: props.asyncRetryAttempts,
        // Stated, not left to Lambda's default, so the age after which an event is dead-lettered
        // is the catalog's and a change to it shows in the plan.
        maximumEventAgeInSeconds: ASYNC_INVOKE.maximumEventAgeSeconds,
        destinationConfig: {
          onFailure: { destination: this.deadLetterQueue.queue.arn },
        },
      }),
      stem,
    );

    nonZeroAlarm(this, 'errors', {
      alarmName: `${this.functionName}-errors`,
      description: `${this.functionName} threw; its log group says why.`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: this.functionName },
      statistic: 'Sum',
      alarmActions: props.alarmActions,
      logicalId: `${stem}_errors`,
    });
  }

  /**
   * Lets one EventBridge rule invoke this function and dead-letter into its queue.
   * `trigger` names the rule in the logical ids, e.g. `ssm_events`.
   */
  allowEventBridgeRule(ruleArn: string, trigger: string): void {
    this.allowInvokeFrom(ruleArn, trigger);
    this.deadLetterQueue.allowEventBridgeRule(ruleArn, this.idStem);
  }

  /**
   * Lets one EventBridge rule invoke this function, and no more: for a rule whose target
   * dead-letters nothing (the continuation schedule's).
   */
  allowInvokeFrom(ruleArn: string, trigger: string): void {
    named(
      new LambdaPermission(this, `invoke_from_${trigger}`, {
        functionName: this.lambda.functionName,
        statementId: `invoke-from-${trigger.replaceAll('_', '-')}`,
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
        sourceArn: ruleArn,
      }),
      `${this.idStem}_${trigger}`,
    );
  }
}
