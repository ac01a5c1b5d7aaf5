/**
 * CloudTrail's event history, as the audit syncer reads it: the port its adapter implements.
 */
import { FiggyEventsError } from '../errors.ts';
import type { SsmEventName } from '../events/pattern.ts';

/** One lookup: the events of one name within a window of time. */
export interface HistoryQuery {
  readonly eventName: SsmEventName;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, inclusive. */
  readonly to: number;
}

/** One event as the history lists it. */
export interface HistoryEvent {
  readonly eventId: string;
  /** Epoch ms (whole seconds, as CloudTrail keeps them). */
  readonly eventTime: number;
  /** The CloudTrail record, as JSON-parsed from the history's `CloudTrailEvent`. */
  readonly record: unknown;
}

export interface HistoryPage {
  /** Newest first, as CloudTrail returns them. */
  readonly events: readonly HistoryEvent[];
  /** The token of the next (older) page; absent after the last. */
  readonly next?: string;
}

export interface EventHistory {
  /**
   * One page of the query's events, newest first; `token` continues an earlier page of the
   * same query.
   *
   * @throws {@link HistoryTokenRejectedError} when the history no longer accepts `token`.
   */
  page(query: HistoryQuery, token?: string): Promise<HistoryPage>;
}

/** CloudTrail refused a saved NextToken: the pass looks up again from the oldest event it reached. */
export class HistoryTokenRejectedError extends FiggyEventsError {
  readonly retryable = true;
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`CloudTrail no longer accepts the saved NextToken (${reason}); looking up again from the oldest event reached`, options);
    this.name = 'HistoryTokenRejectedError';
  }
}
