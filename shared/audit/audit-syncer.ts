/**
 * Heals the audit log from CloudTrail's event history: every change whose event never reached
 * the auditor, and on the first pass the history from before the install.
 */
import { CallPacer, type PacerClock } from '../call-pacer.ts';
import { mapBounded } from '../concurrency.ts';
import { RememberedHistories } from './remembered-histories.ts';
import { parseCloudTrailRecord } from '../events/cloudtrail.ts';
import { SSM_EVENT_NAMES, SSM_EVENT_SOURCE } from '../events/pattern.ts';
import type { ParameterChange } from '../events/types.ts';
import { ValidationError, isObject } from '../events/validation.ts';
import type { Log } from '../log.ts';
import type { MetricSink } from '../metrics.ts';
import type { PaceableReads, ParameterStore } from '../parameters.ts';
import { DEFAULT_BULK_READS_PER_SECOND } from '../replication/replica-targets.ts';
import { orWhenTimeUp } from '../sync/budget.ts';
import type { PassStep, PassTools, SyncPass } from '../sync/sync-pass.ts';
import { Auditor, type AuditOutcome } from './auditor.ts';
import { HistoryTokenRejectedError, type EventHistory, type HistoryEvent, type HistoryPage } from './event-history.ts';
import { DEFAULT_IMPORT_DAYS, MAX_IMPORT_DAYS, importDaysProblem } from './import-days.ts';
import type { AuditLog } from './types.ts';

const DAY_MS = 24 * 60 * 60 * 1000;


/**
 * How far before the last pass's end a pass begins again. CloudTrail lists an event in its
 * history about five minutes after the call, occasionally up to fifteen: an event that came in
 * late is still inside the next pass's window, and the ones seen twice are found recorded.
 */
export const OVERLAP_MS = 15 * 60 * 1000;

/** LookupEvents' quota: two requests per second per account and region, shared with everyone there. */
export const LOOKUPS_PER_SECOND = 2;

/** What a pass did, counted over every invocation it took. */
export interface AuditSyncReport {
  /** Events read from the history, failed calls included. */
  readonly eventsRead: number;
  /** Records the pass added: changes the log lacked. */
  readonly repaired: number;
  /** Changes the log already held (the auditor's, or an earlier pass's). */
  readonly alreadyRecorded: number;
  readonly outsideNamespaces: number;
  /** Calls that changed nothing: failed, throttled, or deleting only names that did not exist. */
  readonly changedNothing: number;
  /** Records that do not fit the contract; logged with the field, and left out. */
  readonly rejected: number;
}

/**
 * Where a pass stands: its window (`from`, settled on its first invocation, to `to`, when it
 * began), which of the three write events it is looking up, and within that lookup where it
 * ends, the token of its next page and the time of the oldest event already done. Saved as JSON.
 */
export interface AuditSyncCursor {
  readonly to: number;
  readonly from?: number;
  /** Index into {@link SSM_EVENT_NAMES}. */
  readonly event: number;
  /** The EndTime of the lookup the token belongs to (a token is valid for its own query only); default `to`. */
  readonly end?: number;
  readonly token?: string;
  /** Epoch ms of the oldest event of the pages done: a lookup begun again ends there. */
  readonly reached?: number;
  /**
   * The changes (`eventId/name`) an invocation cut short on the next page already recorded:
   * counted as repairs then, so finding them recorded when the page is done again is no news.
   */
  readonly pageRepairs?: readonly string[];
}

export interface AuditSyncerDependencies {
  readonly history: EventHistory;
  readonly auditLog: AuditLog;
  readonly parameters: ParameterStore & PaceableReads<ParameterStore>;
  readonly namespaces: readonly string[];
  /** Days of history the first pass of a new deployment imports (0 to 90); default 90. */
  readonly importDays?: number;
  /** Reads of Parameter Store per second (a put's version); default {@link DEFAULT_BULK_READS_PER_SECOND}. */
  readonly readsPerSecond?: number;
  /** LookupEvents calls per second; default {@link LOOKUPS_PER_SECOND}, all the quota there is. */
  readonly lookupsPerSecond?: number;
  readonly pacing?: PacerClock;
  readonly log: Log;
  /** Counts the records it adds without a value, by reason, as the auditor does. */
  readonly metrics?: MetricSink;
  readonly now?: () => number;
  /** Parameters recorded at once; default 8. */
  readonly concurrency?: number;
}

/**
 * How late an event may still reach the auditor: EventBridge retries a target for a day at most
 * (the construct's `deliveryRetry`), then Lambda's asynchronous retries for six hours. Records
 * of events younger than this are read fresh, as the auditor may be writing them.
 */
