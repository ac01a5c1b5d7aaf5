/**
 * An error in the shape AWS JSON services answer with, so the SDK raises its named exception.
 */

/**
 * A failed call: the `__type` code the SDK maps to an exception class, and a message that says
 * what to change.
 *
 * @example
 * throw new AwsError('ParameterNotFound', 'Parameter /app/db not found.');
 */
export class AwsError extends Error {
  constructor(readonly code: string, message: string, readonly statusCode = 400) {
    super(message);
    this.name = code;
  }
}

/**
 * A ValidationException worded the way AWS words constraint failures, naming the member.
 *
 * @example
 * throw validationError('maxResults', 11, 'Member must have value less than or equal to 10');
 */
export function validationError(member: string, value: unknown, constraint: string): AwsError {
  return validationErrors([constraintFailure(member, value, constraint)]);
}

/**
 * One ValidationException for every constraint a request broke, as AWS reports them all at
 * once: "2 validation errors detected: ...; ...".
 */
export function validationErrors(failures: readonly string[]): AwsError {
  const count = `${failures.length} validation error${failures.length === 1 ? '' : 's'} detected`;
  return new AwsError('ValidationException', `${count}: ${failures.join('; ')}`);
}

/**
 * Stands for the value of a member the API model marks sensitive (a parameter's Value, KMS
 * plaintext): AWS leaves it out of the message, "Value at 'value' failed to satisfy ...".
 */
export const SENSITIVE: unique symbol = Symbol('sensitive');

/**
 * One broken constraint in AWS's words, for {@link validationErrors}. AWS ends these without
 * a period (as SSM's answers quoted in public bug reports show), where moto adds one.
 *
 * @example
 * constraintFailure('parameterFilters.1.member.key', 'Colour', 'Member must satisfy regular expression pattern: ...');
 */
export function constraintFailure(member: string, value: unknown, constraint: string): string {
  if (value === SENSITIVE) return `Value at '${member}' failed to satisfy constraint: ${constraint}`;
  const shown = value === undefined ? 'null' : `'${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}'`;
  return `Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`;
}
