import { closestName } from '../shared/closest-name.ts';
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

/**
 * Refuses a field of `value` that is not one of `known`, as TypeScript would have: plain
 * JavaScript passes any, and a misspelt optional one would otherwise be ignored without a
 * word. The error names `prop(field)`, says it is not `what`, and offers the field most likely
 * meant.
 *
 * @example
 * refuseUnknownFields({ destinationPrefix: ['/app/'] }, ['destinationPrefixes'], (name) => name, 'a FiggyEvents prop');
 * // throws FiggyEventsConfigError('destinationPrefix', 'is not a FiggyEvents prop: did you mean "destinationPrefixes"?')
 */
export function refuseUnknownFields(value: object, known: readonly string[], prop: (field: string) => string, what: string): void {
  for (const field of Object.keys(value)) {
    if (known.includes(field)) continue;
    const guess = closestName(field, known);
    throw new FiggyEventsConfigError(prop(field), `is not ${what}${guess ? `: did you mean "${guess}"?` : ''}`);
  }
}
