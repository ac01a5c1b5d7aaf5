/**
 * Runs `terraform init`, `validate` and `plan` on a synthesized stack with no AWS account and
 * no network but the provider mirror.
 *
 * The stack folder is copied first and the copy gets an override file: fake credentials, the
 * provider's skip flags, no account pinning and a local backend. The synthesized folder
 * itself is never touched, so a later `cdktf deploy` cannot pick the override up. Used by
 * `npm run plan` and by the infrastructure tests.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

export const OFFLINE_OVERRIDE_FILE = 'figgy_offline_override.tf.json';
export const PLAN_FILE = 'offline.tfplan';

/**
 * The documented example account id: used for ARNs when no `FIGGY_ACCOUNT_ID` is given,
 * because `data.aws_caller_identity` needs AWS and the offline plan has none.
 */
export const PLACEHOLDER_ACCOUNT_ID = '123456789012';

/**
 * The override merged over the stack's own configuration. Terraform merges `*_override.tf.json`
 * block by block: the provider keeps its region and tags and gains what it needs to plan
 * without calling AWS; the backend is replaced, so remote state is neither read nor locked
 * and the plan always starts from nothing. With `awsProviderVersion`, the stack's pin of
 * `hashicorp/aws` is replaced by that release.
 */
export function offlineOverride(awsProviderVersion?: string): object {
  return {
    terraform: {
      backend: { local: { path: 'offline.tfstate' } },
      // An override replaces a provider's requirement whole, so the source is spelled again.
      ...(awsProviderVersion !== undefined && { required_providers: { aws: { source: 'hashicorp/aws', version: awsProviderVersion } } }),
    },
    provider: {
      aws: [
        {
          access_key: 'OFFLINEPLANACCESSKEY',
          secret_key: 'offline-plan-not-a-secret',
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
          skip_metadata_api_check: true,
          skip_region_validation: true,
          // The provider compares it with an account id it was told not to look up.
          allowed_account_ids: null,
        },
      ],
    },
  };
}

/**
 * What to do when init finds no hashicorp/aws release the stack pins (or locked): name the
 * releases the mirror holds, and the option that plans with one of them.
 */
function missingReleaseHint(pluginDir: string | undefined): string {
  const releases = pluginDir === undefined ? undefined : mirroredAwsReleases(pluginDir);
  const held = releases === undefined ? '' : releases.length > 0 ? ` The mirror holds hashicorp/aws ${releases.join(', ')}.` : ' The mirror holds no hashicorp/aws release.';
  return (
    `No hashicorp/aws release the stack pins is available here.${held} To plan with one that is, give ` +
    'figgy-events plan --aws-provider VERSION (a CDK Terrain stack pins 6.x, a cdktf one 5.x).'
  );
}

/** The hashicorp/aws releases of a provider mirror (`-plugin-dir` layout), newest last. */
function mirroredAwsReleases(pluginDir: string): string[] {
  const folder = join(pluginDir, 'registry.terraform.io', 'hashicorp', 'aws');
  if (!existsSync(folder)) return [];
  return readdirSync(folder).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Terraform is not installed: the infrastructure checks cannot run, so they fail. */
export class TerraformMissingError extends Error {
  constructor(binary: string, cause: string) {
    super(
      `terraform not found (tried "${binary}": ${cause}). Install Terraform >= 1.10 and put it ` +
        'on PATH, or set TERRAFORM_BINARY; the infrastructure checks do not skip without it.',
    );
    this.name = 'TerraformMissingError';
  }
}

/** A terraform command that exited non-zero, with its output. */
export class TerraformCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly output: string,
  ) {
    super(`terraform ${args.join(' ')} failed in ${cwd}:\n${output}`);
    this.name = 'TerraformCommandError';
  }
}

export interface TerraformOptions {
  /** Provider mirror for `init -plugin-dir`; default: `TF_PLUGIN_DIR`. */
  readonly pluginDir?: string;
  /** Default: `TERRAFORM_BINARY` or `terraform` on PATH. */
  readonly binary?: string;
}

export interface OfflinePlanOptions extends TerraformOptions {
  /**
   * Plans with this release of `hashicorp/aws` instead of the one the stack pins: a CDK
   * Terrain app pins a 6.x release, which a mirror holding only another one cannot install.
   * For every resource FiggyEvents writes, 6.x only adds arguments to 5.x's.
   */
  readonly awsProviderVersion?: string;
}

function binaryOf(options: TerraformOptions): string {
  return options.binary ?? process.env.TERRAFORM_BINARY ?? 'terraform';
}

/** Credentials in the environment must not reach an offline plan, whatever the override says. */
function offlineEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  for (const name of Object.keys(env)) {
    if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|DEFAULT_PROFILE)$/.test(name)) {
      delete env[name];
    }
  }
  return env;
}

