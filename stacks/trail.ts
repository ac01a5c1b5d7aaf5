/**
 * The CloudTrail trail that makes SSM calls visible to EventBridge, and its hardened bucket.
 */
import { Construct } from 'constructs';
import {
  Cloudtrail,
  S3Bucket,
  S3BucketLifecycleConfiguration,
  S3BucketOwnershipControls,
  S3BucketPolicy,
  S3BucketPublicAccessBlock,
  S3BucketServerSideEncryptionConfigurationA,
  S3BucketVersioningA,
} from './framework.ts';
import { named } from './logical-ids.ts';
import type { PolicyDocument } from './policy-documents.ts';

export interface AuditTrailProps {
  readonly namePrefix: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly logExpirationDays: number;
  /** `terraform destroy` empties the bucket (every version of every log) instead of failing on it. */
  readonly forceDestroy: boolean;
}

/**
 * A single-region trail of management write events (PutParameter, DeleteParameter and
 * DeleteParameters are writes; reads would only add cost), delivered to a bucket that is
 * versioned, encrypted, private, reachable over TLS only and expires old logs.
 */
export class AuditTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { namePrefix, partition, region, accountId } = props;
    const trailName = `${namePrefix}-ssm-events`;
    // The trail's ARN is needed before the trail exists: CloudTrail checks the bucket policy
    // when the trail is created, and the policy names the trail.
    const trailArn = `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${trailName}`;

    // Bucket names are global across all accounts: account and region make this one unique.
    this.bucket = named(
      new S3Bucket(this, 'bucket', {
        bucket: `${namePrefix}-trail-${accountId}-${region}`,
        ...(props.forceDestroy && { forceDestroy: true }),
      }),
      'trail_bucket',
    );
    const bucket = this.bucket.id;

    // S3 refuses concurrent changes to one bucket's settings ("A conflicting conditional
    // operation is currently in progress"), which Terraform would otherwise make in parallel:
    // each setting waits for the one before it, the trail for the last.
    const ownership = named(
      new S3BucketOwnershipControls(this, 'ownership', {
        bucket,
        rule: { objectOwnership: 'BucketOwnerEnforced' },
      }),
      'trail_bucket',
    );
    const publicAccess = named(
      new S3BucketPublicAccessBlock(this, 'public_access', {
        bucket,
        dependsOn: [ownership],
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      }),
      'trail_bucket',
    );
    const versioning = named(
      new S3BucketVersioningA(this, 'versioning', {
        bucket,
        dependsOn: [publicAccess],
        versioningConfiguration: { status: 'Enabled' },
      }),
      'trail_bucket',
    );
    const encryption = named(
      new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
        bucket,
        dependsOn: [versioning],
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      }),
      'trail_bucket',
    );
    const lifecycle = named(
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        bucket,
        dependsOn: [encryption],
        rule: [
          {
            id: 'expire-trail-logs',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            expiration: [{ days: props.logExpirationDays }],
            // Versioning keeps a deleted or overwritten log; expire those copies too.
            noncurrentVersionExpiration: [{ noncurrentDays: props.logExpirationDays }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          },
        ],
      }),
      'trail_bucket',
    );

    const bucketArn = this.bucket.arn;
    const fromThisTrail = { StringEquals: { 'aws:SourceArn': trailArn } };
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          // A deny must cover every action, or an unlisted one stays reachable over plain HTTP.
          Action: ['s3:*'],
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'CloudTrailChecksBucketAcl',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: ['s3:GetBucketAcl'],
          Resource: [bucketArn],
          Condition: fromThisTrail,
        },
        {
          Sid: 'CloudTrailWritesLogs',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: ['s3:PutObject'],
          Resource: [`${bucketArn}/AWSLogs/${accountId}/*`],
          Condition: {
            StringEquals: {
              'aws:SourceArn': trailArn,
              's3:x-amz-acl': 'bucket-owner-full-control',
            },
          },
        },
      ],
    };
    const bucketPolicy = named(
      new S3BucketPolicy(this, 'policy', { bucket, policy: JSON.stringify(policy), dependsOn: [lifecycle] }),
      'trail_bucket',
    );

    this.trail = named(
      new Cloudtrail(this, 'trail', {
        name: trailName,
        s3BucketName: bucket,
        isMultiRegionTrail: false,
        // IAM, STS and other global services are not what this trail is for.
        includeGlobalServiceEvents: false,
        enableLogFileValidation: true,
        enableLogging: true,
        eventSelector: [{ readWriteType: 'WriteOnly', includeManagementEvents: true }],
        dependsOn: [bucketPolicy],
      }),
      'ssm_events_trail',
    );
  }
}