const LIVE_DELIVERY_MS = 2 * DAY_MS;

type Tally = { -readonly [Count in keyof AuditSyncReport]: number };

/**
 * Writes the audit record of every successful change CloudTrail's event history holds and the
 * log lacks, through the auditor's own code: idempotent per CloudTrail event id (an event the
 * auditor recorded, or will, is one record), a put's value only when SSM's version is provably
 * that event's write, and each record marked as a repair.
 *
 * A pass looks up each of the three write events in turn (LookupEvents filters on one attribute
 * only; the event name keeps SSM's many reads out), from the last pass's end less
 * {@link OVERLAP_MS} to when it began, newest first, paced to CloudTrail's quota. A new
 * deployment's first pass reaches `importDays` back, so what happened before the install is in
 * the log too. Each page ends with its records written, and the pass continues after the last
 * page done; a page cut short by the invocation's time is done again, which writes nothing twice.
 *
 * @example
 * const syncer = new AuditSyncer({ history, auditLog, parameters, namespaces: ['/'], log });
 * const outcome = await runSyncPass({ store, job: 'audit-syncer', owner, trigger, budget, log }, syncer);
 */
export class AuditSyncer implements SyncPass<AuditSyncCursor, AuditSyncReport> {
  private readonly now: () => number;
  private readonly importDays: number;

  constructor(private readonly deps: AuditSyncerDependencies) {
    this.now = deps.now ?? Date.now;
    this.importDays = deps.importDays ?? DEFAULT_IMPORT_DAYS;
    const problem = importDaysProblem(this.importDays);
    if (problem) throw new RangeError(`importDays ${problem}`);
  }

  begin(): { cursor: AuditSyncCursor; report: AuditSyncReport } {
    return {
      cursor: { to: this.now(), event: 0 },
      report: { eventsRead: 0, repaired: 0, alreadyRecorded: 0, outsideNamespaces: 0, changedNothing: 0, rejected: 0 },
    };
  }

  async run(
    cursor: AuditSyncCursor,
    report: AuditSyncReport,
    tools: PassTools<AuditSyncCursor, AuditSyncReport>,
  ): Promise<PassStep<AuditSyncCursor, AuditSyncReport>> {
    const from = cursor.from ?? this.windowStart(cursor.to, tools.progress.coveredUntil);
    let at: AuditSyncCursor = { ...cursor, from };
    const tally: Tally = { ...report };
    let saved: AuditSyncReport = { ...report };
    const clock = this.deps.pacing?.now ?? Date.now;
    const lastTurn = tools.budget.lastTurn(clock);
    // Both quotas are the account's, shared with everyone there: paced, and the pace carried
    // over to the next invocation.
    const lookups = new CallPacer(this.deps.lookupsPerSecond ?? LOOKUPS_PER_SECOND, this.deps.pacing, tools.progress.notBefore);
    const reads = new CallPacer(this.deps.readsPerSecond ?? DEFAULT_BULK_READS_PER_SECOND, this.deps.pacing, tools.progress.notBefore);
    const auditor = new Auditor({
      // Per invocation: the import reads each parameter's history once, not once per event.
      auditLog: new RememberedHistories(this.deps.auditLog, { freshWithinMs: LIVE_DELIVERY_MS, now: this.deps.now }),
      parameters: this.deps.parameters.withReadTurns(async () => {
        await reads.next(lastTurn);
      }),
      namespaces: this.deps.namespaces,
      log: this.deps.log,
      ...(this.deps.metrics && { metrics: this.deps.metrics }),
    });
    const handOver = () => {
      const next = Math.max(lookups.handOver(clock()), reads.handOver(clock()));
      return Number.isFinite(next) ? { notBefore: next } : {};
    };

    while (!tools.budget.spent()) {
      const lookup = await orWhenTimeUp(this.lookUp(at, from, lookups, lastTurn), undefined);
      if (!lookup) return { done: false, cursor: at, report: saved, ...handOver() };
      const { page, end } = lookup;
      const repairs = new Set(at.pageRepairs);
      if (!(await this.recordPage(page.events, auditor, tally, repairs))) {
        // Out of time mid-page: the next invocation does the page again. The counts are the
        // checkpoint's, but for the records this one added, which stay added.
        const partial = { ...saved, repaired: tally.repaired };
        return { done: false, cursor: { ...at, pageRepairs: [...repairs] }, report: partial, ...handOver() };
      }
      const next = nextCursor(at, end, page);
      if (next === undefined) {
        this.deps.log.info('audit sync finished', { ...tally, from: iso(from), to: iso(at.to) });
        return { done: true, cursor: at, report: { ...tally }, coveredUntil: at.to, ...handOver() };
      }
      at = next;
      saved = { ...tally };
      await tools.checkpoint(at, saved);
    }
    return { done: false, cursor: at, report: { ...tally }, ...handOver() };
  }

