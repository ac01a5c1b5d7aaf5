/**
 * The audit log as people question it: one parameter's history, the changes under a prefix,
 * and how a prefix differs between two moments. Values are shown, secrets never.
 */
import { canonicalName, isUnderPrefix, normalizePrefix } from '../parameter-paths.ts';
import type { ParameterType } from '../parameters.ts';
import { MASK, everSecret } from './masking.ts';
import { orderRecords, isPut } from '../restore/record-order.ts';
import { recordsByName, stateAt } from '../restore/state-at.ts';
import type { AuditHistory, StateAt, TimeWindow } from '../restore/types.ts';
import type { AuditRecord } from './types.ts';

/** One audit record as printed or serialised: no plaintext secret. */
export interface AuditEntry {
  readonly name: string;
  /** The event's time, ISO 8601 (CloudTrail's whole second). */
  readonly time: string;
  readonly action: AuditRecord['action'];
  readonly user: string;
  readonly userArn?: string;
  readonly version?: number;
  readonly type?: ParameterType;
  /** The value of that version, {@link MASK} when masked; absent when the record holds none. */
  readonly value?: string;
  readonly masked: boolean;
  /** True when the audit syncer added the record from CloudTrail's event history (a repair). */
  readonly repair?: true;
}

export type DiffStatus = 'created' | 'updated' | 'deleted' | 'unchanged' | 'unknown';

/** One side of a diff: the version in effect at that moment. */
export interface DiffSide {
  readonly type?: ParameterType;
  /** {@link MASK} when masked; absent when the audit record holds no value. */
  readonly value?: string;
  readonly version?: number;
}

/** One parameter of a diff: what it was at each moment and who changed it last. */
export interface DiffEntry {
  readonly name: string;
  readonly status: DiffStatus;
  /** At the first moment; absent when the parameter did not exist then. */
  readonly from?: DiffSide;
  /** At the second moment; absent when the parameter did not exist then. */
  readonly to?: DiffSide;
  /** The last change up to the second moment. */
  readonly lastChange?: {
    readonly time: string;
    readonly user: string;
    readonly userArn?: string;
    readonly action: AuditRecord['action'];
    /** True when the audit syncer added its record from CloudTrail's event history. */
    readonly repair?: true;
  };
  /** Why the status is unknown. */
  readonly reason?: string;
  readonly masked: boolean;
}

export type DiffSummary = Readonly<Record<DiffStatus, number>>;

export interface LogRequest {
  /** A parameter path, see `normalizePrefix`. */
  readonly prefix: string;
  readonly window?: TimeWindow;
  /** Only this user's changes, read through the user index. */
  readonly user?: string;
}

export interface DiffRequest {
  readonly prefix: string;
  /** Epoch ms. */
  readonly from: number;
  /** Epoch ms, after `from`. */
  readonly to: number;
}

/**
 * Answers the audit commands from the audit log alone: no Parameter Store call, no decryption.
 *
 * Each question reads only its records: one name by its key, a prefix by its index (and
 * only up to the moment a diff needs), one user by the user index. A parameter that was ever
 * a SecureString has every value masked, in every answer ({@link everSecret}): names the
 * records read do not already show to be one are looked up by their key, one Query each.
 *
 * @example
 * const reader = new AuditReader(auditLog);
 * const entries = await reader.history('/app/db/password'); // newest first, values masked
 */
export class AuditReader {
  constructor(private readonly records: AuditHistory) {}

  /** Every change of one parameter, newest first. */
  async history(name: string): Promise<AuditEntry[]> {
    const records: AuditRecord[] = [];
    for await (const record of this.records.recordsOf(name)) records.push(record);
    // Every record of the name: its whole history is at hand.
    const secret = await everSecret(this.records, [name], new Map([[canonicalName(name), records]]), true);
    return orderRecords(records)
      .map((record) => entryOf(record, secret.has(canonicalName(name))))
      .reverse();
  }

  /**
   * How many records lie below `path` (under it, the path itself not counted), and of how many
   * names: what a reader who took a prefix for a parameter name is pointed to.
   */
  async countBelow(path: string): Promise<{ readonly records: number; readonly names: number }> {
    const prefix = normalizePrefix(path);
    const names = new Set<string>();
    let records = 0;
    for await (const record of this.records.recordsUnder(prefix, {})) {
      const name = canonicalName(record.parameterName);
      if (name === prefix || !isUnderPrefix(name, prefix)) continue;
      records++;
      names.add(name);
    }
    return { records, names: names.size };
  }