function terraform(args: string[], cwd: string, options: TerraformOptions): string {
  const binary = binaryOf(options);
  const result = spawnSync(binary, args, {
    cwd,
    env: offlineEnvironment(),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TerraformMissingError(binary, 'no such file');
    throw result.error;
  }
  if (result.status !== 0) {
    throw new TerraformCommandError(args, cwd, `${result.stdout}${result.stderr}`.trim());
  }
  return result.stdout;
}

/** The installed Terraform's version; throws {@link TerraformMissingError} when there is none. */
export function terraformVersion(options: TerraformOptions = {}): string {
  const output = terraform(['version', '-json'], process.cwd(), options);
  return (JSON.parse(output) as { terraform_version: string }).terraform_version;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly actions: readonly string[];
}

/** The parts of `terraform show -json` this module reads. */
export interface PlanJson {
  readonly format_version: string;
  readonly resource_changes?: ReadonlyArray<{
    readonly address: string;
    readonly type: string;
    readonly change: { readonly actions: readonly string[]; readonly after?: unknown };
  }>;
  readonly [key: string]: unknown;
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
  readonly changes: readonly ResourceChange[];
}

export interface ValidateResult {
  readonly valid: boolean;
  readonly warning_count: number;
  readonly diagnostics: ReadonlyArray<{ readonly severity: string; readonly summary: string }>;
}

export interface OfflinePlanResult {
  readonly stack: string;
  readonly workDir: string;
  readonly validate: ValidateResult;
  readonly plan: PlanJson;
  readonly summary: PlanSummary;
}

/** Counts the plan's actions the way `terraform plan` prints them. */
export function summarizePlan(plan: PlanJson): PlanSummary {
  const changes = (plan.resource_changes ?? [])
    .map(({ address, type, change }) => ({ address, type, actions: change.actions }))
    .filter(({ actions }) => !(actions.length === 1 && ['no-op', 'read'].includes(actions[0]!)));
  const count = (test: (actions: readonly string[]) => boolean) =>
    changes.filter(({ actions }) => test(actions)).length;
  const replaced = (actions: readonly string[]) => actions.includes('create') && actions.includes('delete');
  return {
    create: count((actions) => actions.includes('create')),
    update: count((actions) => actions.includes('update')),
    delete: count((actions) => actions.includes('delete')),
    replace: count(replaced),
    changes,
  };
}

/** `Plan: 81 to add, 0 to change, 0 to destroy.` followed by the count per resource type. */
export function formatSummary(stack: string, summary: PlanSummary): string {
  const perType = new Map<string, number>();
  for (const { type } of summary.changes) perType.set(type, (perType.get(type) ?? 0) + 1);
  const width = Math.max(...[...perType.keys()].map((type) => type.length), 0);
  const lines = [
    `${stack}: Plan: ${summary.create} to add, ${summary.update} to change, ${summary.delete} to destroy` +
      (summary.replace ? ` (${summary.replace} replaced)` : '') +
      '.',
    ...[...perType]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, n]) => `  ${type.padEnd(width)}  ${n}`),
  ];
  return lines.join('\n');
}

/**
 * Copies `stackDir` into `workRoot`, adds the offline override and runs init, validate, plan
 * and show. Throws {@link TerraformCommandError} with Terraform's output when a step fails.
 *
 * @example
 * const result = offlinePlan('cdktf.out/stacks/figgy-events-us-east-1', '/tmp/plan');
 * console.log(formatSummary(result.stack, result.summary));
 */
export function offlinePlan(
  stackDir: string,
  workRoot: string,
  options: OfflinePlanOptions = {},
): OfflinePlanResult {
  const source = resolve(stackDir);
  const stack = basename(source);
  const workDir = join(workRoot, stack);
  mkdirSync(workRoot, { recursive: true });
  // A previous init or local state in the synth folder must not leak into the plan, nor the
  // lock file of a `cdktf diff` or `deploy` when it locks the pin an override replaces.
  const skipped = (path: string) =>
    /[\\/]\.terraform([\\/]|$)|\.tfstate/.test(path) || (options.awsProviderVersion !== undefined && path.endsWith('.terraform.lock.hcl'));
  cpSync(source, workDir, { recursive: true, filter: (path) => !skipped(path.slice(source.length)) });
  writeFileSync(join(workDir, OFFLINE_OVERRIDE_FILE), `${JSON.stringify(offlineOverride(options.awsProviderVersion), null, 2)}\n`);

  // Terraform runs in the copy: a mirror named relative to here would not be found from there.
  const given = options.pluginDir ?? process.env.TF_PLUGIN_DIR;
  const pluginDir = given ? resolve(given) : undefined;
  const init = ['init', '-input=false', '-no-color', '-reconfigure'];
  if (pluginDir) init.push(`-plugin-dir=${pluginDir}`);
  try {
    terraform(init, workDir, options);
  } catch (error) {
    if (error instanceof TerraformCommandError && /no available releases match|previously-selected version \S+ is no longer available/.test(error.output)) {
      throw new TerraformCommandError(init, workDir, `${error.output}\n\n${missingReleaseHint(pluginDir)}`);
    }
    throw error;
  }

  const validate = JSON.parse(terraform(['validate', '-json', '-no-color'], workDir, options)) as ValidateResult;
  if (!validate.valid) {
    throw new TerraformCommandError(['validate'], workDir, JSON.stringify(validate.diagnostics, null, 2));
  }
  terraform(['plan', '-input=false', '-lock=false', '-no-color', `-out=${PLAN_FILE}`], workDir, options);
  const plan = JSON.parse(terraform(['show', '-json', '-no-color', PLAN_FILE], workDir, options)) as PlanJson;
  return { stack, workDir, validate, plan, summary: summarizePlan(plan) };
}
