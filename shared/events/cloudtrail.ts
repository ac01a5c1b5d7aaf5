/**
 * CloudTrail SSM calls, as EventBridge delivers them, turned into parameter changes.
 */
import { parameterArnBase, parseParameterArn } from '../parameter-arn.ts';
import { canonicalName } from '../parameter-paths.ts';
import { PARAMETER_TYPES, type ParameterType } from '../parameters.ts';
import { SSM_EVENT_NAMES, type SsmEventName } from './pattern.ts';
import type { ChangeAuthor, ParameterChange } from './types.ts';
import {
  ValidationError,
  isObject,
  optionalString,
  requireObject,
  requireString,
  requireStringArray,
  type Json,
} from './validation.ts';

/**
 * Turns one EventBridge event into the parameter changes it records.
 *
 * A failed call (`errorCode`/`errorMessage`, or the `requestParameters: null` of a throttled
 * call) changed nothing and yields no change. `DeleteParameters` yields one change per name
 * that was really deleted. Anything else that does not fit the contract throws a
 * {@link ValidationError} naming the field, before any change is returned, so a handler
 * never half-applies an event.
 *
 * @example
 * const changes = parseSsmEvent(event);
 * for (const change of changes) await auditor.record(change);
 */
export function parseSsmEvent(event: unknown, now: number = Date.now()): ParameterChange[] {
  const envelope = requireObject(event, 'event');
  const detail = requireObject(envelope.detail, 'detail');
  if (detail.errorCode != null || detail.errorMessage != null) return [];
  if (detail.requestParameters === null) return [];

  const eventName = requireEventName(detail.eventName);
  const request = requireObject(detail.requestParameters, 'detail.requestParameters');
  const response = isObject(detail.responseElements) ? detail.responseElements : undefined;
  const base = {
    eventId: requireString(detail.eventID, 'detail.eventID'),
    eventTime: requireEventTime(detail.eventTime, now),
    author: authorOf(detail.userIdentity),
    account: requireString(envelope.account, 'account'),
    region: requireString(envelope.region, 'region'),
  };
  const nameOf = (value: unknown, field: string) => parameterName(value, field, base);

  switch (eventName) {
    case 'PutParameter':
      return [
        {
          ...base,
          kind: 'put',
          action: eventName,
          name: nameOf(request.name, 'detail.requestParameters.name'),
          type: optionalType(request.type),
          keyId: optionalString(request.keyId, 'detail.requestParameters.keyId'),
          description: optionalString(request.description, 'detail.requestParameters.description'),
          version: optionalVersion(response?.version),
        },
      ];
    case 'DeleteParameter':
      return [
        {
          ...base,
          kind: 'delete',
          action: eventName,
          name: nameOf(request.name, 'detail.requestParameters.name'),
        },
      ];
    case 'DeleteParameters':
      return deletedNames(request, response, nameOf).map((name) => ({
        ...base,
        kind: 'delete' as const,
        action: eventName,
        name,
      }));
  }
}

/**
 * The parameter changes of one CloudTrail record as the event history (`LookupEvents`) gives
 * it: the same record EventBridge delivers as `detail`, whose region and account stand in for
 * the envelope's, so both paths go through {@link parseSsmEvent} and agree on every rule.
 *
 * @example
 * const changes = parseCloudTrailRecord(JSON.parse(event.CloudTrailEvent));
 */
export function parseCloudTrailRecord(record: unknown, now: number = Date.now()): ParameterChange[] {
  const detail = requireObject(record, 'detail');
  return parseSsmEvent({ account: detail.recipientAccountId, region: detail.awsRegion, detail }, now);
}

function requireEventName(value: unknown): SsmEventName {
  const name = requireString(value, 'detail.eventName');
  if (!(SSM_EVENT_NAMES as readonly string[]).includes(name)) {
    throw new ValidationError('detail.eventName', `"${name}" is not one of ${SSM_EVENT_NAMES.join(', ')}`);
  }
  return name as SsmEventName;
}

/**
 * How far an event may lie ahead of this function's clock. Every handler orders changes by
 * event time, so one event dated far ahead would make every real event after it look stale
 * (and its tombstone never expire); a few minutes cover clocks that disagree.
 */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Before Parameter Store existed (it launched in December 2016): no real call is that old. */
const EARLIEST_EVENT_TIME = Date.UTC(2016, 0, 1);

function requireEventTime(value: unknown, now: number): number {
  const text = requireString(value, 'detail.eventTime');
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new ValidationError('detail.eventTime', `"${text}" is not an ISO time`);
  if (time > now + MAX_CLOCK_SKEW_MS) {
    throw new ValidationError(
      'detail.eventTime',
      `"${text}" is more than ${MAX_CLOCK_SKEW_MS / 60_000} minutes ahead of now (${new Date(now).toISOString()})`,
    );
  }
  if (time < EARLIEST_EVENT_TIME) {
    throw new ValidationError('detail.eventTime', `"${text}" is before Parameter Store existed`);
  }
  return time;
}

