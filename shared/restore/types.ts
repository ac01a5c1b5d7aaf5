import type { AuditRecord } from '../audit/types.ts';
import type { ParameterType, ParameterWrite } from '../parameters.ts';

/** Event times from `since` to `until`, epoch ms, both included; an absent end is open. */
export interface TimeWindow {
  readonly since?: number;
  readonly until?: number;
}

/**
 * The audit log as restore, replay and the audit commands read it, records in any order.
 * Each method reads only what its question needs where the store can (an index), and
 * records outside the window are never returned.
 */
export interface AuditHistory {
  /**
   * At least every record of every parameter under the path `prefix` (`''` or `/` for all);
   * it may add records of names that merely start with it, so callers keep those
   * `isUnderPrefix` accepts.
   */
  recordsUnder(prefix: string, window?: TimeWindow): AsyncIterable<AuditRecord>;
  /** Every record of one parameter, under both spellings of a root-level name. */
  recordsOf(name: string): AsyncIterable<AuditRecord>;
  /** Every record of the changes one user made (the audit record's `user`). */
  recordsBy(user: string, window?: TimeWindow): AsyncIterable<AuditRecord>;
}

/**
 * What one parameter was at a moment, judged from its audit records alone.
 *
 * - `present`: the put record in effect. `deletedAfter` says a delete follows it in the log,
 *   so the version numbers Parameter Store holds now belong to a later incarnation.
 * - `absent`: deleted by then, or not yet created (its history starts with version 1 later).
 * - `unknown`: the log cannot tell, e.g. it began after the parameter was created.
 * - `untracked`: no record at all.
 */
export type StateAt =
  | { readonly kind: 'present'; readonly record: AuditRecord; readonly deletedAfter: boolean }
  | { readonly kind: 'absent'; readonly deletedBy?: AuditRecord }
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'untracked' };

/** Where a restored value came from; shown in the plan so a reviewer knows what to trust. */
export type ValueSource = 'audit-log' | 'ssm-history' | 'audit-ciphertext';

/** A value to restore, decrypted. */
export interface ValueAt {
  readonly type: ParameterType;
  /** Plaintext, SecureStrings included: never log it, never print it unmasked. */
  readonly value: string;
  /** The KMS key the value was written with; absent means the account's default SSM key. */
  readonly keyId?: string;
  readonly version?: number;
  /** Epoch ms of the change that wrote it (second precision). */
  readonly changedAt: number;
  readonly source: ValueSource;
}

/** What a parameter should be after the restore, with its value already resolved. */
export type DesiredState =
  | { readonly kind: 'present'; readonly value: ValueAt }
  | { readonly kind: 'absent'; readonly deletedAt?: number }
  /** It cannot be restored: the state or the value at T is not known. */
  | { readonly kind: 'unresolved'; readonly reason: string }
  | { readonly kind: 'untracked' };

/** A parameter as Parameter Store holds it now, decrypted. */
export interface CurrentParameter {
  readonly name: string;
  readonly type: ParameterType;
  /** Plaintext, SecureStrings included. */
  readonly value: string;
  readonly version: number;
  readonly keyId?: string;
  /** Epoch ms, when Parameter Store reports it. */
  readonly lastModified?: number;
}

/** One version from Parameter Store's own history, decrypted by SSM. */
export interface HeldVersion {
  readonly type: ParameterType;
  readonly value: string;
  readonly version: number;
  /** Epoch ms the version was written; what tells two incarnations' version N apart. */
  readonly lastModified?: number;
}

/** Parameter Store as restore needs it. */
export interface RestoreTarget {
  /** Every parameter under `prefix` now (see `isUnderPrefix`), with decrypted values. */
  parametersUnder(prefix: string): Promise<Map<string, CurrentParameter>>;
  /** Latest values of `names`, decrypted; names that do not exist are absent. */
  readCurrent(names: readonly string[]): Promise<Map<string, CurrentParameter>>;
  /**
   * The mirror each of `names` is marked as a replica of (its `figgy-events:replica-of` tag);
   * names without the mark are absent.
   */
  replicaMarks(names: readonly string[]): Promise<Map<string, string>>;
  /** `name:version` decrypted by SSM; undefined when SSM no longer holds it. */
  readVersion(name: string, version: number): Promise<HeldVersion | undefined>;
  /** Writes a new version with Overwrite; returns the version written. */
  write(parameter: ParameterWrite): Promise<number>;
  /** Deletes the parameter; one already gone is not an error. */
  delete(name: string): Promise<void>;
}

/** Decrypts a SecureString ciphertext kept in the audit log, for the parameter it was written to. */
export interface AuditCiphertextDecrypter {
  decrypt(parameterName: string, ciphertext: string): Promise<string>;
}

export type RestoreAction = 'create' | 'update' | 'delete' | 'unchanged' | 'skipped';

/** Why a parameter is skipped: the first two are intended, the others mean it cannot be restored. */
export type SkipKind = 'replication-destination' | 'created-after' | 'untracked' | 'unresolved';

/** One parameter of a plan, plaintext included: the plan itself, never printed as is. */
export interface RestoreStep {
  readonly name: string;
  readonly action: RestoreAction;
  readonly skip?: SkipKind;
  readonly reason?: string;
  readonly now?: CurrentParameter;
  readonly atT?: ValueAt;
}

export interface RestorePlan {
  /** The normalised prefix (see `normalizePrefix`) the plan writes under. */
  readonly prefix: string;
  /** A clone's source prefix; absent for a restore in place. */
  readonly from?: string;
  /** Epoch ms of the point in time. */
  readonly at: number;
  readonly steps: readonly RestoreStep[];
  /**
   * The names planned (destination names in a clone) that were ever a SecureString, here or in
   * the clone's source: their values are masked wherever the plan is shown (`planEntries`).
   */
  readonly secrets: ReadonlySet<string>;
}

/** A value as a plan shows it: SecureStrings masked. */
export interface ShownValue {
  readonly type: ParameterType;
  readonly value: string;
  readonly version?: number;
}

/** One line of a plan as printed or serialised: no plaintext secret. */
export interface PlanEntry {
  readonly name: string;
  readonly action: RestoreAction;
  readonly reason?: string;
  /** True when the parameter cannot be restored (its state or value at T is unknown). */
  readonly unresolved?: boolean;
  /** Now. */
  readonly from?: ShownValue;
  /** At T. */
  readonly to?: ShownValue & { readonly changedAt: string; readonly source: ValueSource };
  /** True when values were masked: the parameter is, or ever was, a SecureString. */
  readonly masked: boolean;
}

export type PlanSummary = Readonly<Record<RestoreAction | 'unresolved', number>>;

/** What `--apply` did. */
export interface ApplyReport {
  readonly written: number;
  readonly deleted: number;
  readonly failed: readonly { readonly name: string; readonly error: string }[];
  /** Parameters whose re-read value differs from the plan's: the restore did not hold. */
  readonly mismatches: readonly { readonly name: string; readonly reason: string }[];
  /** Changes not started because the apply was interrupted; absent when it ran to the end. */
  readonly notStarted?: number;
}

/** Progress of an apply, one call per parameter handled. */
export type ApplyProgress = (progress: {
  readonly done: number;
  readonly total: number;
  readonly name: string;
  readonly action: RestoreAction;
}) => void;
