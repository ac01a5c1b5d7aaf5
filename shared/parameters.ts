/**
 * The Parameter Store port: what the domain needs from SSM, nothing more.
 */
import { FiggyEventsError } from './errors.ts';

/** The types Parameter Store gives a parameter. */
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
  /**
   * One page of every parameter name in the store, and the token of the next page (absent
   * after the last). A caller may save the token and ask for the next page much later.
   *
   * @throws {@link ListingTokenRejectedError} when the store no longer accepts `token`.
   */
  listNamesPage(token?: string): Promise<NamesPage>;
}

/** A page of a listing; `next` asks for the page after it. */
export interface NamesPage {
  readonly names: readonly string[];
  readonly next?: string;
}

/**
 * Parameter Store refused a saved listing token (SSM's `InvalidNextToken`): its tokens expire,
 * so one saved by an earlier invocation may no longer be accepted. Listing again from the
 * first page helps; the same token never will.
 */
export class ListingTokenRejectedError extends FiggyEventsError {
  readonly retryable = true;
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`Parameter Store no longer accepts the listing's saved NextToken (${reason}); list again from the first page`, options);
    this.name = 'ListingTokenRejectedError';
  }
}

/**
 * A Parameter Store port whose read calls can wait their turn: background work paces its reads
 * by the calls the adapter makes (batches of names, pages of a listing), which only the adapter
 * knows.
 */
export interface PaceableReads<Store> {
  /** This store, awaiting `turn()` before each read call it sends to Parameter Store. */
  withReadTurns(turn: () => Promise<void>): Store;
}
