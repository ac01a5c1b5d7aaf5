/**
 * Where replication gives up, as errors that say whether trying again can help.
 */
import { FiggyEventsError } from '../errors.ts';

/**
 * A destination kept differing from its sources after every write replication allows itself
 * in one go: its sources change faster than it is replicated. Retryable: once they calm
 * down, the next attempt (Lambda's retry, the syncer) settles it.
 */
export class DestinationUnsettledError extends FiggyEventsError {
  readonly retryable = true;
  constructor(
    readonly destination: string,
    writes: number,
  ) {
    super(
      `destination ${destination} still differs from its sources after ${writes} writes; ` +
        'its sources are changing faster than it can be replicated (it is tried again on the next event or sync)',
    );
    this.name = 'DestinationUnsettledError';
  }
}

/**
 * Parameter Store refused a write for what it is (a value its tier cannot hold, a key the
 * target cannot use, a limit of the target account): the same write fails the same way, so
 * replication reports it as refused, with SSM's reason, instead of retrying it without end.
 */
export class WriteRefusedError extends FiggyEventsError {
  readonly retryable = false;
  constructor(
    readonly destination: string,
    readonly code: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`Parameter Store refused to write ${destination} (${code}): ${reason}`, options);
    this.name = 'WriteRefusedError';
  }
}

/**
 * A write that may only create found the parameter there: someone created it after it was
 * read. The writer reads again and decides again; it never writes over it blindly.
 */
export class ParameterExistsError extends FiggyEventsError {
  readonly retryable = true;
  constructor(
    readonly destination: string,
    options?: ErrorOptions,
  ) {
    super(`${destination} was created by someone else after it was read; it is read again before anything is written`, options);
    this.name = 'ParameterExistsError';
  }
}
