import { FiggyEventsError } from '../errors.ts';

/**
 * An input that breaks its contract. It names the field, so the log line and the
 * dead-letter record tell the reader exactly what to look at.
 */
export class ValidationError extends FiggyEventsError {
  /** The same input fails the same way: a retry cannot help, a fix of the input can. */
  readonly retryable = false;
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ValidationError';
  }
}

export type Json = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): Json {
  if (!isObject(value)) throw new ValidationError(field, 'must be an object');
  return value;
}

export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(field, 'must be a non-empty string');
  }
  return value;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError(field, 'must be a string');
  return value;
}

export function requireStringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new ValidationError(field, 'must be a list of strings');
  return value.map((item, index) => requireString(item, `${field}[${index}]`));
}
