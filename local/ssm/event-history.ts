/**
 * CloudTrail's event history of the emulated SSM writes, and `LookupEvents` over it, as the
 * CloudTrail API reference describes the call.
 */
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { AwsError } from './aws-error.ts';
import type { RequestInput } from './request-members.ts';
import { TokenBucket } from './token-bucket.ts';
import type { CloudTrailDetail, RegionAndAccount } from './types.ts';

/** The target prefix the CloudTrail client sends (`CloudTrail_20131101.LookupEvents`). */
export const CLOUDTRAIL_SERVICE = 'CloudTrail_20131101';

/** "The rate of lookup requests is limited to two per second, per account, per Region." */
export const LOOKUPS_PER_SECOND = 2;

/** "You can look up events that occurred in a Region within the last 90 days." */
const HISTORY_MS = 90 * 24 * 60 * 60 * 1000;

/** "Possible values are 1 through 50. The default is 50." */
const MAX_RESULTS = 50;

/** The attributes LookupEvents filters on, and what of an event each one compares. */
const ATTRIBUTES: Readonly<Record<string, (event: HistoryEntry) => readonly string[]>> = {
  EventId: (event) => [event.detail.eventID],
  EventName: (event) => [event.detail.eventName],
  ReadOnly: () => ['false'],
  Username: (event) => [event.username],
  ResourceType: (event) => event.resources.map((resource) => resource.ResourceType),
  ResourceName: (event) => event.resources.map((resource) => resource.ResourceName),
  EventSource: (event) => [event.detail.eventSource],
  AccessKeyId: (event) => [event.detail.userIdentity.accessKeyId],
};

interface HistoryEntry {
  readonly detail: CloudTrailDetail;
  readonly time: number;
  readonly username: string;
  readonly resources: readonly { readonly ResourceType: string; readonly ResourceName: string }[];
}

/**
 * The event history of every region and account the emulator serves: each write call's
 * CloudTrail record, kept 90 days by the emulator's clock, whether or not any rule saw it.
 *
 * @example
 * const history = new EmulatedEventHistory(() => new Date());
 * history.add(detail);
 * history.lookUp({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PutParameter' }] }, place);
 */
export class EmulatedEventHistory {
  private readonly places = new Map<string, HistoryEntry[]>();
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly clock: () => Date,
    /** Monotonic ms for the rate limit, as the SSM quotas count them. */
    private readonly quotaClock: () => number = () => performance.now(),
  ) {}

  add(detail: CloudTrailDetail): void {
    const key = placeKey({ region: detail.awsRegion, account: detail.recipientAccountId });
    const entries = this.places.get(key) ?? [];
    entries.push({
      detail,
      time: Date.parse(detail.eventTime),
      username: detail.userIdentity.principalId.slice(detail.userIdentity.principalId.indexOf(':') + 1),
      resources: resourcesOf(detail),
    });
    this.places.set(key, entries);
  }

  clear(): void {
    this.places.clear();
  }

  /** LookupEvents in `place`: the events of the last 90 days that match, newest first. */
  lookUp(input: RequestInput, place: RegionAndAccount): object {
    this.throttle(place);
    const attribute = lookupAttribute(input.LookupAttributes);
    const now = this.clock().getTime();
    const start = optionalTime(input.StartTime, 'startTime') ?? now - HISTORY_MS;
    const end = optionalTime(input.EndTime, 'endTime') ?? now;
    if (start > end) throw new AwsError('InvalidTimeRangeException', 'Start time must be before end time.');
    const maxResults = input.MaxResults ?? MAX_RESULTS;
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
      throw new AwsError('InvalidMaxResultsException', `MaxResults must be between 1 and ${MAX_RESULTS}; got ${String(maxResults)}.`);
    }
    const category = input.EventCategory;
    if (category !== undefined && category !== 'insight') {
      throw new AwsError('InvalidEventCategoryException', `Event category ${String(category)} is not valid; the only value is insight.`);
    }
    // A token is good for the query that made it, as CloudTrail's are.
    const query = JSON.stringify([input.LookupAttributes ?? null, input.StartTime ?? null, input.EndTime ?? null, category ?? null]);
    const offset = input.NextToken === undefined ? 0 : tokenOffset(input.NextToken, query);
    // Insights events come only from trails that enable Insights; the emulator has none.
    const matching =
      category === 'insight'
        ? []
        : (this.places.get(placeKey(place)) ?? [])
            .filter((event) => event.time >= Math.max(start, now - HISTORY_MS) && event.time <= end)
            .filter((event) => attribute === undefined || (ATTRIBUTES[attribute.key]?.(event) ?? []).includes(attribute.value))
            .sort((a, b) => b.time - a.time);
    const page = matching.slice(offset, offset + maxResults);
    const next = offset + maxResults < matching.length ? tokenOf(query, offset + maxResults) : undefined;
    return { Events: page.map(listed), ...(next !== undefined && { NextToken: next }) };
  }

  // One bucket per region and account, as CloudTrail's quota is.
  private throttle(place: RegionAndAccount): void {
    const key = placeKey(place);
    const now = this.quotaClock();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(LOOKUPS_PER_SECOND, now);
      this.buckets.set(key, bucket);
    }
    if (!bucket.take(now)) throw new AwsError('ThrottlingException', 'Rate exceeded');
  }
}

