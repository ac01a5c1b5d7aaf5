/**
 * KMS key policies as the sandbox models them. A key policy must allow every use of its key:
 * AWS's default policy does so by naming the account, which leaves the decision to the
 * account's IAM policies; the AWS managed key for Parameter Store allows every principal of its
 * account to use it through SSM.
 */
import type { PolicyDocument } from './policy-evaluation.ts';

/**
 * A key's policy: the AWS managed key for SSM lets every principal of its account use it
 * through SSM; every other key has the default key policy, which leaves it to the account's
 * IAM policies (keys shared with other accounts are not modelled).
 *
 * @param managedIn the region of the AWS managed key this is, if it is one.
 * @param service whose managed key: `ssm` (`alias/aws/ssm`) or `dynamodb` (`alias/aws/dynamodb`,
 *   which DynamoDB uses as the caller to decrypt each table's key).
 * @example
 * keyPolicy('arn:aws:kms:eu-west-1:123456789012:key/1234', undefined);
 * // → Allow arn:aws:iam::123456789012:root kms:* on *
 */
export function keyPolicy(keyArn: string, managedIn: string | undefined, service: 'ssm' | 'dynamodb' = 'ssm'): PolicyDocument {
  const account = keyArn.split(':')[4] ?? '';
  if (managedIn !== undefined) {
    return {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `${service}.${managedIn}.amazonaws.com` } },
        },
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
          Resource: '*',
        },
      ],
    };
  }
  return { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] };
}
