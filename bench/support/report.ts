/**
 * What every benchmark hands back: its question, its goal, the side-by-side tables it
 * measured and the headline figures, so `bench/run.ts` can print them, write RESULTS.md and
 * keep the raw numbers in results.json.
 */

export type Cell = string | number;

export interface Table {
  /** One line above the table saying what its rows are. */
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export interface Goal {
  readonly statement: string;
  /** Undefined when the run could not measure it (a step failed, or the size was too small). */
  readonly met: boolean | undefined;
  /** The issue asks only for the figure: there is nothing to meet or miss. */
  readonly informational?: boolean;
  /** The figure the verdict rests on, in words: "worst bundle 298 KiB, worst ratio 0.31". */
  readonly evidence: string;
}

export interface BenchmarkReport {
  readonly id: string;
  readonly title: string;
  readonly question: string;
  readonly goal: Goal;
  readonly tables: readonly Table[];
  /** Headline numbers by name, for results.json and for comparing runs. */
  readonly figures: Readonly<Record<string, number>>;
  /** How it was measured and what limits the figure; one sentence each. */
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export interface BenchmarkOptions {
  /** Smaller sizes, for a run of a minute or two instead of ten. */
  readonly quick: boolean;
}

/** Renders a table as GitHub markdown, numbers right-aligned. */
export function markdownTable(table: Table): string {
  const numeric = table.columns.map((_, column) => table.rows.every((row) => typeof row[column] === 'number'));
  const cell = (value: Cell) => (typeof value === 'number' ? formatNumber(value) : value).replaceAll('|', '\\|');
  const lines = [
    `| ${table.columns.join(' | ')} |`,
    `| ${numeric.map((right) => (right ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
  return `${table.caption}\n\n${lines.join('\n')}`;
}

/** The benchmark as markdown: question, goal and verdict, tables, notes. */
export function markdownReport(report: BenchmarkReport): string {
  const verdict = verdictOf(report.goal);
  return [
    `## ${report.title}`,
    `*${report.question}*`,
    `**Goal:** ${report.goal.statement} — **${verdict}** (${report.goal.evidence}).`,
    ...report.tables.map(markdownTable),
    ...(report.notes.length > 0 ? [report.notes.map((note) => `- ${note}`).join('\n')] : []),
    `_Benchmark run time: ${(report.durationMs / 1000).toFixed(1)} s._`,
  ].join('\n\n');
}

export function verdictOf(goal: Goal): string {
  if (goal.met === undefined) return 'not measured';
  if (goal.informational) return 'reported';
  return goal.met ? 'met' : 'missed';
}

/** Integers as they are, fractions with three significant digits (enough for noisy machines). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}
