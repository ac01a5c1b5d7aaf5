/**
 * Which parameters' values are masked, wherever a value is printed or serialised: the one rule
 * the audit commands and the restore plan share.
 */
import { mapBounded } from '../concurrency.ts';
import type { ParameterType } from '../parameters.ts';
import { canonicalName } from '../parameter-paths.ts';
import { isPut } from '../restore/record-order.ts';
import type { AuditHistory } from '../restore/types.ts';
import type { AuditRecord } from './types.ts';

/** What a masked value reads as; the same for every secret, so nothing about it shows. */
export const MASK = '********';

/** Names whose whole history is looked up at once; each is one Query of the table's own key. */
const LOOKUPS_IN_FLIGHT = 8;

/**
 * Whether a value of this type is a secret by itself.
 *
 * @example
 * isSecretType('SecureString'); // true
 */
export function isSecretType(type: ParameterType | undefined): boolean {
  return type === 'SecureString';
}

/**
 * Whether one audit record makes its parameter a secret for good: a SecureString version, or
 * a put whose type was not recorded (it may have been one, and unsure means masked).
 *
 * @example
 * marksSecret(record); // true for a SecureString put
 */
export function marksSecret(record: AuditRecord): boolean {
  return isPut(record) && (record.type === undefined || isSecretType(record.type));
}

/**
 * The names among `names` that were ever a SecureString, judged by each one's whole audit
 * history, never by the records one question happened to read: a secret moved into a
 * SecureString was often a String just before (and one moved out of it, or deleted and
 * created again as a String, may still hold it), so a window, a user or a moment that sees
 * only the String must mask it all the same.
 *
 * `seen` holds the records a question already read, by canonical name: a name with a secret
 * among them needs no other read. Unless `seenWhole` says those are each name's every record,
 * the others are looked up by their key (both spellings of a root-level name), stopping at the
 * first record that marks them. A failed look-up fails the question: nothing is shown unmasked
 * for want of an answer.
 *
 * The rule rests on the audit table keeping every record (it has no TTL, and deletion
 * protection and point-in-time recovery are on): records removed by hand take their evidence
 * with them.
 *
 * @example
 * const secret = await everSecret(auditLog, ['/app/db/password'], byName);
 * secret.has('/app/db/password'); // true if any of its records is a SecureString
 */
export async function everSecret(
  history: Pick<AuditHistory, 'recordsOf'>,
  names: Iterable<string>,
  seen: ReadonlyMap<string, readonly AuditRecord[]> = new Map(),
  seenWhole = false,
): Promise<ReadonlySet<string>> {
  const secret = new Set<string>();
  const unknown: string[] = [];
  for (const name of new Set([...names].map(canonicalName))) {
    const records = seen.get(name);
    if (records?.some(marksSecret)) secret.add(name);
    else if (!(seenWhole && records)) unknown.push(name);
  }
  const found = await mapBounded(unknown, LOOKUPS_IN_FLIGHT, async (name) => {
    for await (const record of history.recordsOf(name)) if (marksSecret(record)) return true;
    return false;
  });
  unknown.forEach((name, index) => {
    if (found[index]) secret.add(name);
  });
  return secret;
}
