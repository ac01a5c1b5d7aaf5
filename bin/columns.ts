/**
 * Aligned columns for the audit commands' tables.
 */

/**
 * Renders rows under a header, each column as wide as its widest cell, the last one unpadded.
 *
 * @example
 * renderColumns(['TIME', 'ACTION'], [['2026-03-01T10:00:00Z', 'PutParameter']]);
 */
export function renderColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const VALUE_WIDTH = 40;

/**
 * A value as a table shows it: quoted as JSON (so a newline or trailing space shows) and cut
 * at 40 characters; a mask printed bare, so nobody takes "********" for the secret; `-` for
 * no value.
 *
 * @example
 * shownValue('db-1', false); // '"db-1"'
 */
export function shownValue(value: string | undefined, masked: boolean): string {
  if (value === undefined) return '-';
  if (masked) return value;
  const quoted = JSON.stringify(value);
  return quoted.length > VALUE_WIDTH ? `${quoted.slice(0, VALUE_WIDTH - 1)}…` : quoted;
}
