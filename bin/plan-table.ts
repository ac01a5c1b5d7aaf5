/**
 * The restore plan as a table for people.
 */
import type { PlanEntry, PlanSummary, ShownValue } from '../shared/restore/types.ts';

const VALUE_WIDTH = 40;
const SOURCE_NOTES: Readonly<Record<string, string>> = {
  'audit-log': 'value from the audit log',
  'ssm-history': 'value from SSM history',
  'audit-ciphertext': 'value from the audit ciphertext (KMS)',
};

/**
 * Renders plan entries as aligned columns: action, name, now, at T, note. Values are quoted
 * as JSON strings (so a newline or trailing space shows) and cut at 40 characters; the
 * entries are already masked.
 *
 * @example
 * process.stdout.write(renderPlanTable(planEntries(plan), summarize(entries)));
 */
export function renderPlanTable(entries: readonly PlanEntry[], summary: PlanSummary): string {
  const rows = entries.map((entry) => [
    entry.action,
    entry.name,
    shown(entry.from, entry.masked),
    shown(entry.to, entry.masked),
    entry.reason ?? (entry.to && entry.action !== 'unchanged' ? (SOURCE_NOTES[entry.to.source] ?? '') : ''),
  ]);
  const header = ['ACTION', 'NAME', 'NOW', 'AT T', 'NOTE'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join('  ')
      .trimEnd();
  const table = entries.length === 0 ? ['(no parameter under this prefix, now or at T)'] : [line(header), ...rows.map(line)];
  return `${table.join('\n')}\n\n${summaryLine(summary)}\n`;
}

/**
 * One line that counts each action, and every other count of `--json`'s summary, under the
 * same words.
 *
 * @example
 * summaryLine(summary); // '1 to create, 2 to update, 0 to delete, 3 unchanged, 1 skipped (0 unresolved: cannot be restored)'
 */
export function summaryLine(summary: PlanSummary): string {
  return (
    `${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete, ` +
    `${summary.unchanged} unchanged, ${summary.skipped} skipped (${summary.unresolved} unresolved: cannot be restored)`
  );
}

function shown(value: ShownValue | undefined, masked: boolean): string {
  if (!value) return '-';
  const quoted = JSON.stringify(value.value);
  const text = quoted.length > VALUE_WIDTH ? `${quoted.slice(0, VALUE_WIDTH - 1)}…` : quoted;
  const version = value.version === undefined ? '' : ` v${value.version}`;
  // A mask is not a value: printed bare, so nobody takes "********" for the secret.
  return `${value.type} ${masked ? value.value : text}${version}`;
}
