import { FiggyEventsError } from '../shared/errors.ts';

/** A prop that cannot be synthesized, with the reason and what to change. */
export class FiggyEventsConfigError extends FiggyEventsError {
  readonly retryable = false;
  constructor(
    readonly prop: string,
    reason: string,
  ) {
    super(`FiggyEvents prop "${prop}" ${reason}`);
    this.name = 'FiggyEventsConfigError';
  }
}
