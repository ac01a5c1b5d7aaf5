/**
 * The KMS side of the emulator: SecureString encryption and the `TrentService` calls
 * (Decrypt, Encrypt) that restore needs for ciphertexts kept in the audit log.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AwsError, validationError } from './aws-error.ts';
import { optionalString, requiredString, type RequestInput } from './request-members.ts';

/** The key SSM uses when PutParameter names none: the account's AWS managed key. */
export const DEFAULT_SSM_KEY_ID = 'alias/aws/ssm';

/** KMS encryption context: string pairs bound into a ciphertext, required again to decrypt. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** Where the caller's request is evaluated; KMS key ARNs are regional. */
export interface KmsScope {
  readonly account: string;
  readonly region: string;
}

// Blob layout: magic | format | key reference length (u16) | key reference | iv | tag | data.
// The key reference travels inside the blob, as it does in real KMS ciphertexts, so Decrypt
// needs no KeyId.
const MAGIC = Buffer.from('FKMS', 'ascii');
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + 2;
const MAX_KMS_PLAINTEXT_BYTES = 4096;

/**
 * A symmetric KMS stand-in: AES-256-GCM under one emulator-wide key, with the key id and the
 * encryption context as additional authenticated data.
 *
 * Binding both means a ciphertext only decrypts with the context it was made with (SSM uses
 * `{PARAMETER_ARN: arn}`) and only as the key it names, which is what restore depends on.
 *
 * @example
 * const kms = new EmulatedKms();
 * const blob = kms.encrypt('alias/aws/ssm', Buffer.from('s3cret'), { PARAMETER_ARN: arn });
 * kms.decrypt(blob, { PARAMETER_ARN: arn }).plaintext.toString(); // 's3cret'
 */
export class EmulatedKms {
  private readonly key: Buffer;

  constructor(masterKey: Uint8Array = randomBytes(32)) {
    if (masterKey.length !== 32) {
      throw new RangeError(`masterKey must be 32 bytes for AES-256, got ${masterKey.length}`);
    }
    this.key = Buffer.from(masterKey);
  }

  /** Encrypts under `keyId` (key id, key ARN, alias name or alias ARN), bound to `context`. */
  encrypt(keyId: string, plaintext: Uint8Array, context: EncryptionContext): Buffer {
    const reference = Buffer.from(keyReference(keyId), 'utf8');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(authenticatedData(reference, context));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header);
    header.writeUInt8(FORMAT, MAGIC.length);
    header.writeUInt16BE(reference.length, MAGIC.length + 1);
    return Buffer.concat([header, reference, iv, cipher.getAuthTag(), data]);
  }

  /**
   * Decrypts a blob made by {@link EmulatedKms.encrypt}; the key comes from the blob.
   *
   * @throws AwsError `InvalidCiphertextException` when the blob is not ours or the context
   *   differs; `IncorrectKeyException` when `expectedKeyId` names another key.
   */
  decrypt(
    blob: Uint8Array,
    context: EncryptionContext,
    expectedKeyId?: string,
  ): { readonly keyReference: string; readonly plaintext: Buffer } {
    const bytes = Buffer.from(blob);
    const parts = splitBlob(bytes);
    if (expectedKeyId !== undefined && keyReference(expectedKeyId) !== parts.reference.toString('utf8')) {
      throw new AwsError(
        'IncorrectKeyException',
        `The key ID in the request (${expectedKeyId}) does not identify the KMS key that encrypted the ciphertext.`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, parts.iv);
      decipher.setAAD(authenticatedData(parts.reference, context));
      decipher.setAuthTag(parts.tag);
      const plaintext = Buffer.concat([decipher.update(parts.data), decipher.final()]);
      return { keyReference: parts.reference.toString('utf8'), plaintext };
    } catch {
      throw invalidCiphertext('the encryption context or key does not match the one used to encrypt');
    }
  }
}

/**
 * A key id in the form KMS compares them: `alias/NAME` or `key/ID`, region and account
 * stripped, so that an alias ARN and an alias name identify the same key.
 */
