/**
 * Progress of long work (an apply, a read of many records, a migration), drawn on a terminal.
 */
import type { AuditRecord } from '../shared/audit/types.ts';
import type { ApplyProgress, AuditHistory } from '../shared/restore/types.ts';
import type { Output } from './command-line.ts';

/**
 * A progress callback that redraws one status line on `stream`, or undefined when `stream`
 * is not a terminal: a log file or a pipe gets the final report only, not carriage returns.
 *
 * @example
 * const report = await restorer.apply(plan, { onProgress: terminalProgress(process.stderr) });
 */
export function terminalProgress(stream: Output): ApplyProgress | undefined {
  if (!stream.isTTY) return undefined;
  const started = Date.now();
  return ({ done, total, name, action }) => {
    const elapsed = (Date.now() - started) / 1000;
    const left = done < total ? `, ~${Math.ceil((elapsed / done) * (total - done))} s left` : '';
    // \r and "erase line" redraw in place; the last update ends the line.
    stream.write(`\r\x1b[2K[${done}/${total}${left}] ${action} ${name}${done === total ? '\n' : ''}`);
  };
}

/** A running count drawn on a terminal: `add` as work is done, `end` to clear the line. */
export interface CountProgress {
  add(count: number): void;
  end(): void;
}

// Redrawing for every record would cost more than reading it.
const REDRAW_EVERY = 250;

/**
 * A status line such as "read 12,500 audit records" redrawn on `stream` while work goes on,
 * or undefined when `stream` is not a terminal.
 *
 * @example
 * const reading = countProgress(process.stderr, 'audit records read');
 * const history = reading ? countingHistory(auditLog, reading) : auditLog;
 */
export function countProgress(stream: Output, label: string): CountProgress | undefined {
  if (!stream.isTTY) return undefined;
  let total = 0;
  let drawn = 0;
  return {
    add(count) {
      total += count;
      if (total - drawn < REDRAW_EVERY) return;
      drawn = total;
      stream.write(`\r\x1b[2K[${total.toLocaleString('en')} ${label}]`);
    },
    end() {
      if (drawn > 0) stream.write('\r\x1b[2K');
    },
  };
}

/**
 * The audit log with every record read counted on `progress`: a prefix of a large table
 * read by Scan (before `migrate`) can take minutes, and a silent terminal looks hung.
 *
 * @example
 * const restorer = new Restorer({ history: countingHistory(auditLog, progress), ... });
 */
export function countingHistory(history: AuditHistory, progress: CountProgress): AuditHistory {
  async function* counted(records: AsyncIterable<AuditRecord>): AsyncIterable<AuditRecord> {
    for await (const record of records) {
      progress.add(1);
      yield record;
    }
  }
  return {
    recordsUnder: (prefix, window) => counted(history.recordsUnder(prefix, window)),
    recordsOf: (name) => counted(history.recordsOf(name)),
    recordsBy: (user, window) => counted(history.recordsBy(user, window)),
  };
}
