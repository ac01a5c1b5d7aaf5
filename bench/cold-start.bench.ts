/**
 * Question: how much of a cold start does each shipped bundle cost, next to the naive way of
 * bundling the same handler?
 *
 * Bytes of each bundle (raw, and gzipped: about what its deployment archive holds), and the
 * median time to `import()` it in 20 fresh `node` processes, for the shipped bundle (what
 * `cdktf deploy` uploads) and a naive CommonJS bundle. Runs are interleaved, so a burst of
 * load on the machine hits both alike. The bundles once had a raw-size goal (300 KiB); it is retired: it
 * bought little import time, and the import ratio is the figure a cold start feels.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import { bundleHandler } from '../scripts/bundle-handlers.ts';
import { packageRoot } from '../stacks/function-bundles.ts';
import { buildNaiveBundle } from './baselines/naive-bundle.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { median, round } from './support/stats.ts';

const ID = 'cold-start';
const OUT_DIR = join(packageRoot(), '.tmp', 'bench', ID);
const PROBE = fileURLToPath(new URL('./support/import-probe.mjs', import.meta.url));
const RATIO_GOAL = 0.5;

const VARIANTS = ['shipped', 'naive'] as const;
type Variant = (typeof VARIANTS)[number];

// What Lambda puts in every function's environment before the module loads; the bundles
// create their SDK clients at import, and those read region and credentials from here.
const LAMBDA_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'ASIABENCHMARK',
  AWS_SECRET_ACCESS_KEY: 'benchmark',
  AWS_SESSION_TOKEN: 'benchmark',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  LOG_LEVEL: 'INFO',
};

function files(name: FunctionName): Record<Variant, { file: string; bytes: number }> {
  const shipped = bundleHandler(name, { directory: join(OUT_DIR, 'shipped') });
  return { shipped, naive: buildNaiveBundle(name, join(OUT_DIR, 'naive')) };
}

function importMs(file: string, name: FunctionName): number {
  const output = execFileSync(process.execPath, [PROBE, file], {
    env: { ...LAMBDA_ENV, AWS_LAMBDA_FUNCTION_NAME: name },
    encoding: 'utf8',
  });
  return (JSON.parse(output) as { importMs: number }).importMs;
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const processes = quick ? 5 : 20;
  rmSync(OUT_DIR, { recursive: true, force: true });
  const bundles = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, files(name)])) as Record<
    FunctionName,
    ReturnType<typeof files>
  >;
  const samples = new Map<string, number[]>();
  const key = (name: FunctionName, variant: Variant) => `${name}\u0000${variant}`;
  // One unrecorded import each first: the first read of a file comes from disk, not cache.
  for (const name of FUNCTION_NAMES) for (const variant of VARIANTS) importMs(bundles[name][variant].file, name);
  for (let round_ = 1; round_ <= processes; round_++) {
    progress(ID, `round ${round_}/${processes}: ${FUNCTION_NAMES.length * VARIANTS.length} fresh processes`);
    for (const name of FUNCTION_NAMES) {
      for (const variant of VARIANTS) {
        const list = samples.get(key(name, variant)) ?? [];
        list.push(importMs(bundles[name][variant].file, name));
        samples.set(key(name, variant), list);
      }
    }
  }

  const kib = (bytes: number) => round(bytes / 1024, 1);
  const rows = FUNCTION_NAMES.map((name) => {
    const ms = (variant: Variant) => round(median(samples.get(key(name, variant)) ?? []), 1);
    return {
      name,
      shippedKiB: kib(bundles[name].shipped.bytes),
      shippedGzipKiB: kib(gzipSync(readFileSync(bundles[name].shipped.file)).length),
      shippedMs: ms('shipped'),
      naiveKiB: kib(bundles[name].naive.bytes),
      naiveMs: ms('naive'),
      ratio: round(ms('shipped') / ms('naive'), 2),
    };
  });
  const largest = Math.max(...rows.map((row) => row.shippedKiB));
  const worstRatio = Math.max(...rows.map((row) => row.ratio));
  const figures: Record<string, number> = { largestShippedKiB: largest, worstImportRatio: worstRatio };
  for (const row of rows) {
    figures[`${row.name}.shippedKiB`] = row.shippedKiB;
    figures[`${row.name}.shippedGzipKiB`] = row.shippedGzipKiB;
    figures[`${row.name}.shippedImportMs`] = row.shippedMs;
    figures[`${row.name}.naiveKiB`] = row.naiveKiB;
    figures[`${row.name}.naiveImportMs`] = row.naiveMs;
  }
  return {
    id: ID,
    title: '1. Cold start per handler',
    question: 'How many bytes does each shipped bundle weigh, and how long does importing it take, next to a naive CommonJS bundle of the same handler?',
    goal: {
      statement: `every shipped bundle's import ≤ ${RATIO_GOAL}× the naive one`,
      met: worstRatio <= RATIO_GOAL,
      evidence: `largest shipped bundle ${largest} KiB, worst shipped/naive import ratio ${worstRatio}`,
    },
    tables: [
      {
        caption: `Median import time of ${processes} fresh \`node\` processes per cell (KiB = 1,024 bytes).`,
        columns: [
          'handler',
          'shipped KiB',
          'shipped gzip KiB',
          'shipped import ms',
          'naive CJS KiB',
          'naive import ms',
          'shipped / naive',
        ],
        rows: rows.map((row) => [
          row.name,
          row.shippedKiB,
          row.shippedGzipKiB,
          row.shippedMs,
          row.naiveKiB,
          row.naiveMs,
          row.ratio,
        ]),
      },
    ],
    figures,
    notes: [
      'Import time is `performance.now()` around `await import()` of the bundle in a fresh `node` process (plain node, no TypeScript loader), with the environment Lambda gives a function; Node start-up itself is the same for every bundle and is not counted.',
      `Naive bundle: esbuild \`format: 'cjs'\`, no minification, \`treeShaking: false\`, packages' CommonJS builds (bench/baselines/naive-bundle.ts).`,
      `Measured on Node ${process.version}; Lambda runs nodejs22.x, on a slower CPU share at 256 MB, so absolute times there are larger; the ratios are the portable figure.`,
    ],
    durationMs: Date.now() - started,
  };
}

await runIfMain(import.meta.url, run);