function optionalType(value: unknown): ParameterType | undefined {
  const type = optionalString(value, 'detail.requestParameters.type');
  if (type === undefined) return undefined;
  if (!(PARAMETER_TYPES as readonly string[]).includes(type)) {
    throw new ValidationError('detail.requestParameters.type', `"${type}" is not a parameter type`);
  }
  return type as ParameterType;
}

function optionalVersion(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError('detail.responseElements.version', 'must be a positive integer');
  }
  return value;
}

/** DeleteParameters takes at most this many names; a record with more was not written by SSM. */
const MAX_DELETE_NAMES = 10;

/** The names a DeleteParameters call really deleted; unknown names are listed as invalid. */
function deletedNames(
  request: Json,
  response: Json | undefined,
  nameOf: (value: unknown, field: string) => string,
): string[] {
  const requested = deleteNames(request.names, 'detail.requestParameters.names');
  if (response?.deletedParameters !== undefined) {
    return deleteNames(response.deletedParameters, 'detail.responseElements.deletedParameters').map((name, index) =>
      nameOf(name, `detail.responseElements.deletedParameters[${index}]`),
    );
  }
  const invalid = new Set(
    response?.invalidParameters === undefined
      ? []
      : requireStringArray(response.invalidParameters, 'detail.responseElements.invalidParameters'),
  );
  return requested.flatMap((name, index) =>
    invalid.has(name) ? [] : [nameOf(name, `detail.requestParameters.names[${index}]`)],
  );
}

function deleteNames(value: unknown, field: string): string[] {
  const names = requireStringArray(value, field);
  if (names.length > MAX_DELETE_NAMES) {
    throw new ValidationError(field, `has ${names.length} names; DeleteParameters takes at most ${MAX_DELETE_NAMES}`);
  }
  return names;
}

/**
 * SSM's limit on a name it creates, counted on its ARN (`arn:aws:ssm:<region>:<account>:parameter/`
 * included); the API's 2048 holds characters SSM reserves for itself.
 */
const MAX_NAME_ARN_LENGTH = 1011;

/**
 * A parameter name from a request, in its canonical spelling (see `canonicalName`). Callers
 * may pass the full ARN, which names `/a/b` as `arn:...:parameter/a/b` and a root-level `a`
 * or `/a` as `arn:...:parameter/a`.
 */
function parameterName(value: unknown, field: string, scope: { account: string; region: string }): string {
  const raw = requireString(value, field);
  const arn = parseParameterArn(raw);
  const name = arn ? arn.name : canonicalName(raw);
  if (name === '/') throw new ValidationError(field, `"${raw}" names no parameter`);
  const arnPrefix = parameterArnBase(arn ?? scope);
  const arnLength = arnPrefix.length + name.length;
  if (arnLength > MAX_NAME_ARN_LENGTH) {
    throw new ValidationError(
      field,
      `"${raw.slice(0, 64)}..." is ${arnLength} characters as an ARN; SSM allows at most ${MAX_NAME_ARN_LENGTH}`,
    );
  }
  return name;
}

/**
 * Who made the call: the session of an assumed role, the IAM user, `root`, or the AWS
 * service that called on someone's behalf.
 */
function authorOf(value: unknown): ChangeAuthor {
  const identity = requireObject(value, 'detail.userIdentity');
  const arn = optionalString(identity.arn, 'detail.userIdentity.arn');
  const type = optionalString(identity.type, 'detail.userIdentity.type');
  const withArn = (name: string): ChangeAuthor => (arn ? { name, arn } : { name });

  if (type === 'Root') return withArn('root');
  const userName = optionalString(identity.userName, 'detail.userIdentity.userName');
  if (type === 'IAMUser' && userName) return withArn(userName);
  if (arn) {
    // arn:partition:service:region:account:resource — the resource may itself hold ':'.
    const resource = arn.split(':').slice(5).join(':');
    if (resource === 'root') return withArn('root');
    const lastSegment = resource.slice(resource.lastIndexOf('/') + 1);
    if (lastSegment) return withArn(lastSegment);
  }
  const invokedBy = optionalString(identity.invokedBy, 'detail.userIdentity.invokedBy');
  if (invokedBy) return withArn(invokedBy);
  if (userName) return withArn(userName);
  const principal = optionalString(identity.principalId, 'detail.userIdentity.principalId');
  if (principal) return withArn(principal.slice(principal.lastIndexOf(':') + 1));
  throw new ValidationError('detail.userIdentity', 'names no user (arn, userName, invokedBy or principalId)');
}
