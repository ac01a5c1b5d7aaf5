/**
 * The audit rule: one record per changed parameter, exactly once per event.
 */
import { isUnderPrefixes } from '../parameter-paths.ts';
import { sameWriteProblem } from '../parameter-versions.ts';
import { isPut, secondOf } from '../restore/record-order.ts';
import type { ParameterChange, ParameterPut } from '../events/types.ts';
import type { Log } from '../log.ts';
import { NO_METRICS, type MetricSink } from '../metrics.ts';
import type { ParameterStore } from '../parameters.ts';
import { isFiggyRecord, type AuditLog, type AuditRecord } from './types.ts';
import { ContentionError, UnprocessableInputError } from '../errors.ts';

export type AuditOutcome = 'recorded' | 'duplicate' | 'outside-namespaces';

export interface AuditorDependencies {
  readonly auditLog: AuditLog;
  readonly parameters: ParameterStore;
  /** Prefixes as returned by `parsePrefixes`; names elsewhere are not audited. */
  readonly namespaces: readonly string[];
  readonly log: Log;
  /** Counts records written without their value, by reason; by default nothing is counted. */
  readonly metrics?: MetricSink;
}

/** Why a put's record holds no value: the classes of `AuditRecordsWithoutValue`. */
export type MissingValueReason = 'no-version' | 'version-gone' | 'not-this-write';

const SLOTS_PER_SECOND = 1000;
/** Concurrent auditors of one parameter can race for a slot; a few rounds always settle it. */
const MAX_ATTEMPTS = 5;

/**
 * Appends audit records: the event store that restore and replay read.
 *
 * The key is the event's second plus a millisecond slot, so two changes in one second never
 * share a key: a put takes the slot of its version (so same-second puts sort by version), a
 * delete the slot after everything already recorded in that second. A retried or duplicated
 * event finds its own `event_id` in that second and writes nothing.
 *
 * @example
 * const auditor = new Auditor({ auditLog, parameters, namespaces: ['/'], log });
 * await auditor.record(change);
 */
export class Auditor {
  constructor(private readonly deps: AuditorDependencies) {}

