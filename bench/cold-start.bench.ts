/**
 * Question: does what the shipped bundles leave out pay at a cold start?
 *
 * Each handler's shipped bundle (what `cdktf deploy` uploads) beside a plain esbuild bundle of
 * the same handler: minified, the same `mainFields` and banner, no alias or plugin, one file
 * (bench/baselines/plain-bundle.ts). Bytes of each that a cold start loads (the shipped
 * bundle's entry and the chunks it imports statically; the chunks it imports only when needed
 * are counted apart), gzipped as well, and the median time to `import()` it in fresh `node`
 * processes; runs are interleaved, so a burst of load on the machine hits both alike. The
 * budget: import ≤ 0.8× the plain bundle's, and ≤ 110 KiB gzipped loaded at a cold start. (The raw 300 KiB goal and the naive-CommonJS
 * baseline are retired: the first bought little import time, the second measured nothing a
 * bundle of ours would ever be.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FUNCTION_NAMES, type FunctionName } from '../shared/functions.ts';
import { bundleHandler } from '../scripts/bundle-handlers.ts';
import { packageRoot } from '../stacks/function-bundles.ts';
import { buildPlainBundle } from './baselines/plain-bundle.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { median, round } from './support/stats.ts';

const ID = 'cold-start';
const OUT_DIR = join(packageRoot(), '.tmp', 'bench', ID);
const PROBE = fileURLToPath(new URL('./support/import-probe.mjs', import.meta.url));
const RATIO_BUDGET = 0.8;
const GZIP_BUDGET_KIB = 110;

const VARIANTS = ['shipped', 'plain'] as const;
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

interface MeasuredBundle {
  readonly file: string;
  /** Bytes a cold start loads, and gzipped. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Bytes of chunks loaded only when first needed. */
  readonly lazyBytes: number;
}

function files(name: FunctionName): Record<Variant, MeasuredBundle> {
  const shipped = bundleHandler(name, { directory: join(OUT_DIR, 'shipped') });
  const plain = buildPlainBundle(name, join(OUT_DIR, 'plain'));
  const loaded = shipped.startupFiles.map((path) => readFileSync(join(shipped.directory, path)));
  const startupBytes = loaded.reduce((sum, content) => sum + content.length, 0);
  return {
    shipped: {
      file: shipped.file,
      bytes: startupBytes,
      gzipBytes: loaded.reduce((sum, content) => sum + gzipSync(content).length, 0),
      lazyBytes: shipped.bytes - startupBytes,
    },
    plain: { file: plain.file, bytes: plain.bytes, gzipBytes: gzipSync(readFileSync(plain.file)).length, lazyBytes: 0 },
  };
}

interface ImportSample {
  readonly importMs: number;
  readonly cpuMs: number;
}