export function keyReference(keyId: string): string {
  const arn = /^arn:aws[\w-]*:kms:[^:]*:[^:]*:(.+)$/.exec(keyId);
  const reference = arn?.[1] ?? keyId;
  return reference.startsWith('alias/') || reference.startsWith('key/') ? reference : `key/${reference}`;
}

/**
 * The key ARN KMS reports in responses.
 *
 * Real KMS resolves an alias to its key's ARN; the emulator has no key behind an alias, so it
 * answers with the alias ARN instead.
 */
export function keyArn(reference: string, scope: KmsScope): string {
  return `arn:aws:kms:${scope.region}:${scope.account}:${reference}`;
}

/**
 * Answers one `TrentService.<operation>` call in KMS's JSON wire shapes.
 *
 * @example
 * kmsCall(kms, 'Decrypt', { CiphertextBlob: blob, EncryptionContext: ctx }, scope);
 */
export function kmsCall(kms: EmulatedKms, operation: string, input: RequestInput, scope: KmsScope): object {
  switch (operation) {
    case 'Decrypt': {
      const blob = Buffer.from(requiredString(input, 'CiphertextBlob'), 'base64');
      const keyId = optionalString(input, 'KeyId');
      requireSymmetric(input.EncryptionAlgorithm);
      const result = kms.decrypt(blob, contextMember(input.EncryptionContext), keyId);
      return {
        KeyId: keyArn(result.keyReference, scope),
        Plaintext: result.plaintext.toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    }
    case 'Encrypt': {
      const keyId = requiredString(input, 'KeyId');
      const plaintext = Buffer.from(requiredString(input, 'Plaintext'), 'base64');
      if (plaintext.length < 1 || plaintext.length > MAX_KMS_PLAINTEXT_BYTES) {
        throw validationError(
          'plaintext',
          '[hidden]',
          `Member must have length between 1 and ${MAX_KMS_PLAINTEXT_BYTES}`,
        );
      }
      requireSymmetric(input.EncryptionAlgorithm);
      const blob = kms.encrypt(keyId, plaintext, contextMember(input.EncryptionContext));
      return {
        CiphertextBlob: blob.toString('base64'),
        KeyId: keyArn(keyReference(keyId), scope),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    }
    default:
      throw new AwsError('UnknownOperationException', `The emulator does not implement KMS ${operation}.`);
  }
}

function splitBlob(bytes: Buffer): { reference: Buffer; iv: Buffer; tag: Buffer; data: Buffer } {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw invalidCiphertext('the blob was not produced by this KMS');
  }
  if (bytes.readUInt8(MAGIC.length) !== FORMAT) throw invalidCiphertext('unknown ciphertext format');
  const referenceEnd = HEADER_BYTES + bytes.readUInt16BE(MAGIC.length + 1);
  const ivEnd = referenceEnd + IV_BYTES;
  const tagEnd = ivEnd + TAG_BYTES;
  if (bytes.length < tagEnd) throw invalidCiphertext('the blob is truncated');
  return {
    reference: bytes.subarray(HEADER_BYTES, referenceEnd),
    iv: bytes.subarray(referenceEnd, ivEnd),
    tag: bytes.subarray(ivEnd, tagEnd),
    data: bytes.subarray(tagEnd),
  };
}

// Keys are sorted because KMS treats the context as an unordered map.
function authenticatedData(reference: Buffer, context: EncryptionContext): Buffer {
  const pairs = Object.keys(context)
    .sort()
    .map((key) => [key, context[key]]);
  return Buffer.concat([reference, Buffer.from(`\n${JSON.stringify(pairs)}`, 'utf8')]);
}

function invalidCiphertext(reason: string): AwsError {
  return new AwsError('InvalidCiphertextException', `The ciphertext is invalid: ${reason}.`);
}

function contextMember(value: unknown): EncryptionContext {
  if (value === undefined || value === null) return {};
  const valid =
    typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
  if (!valid) throw validationError('encryptionContext', JSON.stringify(value), 'Member must map strings to strings');
  return value as EncryptionContext;
}

function requireSymmetric(algorithm: unknown): void {
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT') {
    throw new AwsError(
      'InvalidKeyUsageException',
      `The emulator only has symmetric keys; use EncryptionAlgorithm SYMMETRIC_DEFAULT, not ${String(algorithm)}.`,
    );
  }
}
