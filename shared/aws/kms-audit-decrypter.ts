import type { AuditCiphertextDecrypter } from '../restore/types.ts';
import type { KmsDecrypter } from './kms-decrypter.ts';
import type { ParameterArns } from './parameter-arns.ts';

/**
 * Decrypts audited SecureString ciphertexts with KMS, under the ARN of the parameter they
 * were written to: what restore falls back to when Parameter Store no longer holds a version.
 *
 * @example
 * const ssm = createSsmClient();
 * const decrypter = new KmsAuditDecrypter(new KmsDecrypter(new KMSClient({})), new ParameterArns(ssm));
 * const plaintext = await decrypter.decrypt('/app/db/password', record.value);
 */
export class KmsAuditDecrypter implements AuditCiphertextDecrypter {
  constructor(
    private readonly kms: KmsDecrypter,
    private readonly arns: ParameterArns,
  ) {}

  async decrypt(parameterName: string, ciphertext: string): Promise<string> {
    return this.kms.decryptParameter(ciphertext, await this.arns.of(parameterName));
  }
}
