/**
 * `figgy-events plan`: a synthesized stack planned offline, the way this repository's own
 * `npm run plan` plans its stacks.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { SetupError } from '../shared/errors.ts';
import { UsageError, parseOptions, type CommandContext } from './command-line.ts';
import { formatSummary, offlinePlan, terraformVersion, type OfflinePlanResult } from './offline-plan.ts';

const SYNTHESIZED_FILE = 'cdk.tf.json';

export const PLAN_HELP = `Usage: figgy-events plan DIR [--json FILE] [--keep] [--plugin-dir DIR] [--aws-provider VERSION]

Plans a synthesized cdktf or CDK Terrain (cdktn) stack offline, with no AWS account, no
credentials and no remote state: terraform init, validate and plan run in a copy of DIR that
gets an override file (placeholder credentials, the AWS provider's skip flags, a local
backend); DIR itself is never written, so a later "cdktf deploy" cannot pick the override up.
Then it prints what the plan would create, change and destroy, per resource type.

DIR is one stack's synth folder (cdktf.out/stacks/<stack>, with cdk.tf.json) or cdktf.out
itself, for every stack in it. Synthesize first (npx cdktf synth, npx cdktn synth, or node
main.js).

Options:
  --json FILE        also write "terraform show -json" of each plan (FILE.<stack>.json when
                     there are several stacks)
  --keep             keep the Terraform working folders, and say where
  --plugin-dir DIR   a provider mirror for terraform init -plugin-dir (default:
                     TF_PLUGIN_DIR; without one, init downloads hashicorp/aws)
  --aws-provider VERSION
                     plan with this hashicorp/aws release instead of the stack's pin, e.g.
                     a cdktn stack (aws 6.x) against a mirror holding 5.100.0
  -h, --help         show this help

The construct needs accountId for an offline plan: without it the stack reads the account
from aws_caller_identity, which only AWS can answer.

Exit codes: 0 planned, 1 terraform is missing or failed (its output is printed), 2 bad usage.

Environment: TF_PLUGIN_DIR, TERRAFORM_BINARY (default: terraform on PATH; Terraform >= 1.10).

Examples:
  figgy-events plan cdktf.out/stacks/parameters-eu-west-1
  TF_PLUGIN_DIR=/opt/tf-plugins figgy-events plan cdktf.out --json plan.json
  figgy-events plan cdktf.out --aws-provider 5.100.0 --plugin-dir /opt/tf-plugins
`;

/**
 * Runs `plan`; resolves with the exit code.
 *
 * @example
 * const code = await runPlan(['cdktf.out/stacks/parameters-eu-west-1'], context);
 */
export async function runPlan(args: readonly string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { json: { type: 'string' }, keep: { type: 'boolean' }, 'plugin-dir': { type: 'string' }, 'aws-provider': { type: 'string' } },
    1,
  );
  if (values.help) {
    context.stdout.write(PLAN_HELP);
    return 0;
  }
  const [dir] = positionals;
  if (dir === undefined) throw new UsageError('a synthesized stack DIR is required, e.g. figgy-events plan cdktf.out/stacks/parameters-eu-west-1');
  const pluginDir = values['plugin-dir'] ?? optional(context.env.TF_PLUGIN_DIR);
  if (pluginDir !== undefined && !isDirectory(pluginDir)) throw new UsageError(`--plugin-dir ${pluginDir} is not a folder`);
  const awsProviderVersion = values['aws-provider'];
  if (awsProviderVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(awsProviderVersion)) {
    throw new UsageError(`--aws-provider ${awsProviderVersion} is not a release number such as 5.100.0`);
  }
  const stacks = stackDirs(dir);
  for (const stack of stacks) refuseCallerIdentity(stack);

  const options = {
    ...(pluginDir !== undefined && { pluginDir }),
    ...(optional(context.env.TERRAFORM_BINARY) !== undefined && { binary: context.env.TERRAFORM_BINARY }),
    ...(awsProviderVersion !== undefined && { awsProviderVersion }),
  };
  context.stdout.write(
    `terraform ${terraformVersion(options)}${pluginDir ? `, providers from ${pluginDir}` : ''}` +
      `${awsProviderVersion ? `, hashicorp/aws pinned to ${awsProviderVersion}` : ''}\n`,
  );
  const workRoot = mkdtempSync(join(tmpdir(), 'figgy-plan-'));
  try {
    for (const stack of stacks) {
      const result = offlinePlan(stack, workRoot, options);
      context.stdout.write(`\n${describePlan(result)}\n`);
      if (values.json !== undefined) {
        const file = jsonPath(values.json, result.stack, stacks.length);
        writeFileSync(file, `${JSON.stringify(result.plan, null, 2)}\n`);
        context.stdout.write(`  plan JSON written to ${file}\n`);
      }
    }
  } finally {
    if (values.keep) context.stdout.write(`\nTerraform working folders kept in ${workRoot}\n`);
    else rmSync(workRoot, { recursive: true, force: true });
  }
  return 0;
}

/**
 * What one stack's offline plan says: that it is valid (with its warnings), then the summary.
 *
 * @example
 * console.log(describePlan(offlinePlan('cdktf.out/stacks/figgy-events-us-east-1', '/tmp/plan')));
 */
export function describePlan(result: OfflinePlanResult): string {
  const warnings = result.validate.warning_count;
  return `${result.stack}: terraform validate: valid${warnings ? `, ${warnings} warning(s)` : ''}\n${formatSummary(result.stack, result.summary)}`;
}

/**
 * Where the JSON of one stack's plan goes: `file` itself for a single stack, else one file per
 * stack beside it, as tools that read `terraform show -json` expect one plan per file.
 *
 * @example
 * jsonPath('plan.json', 'figgy-events-eu-west-1', 2); // 'plan.figgy-events-eu-west-1.json'
 */
export function jsonPath(file: string, stack: string, stackCount: number): string {
  if (stackCount === 1) return file;
  return file.endsWith('.json') ? `${file.slice(0, -5)}.${stack}.json` : `${file}.${stack}.json`;
}

function stackDirs(dir: string): string[] {
  const root = resolve(dir);
  if (!isDirectory(root)) throw new UsageError(`DIR ${dir} is not a folder: give a stack's synth folder, such as cdktf.out/stacks/<stack>`);
  if (existsSync(join(root, SYNTHESIZED_FILE))) return [root];
  const stacks = isDirectory(join(root, 'stacks')) ? join(root, 'stacks') : root;
  const found = readdirSync(stacks)
    .map((name) => join(stacks, name))
    .filter((path) => existsSync(join(path, SYNTHESIZED_FILE)))
    .sort();
  if (found.length === 0) {
    throw new UsageError(`DIR ${dir} holds no synthesized stack (no ${SYNTHESIZED_FILE} in it or in its stacks/): run "npx cdktf synth" first`);
  }
  return found;
}

/** An offline plan cannot read the account: say so before terraform fails on it. */
function refuseCallerIdentity(stack: string): void {
  const synthesized = JSON.parse(readFileSync(join(stack, SYNTHESIZED_FILE), 'utf8')) as { data?: Record<string, unknown> };
  if (synthesized.data?.aws_caller_identity !== undefined) {
    throw new SetupError(
      `stack ${basename(stack)} reads its account from aws_caller_identity, which an offline plan cannot answer: ` +
        "give the construct its accountId (e.g. accountId: '123456789012'), synthesize again, then plan",
    );
  }
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function optional(value: string | undefined): string | undefined {
  return value?.trim() ? value : undefined;
}
