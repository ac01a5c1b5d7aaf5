/**
 * Audit records and in-memory ports for the restore tests.
 *
 * SecureString ciphertexts are `cipher:<base64 of the plaintext>` here, so a test can see at
 * a glance which value a record holds while the code under test still has to decrypt it.
 */
import type { AuditRecord } from '../../../shared/audit/types.ts';
import type { ParameterType, ParameterWrite } from '../../../shared/parameters.ts';
import { canonicalName, isUnderPrefix } from '../../../shared/parameter-paths.ts';
import type {
  AuditCiphertextDecrypter,
  AuditHistory,
  CurrentParameter,
  HeldVersion,
  RestoreTarget,
  TimeWindow,
} from '../../../shared/restore/types.ts';
import { Calls } from './in-memory.ts';

export const cipher = (plaintext: string) => `cipher:${Buffer.from(plaintext).toString('base64')}`;

let eventCounter = 0;

export interface RecordOptions {
  /** Whole second of the event, ISO. */
  readonly at: string;
  readonly version?: number;
  readonly value?: string;
  readonly type?: ParameterType;
  readonly keyId?: string;
  /** The slot within the second; a put defaults to its version's, a delete to 500. */
  readonly slot?: number;
}

/** An audit put record as the auditor writes it; SecureString values are stored as ciphertext. */
export function put(name: string, options: RecordOptions): AuditRecord {
  const eventTime = Date.parse(options.at);
  const type = options.type ?? 'String';
  return {
    parameterName: name,
    time: eventTime + (options.slot ?? (options.version ?? 0) % 1000),
    action: 'PutParameter',
    user: 'alice',
    eventId: `event-${++eventCounter}`,
    eventTime,
    type,
    ...(options.value !== undefined && { value: type === 'SecureString' ? cipher(options.value) : options.value }),
    ...(options.version !== undefined && { version: options.version }),
    ...(options.keyId !== undefined && { keyId: options.keyId }),
  };
}

export function deleted(name: string, options: { at: string; slot?: number }): AuditRecord {
  const eventTime = Date.parse(options.at);
  return {
    parameterName: name,
    time: eventTime + (options.slot ?? 500),
    action: 'DeleteParameter',
    user: 'bob',
    eventId: `event-${++eventCounter}`,
    eventTime,
  };
}

/** The audit log in memory; `reads` says which question each read asked. */
export class FakeHistory implements AuditHistory {
  readonly prefixes: string[] = [];
  readonly reads: string[] = [];
  constructor(readonly records: AuditRecord[] = []) {}

  async *recordsUnder(prefix: string, window: TimeWindow = {}) {
    this.prefixes.push(prefix);
    this.reads.push(`under ${prefix}`);
    yield* this.records.filter((record) => record.parameterName.startsWith(prefix) && inWindow(record, window));
  }

  async *recordsOf(name: string) {
    this.reads.push(`of ${name}`);
    yield* this.records.filter((record) => canonicalName(record.parameterName) === canonicalName(name));
  }

  async *recordsBy(user: string, window: TimeWindow = {}) {
    this.reads.push(`by ${user}`);
    yield* this.records.filter((record) => record.user === user && inWindow(record, window));
  }
}

function inWindow(record: AuditRecord, { since, until }: TimeWindow): boolean {
  return (since === undefined || record.eventTime >= since) && (until === undefined || record.eventTime <= until);
}

interface StoredVersion extends HeldVersion {
  readonly keyId?: string;
}

/** Parameter Store with version history, a clock for LastModifiedDate, and call counts. */
export class FakeTarget implements RestoreTarget {
  readonly calls = new Calls();
  readonly writes: ParameterWrite[] = [];
  readonly deletes: string[] = [];
  now = Date.parse('2026-03-01T12:00:00Z');
  /** Names whose next write fails with this error. */
  readonly failures = new Map<string, Error>();
  /** Names that some other writer changes right after the restore writes them. */
  readonly interferers = new Set<string>();
  /** Name → the mirror it is marked as a replica of (its `figgy-events:replica-of` tag). */
  readonly marks = new Map<string, string>();
  private readonly parameters = new Map<string, StoredVersion[]>();

  set(name: string, value: string, type: ParameterType = 'String', options: { at?: string; keyId?: string } = {}): number {
    const versions = this.parameters.get(name) ?? [];
    const version = (versions.at(-1)?.version ?? 0) + 1;
    const lastModified = options.at ? Date.parse(options.at) : this.now;
    this.parameters.set(name, [...versions, { type, value, version, lastModified, keyId: options.keyId }]);
    return version;
  }

  remove(name: string): void {
    this.parameters.delete(name);
  }

  latest(name: string): StoredVersion | undefined {
    return this.parameters.get(name)?.at(-1);
  }

  async parametersUnder(prefix: string) {
    this.calls.count('parametersUnder');
    const names = [...this.parameters.keys()].filter((name) => isUnderPrefix(name, prefix));
    return this.current(names);
  }

  async readCurrent(names: readonly string[]) {
    this.calls.count('readCurrent');
    return this.current(names);
  }

  async replicaMarks(names: readonly string[]) {
    this.calls.count('replicaMarks');
    return new Map(names.flatMap((name) => (this.marks.has(name) && this.parameters.has(name) ? [[name, this.marks.get(name) as string]] : [])));
  }

  async readVersion(name: string, version: number) {
    this.calls.count('readVersion');
    const found = this.parameters.get(name)?.find((each) => each.version === version);
    return found && { type: found.type, value: found.value, version: found.version, lastModified: found.lastModified };
  }

  async write(parameter: ParameterWrite) {
    this.calls.count('write');
    const failure = this.failures.get(parameter.name);
    if (failure) throw failure;
    this.writes.push(parameter);
    const version = this.set(parameter.name, parameter.value, parameter.type, { keyId: parameter.keyId });
    if (this.interferers.has(parameter.name)) this.set(parameter.name, 'written by someone else', parameter.type);
    return version;
  }

  async delete(name: string) {
    this.calls.count('delete');
    this.deletes.push(name);
    this.parameters.delete(name);
  }

  private current(names: readonly string[]): Map<string, CurrentParameter> {
    const values = new Map<string, CurrentParameter>();
    for (const name of names) {
      const found = this.latest(name);
      if (found) values.set(name, { name, ...found });
    }
    return values;
  }
}

/** Decrypts `cipher:` values; fails for names listed in `refuse`, as KMS would without access. */
export class FakeDecrypter implements AuditCiphertextDecrypter {
  readonly decrypted: string[] = [];
  readonly refuse = new Set<string>();

  async decrypt(parameterName: string, ciphertext: string) {
    if (this.refuse.has(parameterName)) throw new Error('AccessDeniedException: not allowed to use the key');
    if (!ciphertext.startsWith('cipher:')) throw new Error(`not a test ciphertext: ${ciphertext}`);
    this.decrypted.push(parameterName);
    return Buffer.from(ciphertext.slice('cipher:'.length), 'base64').toString('utf8');
  }
}
