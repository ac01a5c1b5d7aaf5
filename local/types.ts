import type { FunctionName } from '../shared/functions.ts';

/** What an on-failure destination receives: the payload, who failed, and why. */
export interface DeadLetter {
  readonly source: 'event-rule' | 'replication-stream';
  readonly functionName: FunctionName;
  /** The EventBridge event, or the stream records that kept failing. */
  readonly payload: unknown;
  readonly error: string;
  readonly attempts: number;
}
