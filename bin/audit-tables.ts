/**
 * The audit commands' results as tables for people; the entries are already masked.
 */
import type { AuditEntry, DiffEntry, DiffSide, DiffSummary } from '../shared/audit/audit-reader.ts';
import { renderColumns, shownValue } from './columns.ts';

/**
 * Audit entries as columns: time, (name,) action, version, type, value, user. The action is
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
    entry.user,
  ]);
  return renderColumns(header, rows);
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
    entry.lastChange ? `${entry.lastChange.user} ${entry.lastChange.action} ${entry.lastChange.time}` : '-',
    ...(notes ? [entry.reason ?? ''] : []),
  ]);
  return renderColumns(['STATUS', 'NAME', 'FROM', 'TO', 'LAST CHANGE', ...(notes ? ['NOTE'] : [])], rows);
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
