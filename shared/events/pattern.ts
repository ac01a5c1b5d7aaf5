/**
 * The EventBridge pattern for the SSM calls this system reacts to.
 *
 * The construct's rule and the sandbox's event bus both use it. Failed calls are filtered out
 * here already (`errorCode` absent); the parser still skips them, because a pattern is no
 * guarantee against a hand-sent event.
 */
/** The SSM calls that change a parameter, as CloudTrail names them. */
export type SsmEventName = 'PutParameter' | 'DeleteParameter' | 'DeleteParameters';

export const SSM_EVENT_NAMES: readonly SsmEventName[] = ['PutParameter', 'DeleteParameter', 'DeleteParameters'];

/** The event source CloudTrail gives Parameter Store's calls. */
export const SSM_EVENT_SOURCE = 'ssm.amazonaws.com';

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

export const SSM_EVENT_PATTERN = {
  source: ['aws.ssm'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: [SSM_EVENT_SOURCE],
    eventName: [...SSM_EVENT_NAMES],
    errorCode: [{ exists: false }],
  },
};
