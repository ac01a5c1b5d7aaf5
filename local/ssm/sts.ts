/**
 * The STS side of the emulator: AssumeRole, so that a replicator's assumed role acts in the
 * target account, and GetCallerIdentity, to see who a set of credentials acts as.
 */
import { AwsError, constraintFailure, validationErrors } from './aws-error.ts';
import { callerArn, roleId, type Caller } from './caller.ts';
import type { Principals } from './principals.ts';
import type { RequestInput } from './request-members.ts';

/** The operations the emulator answers for STS. */
export const STS_OPERATIONS = ['AssumeRole', 'GetCallerIdentity'] as const;

const SESSION_NAME = /^[\w+=,.@-]*$/;
// A role's MaxSessionDuration when its creator set none; AssumeRole may not ask for more.
const MAX_SESSION_SECONDS = 3600;
const MIN_SESSION_SECONDS = 900;

/**
 * Answers one STS call in the query protocol's members.
 *
 * @throws AwsError `AccessDenied` (403) for a role that does not exist or that `authorize`
 *   refuses, `ValidationError` for
 *   members outside the API's constraints.
 * @example
 * stsCall(principals, 'AssumeRole', { RoleArn: arn, RoleSessionName: 'replicator' }, caller, now);
 */
export function stsCall(
  principals: Principals,
  operation: string,
  input: RequestInput,
  caller: Caller,
  now: Date,
  authorize: AssumeRoleCheck = () => undefined,
): object {
  switch (operation) {
    case 'AssumeRole':
      return assumeRole(principals, input, caller, now, authorize);
    case 'GetCallerIdentity':
      return { UserId: `${roleId(caller)}:${caller.sessionName}`, Account: caller.account, Arn: callerArn(caller) };
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${operation} for version ${String(input.Version)}`);
  }
}

/** Refuses (by throwing) an AssumeRole of an existing role that IAM would not allow. */
export type AssumeRoleCheck = (roleArn: string, sessionName: string) => void;

function assumeRole(principals: Principals, input: RequestInput, caller: Caller, now: Date, authorize: AssumeRoleCheck): object {
  const roleArn = stringMember(input, 'RoleArn');
  const sessionName = stringMember(input, 'RoleSessionName');
  const duration = input.DurationSeconds === undefined ? MAX_SESSION_SECONDS : Number(input.DurationSeconds);
  const failures = [
    ...lengthFailures('roleArn', roleArn, 20, 2048),
    ...lengthFailures('roleSessionName', sessionName, 2, 64),
    ...(sessionName !== undefined && !SESSION_NAME.test(sessionName)
      ? [constraintFailure('roleSessionName', sessionName, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*')]
      : []),
    ...(!Number.isInteger(duration) || duration < MIN_SESSION_SECONDS || duration > 43_200
      ? [constraintFailure('durationSeconds', input.DurationSeconds, `Member must have value between ${MIN_SESSION_SECONDS} and 43200`)]
      : []),
  ];
  if (failures.length > 0) throw stsValidationError(validationErrors(failures).message);
  const role = principals.role(roleArn as string);
  if (!role) {
    throw new AwsError(
      'AccessDenied',
      `User: ${callerArn(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn as string}`,
      403,
    );
  }
  authorize(role.arn, sessionName as string);
  if (duration > MAX_SESSION_SECONDS) {
    throw stsValidationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const session = { account: role.account, roleName: role.name, sessionName: sessionName as string };
  const credentials = principals.startSession(role, session.sessionName);
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: new Date(now.getTime() + duration * 1000),
    },
    AssumedRoleUser: { AssumedRoleId: `${roleId(session)}:${session.sessionName}`, Arn: callerArn(session) },
  };
}

// STS is a query service: every member arrives as a string, and its validation code is
// ValidationError, not the JSON services' ValidationException.
function stringMember(input: RequestInput, key: string): string | undefined {
  const value = input[key];
  return typeof value === 'string' ? value : undefined;
}

function lengthFailures(member: string, value: string | undefined, min: number, max: number): string[] {
  if (value === undefined) return [constraintFailure(member, undefined, 'Member must not be null')];
  if (value.length < min) return [constraintFailure(member, value, `Member must have length greater than or equal to ${min}`)];
  if (value.length > max) return [constraintFailure(member, value, `Member must have length less than or equal to ${max}`)];
  return [];
}

function stsValidationError(message: string): AwsError {
  return new AwsError('ValidationError', message);
}
