/**
 * CloudTrail records of SSM write calls, and the EventBridge envelope they travel in.
 */
import { randomUUID } from 'node:crypto';
import { CLOUDTRAIL_DETAIL_TYPE, type SsmEventName } from '../../shared/events/pattern.ts';
import type { AwsError } from './aws-error.ts';
import { callerArn, roleArn, roleId, type Caller } from './caller.ts';
import type { RequestInput } from './request-members.ts';
import type { CloudTrailDetail, CloudTrailUserIdentity, SsmApiCallEvent } from './types.ts';

/** CloudTrail never logs parameter values; this is what it writes in their place. */
export const HIDDEN_VALUE = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** One write call, as the emulator saw it. */
export interface WriteCall {
  readonly eventName: SsmEventName;
  readonly caller: Caller;
  readonly time: Date;
  readonly requestId: string;
  /** The decoded request; null when the call was throttled before SSM read it. */
  readonly input: RequestInput | null;
  readonly outcome: { readonly output: RequestInput } | { readonly error: AwsError };
}

// Request members CloudTrail logs for PutParameter, under its camelCase names.
const PUT_PARAMETER_MEMBERS: readonly [string, string][] = [
  ['Name', 'name'],
  ['Description', 'description'],
  ['Value', 'value'],
  ['Type', 'type'],
  ['KeyId', 'keyId'],
  ['Overwrite', 'overwrite'],
  ['AllowedPattern', 'allowedPattern'],
  ['Tags', 'tags'],
  ['Tier', 'tier'],
  ['Policies', 'policies'],
  ['DataType', 'dataType'],
];

/**
 * The CloudTrail record `detail` of one SSM write call, failed or not.
 *
 * A failed call carries `errorCode`/`errorMessage` and null `responseElements`; a throttled
 * one also null `requestParameters`, because CloudTrail logs it before SSM parsed anything.
 *
 * @example
 * const detail = cloudTrailDetail({ eventName: 'DeleteParameter', caller, time, requestId,
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
    requestParameters: call.input === null ? null : requestParameters(call.eventName, call.input),
    responseElements: 'output' in call.outcome ? responseElements(call.eventName, call.outcome.output) : null,
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

function requestParameters(eventName: SsmEventName, input: RequestInput): Record<string, unknown> {
  switch (eventName) {
    case 'PutParameter': {
      const logged: Record<string, unknown> = {};
      for (const [member, field] of PUT_PARAMETER_MEMBERS) {
        if (input[member] === undefined) continue;
        logged[field] = member === 'Value' ? HIDDEN_VALUE : member === 'Tags' ? loggedTags(input.Tags) : input[member];
      }
      return logged;
    }
    case 'DeleteParameter':
      return { name: input.Name };
    case 'DeleteParameters':
      return { names: input.Names };
  }
}

// CloudTrail logs tags with lower-case member names: [{ key, value }].
function loggedTags(tags: unknown): unknown {
  if (!Array.isArray(tags)) return tags;
  return tags.map((tag: { Key?: unknown; Value?: unknown }) => ({ key: tag.Key, value: tag.Value }));
}

function responseElements(eventName: SsmEventName, output: RequestInput): Record<string, unknown> | null {
  switch (eventName) {
    case 'PutParameter':
      return { version: output.Version, tier: output.Tier };
    case 'DeleteParameter':
      return null;
    case 'DeleteParameters':
      return { invalidParameters: output.InvalidParameters, deletedParameters: output.DeletedParameters };
  }
}
