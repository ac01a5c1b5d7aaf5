/**
 * `npm run bench [-- --quick] [-- --only <id>[,<id>]]`: runs every benchmark, each in a
 * fresh process, one after the other (they share two cores and must not disturb each
 * other), then writes bench/RESULTS.md and bench/results.json (RESULTS.quick.md and
 * RESULTS.<ids>.md for quick and partial runs). `-- --render` rewrites RESULTS.md from
 * results.json without measuring.
 *
 * The offline plan needs the Terraform provider: set TF_PLUGIN_DIR to a provider mirror
 * (e.g. TF_PLUGIN_DIR=/opt/tf-plugins) on a machine without network. Do not run it beside
 * a test run: the figures would measure both.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, type Machine } from './support/machine.ts';
import { markdownReport, verdictOf, type BenchmarkReport } from './support/report.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

/** In the issue's order; each file answers one question. */
const BENCHMARKS = [
  { id: 'cold-start', file: 'cold-start.bench.ts', title: '1. Cold start per handler' },
  { id: 'replicator-cost', file: 'replicator-cost.bench.ts', title: '2. Replicator cost per source change' },
  { id: 'replication-syncer', file: 'replication-syncer.bench.ts', title: '3. Replication syncer beside an application, under SSM rate limits' },
  { id: 'propagation', file: 'propagation.bench.ts', title: '4. Propagation latency' },
  { id: 'synth-plan', file: 'synth-plan.bench.ts', title: '5. Synth and offline plan' },
  { id: 'prefix-restore', file: 'prefix-restore.bench.ts', title: '6. Restore plan of one prefix beside 100,000 other records' },
  { id: 'syncers-at-scale', file: 'syncers-at-scale.bench.ts', title: '7. Syncers at 110,000 parameters and 100,000 mappings, across invocations' },
  { id: 'mirror-copy', file: 'mirror-copy.bench.ts', title: "8. A mirror's first copy and full repair against the write pace" },
  { id: 'audit-syncer', file: 'audit-syncer.bench.ts', title: "9. Audit syncer over 10,000 events of CloudTrail's event history" },
] as const;

function otherHeavyRuns(): string[] {
  try {
    const lines = execFileSync('pgrep', ['-af', 'mocha|DynamoDBLocal'], { encoding: 'utf8' }).trim().split('\n');
    return lines.filter((line) => line && !line.includes(String(process.pid)));
  } catch {
    // pgrep exits 1 when nothing matches.
    return [];
  }
}

function failedReport(benchmark: (typeof BENCHMARKS)[number], reason: string, durationMs: number): BenchmarkReport {
  return {
    id: benchmark.id,
    title: benchmark.title,
    question: '',
    goal: { statement: 'see the benchmark file', met: undefined, evidence: reason },
    tables: [],
    figures: {},
    notes: [],
    durationMs,
  };
}

interface Results {
  readonly generatedAt: string;
  readonly mode: 'quick' | 'full';
  readonly totalSeconds: number;
  readonly machine: Machine;
  readonly benchmarks: readonly BenchmarkReport[];
}

/** Writes RESULTS<suffix>.md from the results; returns the summary table. */
function writeMarkdown(results: Results, suffix: string): string {
  const { machine, mode, totalSeconds, benchmarks } = results;
  const summary = [
    '| benchmark | goal | verdict | evidence |',
    '| --- | --- | --- | --- |',
    ...benchmarks.map((report) => `| ${report.title} | ${report.goal.statement} | ${verdictOf(report.goal)} | ${report.goal.evidence.replaceAll('|', '\\|')} |`),
  ].join('\n');
  const markdown = [
    '# Benchmarks',
    `Written by \`npm run bench${mode === 'quick' ? ' -- --quick' : ''}\` (bench/run.ts) on ${results.generatedAt}; each benchmark is one file in bench/ and can be run alone with \`npx tsx bench/<file>\`. Every figure is a side-by-side or a ratio measured in the same run, because timings on a shared machine drift.`,
    '## Machine',
    [
      '| cpu | cores | memory | node | os | load average at start | commit |',
      '| --- | ---: | ---: | --- | --- | ---: | --- |',
      `| ${machine.cpu} | ${machine.cores} | ${machine.memoryGiB} GiB | ${machine.node} | ${machine.os} | ${machine.loadAverageAtStart} | ${machine.commit} |`,
    ].join('\n'),
    `Mode: ${mode === 'quick' ? 'quick (smaller sizes)' : 'full'}; total run time ${totalSeconds} s.`,
    '## Summary',
    summary,
    ...benchmarks.map(markdownReport),
  ].join('\n\n');
  writeFileSync(join(BENCH_DIR, `RESULTS${suffix}.md`), `${markdown}\n`);
  return summary;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      // Rewrites RESULTS.md from results.json without measuring again (after a format change).
      render: { type: 'boolean', default: false },
    },
  });
  if (values.render) {
    const results = JSON.parse(readFileSync(join(BENCH_DIR, 'results.json'), 'utf8')) as Results;
    writeMarkdown(results, '');
    console.log('rewrote bench/RESULTS.md from bench/results.json');
    return;
  }
  const quick = values.quick ?? false;
  const only = values.only?.split(',').map((id) => id.trim());
  const selected = BENCHMARKS.filter((benchmark) => !only || only.includes(benchmark.id));
  if (selected.length === 0) {
    console.error(`no benchmark called ${values.only}; they are: ${BENCHMARKS.map((b) => b.id).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const busy = otherHeavyRuns();
  if (busy.length > 0) {
    console.error(`warning: other heavy processes are running; timings will be slower than this machine can do:\n  ${busy.join('\n  ')}`);
  }

  const machine = describeMachine();
  const started = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'figgy-bench-'));
  const reports: BenchmarkReport[] = [];
  try {
    for (const benchmark of selected) {
      console.error(`\n=== ${benchmark.title} (${benchmark.file})`);
      const out = join(scratch, `${benchmark.id}.json`);
      const benchmarkStart = Date.now();
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(BENCH_DIR, benchmark.file), '--out', out, ...(quick ? ['--quick'] : [])],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      if (child.status === 0) {
        reports.push(JSON.parse(readFileSync(out, 'utf8')) as BenchmarkReport);
      } else {
        const reason = child.error?.message ?? `exited with ${child.signal ?? `code ${child.status}`}; its output is above`;
        reports.push(failedReport(benchmark, reason, Date.now() - benchmarkStart));
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const totalSeconds = Math.round((Date.now() - started) / 1000);
  const results: Results = { generatedAt: new Date().toISOString(), mode: quick ? 'quick' : 'full', totalSeconds, machine, benchmarks: reports };
  // A partial run (--only) or a quick one writes beside the full results instead of over them.
  const suffix = only ? `.${selected.map((benchmark) => benchmark.id).join('+')}` : quick ? '.quick' : '';
  writeFileSync(join(BENCH_DIR, `results${suffix}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const summary = writeMarkdown(results, suffix);
  console.log(`\n${summary}\n\nwrote bench/RESULTS${suffix}.md and bench/results${suffix}.json (${totalSeconds} s)`);
  if (reports.some((report) => report.goal.met === undefined && !report.goal.informational && report.tables.length === 0)) {
    process.exitCode = 1;
  }
}

main();
