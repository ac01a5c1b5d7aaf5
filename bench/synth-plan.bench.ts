/**
 * Question: how long do synth and the offline plan of the full stack take?
 *
 * The steps of `npm run plan`, each timed, in a fresh process per run: loading cdktf, the
 * provider bindings and our constructs; building the constructs (which bundles the six
 * handlers); synth; then terraform init (from the provider mirror in TF_PLUGIN_DIR),
 * validate, plan and show. The first run reads everything from disk; the others show what a
 * warm machine (CI runner with caches) pays.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../stacks/function-bundles.ts';
import type { BenchmarkOptions, BenchmarkReport } from './support/report.ts';
import { progress, runIfMain } from './support/standalone.ts';
import { median, round } from './support/stats.ts';

const ID = 'synth-plan';
const OUT_DIR = join(packageRoot(), '.tmp', 'bench', ID);
const PROBE = fileURLToPath(new URL('./support/synth-plan-probe.ts', import.meta.url));

interface ProbeResult {
  readonly steps: Record<string, number>;
  readonly terraform: Record<string, number>;
  readonly stacks: number;
  readonly resources: number;
}

export async function run({ quick }: BenchmarkOptions): Promise<BenchmarkReport> {
  const started = Date.now();
  const runs = quick ? 1 : 3;
  const results: ProbeResult[] = [];
  let failure: string | undefined;
  for (let index = 1; index <= runs && !failure; index++) {
    progress(ID, `run ${index}/${runs}: synth and offline plan in a fresh process`);
    const workDir = join(OUT_DIR, `run-${index}`);
    rmSync(workDir, { recursive: true, force: true });
    try {
      const output = execFileSync(process.execPath, ['--import', 'tsx', PROBE, workDir], {
        cwd: packageRoot(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
      results.push(JSON.parse(output.trim().split('\n').at(-1) as string) as ProbeResult);
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      failure = stderr.trim().split('\n').slice(-6).join(' ');
    }
  }
  rmSync(OUT_DIR, { recursive: true, force: true });

  const stepNames = results[0] ? Object.keys(results[0].steps) : [];
  const commandNames = results[0] ? Object.keys(results[0].terraform) : [];
  const seconds = (ms: number | undefined) => (ms === undefined ? Number.NaN : round(ms / 1000, 2));
  const total = (result: ProbeResult) => Object.values(result.steps).reduce((sum, ms) => sum + ms, 0);
  const synthOf = (result: ProbeResult) =>
    Object.entries(result.steps)
      .filter(([step]) => !step.startsWith('offline plan'))
      .reduce((sum, [, ms]) => sum + ms, 0);
  const planOf = (result: ProbeResult) => total(result) - synthOf(result);
  const columns = ['step', ...results.map((_, index) => `run ${index + 1} s`), ...(results.length > 1 ? ['median s'] : [])];
  const row = (label: string, value: (result: ProbeResult) => number | undefined) => {
    const values = results.map(value);
    const medianCell = results.length > 1 ? [seconds(median(values.filter((v): v is number => v !== undefined)))] : [];
    return [label, ...values.map(seconds), ...medianCell];
  };
  const figures: Record<string, number> = {};
  if (results.length > 0) {
    figures.synthSeconds = seconds(median(results.map(synthOf)));
    figures.offlinePlanSeconds = seconds(median(results.map(planOf)));
    figures.totalSeconds = seconds(median(results.map(total)));
    figures.resources = results[0]?.resources ?? 0;
  }
  return {
    id: ID,
    title: '5. Synth and offline plan of the full stack',
    question: 'How long do `cdktf synth` and the offline `terraform plan` of the full stack take?',
    goal: {
      statement: 'none set; the issue asks for the figure',
      met: failure ? undefined : true,
      informational: true,
      evidence: failure
        ? `a run failed: ${failure}`
        : `synth ${figures.synthSeconds} s, offline plan ${figures.offlinePlanSeconds} s, ${results[0]?.resources} resources in ${results[0]?.stacks} stack(s) (median of ${results.length})`,
    },
    tables:
      results.length === 0
        ? []
        : [
            {
              caption: `Each run a fresh process: \`node --import tsx\` then the steps of \`npm run plan\` (${results[0]?.stacks} stack, ${results[0]?.resources} resources to create).`,
              columns,
              rows: [
                ...stepNames.map((step) => row(step, (result) => result.steps[step])),
                ...commandNames.map((command) => row(`↳ terraform ${command}`, (result) => result.terraform[command])),
                row('synth total', synthOf),
                row('offline plan total', planOf),
                row('total', total),
              ],
            },
          ],
    figures,
    notes: [
      `terraform init reads the provider from TF_PLUGIN_DIR (${process.env.TF_PLUGIN_DIR ?? 'unset: init needs the registry'}); node start-up and the tsx loader, a few hundred ms, are not counted.`,
      'Bundles and the synth output go to a temporary folder, not dist/functions or cdktf.out.',
    ],
    durationMs: Date.now() - started,
  };
}

await runIfMain(import.meta.url, run);
