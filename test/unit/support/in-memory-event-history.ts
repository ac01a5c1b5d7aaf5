/**
 * CloudTrail's event history in memory, with LookupEvents' paging: newest first, 50 a page,
 * a token valid only for the query that made it.
 */
import { HistoryTokenRejectedError, type EventHistory, type HistoryPage, type HistoryQuery } from '../../../shared/audit/event-history.ts';

export class InMemoryEventHistory implements EventHistory {
  /** CloudTrail records (the `detail` of an EventBridge event), in any order. */
  readonly records: Record<string, unknown>[] = [];
  readonly queries: (HistoryQuery & { token?: string })[] = [];
  pageSize = 50;
  /** Refuse every token from now on, as CloudTrail does one it no longer knows. */
  refuseTokens = false;

  add(...records: Record<string, unknown>[]): void {
    this.records.push(...records);
  }

  async page(query: HistoryQuery, token?: string): Promise<HistoryPage> {
    this.queries.push({ ...query, ...(token !== undefined && { token }) });
    const key = JSON.stringify(query);
    let start = 0;
    if (token !== undefined) {
      const [forQuery, offset] = JSON.parse(token) as [string, number];
      if (this.refuseTokens || forQuery !== key) throw new HistoryTokenRejectedError('InvalidNextTokenException');
      start = offset;
    }
    const matching = this.records
      .map((record) => ({ eventId: String(record.eventID), eventTime: Date.parse(String(record.eventTime)), record }))
      .filter((event) => event.record.eventName === query.eventName && event.eventTime >= query.from && event.eventTime <= query.to)
      .sort((a, b) => b.eventTime - a.eventTime);
    const events = matching.slice(start, start + this.pageSize);
    const next = start + this.pageSize < matching.length ? JSON.stringify([key, start + this.pageSize]) : undefined;
    return { events, ...(next !== undefined && { next }) };
  }
}
