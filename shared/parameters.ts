/**
 * The Parameter Store port: what the domain needs from SSM, nothing more.
 */

export type ParameterType = 'String' | 'StringList' | 'SecureString';

export const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];

export interface ParameterValue {
  readonly name: string;
  readonly type: ParameterType;
  /** Plaintext when read decrypted; a SecureString read without decryption is its ciphertext. */
  readonly value: string;
  readonly version: number;
  readonly keyId?: string;
  readonly description?: string;
  /**
   * Epoch ms the version was written (SSM's LastModifiedDate, millisecond precision): what
   * tells one incarnation's version N from a later one's, and how often a name is rewritten.
   */
  readonly lastModified?: number;
}

export interface ParameterWrite {
  readonly name: string;
  readonly type: ParameterType;
  readonly value: string;
  /** Only for SecureString; absent means the account's default SSM key. */
  readonly keyId?: string;
  readonly description?: string;
}

export interface ParameterStore {
  /**
   * One version of a parameter, not decrypted: a SecureString comes back as ciphertext.
   * Undefined when the parameter or that version no longer exists.
   */
  readVersion(name: string, version: number): Promise<ParameterValue | undefined>;
  /** Latest values of many parameters, decrypted; names that do not exist are absent. */
  readDecrypted(names: readonly string[]): Promise<Map<string, ParameterValue>>;
  /** Writes a new version, overwriting; returns the version written. */
  write(parameter: ParameterWrite): Promise<number>;
  /** Which of `names` exist now (metadata only: no value is read). */
  existing(names: readonly string[]): Promise<Set<string>>;
  /** Every parameter name in the store, page by page. */
  listNames(): AsyncIterable<string>;
}