/** One event as LookupEvents lists it, its whole record in `CloudTrailEvent`. */
function listed(event: HistoryEntry): object {
  const { detail } = event;
  return {
    EventId: detail.eventID,
    EventName: detail.eventName,
    ReadOnly: 'false',
    AccessKeyId: detail.userIdentity.accessKeyId,
    // The JSON protocol's timestamps are epoch seconds.
    EventTime: event.time / 1000,
    EventSource: detail.eventSource,
    Username: event.username,
    Resources: event.resources,
    CloudTrailEvent: JSON.stringify(detail),
  };
}

/** The parameters a call names, as the history lists an SSM call's resources. */
function resourcesOf(detail: CloudTrailDetail): HistoryEntry['resources'] {
  const request = detail.requestParameters ?? {};
  const names = [request.name, ...(Array.isArray(request.names) ? request.names : [])].filter((name): name is string => typeof name === 'string');
  return names.map((name) => ({ ResourceType: 'AWS::SSM::Parameter', ResourceName: name }));
}

function lookupAttribute(value: unknown): { key: string; value: string } | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new AwsError('InvalidLookupAttributesException', 'LookupAttributes must be a list.');
  if (value.length === 0) return undefined;
  // "Currently the list can contain only one item."
  if (value.length > 1) throw new AwsError('InvalidLookupAttributesException', 'You can specify only one lookup attribute.');
  const { AttributeKey: key, AttributeValue: wanted } = (value[0] ?? {}) as Record<string, unknown>;
  if (typeof key !== 'string' || !(key in ATTRIBUTES)) {
    throw new AwsError('InvalidLookupAttributesException', `AttributeKey ${String(key)} is not one of ${Object.keys(ATTRIBUTES).join(', ')}.`);
  }
  if (typeof wanted !== 'string' || wanted.length === 0) {
    throw new AwsError('InvalidLookupAttributesException', `AttributeValue for ${key} must be a non-empty string.`);
  }
  return { key, value: wanted };
}

function optionalTime(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new AwsError('SerializationException', `${field} is not a timestamp.`);
  return time;
}

function tokenOf(query: string, offset: number): string {
  return Buffer.from(JSON.stringify({ query, offset })).toString('base64');
}

function tokenOffset(token: unknown, query: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { query?: unknown; offset?: unknown };
    if (decoded.query === query && typeof decoded.offset === 'number') return decoded.offset;
  } catch {
    // Not one of ours: refused below, as CloudTrail refuses a token it did not issue.
  }
  throw new AwsError('InvalidNextTokenException', 'A token that is not valid, or a token that was previously used in a request with different parameters.');
}

function placeKey(place: RegionAndAccount): string {
  return `${place.region}/${place.account}`;
}
