/**
 * The KMS side of the emulator: SecureString encryption and the `TrentService` calls
 * (Decrypt and Encrypt, which restore needs for ciphertexts kept in the audit log, and
 * DescribeKey, which tells the forms of one key's id apart).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AwsError, SENSITIVE, validationError } from './aws-error.ts';
import { optionalString, requiredString, type RequestInput } from './request-members.ts';
import type { KeyIdForm } from './types.ts';

/** The key SSM uses when PutParameter names none: the account's AWS managed key. */
export const DEFAULT_SSM_KEY_ID = 'alias/aws/ssm';

/** Every {@link KeyIdForm}, e.g. to run one test in each. */
export const KEY_ID_FORMS: readonly KeyIdForm[] = ['as-written', 'alias', 'key-id', 'arn'];

/**
 * `keyId` (as a PutParameter was given it) in the form `form` asks for.
 *
 * @example
 * keyIdIn(kms, 'alias/aws/ssm', 'arn', scope); // 'arn:aws:kms:eu-west-1:123456789012:key/…'
 */
export function keyIdIn(kms: EmulatedKms, keyId: string, form: KeyIdForm, scope: KmsScope): string {
  if (form === 'as-written') return keyId;
  const key = kms.key(keyId, scope);
  if (form === 'arn') return key.arn;
  return form === 'alias' ? key.aliases[0] ?? key.keyId : key.keyId;
}

/** KMS encryption context: string pairs bound into a ciphertext, required again to decrypt. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** One use of a key, as IAM authorizes it. */
export interface KeyUseRequest {
  readonly action: string;
  /** The key's ARN. */
  readonly keyArn: string;
  /** The aliases pointing at the key (`alias/aws/ssm` for the AWS managed key). */
  readonly aliases: readonly string[];
  readonly encryptionContext: EncryptionContext;
}

/** Where the caller's request is evaluated: KMS keys belong to one region of one account. */
export interface KmsScope {
  readonly account: string;
  readonly region: string;
}

/** Where a key lives, from its ARN. */
export interface KeyLocation extends KmsScope {
  /** `alias/NAME` or `key/ID`. */
  readonly reference: string;
}

/** One KMS key and every name it goes by, as DescribeKey identifies it. */
export interface KmsKey {
  /** The key id, e.g. `1234abcd-12ab-34cd-56ef-1234567890ab`. */
  readonly keyId: string;
  /** `arn:aws:kms:<region>:<account>:key/<key id>`. */
  readonly arn: string;
  /** The aliases pointing at the key, `alias/NAME`; none for a key only ever named by id. */
  readonly aliases: readonly string[];
  readonly region: string;
  readonly account: string;
}

// Blob layout: magic | format | key ARN length (u16) | key ARN | iv | tag | data.
// The key's ARN travels inside the blob, as the key does in real KMS ciphertexts, so Decrypt
// needs no KeyId and knows which region and account the key belongs to.
const MAGIC = Buffer.from('FKMS', 'ascii');
const FORMAT = 2;
const KEY_ARN = /^arn:aws[\w-]*:kms:([^:]*):([^:]*):(.+)$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + 2;
const MAX_KMS_PLAINTEXT_BYTES = 4096;

/**
 * A symmetric KMS stand-in: AES-256-GCM under a key derived per KMS key ARN from one
 * emulator-wide secret, with the key ARN and the encryption context as additional
 * authenticated data.
 *
 * Binding both means a ciphertext only decrypts with the context it was made with (SSM uses
 * `{PARAMETER_ARN: arn}`) and only as the key it names, which is what restore depends on.
 * Every key id and alias names a key, created on first use like SSM's `alias/aws/ssm`: an
 * alias points at a key of its own, whose id is derived from the alias ARN and the secret (so
 * it is the same across restarts with one `masterKey`). The same name in two regions or
 * accounts is two keys, and a key is used only in its own region and account (key policies
 * that would share one across accounts are not modelled).
 *
 * @example
 * const kms = new EmulatedKms();
 * const scope = { account: '123456789012', region: 'eu-west-1' };
 * const blob = kms.encrypt(kms.key('alias/aws/ssm', scope).arn, Buffer.from('s3cret'), { PARAMETER_ARN: arn });
 * kms.decrypt(blob, { PARAMETER_ARN: arn }, scope).plaintext.toString(); // 's3cret'
 */
