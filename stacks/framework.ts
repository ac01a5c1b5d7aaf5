/**
 * Everything the construct takes from its CDK framework (`cdktf`) and from the framework's AWS
 * provider bindings (`@cdktf/provider-aws`), and nothing else: the one module of `stacks/` that
 * names them, so that a flavour of the package for another framework with the same API (CDK
 * Terrain's `cdktn` and `@cdktn/provider-aws`) differs from this one in this file alone. The
 * lint config refuses these imports anywhere else in `stacks/`.
 *
 * Each provider class comes from its own `lib/<resource>/index.js` subpath, never from the
 * provider's root index, which would load every AWS resource type the provider knows.
 */
export { App, AssetType, LocalBackend, S3Backend, TerraformAsset, TerraformOutput, TerraformStack, Token } from 'cdktf';
export type { TerraformElement } from 'cdktf';

export { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail/index.js';
export { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
export { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js';
export { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target/index.js';
export { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
export { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
export { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
export { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';
export { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
export { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
export { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias/index.js';
export { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
export { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping/index.js';
export { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
export { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config/index.js';
export { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
export { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
export { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
export { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
export { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
export { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
export { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
export { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
export { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
export { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
export { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy/index.js';
