import type { ParameterType } from '../parameters.ts';
import type { ParameterChange } from '../events/types.ts';

/**
 * One row of the audit log (the event store), in domain terms. The Dynamo adapter maps it
 * to the Figgy table contract (`parameter_name`, `time`, `action`, `user`, ...).
 */
export interface AuditRecord {
  readonly parameterName: string;
  /** Sort key, epoch ms: the event's second plus a slot that keeps two events apart. */
  readonly time: number;
  readonly action: ParameterChange['action'];
  readonly user: string;
  readonly userArn?: string;
  readonly eventId: string;
  /** CloudTrail's own event time (whole seconds), kept apart from the slotted key. */
  readonly eventTime: number;
  /** Put records only: the value of that version, ciphertext for a SecureString. */
  readonly value?: string;
  readonly type?: ParameterType;
  readonly keyId?: string;
  readonly description?: string;
  readonly version?: number;
  /**
   * Put records only: epoch ms at which Parameter Store wrote that version, when the auditor
   * read it. Millisecond precision where CloudTrail has seconds, so it orders a second's puts.
   */
  readonly modifiedAt?: number;
  /**
   * True when the audit syncer wrote the record from CloudTrail's event history: the event never
   * reached the auditor (or came before the install). Absent on the auditor's own records.
   */
  readonly repair?: true;
}

export interface AuditLog {
  /** Records of one parameter with `from <= time <= to`, in time order. */
  recordsBetween(parameterName: string, from: number, to: number): Promise<AuditRecord[]>;
  /** Writes the record unless its key is taken; false when it is. */
  insert(record: AuditRecord): Promise<boolean>;
}
