/**
 * The figgy-events command line: one entry that dispatches to its subcommands.
 */
import { readFileSync } from 'node:fs';
import { packageRoot } from '../stacks/function-bundles.ts';
import { awsOptionsHelp, UsageError, takeAwsOptions, type CommandContext } from './command-line.ts';
import { runDiff } from './diff-command.ts';
import { runHistory } from './history-command.ts';
import { runLog } from './log-command.ts';
import { runMappings } from './mappings-command.ts';
import { runMigrate } from './migrate-command.ts';
import { runPlan } from './plan-command.ts';
import { runReplay } from './replay-command.ts';
import { runRestore } from './restore-command.ts';
import { runSandbox } from './sandbox-command.ts';
import { runStatus } from './status-command.ts';
import { closestName } from '../shared/closest-name.ts';

type Command = (args: readonly string[], context: CommandContext) => Promise<number>;

const COMMANDS: Readonly<Record<string, { readonly summary: string; readonly run: Command }>> = {
  restore: { summary: 'restore a prefix to a point in time, or clone it --into another (a dry run unless --apply)', run: runRestore },
  history: { summary: 'every version of one parameter, newest first', run: runHistory },
  log: { summary: 'every change under a prefix in time order, by time window and user', run: runLog },
  diff: { summary: 'what changed under a prefix between two moments', run: runDiff },
  mappings: { summary: 'add, list, check or remove replication mappings (check: what replication does with each)', run: runMappings },
  status: { summary: 'is the pipeline healthy: syncer passes and repairs, refused mappings, dead letters', run: runStatus },
  replay: { summary: 'rebuild the name cache table from the audit log alone', run: runReplay },
  migrate: { summary: 'backfill the audit table\'s path index (once, after upgrading)', run: runMigrate },
  plan: { summary: 'plan a synthesized stack offline with Terraform: no AWS account, no credentials', run: runPlan },
  sandbox: { summary: 'run the whole pipeline on this machine: the demo, or --serve to keep it up', run: runSandbox },
};

export const MAIN_HELP = `Usage: figgy-events <command> [options]

Event sourcing for AWS SSM Parameter Store, on the figgy-events audit log.

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(9)} ${command.summary}`)
  .join('\n')}

Options of every command:
${awsOptionsHelp(21)}

Run "figgy-events <command> --help" for a command's options, "figgy-events --version" for
the version.
`;

/** The installed package's version, from its package.json. */
export function version(): string {
  return (JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves with the exit
 * code: 0 success, 1 failure, 2 bad usage. Errors are reported on `stderr`, never thrown.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 * // in a test, with captured output:
 * const code = await main(['restore', '--prefix', '/app', '--at', '1h', '--json'], { stdout, stderr });
 */
export async function main(argv: readonly string[], context: Partial<CommandContext> = {}): Promise<number> {
  const full: CommandContext = {
    env: context.env ?? process.env,
    stdout: context.stdout ?? process.stdout,
    stderr: context.stderr ?? process.stderr,
    now: context.now ?? Date.now,
    ...(context.signal && { signal: context.signal }),
  };
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? full.stderr : full.stdout).write(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    full.stdout.write(`figgy-events ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const guess = closestName(name, Object.keys(COMMANDS));
    const hint = guess ? `: did you mean "${guess}"?` : name.startsWith('-') ? ': a command comes first, then its options' : '';
    full.stderr.write(`figgy-events: unknown command "${name}"${hint}\n\n${MAIN_HELP}`);
    return 2;
  }
  // What the command ran with, --profile included: a failure names the profile it used.
  let env = full.env;
  try {
    const aws = takeAwsOptions(args, full.env);
    env = aws.env;
    return await command.run(aws.args, { ...full, env });
  } catch (error) {
    if (error instanceof UsageError) {
      full.stderr.write(`figgy-events ${name}: ${error.message}\nRun "figgy-events ${name} --help" for usage.\n`);
      return 2;
    }
    full.stderr.write(`figgy-events ${name}: ${describeFailure(error, env)}\n`);
    return 1;
  }
}

function describeFailure(error: unknown, env: CommandContext['env']): string {
  if (!(error instanceof Error)) return String(error);
  // The SDK's own words for these name no way out; they are the first a newcomer meets.
  if (error.message === 'Region is missing') {
    return 'no AWS region: set AWS_REGION (e.g. export AWS_REGION=eu-west-1), pass --region, or use a --profile that has one';
  }
  if (error.name === 'CredentialsProviderError') {
    const profile = env.AWS_PROFILE?.trim();
    if (profile) {
      return (
        `no AWS credentials from the profile "${profile}" (${error.message}): check that ~/.aws/config or ` +
        '~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE) has it, or sign in with "aws sso login --profile ' +
        `${profile}"`
      );
    }
    return (
      `no AWS credentials found (${error.message}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
      'pass --profile (or set AWS_PROFILE) for a profile of ~/.aws/credentials, or sign in with "aws sso login"'
    );
  }
  if ((error as { code?: unknown }).code === 'ECONNREFUSED') {
    return (
      `${error.message}: nothing answers at that address; if an AWS_ENDPOINT_URL_* variable points at the sandbox, ` +
      'start it (npx figgy-events sandbox --serve) or unset the variable to reach AWS'
    );
  }
  // SDK errors carry only the service's message; the error name (AccessDeniedException, ...)
  // is often what tells the reader which permission or resource to look at.
  const named = error.name && error.name !== 'Error' && !error.message.includes(error.name);
  return named ? `${error.name}: ${error.message}` : error.message;
}