function importOnce(file: string, name: FunctionName): ImportSample {
  const output = execFileSync(process.execPath, [PROBE, file], {
    env: { ...LAMBDA_ENV, AWS_LAMBDA_FUNCTION_NAME: name },
    encoding: 'utf8',
  });
  return JSON.parse(output) as ImportSample;
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const processes = quick ? 5 : 20;
  rmSync(OUT_DIR, { recursive: true, force: true });
  const bundles = Object.fromEntries(FUNCTION_NAMES.map((name) => [name, files(name)])) as Record<
    FunctionName,
    ReturnType<typeof files>
  >;
  const samples = new Map<string, ImportSample[]>();
  const key = (name: FunctionName, variant: Variant) => `${name}\u0000${variant}`;
  // One unrecorded import each first: the first read of a file comes from disk, not cache.
  for (const name of FUNCTION_NAMES) for (const variant of VARIANTS) importOnce(bundles[name][variant].file, name);
  for (let round_ = 1; round_ <= processes; round_++) {
    progress(ID, `round ${round_}/${processes}: ${FUNCTION_NAMES.length * VARIANTS.length} fresh processes`);
    for (const name of FUNCTION_NAMES) {
      for (const variant of VARIANTS) {
        const list = samples.get(key(name, variant)) ?? [];
        list.push(importOnce(bundles[name][variant].file, name));
        samples.set(key(name, variant), list);
      }
    }
  }
  const of = (name: FunctionName, variant: Variant) => samples.get(key(name, variant)) ?? [];
  // The ratio of the pair imported back to back in each round, then the median of those:
  // a burst of load that slows one round slows both sides of its ratio.
  const pairedRatio = (name: FunctionName, field: keyof ImportSample) =>
    round(median(of(name, 'shipped').map((sample, i) => sample[field] / (of(name, 'plain')[i] as ImportSample)[field])), 2);

  const kib = (bytes: number) => round(bytes / 1024, 1);
  const rows = FUNCTION_NAMES.map((name) => {
    const ms = (variant: Variant) => round(median(of(name, variant).map((sample) => sample.importMs)), 1);
    const row = {
      name,
      shippedKiB: kib(bundles[name].shipped.bytes),
      shippedGzipKiB: kib(bundles[name].shipped.gzipBytes),
      shippedLazyKiB: kib(bundles[name].shipped.lazyBytes),
      shippedMs: ms('shipped'),
      plainKiB: kib(bundles[name].plain.bytes),
      plainGzipKiB: kib(bundles[name].plain.gzipBytes),
      plainMs: ms('plain'),
      ratio: pairedRatio(name, 'importMs'),
      cpuRatio: pairedRatio(name, 'cpuMs'),
    };
    const overs = [
      ...(row.ratio > RATIO_BUDGET ? [`import ${row.ratio}× > ${RATIO_BUDGET}×`] : []),
      ...(row.shippedGzipKiB > GZIP_BUDGET_KIB ? [`gzip ${row.shippedGzipKiB} > ${GZIP_BUDGET_KIB} KiB`] : []),
    ];
    return { ...row, withinBudget: overs.length === 0, budget: overs.length === 0 ? 'within' : `over: ${overs.join(', ')}` };
  });
  const worstRatio = Math.max(...rows.map((row) => row.ratio));
  const largestGzip = Math.max(...rows.map((row) => row.shippedGzipKiB));
  const over = rows.filter((row) => !row.withinBudget).map((row) => row.name);
  const figures: Record<string, number> = { worstImportRatio: worstRatio, largestShippedGzipKiB: largestGzip };
  for (const row of rows) {
    figures[`${row.name}.shippedKiB`] = row.shippedKiB;
    figures[`${row.name}.shippedGzipKiB`] = row.shippedGzipKiB;
    figures[`${row.name}.shippedLazyKiB`] = row.shippedLazyKiB;
    figures[`${row.name}.shippedImportMs`] = row.shippedMs;
    figures[`${row.name}.plainKiB`] = row.plainKiB;
    figures[`${row.name}.plainGzipKiB`] = row.plainGzipKiB;
    figures[`${row.name}.plainImportMs`] = row.plainMs;
    figures[`${row.name}.importRatio`] = row.ratio;
    figures[`${row.name}.importCpuRatio`] = row.cpuRatio;
  }
  return {
    id: ID,
    title: '1. Cold start per handler',
    question:
      'How long does importing each shipped bundle take next to a plain esbuild bundle of the same handler, and how many bytes does it weigh?',
    goal: {
      statement: `every shipped bundle's import ≤ ${RATIO_BUDGET}× the plain one's, and ≤ ${GZIP_BUDGET_KIB} KiB gzipped`,
      met: over.length === 0,
      evidence:
        `worst shipped/plain import ratio ${worstRatio}, largest shipped bundle ${largestGzip} KiB gzipped` +
        (over.length === 0 ? '' : `; over budget: ${over.join(', ')}`),
    },
    tables: [
      {
        caption: `Median import time of ${processes} fresh \`node\` processes per cell (KiB = 1,024 bytes); budget ≤ ${RATIO_BUDGET}× and ≤ ${GZIP_BUDGET_KIB} KiB gzipped.`,
        columns: [
          'handler',
          'shipped KiB',
          'shipped gzip KiB',
          'shipped lazy KiB',
          'shipped import ms',
          'plain KiB',
          'plain gzip KiB',
          'plain import ms',
          'shipped / plain',
          'CPU shipped / plain',
          'budget',
        ],
        rows: rows.map((row) => [
          row.name,
          row.shippedKiB,
          row.shippedGzipKiB,
          row.shippedLazyKiB,
          row.shippedMs,
          row.plainKiB,
          row.plainGzipKiB,
          row.plainMs,
          row.ratio,
          row.cpuRatio,
          row.budget,
        ]),
      },
    ],
    figures,
    notes: [
      'Import time is `performance.now()` around `await import()` of the bundle in a fresh `node` process (plain node, no TypeScript loader), with the environment Lambda gives a function; Node start-up itself is the same for every bundle and is not counted.',
      "shipped / plain is the median of each round's ratio (the two imported back to back), on wall-clock time, which the budget is stated in; CPU shipped / plain is the same on `process.cpuUsage()` over the import, which a busy machine disturbs less.",
      'Plain bundle: `handlerBuildOptions` of scripts/bundle-handlers.ts (ESM, minified, `mainFields` module then main, the `require` banner) without the `@aws-sdk/credential-provider-node` alias and in one file, as esbuild bundles by default (bench/baselines/plain-bundle.ts).',
      'Shipped KiB and gzip KiB count what a cold start loads: `index.mjs` and the chunks it imports statically (each file gzipped on its own). Lazy KiB are the chunks loaded on first use only: the KMS client (comparing SecureString replica keys), the STS client (a replica target in another account) and the SDK\'s own lazily imported parts.',
      `Measured on Node ${process.version}; Lambda runs nodejs22.x, on a slower CPU share at 256 MB, so absolute times there are larger; the ratios are the portable figure.`,
    ],
    durationMs: Date.now() - started,
  };
}

await runIfMain(import.meta.url, run);