  /** Every change under a prefix within the window, oldest first, across names. */
  async log(request: LogRequest): Promise<AuditEntry[]> {
    const prefix = normalizePrefix(request.prefix);
    const source =
      request.user === undefined ? this.records.recordsUnder(prefix, request.window) : this.records.recordsBy(request.user, request.window);
    const byName = await recordsByName(source);
    for (const name of byName.keys()) if (!isUnderPrefix(name, prefix)) byName.delete(name);
    const ordered: { record: AuditRecord; name: string; position: number }[] = [];
    for (const [name, records] of byName) {
      orderRecords(records).forEach((record, position) => ordered.push({ record, name, position }));
    }
    // Seconds order names against each other; within one name its own order holds.
    ordered.sort(
      (a, b) =>
        Math.floor(a.record.eventTime / 1000) - Math.floor(b.record.eventTime / 1000) ||
        a.name.localeCompare(b.name) ||
        a.position - b.position,
    );
    // A window or a user shows part of each history; secrecy is a fact of the whole.
    const secret = await everSecret(this.records, byName.keys(), byName);
    return ordered.map(({ record, name }) => entryOf(record, secret.has(name)));
  }

  /** Per parameter under the prefix: what it was at `from` and at `to`, and the change between. */
  async diff(request: DiffRequest): Promise<DiffEntry[]> {
    if (request.to < request.from) {
      throw new RangeError(`to: ${new Date(request.to).toISOString()} is before from (${new Date(request.from).toISOString()})`);
    }
    const prefix = normalizePrefix(request.prefix);
    // Nothing after the second moment changes either side.
    const byName = await recordsByName(this.records.recordsUnder(prefix, { until: request.to }));
    for (const name of byName.keys()) if (!isUnderPrefix(name, prefix)) byName.delete(name);
    // Records after the second moment are not read, but a SecureString there masks the name too.
    const secret = await everSecret(this.records, byName.keys(), byName);
    const entries: DiffEntry[] = [];
    for (const name of [...byName.keys()].sort()) {
      const entry = diffOf(name, byName.get(name) ?? [], request, secret.has(name));
      if (entry) entries.push(entry);
    }
    return entries;
  }
}

/**
 * How many parameters have each status.
 *
 * @example
 * diffSummary(entries).updated; // 2
 */
export function diffSummary(entries: readonly DiffEntry[]): DiffSummary {
  const summary = { created: 0, updated: 0, deleted: 0, unchanged: 0, unknown: 0 };
  for (const entry of entries) summary[entry.status]++;
  return summary;
}

function diffOf(name: string, records: readonly AuditRecord[], request: DiffRequest, masked: boolean): DiffEntry | undefined {
  const ordered = orderRecords(records);
  const before = stateAt(ordered, request.from);
  const after = stateAt(ordered, request.to);
  const last = ordered.filter((record) => record.eventTime <= request.to).at(-1);
  const lastChange = last && {
    time: new Date(last.eventTime).toISOString(),
    user: last.user,
    ...(last.userArn !== undefined && { userArn: last.userArn }),
    action: last.action,
    ...(last.repair === true && { repair: true as const }),
  };
  const side = (state: StateAt) => (state.kind === 'present' ? sideOf(state.record, masked) : undefined);
  const common = { name, masked, ...(side(before) && { from: side(before) }), ...(side(after) && { to: side(after) }), ...(lastChange && { lastChange }) };
  const unknown = [before, after].find((state) => state.kind === 'unknown');
  if (unknown?.kind === 'unknown') return { ...common, status: 'unknown', reason: unknown.reason };
  const existed = before.kind === 'present';
  const exists = after.kind === 'present';
  // Neither moment saw it (it came and went between them, or never was): nothing to compare.
  if (!existed && !exists) return undefined;
  if (!existed) return { ...common, status: 'created' };
  if (!exists) return { ...common, status: 'deleted' };
  const same = before.kind === 'present' && after.kind === 'present' && before.record.eventId === after.record.eventId;
  return { ...common, status: same ? 'unchanged' : 'updated' };
}

function entryOf(record: AuditRecord, masked: boolean): AuditEntry {
  return {
    name: canonicalName(record.parameterName),
    time: new Date(record.eventTime).toISOString(),
    action: record.action,
    user: record.user,
    ...(record.userArn !== undefined && { userArn: record.userArn }),
    ...(record.version !== undefined && { version: record.version }),
    ...(record.type !== undefined && { type: record.type }),
    ...(isPut(record) && record.value !== undefined && { value: masked ? MASK : record.value }),
    masked,
    ...(record.repair === true && { repair: true as const }),
  };
}

function sideOf(record: AuditRecord, masked: boolean): DiffSide {
  return {
    ...(record.type !== undefined && { type: record.type }),
    ...(record.value !== undefined && { value: masked ? MASK : record.value }),
    ...(record.version !== undefined && { version: record.version }),
  };
}
