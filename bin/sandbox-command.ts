/**
 * `figgy-events sandbox`: the whole pipeline on this machine.
 */
import { parseOptions, type CommandContext } from './command-line.ts';

export const SANDBOX_HELP = `Usage: figgy-events sandbox [--serve]

Starts the local sandbox (DynamoDB Local, the SSM + KMS emulator, the six functions) and
walks through the demo scenario, printing when each effect became visible. Needs Java 17+.

Options:
  --serve      keep the sandbox up instead and print the environment variables that point
               the AWS CLI, an SDK, the Figgy CLI or figgy-events at it; Ctrl-C stops it
  -h, --help   show this help

Exit codes: 0 done, 1 the demo saw a problem or the sandbox failed to start, 2 bad usage.

Examples:
  figgy-events sandbox
  figgy-events sandbox --serve
`;

/**
 * Runs `sandbox`; resolves with the exit code.
 *
 * @example
 * const code = await runSandbox(['--serve'], context);
 */
export async function runSandbox(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, { serve: { type: 'boolean' } });
  if (values.help) {
    context.stdout.write(SANDBOX_HELP);
    return 0;
  }
  // Loaded only here: the sandbox brings esbuild and DynamoDB Local, which restore never needs.
  const { runSandboxCommand } = await import('../local/demo.ts');
  return runSandboxCommand({ serve: values.serve ?? false });
}