  /** Where a pass ending at `to` begins: the last pass's end less the overlap, or the import's reach. */
  private windowStart(to: number, coveredUntil: number | undefined): number {
    const oldest = to - MAX_IMPORT_DAYS * DAY_MS;
    if (coveredUntil !== undefined) return Math.max(oldest, coveredUntil - OVERLAP_MS);
    // A new deployment: the history before the install, as far back as asked (0: none).
    return this.importDays > 0 ? to - this.importDays * DAY_MS : to - OVERLAP_MS;
  }

  /** The cursor's next page, and the EndTime of the lookup it belongs to. */
  private async lookUp(at: AuditSyncCursor, from: number, lookups: CallPacer, lastTurn: number): Promise<{ page: HistoryPage; end: number }> {
    const eventName = SSM_EVENT_NAMES[at.event] ?? 'PutParameter';
    const end = at.end ?? at.to;
    await lookups.next(lastTurn);
    try {
      return { page: await this.deps.history.page({ eventName, from, to: end }, at.token), end };
    } catch (error) {
      if (!(error instanceof HistoryTokenRejectedError)) throw error;
      // A new lookup ending at the oldest event done: that second's events are found recorded.
      this.deps.log.warn('the saved lookup token was refused; looking up again from the oldest event reached', { reason: error.reason });
      const again = at.reached ?? end;
      await lookups.next(lastTurn);
      return { page: await this.deps.history.page({ eventName, from, to: again }), end: again };
    }
  }

  /**
   * Records one page's changes; false when the invocation's time ran out first. A parameter's
   * changes are recorded one after another, newest first as the history lists them, so the log
   * already holds what came after a put when its value is judged; parameters go in parallel.
   */
  private async recordPage(events: readonly HistoryEvent[], auditor: Auditor, tally: Tally, repairs: Set<string>): Promise<boolean> {
    const byName = new Map<string, ParameterChange[]>();
    for (const event of events) {
      tally.eventsRead++;
      const changes = this.changesOf(event, tally);
      for (const change of changes) byName.set(change.name, [...(byName.get(change.name) ?? []), change]);
    }
    const done = await mapBounded([...byName.values()], this.deps.concurrency ?? 8, async (changes) => {
      for (const change of changes) {
        const outcome = await orWhenTimeUp(auditor.record(change, { repair: true }), undefined);
        if (outcome === undefined) return false;
        const key = `${change.eventId}/${change.name}`;
        if (outcome === 'recorded') repairs.add(key);
        // Recorded by this pass already, in an invocation that ran out of time on this page.
        else if (outcome === 'duplicate' && repairs.has(key)) continue;
        count(outcome, tally);
      }
      return true;
    });
    return done.every(Boolean);
  }

  private changesOf(event: HistoryEvent, tally: Tally): ParameterChange[] {
    // The lookup filters on the event name alone: another service's call of that name is not ours.
    if (isObject(event.record) && event.record.eventSource !== SSM_EVENT_SOURCE) return [];
    try {
      const changes = parseCloudTrailRecord(event.record, this.now());
      if (changes.length === 0) tally.changedNothing++;
      return changes;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // One malformed record must not stop every later pass at the same page.
      tally.rejected++;
      this.deps.log.error('history record rejected: it does not fit the contract', {
        event_id: event.eventId,
        field: error.field,
        reason: error.reason,
      });
      return [];
    }
  }
}

/** After a page of the lookup ending at `end`: its next page, the next event name's first, or undefined when the pass is done. */
function nextCursor(at: AuditSyncCursor, end: number, page: HistoryPage): AuditSyncCursor | undefined {
  if (page.next !== undefined) {
    const oldest = page.events.at(-1)?.eventTime;
    return { to: at.to, from: at.from, event: at.event, end, token: page.next, reached: oldest ?? at.reached };
  }
  if (at.event + 1 < SSM_EVENT_NAMES.length) return { to: at.to, from: at.from, event: at.event + 1 };
  return undefined;
}

function count(outcome: AuditOutcome, tally: Tally): void {
  if (outcome === 'recorded') tally.repaired++;
  else if (outcome === 'duplicate') tally.alreadyRecorded++;
  else tally.outsideNamespaces++;
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
