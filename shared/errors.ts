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
  override readonly name = 'ContentionError';
  readonly retryable = true;
}

/**
 * An AWS service answered without something its API promises (a field, a known value). The
 * call's input is not at fault, so a later call may well get a whole answer.
 */
export class UnexpectedResponseError extends FiggyEventsError {
  override readonly name = 'UnexpectedResponseError';
  readonly retryable = true;
}

/**
 * Something figgy-events' own code guarantees did not hold: a bug, reported where it shows
 * instead of being worked around. The same code takes the same path, so a retry cannot help.
 */
export class InvariantError extends FiggyEventsError {
  override readonly name = 'InvariantError';
  readonly retryable = false;
}

/**
 * What figgy-events runs on is not set up as it needs: a table without the index or key schema
 * it reads, a program that is not installed, a stream that is not enabled. Nothing changes
 * until someone puts it right, so a retry cannot help.
 */
export class SetupError extends FiggyEventsError {
  override readonly name = 'SetupError';
  readonly retryable = false;
}

/**
 * A call the API does not support as it was made (a second instance where one is allowed, an
 * option the call needs left out): the calling code must change.
 */
export class UnsupportedUseError extends FiggyEventsError {
  override readonly name = 'UnsupportedUseError';
  readonly retryable = false;
}

/**
 * An input figgy-events can read but not process as it is (a ciphertext KMS cannot decrypt,
 * more changes of one parameter in a second than the audit log has room for). The same input
 * fails the same way.
 */
export class UnprocessableInputError extends FiggyEventsError {
  override readonly name = 'UnprocessableInputError';
  readonly retryable = false;
}

/**
 * Long work stopped at a safe point because it was asked to (Ctrl-C): what was done is kept,
 * and running it again goes on from there.
 */
export class InterruptedError extends FiggyEventsError {
  override readonly name = 'InterruptedError';
  readonly retryable = true;
}