export class EmulatedKms {
  private readonly secret: Buffer;
  // Alias ARN to the ARN of the key it points at.
  private readonly aliases = new Map<string, string>();

  /**
   * @param authorizeUse called before every use of a key, to refuse it (by throwing) as IAM
   *   would: the sandbox holds callers to their policies with it.
   */
  constructor(
    masterKey: Uint8Array = randomBytes(32),
    private readonly authorizeUse: (use: KeyUseRequest) => void = () => undefined,
  ) {
    if (masterKey.length !== 32) {
      throw new RangeError(`masterKey must be 32 bytes for AES-256, got ${masterKey.length}`);
    }
    this.secret = Buffer.from(masterKey);
  }

  /**
   * The key a key id names for a caller in `scope`, in any of the four forms KMS accepts: key
   * id, key ARN, alias name (`alias/NAME`) or alias ARN. A name resolves in the caller's region
   * and account, an ARN in its own.
   *
   * @example
   * kms.key('alias/aws/ssm', scope).arn; // 'arn:aws:kms:eu-west-1:123456789012:key/…'
   */
  key(keyId: string, scope: KmsScope): KmsKey {
    const named = keyArnIn(keyId, scope);
    const location = keyLocation(named);
    let arn = named;
    if (location.reference.startsWith('alias/')) {
      arn = this.aliases.get(named) ?? this.createAliasedKey(named, location);
    }
    const { region, account, reference } = keyLocation(arn);
    const aliases = [...this.aliases]
      .filter(([, target]) => target === arn)
      .map(([aliasArn]) => keyLocation(aliasArn).reference);
    return { keyId: reference.slice('key/'.length), arn, aliases, region, account };
  }

  /**
   * Encrypts under the key ARN `keyArn` (see {@link EmulatedKms.key}), bound to `context`.
   * `action` is the KMS action authorized: SSM encrypts advanced parameters with a data key.
   */
  encrypt(
    keyArn: string,
    plaintext: Uint8Array,
    context: EncryptionContext,
    action: 'kms:Encrypt' | 'kms:GenerateDataKey' = 'kms:Encrypt',
  ): Buffer {
    const key = this.key(keyArn, keyLocation(keyArn));
    this.authorizeUse({ action, keyArn: key.arn, aliases: key.aliases, encryptionContext: context });
    const reference = Buffer.from(keyArn, 'utf8');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyOf(keyArn), iv);
    cipher.setAAD(authenticatedData(reference, context));
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header);
    header.writeUInt8(FORMAT, MAGIC.length);
    header.writeUInt16BE(reference.length, MAGIC.length + 1);
    return Buffer.concat([header, reference, iv, cipher.getAuthTag(), data]);
  }

  /**
   * Decrypts a blob made by {@link EmulatedKms.encrypt} for a caller in `scope`; the key comes
   * from the blob.
   *
   * @throws AwsError `InvalidCiphertextException` when the blob is not ours, its key lives in
   *   another region, or the context differs; `AccessDeniedException` when its key belongs to
   *   another account; `IncorrectKeyException` when `expectedKeyId` names another key.
   */
  decrypt(
    blob: Uint8Array,
    context: EncryptionContext,
    scope: KmsScope,
    expectedKeyId?: string,
  ): { readonly keyArn: string; readonly plaintext: Buffer } {
    const bytes = Buffer.from(blob);
    const parts = splitBlob(bytes);
    const keyArn = parts.reference.toString('utf8');
    const location = keyLocation(keyArn);
    if (location.region !== scope.region) {
      throw invalidCiphertext(`its key is a key of ${location.region}, not of ${scope.region}, where it was sent`);
    }
    if (location.account !== scope.account) throw keyAccessDenied('kms:Decrypt', keyArn, scope);
    // A blob made before aliases pointed at keys names the alias: it is still that alias's key.
    const key = this.key(keyArn, scope);
    this.authorizeUse({ action: 'kms:Decrypt', keyArn: key.arn, aliases: key.aliases, encryptionContext: context });
    if (expectedKeyId !== undefined && this.key(expectedKeyId, scope).arn !== key.arn) {
      throw new AwsError(
        'IncorrectKeyException',
        `The key ID in the request (${expectedKeyId}) does not identify the KMS key that encrypted the ciphertext.`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.keyOf(keyArn), parts.iv);
      decipher.setAAD(authenticatedData(parts.reference, context));
      decipher.setAuthTag(parts.tag);
      const plaintext = Buffer.concat([decipher.update(parts.data), decipher.final()]);
      return { keyArn: key.arn, plaintext };
    } catch {
      throw invalidCiphertext('the encryption context or key does not match the one used to encrypt');
    }
  }

  // One secret stands for every key; deriving per ARN makes each key's material its own.
  private keyOf(keyArn: string): Buffer {
    return createHmac('sha256', this.secret).update(keyArn).digest();
  }

  // The key id has the shape of KMS's (a UUID), taken from the secret so restarts agree.
  private createAliasedKey(aliasArn: string, location: KeyLocation): string {
    const hex = createHmac('sha256', this.secret).update(`key of ${aliasArn}`).digest('hex');
    const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    const arn = `arn:aws:kms:${location.region}:${location.account}:key/${keyId}`;
    this.aliases.set(aliasArn, arn);
    return arn;
  }
}

