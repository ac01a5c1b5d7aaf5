import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { UnexpectedResponseError, UnprocessableInputError } from '../errors.ts';

// Strict base64 (padding optional): Buffer.from(..., 'base64') silently drops anything else,
// which would turn a corrupted audit value into an opaque KMS InvalidCiphertextException.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decrypts the ciphertext of a SecureString version, as the audit log stores it.
 *
 * Restore uses it when SSM's own version history no longer holds a value. SSM encrypts a
 * standard-tier SecureString directly with KMS under the encryption context
 * `{ PARAMETER_ARN: <parameter ARN> }`, so the same context must be given back: the ARN of the
 * parameter the value was written to, not of the one it is restored to. The ciphertext names
 * its own key, so no key id is needed. Advanced-tier SecureStrings are envelope-encrypted with
 * the AWS Encryption SDK instead and cannot be decrypted here.
 *
 * @example
 * ```ts
 * const decrypter = new KmsDecrypter(new KMSClient({}));
 * const plaintext = await decrypter.decryptParameter(
 *   record.value,
 *   'arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/password',
 * );
 * ```
 */
export class KmsDecrypter {
  constructor(private readonly kms: KMSClient) {}

  async decryptParameter(ciphertextBase64: string, parameterArn: string): Promise<string> {
    const ciphertext = ciphertextBase64.trim();
    if (!BASE64.test(ciphertext)) {
      throw new UnprocessableInputError(`ciphertext of ${parameterArn} is not base64: is the audit value a SecureString ciphertext?`);
    }
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(ciphertext, 'base64'),
          EncryptionContext: { PARAMETER_ARN: parameterArn },
        }),
      ));
    } catch (error) {
      // KMS reports a wrong encryption context as a bad ciphertext; say what usually causes it.
      if (error instanceof Error && error.name === 'InvalidCiphertextException') {
        throw new UnprocessableInputError(
          `KMS cannot decrypt the audited value of ${parameterArn}: the ARN must be the one the value ` +
            'was written to, and advanced-tier parameters (envelope-encrypted) are not supported',
          { cause: error },
        );
      }
      throw error;
    }
    if (plaintext === undefined) throw new UnexpectedResponseError(`KMS Decrypt returned no plaintext for ${parameterArn}`);
    return Buffer.from(plaintext).toString('utf8');
  }
}
