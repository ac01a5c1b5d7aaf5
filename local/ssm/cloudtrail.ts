/**
 * CloudTrail records of SSM write calls, and the EventBridge envelope they travel in.
 */
import { randomUUID } from 'node:crypto';
import { CLOUDTRAIL_DETAIL_TYPE, type SsmEventName } from '../../shared/events/pattern.ts';
import type { AwsError } from './aws-error.ts';
import { callerArn, roleArn, roleId, type Caller } from './caller.ts';
import { memberName, type RequestInput } from './request-members.ts';
import type { CloudTrailDetail, CloudTrailUserIdentity, SsmApiCallEvent } from './types.ts';

/** CloudTrail never logs parameter values; this is what it writes in their place. */
export const HIDDEN_VALUE = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/**
 * How CloudTrail logs one write: the request and response members it records, each under its
 * camelCase name (`KeyId` as `keyId`); a value as {@link HIDDEN_VALUE}, tags in lower case.
 */
export interface CloudTrailShape {
  /** Logged when present in the request. */
  readonly requestParameters: readonly string[];
  /** Null when CloudTrail logs no response elements for the call (DeleteParameter). */
  readonly responseElements: readonly string[] | null;
}

/** One write call, as the emulator saw it. */
export interface WriteCall {
  readonly eventName: SsmEventName;
  readonly shape: CloudTrailShape;
  readonly caller: Caller;
  readonly time: Date;
  readonly requestId: string;
  /** The decoded request; null when the call was throttled before SSM read it. */
  readonly input: RequestInput | null;
  readonly outcome: { readonly output: RequestInput } | { readonly error: AwsError };
}

/**
 * The CloudTrail record `detail` of one SSM write call, failed or not.
 *
 * A failed call carries `errorCode`/`errorMessage` and null `responseElements`; a throttled
 * one also null `requestParameters`, because CloudTrail logs it before SSM parsed anything.
 *
 * @example
 * const detail = cloudTrailDetail({ eventName: 'DeleteParameter', caller, time, requestId,
 *   shape: { requestParameters: ['Name'], responseElements: null },
 *   input: { Name: '/app/db' }, outcome: { output: {} } });
 */
export function cloudTrailDetail(call: WriteCall): CloudTrailDetail {
  const { caller } = call;
  const eventTime = secondPrecision(call.time);
  const failure = 'error' in call.outcome ? call.outcome.error : undefined;
  return {
    eventVersion: '1.09',
    userIdentity: userIdentity(caller, eventTime),
    eventTime,
    eventSource: 'ssm.amazonaws.com',
    eventName: call.eventName,
    awsRegion: caller.region,
    sourceIPAddress: caller.sourceIPAddress,
    userAgent: caller.userAgent,
    ...(failure && { errorCode: failure.code, errorMessage: failure.message }),
    requestParameters: call.input === null ? null : logged(call.shape.requestParameters, call.input),
    responseElements:
      'output' in call.outcome && call.shape.responseElements !== null
        ? logged(call.shape.responseElements, call.outcome.output)
        : null,
    requestID: call.requestId,
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: caller.account,
    eventCategory: 'Management',
  };
}

/**
 * Wraps a CloudTrail record the way EventBridge delivers it to the rule's targets.
 *
 * @example
 * emulator.onWrite((detail) => bus.publish(toEventBridgeEvent(detail)));
 */
export function toEventBridgeEvent(detail: CloudTrailDetail): SsmApiCallEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': CLOUDTRAIL_DETAIL_TYPE as SsmApiCallEvent['detail-type'],
    source: 'aws.ssm',
    account: detail.recipientAccountId,
    time: detail.eventTime,
    region: detail.awsRegion,
    resources: [],
    detail,
  };
}

/** `2026-11-26T12:00:01Z`: CloudTrail's eventTime drops the milliseconds. */
export function secondPrecision(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

function userIdentity(caller: Caller, sessionCreated: string): CloudTrailUserIdentity {
  const issuerId = roleId(caller);
  return {
    type: 'AssumedRole',
    principalId: `${issuerId}:${caller.sessionName}`,
    arn: callerArn(caller),
    accountId: caller.account,
    accessKeyId: caller.accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: issuerId,
        arn: roleArn(caller),
        accountId: caller.account,
        userName: caller.roleName,
      },
      webIdFederationData: {},
      attributes: { creationDate: sessionCreated, mfaAuthenticated: 'false' },
    },
  };
}

function logged(members: readonly string[], body: RequestInput): Record<string, unknown> {
  const entries = members.filter((member) => body[member] !== undefined).map((member) => [memberName(member), loggedValue(member, body[member])]);
  return Object.fromEntries(entries);
}

// CloudTrail never logs a parameter's value, and logs tags with lower-case member names.
function loggedValue(member: string, value: unknown): unknown {
  if (member === 'Value') return HIDDEN_VALUE;
  if (member !== 'Tags' || !Array.isArray(value)) return value;
  return value.map((tag: { Key?: unknown; Value?: unknown }) => ({ key: tag.Key, value: tag.Value }));
}