/**
 * The ARN of the key a key id names for a caller in `scope`: a name (`alias/x`, a key id)
 * resolves in the caller's region and account, an ARN names its own.
 *
 * @example
 * keyArnIn('alias/aws/ssm', { account: '123456789012', region: 'eu-west-1' });
 * // 'arn:aws:kms:eu-west-1:123456789012:alias/aws/ssm'
 */
export function keyArnIn(keyId: string, scope: KmsScope): string {
  return KEY_ARN.test(keyId) ? keyId : `arn:aws:kms:${scope.region}:${scope.account}:${keyReference(keyId)}`;
}

/** The region, account and reference of a key or alias ARN. */
export function keyLocation(keyArn: string): KeyLocation {
  const [, region = '', account = '', reference = keyArn] = KEY_ARN.exec(keyArn) ?? [];
  return { region, account, reference };
}

/** KMS's refusal of a key of another account, whose key policy would have to allow the caller. */
export function keyAccessDenied(action: string, keyArn: string, scope: KmsScope): AwsError {
  return new AwsError(
    'AccessDeniedException',
    `User: arn:aws:iam::${scope.account}:root is not authorized to perform: ${action} on resource: ${keyArn} ` +
      `because no resource-based policy allows the ${action} action`,
  );
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
      const result = kms.decrypt(blob, contextMember(input.EncryptionContext), scope, keyId);
      return {
        KeyId: result.keyArn,
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
          SENSITIVE,
          `Member must have length between 1 and ${MAX_KMS_PLAINTEXT_BYTES}`,
        );
      }
      requireSymmetric(input.EncryptionAlgorithm);
      const key = usableKey(kms, keyId, scope, 'kms:Encrypt');
      const blob = kms.encrypt(key.arn, plaintext, contextMember(input.EncryptionContext));
      return {
        CiphertextBlob: blob.toString('base64'),
        KeyId: key.arn,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    }
    case 'DescribeKey': {
      const key = usableKey(kms, requiredString(input, 'KeyId'), scope, 'kms:DescribeKey');
      return { KeyMetadata: keyMetadata(key) };
    }
    default:
      throw new AwsError('UnknownOperationException', `The emulator does not implement KMS ${operation}.`);
  }
}

// A key of another region is not found there; one of another account needs its key policy.
function usableKey(kms: EmulatedKms, keyId: string, scope: KmsScope, action: string): KmsKey {
  const named = keyArnIn(keyId, scope);
  const location = keyLocation(named);
  if (location.region !== scope.region) {
    throw new AwsError('NotFoundException', `Key '${named}' does not exist in ${scope.region}; KMS keys are regional.`);
  }
  if (location.account !== scope.account) throw keyAccessDenied(action, named, scope);
  return kms.key(keyId, scope);
}

// KeyMetadata as DescribeKey answers it for an enabled symmetric key; keys under alias/aws/
// are AWS managed keys, the others customer managed.
function keyMetadata(key: KmsKey): object {
  const awsManaged = key.aliases.some((alias) => alias.startsWith('alias/aws/'));
  return {
    AWSAccountId: key.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: 0,
    Enabled: true,
    Description: awsManaged ? 'Default key that protects my SSM parameters when no other key is defined' : '',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: 'Enabled',
    Origin: 'AWS_KMS',
    KeyManager: awsManaged ? 'AWS' : 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
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
