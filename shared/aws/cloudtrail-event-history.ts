import { CloudTrailClient, LookupEventsCommand, type CloudTrailClientConfig } from '@aws-sdk/client-cloudtrail';
import { HistoryTokenRejectedError, type EventHistory, type HistoryPage, type HistoryQuery } from '../audit/event-history.ts';
import { UnexpectedResponseError } from '../errors.ts';

/** LookupEvents returns at most 50 events a page. */
export const LOOKUP_PAGE_SIZE = 50;

// The pass paces itself to the quota, but the quota is the account's: a console user looking at
// the history meanwhile can take a turn, so a throttled lookup is retried, slowing down rather
// than failing the page.
const DEFAULT_CLOUDTRAIL_CLIENT_CONFIG: CloudTrailClientConfig = { retryMode: 'adaptive', maxAttempts: 8 };

/**
 * Builds the CloudTrail client of the audit syncer; the endpoint comes from the SDK's own
 * `AWS_ENDPOINT_URL_CLOUDTRAIL`, which the sandbox sets.
 */
export function createCloudTrailClient(config: CloudTrailClientConfig = {}): CloudTrailClient {
  return new CloudTrailClient({ ...DEFAULT_CLOUDTRAIL_CLIENT_CONFIG, ...config });
}

/**
 * CloudTrail's event history of this region and account, through `LookupEvents` filtered on
 * the event name (it takes one attribute only).
 *
 * @example
 * const history = new CloudTrailEventHistory(createCloudTrailClient());
 * const page = await history.page({ eventName: 'PutParameter', from, to });
 */
export class CloudTrailEventHistory implements EventHistory {
  constructor(private readonly client: CloudTrailClient) {}

  async page(query: HistoryQuery, token?: string): Promise<HistoryPage> {
    try {
      const output = await this.client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: query.eventName }],
          StartTime: new Date(query.from),
          EndTime: new Date(query.to),
          MaxResults: LOOKUP_PAGE_SIZE,
          ...(token !== undefined && { NextToken: token }),
        }),
      );
      const events = (output.Events ?? []).map((event) => {
        if (event.EventId === undefined || event.EventTime === undefined || event.CloudTrailEvent === undefined) {
          throw new UnexpectedResponseError(`LookupEvents listed an event without EventId, EventTime or CloudTrailEvent (${event.EventId ?? 'no id'})`);
        }
        return { eventId: event.EventId, eventTime: event.EventTime.getTime(), record: JSON.parse(event.CloudTrailEvent) as unknown };
      });
      return { events, ...(output.NextToken !== undefined && { next: output.NextToken }) };
    } catch (error) {
      // Compared by name, as a second bundled copy of the SDK has other classes.
      if (token !== undefined && error instanceof Error && error.name === 'InvalidNextTokenException') {
        throw new HistoryTokenRejectedError(error.message, { cause: error });
      }
      throw error;
    }
  }
}
