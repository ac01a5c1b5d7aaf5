/**
 * KMS keys as KMS identifies them. Parameter Store reports a SecureString's key by alias (as
 * its reference documents `DescribeParameters`' `KeyId`), but may give a key id or ARN, and a
 * configured key may be any of those forms: DescribeKey turns each into the one key ARN.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { UnexpectedResponseError } from '../errors.ts';
import { onFirstUse } from './on-first-use.ts';

/**
 * Key ARNs by the name a key was given, each asked of KMS once per process: a key's ARN never
 * changes, and an alias that is re-pointed is seen by the next process.
 *
 * @example
 * const keys = new KmsKeyArns(() => new KMSClient({ region: 'eu-west-1' }));
 * await keys.arnOf('alias/aws/ssm'); // 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-…'
 */
export class KmsKeyArns {
  private readonly known = new Map<string, Promise<string>>();

  constructor(private readonly kms: () => KMSClient | Promise<KMSClient>) {}

  /**
   * The ARN of the key `keyId` names (alias name or ARN, key id or ARN). A key KMS does not
   * know (`alias/aws/ssm` before Parameter Store has first used it) comes back as given, and
   * is asked again next time.
   *
   * @throws what KMS throws otherwise, AccessDenied included: a missing grant must show.
   */
  arnOf(keyId: string): Promise<string> {
    const known = this.known.get(keyId);
    if (known) return known;
    const forget = () => this.known.delete(keyId);
    const asked = this.describe(keyId).then(
      (arn) => {
        if (arn !== undefined) return arn;
        forget();
        return keyId;
      },
      (error: unknown) => {
        forget();
        throw error;
      },
    );
    this.known.set(keyId, asked);
    return asked;
  }

  private async describe(keyId: string): Promise<string | undefined> {
    try {
      const [kms, { DescribeKeyCommand }] = await Promise.all([this.kms(), import('./kms-describe-key.ts')]);
      const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      if (key?.Arn === undefined) throw new UnexpectedResponseError(`KMS DescribeKey of ${keyId} returned no key ARN`);
      return key.Arn;
    } catch (error) {
      // Compared by name, as a second bundled copy of the SDK has other classes.
      if (error instanceof Error && error.name === 'NotFoundException') return undefined;
      throw error;
    }
  }
}

/**
 * Key ARNs as KMS names them where `ssm` acts: its region, with its credentials (a replica
 * target's key is read with the target's role). The KMS client is loaded and made on first
 * use: most invocations never compare keys, and a cold start need not parse it.
 */
export function kmsKeyArnsBeside(ssm: SSMClient): KmsKeyArns {
  return new KmsKeyArns(onFirstUse(async () => new (await import('./kms-describe-key.ts')).KMSClient({ region: ssm.config.region, credentials: ssm.config.credentials })));
}
