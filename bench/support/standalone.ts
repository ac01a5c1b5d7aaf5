/**
 * Lets each benchmark file run on its own (`npx tsx bench/cold-start.bench.ts [--quick]`) as
 * well as under `bench/run.ts`, which runs it the same way in a fresh process and collects
 * its report from `--out`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownReport, type BenchmarkOptions, type BenchmarkReport } from './report.ts';

export type Benchmark = (options: BenchmarkOptions) => Promise<BenchmarkReport>;

/** Runs `benchmark` when `moduleUrl` is the file node was started with; otherwise does nothing. */
export async function runIfMain(moduleUrl: string, benchmark: Benchmark): Promise<void> {
  const entry = process.argv[1];
  if (!entry || resolve(entry) !== fileURLToPath(moduleUrl)) return;
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
  });
  const report = await benchmark({ quick: values.quick ?? false });
  console.log(`\n${markdownReport(report)}\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
}

/** One progress line on stderr, so stdout stays the report. */
export function progress(benchmark: string, message: string): void {
  process.stderr.write(`[${benchmark}] ${message}\n`);
}
