/**
 * The audit commands' results as tables for people; the entries are already masked.
 */
import type { AuditEntry, DiffEntry, DiffSide, DiffSummary } from '../shared/audit/audit-reader.ts';
import { renderColumns, shownValue } from './columns.ts';

/** Marks a record the audit syncer added, in the USER or LAST CHANGE column. */
const REPAIR_MARK = ' *';

/** Said under a table with a marked record, so the mark explains itself. */
export const REPAIR_NOTE = '* recorded by the audit syncer from CloudTrail\'s event history: its event never reached the auditor, or came before the install';

/**
 * Audit entries as columns: time, (name,) action, version, type, value, user (marked when
 * the audit syncer added the record), and the note saying what the mark means. The action is
 * named as `--json` and CloudTrail name it (PutParameter, DeleteParameter, DeleteParameters),
 * so a script and a reader compare the same words.
 *
 * @example
 * process.stdout.write(renderAuditEntries(await reader.history('/app/db'), { names: false }));
 */
export function renderAuditEntries(entries: readonly AuditEntry[], options: { readonly names: boolean }): string {
  const header = ['TIME', ...(options.names ? ['NAME'] : []), 'ACTION', 'VERSION', 'TYPE', 'VALUE', 'USER'];
  const rows = entries.map((entry) => [
    entry.time,
    ...(options.names ? [entry.name] : []),
    entry.action,
    entry.version === undefined ? '-' : `v${entry.version}`,
    entry.type ?? '-',
    entry.action === 'PutParameter' ? shownValue(entry.value, entry.masked) : '-',
    entry.repair ? `${entry.user}${REPAIR_MARK}` : entry.user,
  ]);
  return withRepairNote(renderColumns(header, rows), entries.some((entry) => entry.repair));
}

/**
 * A diff as columns: status, name, the two sides, the last change, and a note where the
 * status is unknown.
 *
 * @example
 * process.stdout.write(renderDiff(entries));
 */
export function renderDiff(entries: readonly DiffEntry[]): string {
  const notes = entries.some((entry) => entry.reason !== undefined);
  const rows = entries.map((entry) => [
    entry.status,
    entry.name,
    side(entry.from, entry.masked),
    side(entry.to, entry.masked),
    entry.lastChange
      ? `${entry.lastChange.user} ${entry.lastChange.action} ${entry.lastChange.time}${entry.lastChange.repair ? REPAIR_MARK : ''}`
      : '-',
    ...(notes ? [entry.reason ?? ''] : []),
  ]);
  const table = renderColumns(['STATUS', 'NAME', 'FROM', 'TO', 'LAST CHANGE', ...(notes ? ['NOTE'] : [])], rows);
  return withRepairNote(table, entries.some((entry) => entry.lastChange?.repair));
}

function withRepairNote(table: string, marked: boolean): string {
  return marked ? `${table}\n\n${REPAIR_NOTE}` : table;
}

/**
 * One line that counts each status.
 *
 * @example
 * diffSummaryLine(summary); // '1 created, 2 updated, 0 deleted, 5 unchanged, 0 unknown'
 */
export function diffSummaryLine(summary: DiffSummary): string {
  return `${summary.created} created, ${summary.updated} updated, ${summary.deleted} deleted, ${summary.unchanged} unchanged, ${summary.unknown} unknown`;
}

function side(value: DiffSide | undefined, masked: boolean): string {
  if (!value) return '-';
  const version = value.version === undefined ? '' : ` v${value.version}`;
  const shown = value.value === undefined ? '(value not recorded)' : shownValue(value.value, masked);
  return `${value.type ?? '?'} ${shown}${version}`;
}
