/**
 * The value a parameter had at a point in time, decrypted, and where it was found.
 */
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
 *
 * @example
 * const resolution = await resolveValueAt('/app/db/password', state, { versions: target, decrypter });
 * if (resolution.resolved) console.log(resolution.value.source); // never log the value
 */
export async function resolveValueAt(
  name: string,
  state: Extract<StateAt, { kind: 'present' }>,
  sources: ValueSources,
): Promise<ValueResolution> {
  const { record } = state;
  const base = { keyId: record.keyId, version: record.version, changedAt: record.eventTime };
  if (record.value !== undefined && record.type !== undefined && record.type !== 'SecureString') {
    return { resolved: true, value: { ...base, type: record.type, value: record.value, source: 'audit-log' } };
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
        ? sameWriteProblem(held, record)
        : `SSM no longer holds version ${record.version} (it keeps the latest 100)`;
      if (held && historyProblem === undefined) {
        return { resolved: true, value: { ...base, type: held.type, value: held.value, source: 'ssm-history' } };
      }
    } catch (error) {
      historyProblem = `reading version ${record.version} from SSM failed: ${messageOf(error)}`;
    }
  }

  if (record.type === 'SecureString' && record.value !== undefined) {
    try {
      const value = await sources.decrypter.decrypt(name, record.value);
      return { resolved: true, value: { ...base, type: 'SecureString', value, source: 'audit-ciphertext' } };
    } catch (error) {
      return {
        resolved: false,
        reason: `value at T unavailable: ${historyProblem}; decrypting the audit ciphertext failed: ${messageOf(error)}`,
      };
    }
  }
  return {
    resolved: false,
    reason: `value at T unavailable: the audit record holds no value${record.type === undefined ? ' or type' : ''} and ${historyProblem}`,
  };
}
