/**
 * The value a parameter had at a point in time, decrypted, and where it was found.
 */
import type { AuditRecord } from '../audit/types.ts';
import { messageOf } from '../log.ts';
import { sameWriteProblem } from '../parameter-versions.ts';
import type { AuditCiphertextDecrypter, RestoreTarget, StateAt, ValueAt } from './types.ts';

export interface ValueSources {
  /** Parameter Store's own version history. */
  readonly versions: Pick<RestoreTarget, 'readVersion'>;
  readonly decrypter: AuditCiphertextDecrypter;
}

export type ValueResolution =
  | { readonly resolved: true; readonly value: ValueAt }
  | { readonly resolved: false; readonly reason: string };

/**
 * Resolves the value of the put record in effect at T.
 *
 * - String and StringList: the audit record holds the plaintext of exactly that version (the
 *   auditor read `name:version`), so it is used as is: no call, and it survives deletes.
 * - SecureString: first Parameter Store's own history, `name:version` decrypted by SSM, which
 *   needs no direct KMS permission and also works for advanced-tier (envelope-encrypted)
 *   values. Version numbers restart at 1 when a parameter is deleted and re-created, so
 *   `name:version` is only asked when the log shows no delete after the record, and the
 *   answer is only taken when its LastModifiedDate is that record's second. Otherwise the
 *   audit ciphertext is decrypted with KMS under the parameter's ARN as encryption context.
 * - A record written without its value (SSM had already dropped it) falls back to SSM's
 *   history on the same conditions.
 * - Every value, whichever its source, must be the record's own write by `sameWriteProblem`
 *   over the parameter's `history` (its audit records): a value an older auditor read after a
 *   quick delete and re-creation, or a version another record claims, is not used.
 *
 * @example
 * const resolution = await resolveValueAt('/app/db/password', state, { versions: target, decrypter }, records);
 * if (resolution.resolved) console.log(resolution.value.source); // never log the value
 */
export async function resolveValueAt(
  name: string,
  state: Extract<StateAt, { kind: 'present' }>,
  sources: ValueSources,
  history: readonly AuditRecord[],
): Promise<ValueResolution> {
  const { record } = state;
  const base = { keyId: record.keyId, version: record.version, changedAt: record.eventTime };
  // The auditor kept the time SSM wrote the version it read: the log may show since that it
  // read another event's write. Figgy's own records carry no such time and are taken as before.
  const recordedProblem =
    record.value !== undefined && record.type !== undefined && record.version !== undefined && record.modifiedAt !== undefined
      ? sameWriteProblem({ version: record.version, type: record.type, lastModified: record.modifiedAt }, record, history)
      : undefined;
  const recordedValue = recordedProblem === undefined ? record.value : undefined;
  if (recordedValue !== undefined && record.type !== undefined && record.type !== 'SecureString') {
    return { resolved: true, value: { ...base, type: record.type, value: recordedValue, source: 'audit-log' } };
  }

  let historyProblem: string | undefined;
  if (state.deletedAfter) {
    historyProblem = 'it was deleted since, so SSM no longer holds that incarnation';
  } else if (record.version === undefined) {
    historyProblem = 'its audit record has no version to ask SSM for';
  } else {
    try {
      const held = await sources.versions.readVersion(name, record.version);
      historyProblem = held
        ? sameWriteProblem(held, record, history)
        : `SSM no longer holds version ${record.version} (it keeps the latest 100)`;
      if (held && historyProblem === undefined) {
        return { resolved: true, value: { ...base, type: held.type, value: held.value, source: 'ssm-history' } };
      }
    } catch (error) {
      historyProblem = `reading version ${record.version} from SSM failed: ${messageOf(error)}`;
    }
  }

  if (record.type === 'SecureString' && recordedValue !== undefined) {
    try {
      const value = await sources.decrypter.decrypt(name, recordedValue);
      return { resolved: true, value: { ...base, type: 'SecureString', value, source: 'audit-ciphertext' } };
    } catch (error) {
      return {
        resolved: false,
        reason: `value at T unavailable: ${historyProblem}; decrypting the audit ciphertext failed: ${messageOf(error)}`,
      };
    }
  }
  const recorded =
    recordedProblem === undefined
      ? `the audit record holds no value${record.type === undefined ? ' or type' : ''}`
      : `the audit record's value may not be its own write (${recordedProblem})`;
  return { resolved: false, reason: `value at T unavailable: ${recorded} and ${historyProblem}` };
}
