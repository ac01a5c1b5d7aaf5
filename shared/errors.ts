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