  /**
   * @param how `repair: true` when the change comes from CloudTrail's event history rather than
   *   its event (the audit syncer): the record says so, and is otherwise the same.
   */
  async record(change: ParameterChange, how: { readonly repair?: boolean } = {}): Promise<AuditOutcome> {
    const fields = { parameter_name: change.name, event_id: change.eventId };
    if (!isUnderPrefixes(change.name, this.deps.namespaces)) {
      this.deps.log.debug('not audited: outside the audited namespaces', fields);
      return 'outside-namespaces';
    }
    const second = change.eventTime - (change.eventTime % SLOTS_PER_SECOND);
    let content: { record: Partial<AuditRecord>; missing?: MissingValueReason } | undefined;

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // From the event's second on: that second's slots, and what the log already says
      // happened after the event (normally nothing more, unless the event comes late).
      const logged = await this.deps.auditLog.recordsBetween(change.name, second, Number.MAX_SAFE_INTEGER);
      const recorded = logged.filter((record) => record.time < second + SLOTS_PER_SECOND);
      if (recorded.some((record) => record.eventId === change.eventId) || (how.repair === true && logged.some((record) => figgyRecorded(record, change)))) {
        this.deps.log.info('already recorded', fields);
        return 'duplicate';
      }
      // Read only once the event is known to be new: duplicates must not spend Parameter
      // Store's read budget, which the whole account shares.
      content ??= change.kind === 'put' ? await this.putContent(change, logged) : { record: {} };
      const time = second + freeSlot(change, recorded.map((record) => record.time - second));
      const record: AuditRecord = {
        parameterName: change.name,
        time,
        action: change.action,
        user: change.author.name,
        userArn: change.author.arn,
        eventId: change.eventId,
        eventTime: change.eventTime,
        ...content.record,
        ...(how.repair === true && { repair: true as const }),
      };
      if (await this.deps.auditLog.insert(record)) {
        this.deps.log.info(how.repair === true ? 'recorded from the event history' : 'recorded', { ...fields, action: change.action, time });
        if (content.missing) (this.deps.metrics ?? NO_METRICS).add('AuditRecordsWithoutValue', 1, content.missing);
        return 'recorded';
      }
    }
    throw new ContentionError(`audit of ${change.name} (event ${change.eventId}) lost the race for a slot ${MAX_ATTEMPTS} times`);
  }

  /**
   * What a put record holds: the value of exactly that version, read without decryption, so
   * a SecureString is stored as SSM's ciphertext and its plaintext never reaches the table.
   */
  private async putContent(
    change: ParameterPut,
    logged: readonly AuditRecord[],
  ): Promise<{ record: Partial<AuditRecord>; missing?: MissingValueReason }> {
    const fields = { parameter_name: change.name, event_id: change.eventId, version: change.version };
    const described = { type: change.type, keyId: change.keyId, description: change.description };
    if (change.version === undefined) {
      // Reading the latest version instead would pin a later write's value on this event.
      this.deps.log.warn('the event names no version; recorded without a value', fields);
      return { record: described, missing: 'no-version' };
    }
    const read = await this.deps.parameters.readVersion(change.name, change.version);
    if (!read) {
      // Gone already (deleted, or pushed out of SSM's 100 versions): the record still says who
      // wrote what type when; only the value is lost.
      this.deps.log.warn('value of this version is no longer in Parameter Store; recorded without it', fields);
      return { record: { ...described, version: change.version }, missing: 'version-gone' };
    }
    // An event handled late (retries, a dead-letter redrive) may find the parameter deleted and
    // created again up to this version number: that value was never this event's. A delete in
    // the event's own second came before this write or after it; only what the parameter was
    // before that second tells, so then the whole history is read (rare: both in one second).
    const sharedSecond = logged.some((record) => !isPut(record) && secondOf(record) === secondOf(change));
    const history = sharedSecond ? await this.deps.auditLog.recordsBetween(change.name, 0, Number.MAX_SAFE_INTEGER) : logged;
    const otherWrite = sameWriteProblem(read, change, history);
    if (otherWrite) {
      this.deps.log.warn('the version in Parameter Store is not this event\'s write; recorded without a value', {
        ...fields,
        reason: otherWrite,
      });
      return { record: { ...described, version: change.version }, missing: 'not-this-write' };
    }
    return {
      record: {
        value: read.value,
        type: read.type,
        keyId: read.keyId ?? change.keyId,
        description: change.description ?? read.description,
        version: change.version,
        modifiedAt: read.lastModified,
      },
    };
  }
}

/**
 * How long after an event Figgy's own auditor may have written its record of it: Figgy keeps
 * no event id, and keys the record by the time its function ran, normally within seconds.
 */
const FIGGY_LAG_MS = 60_000;

/**
 * True when `record` is Figgy's own record of `change`: a put of the same version, or a delete,
 * written within {@link FIGGY_LAG_MS} of the event's second. Only the audit syncer asks:
 * its first pass imports months of history that a table adopted from Figgy already holds,
 * and would otherwise record each of those changes a second time.
 */
function figgyRecorded(record: AuditRecord, change: ParameterChange): boolean {
  // A delete by either call: Figgy's auditor names the action as it chooses.
  if (!isFiggyRecord(record) || isPut(record) !== (change.kind === 'put')) return false;
  const second = change.eventTime - (change.eventTime % SLOTS_PER_SECOND);
  if (record.time < second || record.time > second + SLOTS_PER_SECOND + FIGGY_LAG_MS) return false;
  return change.kind !== 'put' || change.version === undefined || record.version === undefined || record.version === change.version;
}

/** The slot (0..999) this change takes within its second, given the slots already taken. */
function freeSlot(change: ParameterChange, taken: readonly number[]): number {
  const used = new Set(taken);
  const preferred =
    change.kind === 'put' && change.version !== undefined
      ? change.version % SLOTS_PER_SECOND
      : taken.length === 0
        ? 0
        : Math.max(...taken) + 1;
  for (let offset = 0; offset < SLOTS_PER_SECOND; offset++) {
    const slot = (preferred + offset) % SLOTS_PER_SECOND;
    if (!used.has(slot)) return slot;
  }
  throw new UnprocessableInputError(`more than ${SLOTS_PER_SECOND} audit records for ${change.name} in one second`);
}
