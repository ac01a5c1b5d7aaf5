/**
 * The EventBridge pattern for the SSM calls this system reacts to.
 *
 * The construct's rule and the sandbox's event bus both use it. Failed calls are filtered out
 * here already (`errorCode` absent); the parser still skips them, because a pattern is no
 * guarantee against a hand-sent event.
 */
export const SSM_EVENT_NAMES = ['PutParameter', 'DeleteParameter', 'DeleteParameters'] as const;

export type SsmEventName = (typeof SSM_EVENT_NAMES)[number];

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

export const SSM_EVENT_PATTERN = {
  source: ['aws.ssm'],
  'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
  detail: {
    eventSource: ['ssm.amazonaws.com'],
    eventName: [...SSM_EVENT_NAMES],
    errorCode: [{ exists: false }],
  },
};
