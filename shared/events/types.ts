import type { ParameterType } from '../parameters.ts';
import type { SsmEventName } from './pattern.ts';

/** Who made a change, as CloudTrail identifies them. */
export interface ChangeAuthor {
  /** Assumed-role session name, IAM user name, `root`, or the invoking service. */
  readonly name: string;
  /** The full identity ARN when CloudTrail gives one. */
  readonly arn?: string;
}

interface ChangeBase {
  /** CloudTrail's event id: the idempotency key of every handler. */
  readonly eventId: string;
  /** Epoch ms; CloudTrail's eventTime has second precision, so this is a whole second. */
  readonly eventTime: number;
  readonly name: string;
  readonly author: ChangeAuthor;
  readonly account: string;
  readonly region: string;
}

export interface ParameterPut extends ChangeBase {
  readonly kind: 'put';
  readonly action: 'PutParameter';
  readonly type?: ParameterType;
  readonly keyId?: string;
  readonly description?: string;
  /** The version SSM wrote; absent only in events that lack responseElements. */
  readonly version?: number;
}

export interface ParameterDelete extends ChangeBase {
  readonly kind: 'delete';
  readonly action: Exclude<SsmEventName, 'PutParameter'>;
}

/** One parameter changed by one SSM call: the unit every handler works on. */
export type ParameterChange = ParameterPut | ParameterDelete;
