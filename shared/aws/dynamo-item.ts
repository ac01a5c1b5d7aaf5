import { FiggyEventsError } from '../errors.ts';

/**
 * A DynamoDB item that does not fit its table contract.
 *
 * Tables are shared with the Figgy CLI and may hold items written by hand, so an adapter
 * reading one says which item and which attribute is wrong instead of passing on a half-typed
 * value.
 */
export class MalformedItemError extends FiggyEventsError {
  /** The item stays malformed until someone rewrites it. */
  readonly retryable = false;
  constructor(
    readonly table: string,
    readonly key: string,
    readonly attribute: string,
    reason: string,
  ) {
    super(`item ${key} in table ${table}: attribute "${attribute}" ${reason}`);
    this.name = 'MalformedItemError';
  }
}

/**
 * Reads typed attributes of one unmarshalled item.
 *
 * Every failure is a {@link MalformedItemError} naming the table, the item's key and the
 * attribute, so a bad row can be found and fixed.
 *
 * @example
 * const read = new ItemReader('figgy-config-cache', item, ['parameter_name', 'last_updated']);
 * const name = read.string('parameter_name');
 */
export class ItemReader {
  constructor(
    private readonly table: string,
    private readonly item: Readonly<Record<string, unknown>>,
    private readonly keyAttributes: readonly string[],
  ) {}

  string(attribute: string): string {
    const value = this.optionalString(attribute);
    if (value === undefined) this.fail(attribute, 'is missing');
    return value;
  }

  optionalString(attribute: string): string | undefined {
    const value = this.item[attribute];
    if (value === undefined || typeof value === 'string') return value;
    this.fail(attribute, `should be a string, found ${describe(value)}`);
  }

  number(attribute: string): number {
    const value = this.optionalNumber(attribute);
    if (value === undefined) this.fail(attribute, 'is missing');
    return value;
  }

  optionalNumber(attribute: string): number | undefined {
    const value = this.item[attribute];
    if (value === undefined || typeof value === 'number') return value;
    this.fail(attribute, `should be a number, found ${describe(value)}`);
  }

  oneOf<T extends string>(attribute: string, allowed: readonly T[]): T {
    const value = this.optionalOneOf(attribute, allowed);
    if (value === undefined) this.fail(attribute, 'is missing');
    return value;
  }

  optionalOneOf<T extends string>(attribute: string, allowed: readonly T[]): T | undefined {
    const value = this.optionalString(attribute);
    if (value === undefined || (allowed as readonly string[]).includes(value)) {
      return value as T | undefined;
    }
    this.fail(attribute, `is "${value}", expected one of ${allowed.join(', ')}`);
  }

  fail(attribute: string, reason: string): never {
    const key = this.keyAttributes.map((name) => `${name}=${String(this.item[name])}`).join(', ');
    throw new MalformedItemError(this.table, `{${key}}`, attribute, reason);
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

/**
 * Drops the fields whose value is undefined.
 *
 * Items leave out absent optional attributes rather than relying on the client's marshall
 * options, and records read back carry no `undefined` keys, so they compare equal to the
 * records that were written.
 */
export function omitAbsent<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
