/**
 * The base of the errors figgy-events raises on purpose, so a caller can tell them from the
 * unexpected and knows whether trying again can help.
 */
export abstract class FiggyEventsError extends Error {
  /**
   * True when the same call may succeed later (a race lost, a limit hit); false when the
   * input or the configuration must change first.
   */
  abstract readonly retryable: boolean;
}

/**
 * An optimistic write that lost to concurrent writers every time it tried. Nothing is wrong
 * with the input: the same call succeeds once the contention has passed, so a retry helps.
 */
export class ContentionError extends FiggyEventsError {
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = 'ContentionError';
  }
}
