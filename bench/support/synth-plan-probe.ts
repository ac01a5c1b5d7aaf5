/**
 * One synth and offline plan of the full stack, as `npm run plan` does it, in a fresh process
 * so nothing is cached in it; prints the time of each step as JSON on stdout. Run by
 * bench/synth-plan.bench.ts as `tsx synth-plan-probe.ts <work folder>`.
 *
 * Each terraform command goes through a wrapper script that appends its name and duration
 * to a file, so init, validate, plan and show are timed apart without changing
 * bin/offline-plan.ts.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const workDir = resolve(process.argv[2] ?? '.tmp/bench/synth-plan/run');
mkdirSync(workDir, { recursive: true });
const timesFile = join(workDir, 'terraform-times.txt');
writeFileSync(timesFile, '');
const wrapper = join(workDir, 'terraform-timed.sh');
writeFileSync(
  wrapper,
  [
    '#!/bin/sh',
    '# Runs terraform and appends "<command> <ms>" to the benchmark\'s times file.',
    'start=$(date +%s%N)',
    '"$FIGGY_BENCH_TERRAFORM" "$@"',
    'status=$?',
    'end=$(date +%s%N)',
    'echo "$1 $(( (end - start) / 1000000 ))" >> "$FIGGY_BENCH_TERRAFORM_TIMES"',
    'exit $status',
    '',
  ].join('\n'),
);
chmodSync(wrapper, 0o755);
process.env.FIGGY_BENCH_TERRAFORM = process.env.TERRAFORM_BINARY ?? 'terraform';
process.env.FIGGY_BENCH_TERRAFORM_TIMES = timesFile;

const steps: Record<string, number> = {};
let mark = performance.now();
const lap = (step: string) => {
  const now = performance.now();
  steps[step] = now - mark;
  mark = now;
};

const { App } = await import('cdktf');
const { buildStacks, readCdktfContext, readDeploymentConfig } = await import('../../stacks/app.ts');
const { PLACEHOLDER_ACCOUNT_ID, offlinePlan } = await import('../../bin/offline-plan.ts');
lap('load modules');

const outdir = join(workDir, 'cdktf.out');
const app = new App({ outdir, context: readCdktfContext() });
const config = readDeploymentConfig(process.env, app.node.getAllContext());
const stacks = buildStacks(app, {
  ...config,
  accountId: config.accountId ?? PLACEHOLDER_ACCOUNT_ID,
});
lap('build constructs (reads the 6 shipped bundles)');
app.synth();
lap('synth (write Terraform JSON and assets)');

let resources = 0;
for (const stack of stacks) {
  const result = offlinePlan(join(outdir, 'stacks', stack.node.id), join(workDir, 'plan'), { binary: wrapper });
  resources += result.summary.create;
}
lap('offline plan (init, validate, plan, show)');

const terraform: Record<string, number> = {};
for (const line of readFileSync(timesFile, 'utf8').trim().split('\n')) {
  const [command, ms] = line.split(' ');
  if (command) terraform[command] = (terraform[command] ?? 0) + Number(ms);
}
process.stdout.write(`${JSON.stringify({ steps, terraform, stacks: stacks.length, resources })}\n`);
