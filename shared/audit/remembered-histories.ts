/**
 * The audit log with each parameter's history read once and then kept, for a pass that
 * records many old events of one parameter.
 */
import type { AuditLog, AuditRecord } from './types.ts';

/**
 * Parameters whose history is kept at once. A pass works through a page's parameters a few at
 * a time, and one changed a thousand times keeps about a megabyte; the least recently used is
 * let go first.
 */
const KEPT_HISTORIES = 64;

/**
 * An {@link AuditLog} that reads a parameter's whole history on the first question about it
 * and answers the next ones from memory. The auditor asks, for every event, for everything the
 * log holds from that event's second on: for a live event that is a record or two, but the
 * audit syncer's import goes newest first, so asking the log each time would read a parameter
 * changed n times n²/2 records. What this instance writes is added to what it keeps; a write
 * refused because the key was taken (another writer's record) lets the history go, so the next
 * question reads it again. A question about an event younger than `freshWithinMs` is always
 * asked of the log: the auditor may be recording that very event now, and only a fresh read
 * shows its record (an event that old no longer reaches the auditor).
 *
 * @example
 * const remembered = new RememberedHistories(auditLog, { freshWithinMs: 24 * 60 * 60 * 1000 });
 * const auditor = new Auditor({ auditLog: remembered, parameters, namespaces, log });
 */
export class RememberedHistories implements AuditLog {
  private readonly histories = new Map<string, Promise<AuditRecord[]>>();

  constructor(
    private readonly log: AuditLog,
    private readonly options: { readonly freshWithinMs: number; readonly now?: () => number },
  ) {}

  async recordsBetween(parameterName: string, from: number, to: number): Promise<AuditRecord[]> {
    if (from >= (this.options.now ?? Date.now)() - this.options.freshWithinMs) {
      this.histories.delete(parameterName);
      return this.log.recordsBetween(parameterName, from, to);
    }
    const history = await this.historyOf(parameterName);
    return history.filter((record) => record.time >= from && record.time <= to);
  }

  async insert(record: AuditRecord): Promise<boolean> {
    const inserted = await this.log.insert(record);
    const kept = this.histories.get(record.parameterName);
    if (!inserted) this.histories.delete(record.parameterName);
    else if (kept) this.histories.set(record.parameterName, kept.then((history) => [...history, record].sort((a, b) => a.time - b.time)));
    return inserted;
  }

  private historyOf(name: string): Promise<AuditRecord[]> {
    const kept = this.histories.get(name);
    if (kept) {
      // Most recently used last, so the first key is the one to let go.
      this.histories.delete(name);
      this.histories.set(name, kept);
      return kept;
    }
    const read = this.log.recordsBetween(name, 0, Number.MAX_SAFE_INTEGER);
    // A failed read is not kept: the next question reads again.
    read.catch(() => this.histories.delete(name));
    this.histories.set(name, read);
    for (const oldest of this.histories.keys()) {
      if (this.histories.size <= KEPT_HISTORIES) break;
      this.histories.delete(oldest);
    }
    return read;
  }
}
