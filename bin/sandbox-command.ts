/**
 * `figgy-events sandbox`: the whole pipeline on this machine.
 */
import { UsageError, parseOptions, type CommandContext } from './command-line.ts';

export const SANDBOX_HELP = `Usage: figgy-events sandbox [--serve] [--logs] [--ports SSM,DYNAMODB]

Starts the local sandbox (DynamoDB Local, the SSM + KMS emulator, the six functions) and
walks through the demo scenario, printing when each effect became visible. Needs Java 17+.
The functions' warnings and errors are printed as they happen.

Options:
  --serve              keep the sandbox up instead: print its settings and the environment
                       variables (export lines a shell takes as they are) that point the AWS
                       CLI, an SDK, the Figgy CLI or figgy-events at it, and take typed
                       commands: "sync" runs every syncer now, "run replication-syncer" one,
                       "help" lists them; "stop" or Ctrl-C stops it, keeping nothing
  --logs               print every function log line, not only warnings and errors
  --ports SSM,DYNAMODB fixed ports for the SSM + KMS + STS endpoint and for DynamoDB, so
                       the printed environment stays the same from run to run (e.g.
                       --ports 4583,8000); default free ones, different each time
  -h, --help           show this help

Exit codes: 0 done, 1 the demo saw a problem or the sandbox failed to start, 2 bad usage.

Examples:
  figgy-events sandbox
  figgy-events sandbox --serve
  figgy-events sandbox --serve --ports 4583,8000 --logs
`;

/**
 * Runs `sandbox`; resolves with the exit code.
 *
 * @example
 * const code = await runSandbox(['--serve'], context);
 */
export async function runSandbox(args: readonly string[], context: CommandContext): Promise<number> {
  const { values } = parseOptions(args, { serve: { type: 'boolean' }, logs: { type: 'boolean' }, ports: { type: 'string' } });
  if (values.help) {
    context.stdout.write(SANDBOX_HELP);
    return 0;
  }
  const ports = values.ports === undefined ? undefined : portsOption(values.ports);
  // Loaded only here: the sandbox brings esbuild and DynamoDB Local, which restore never needs.
  const { runSandboxCommand } = await import('../local/demo.ts');
  return runSandboxCommand({ serve: values.serve ?? false, logs: values.logs ?? false, ...(ports && { ports }) });
}

/**
 * `--ports SSM,DYNAMODB`: two different port numbers.
 *
 * @example
 * portsOption('4583,8000'); // { ssm: 4583, dynamodb: 8000 }
 */
export function portsOption(raw: string): { ssm: number; dynamodb: number } {
  const parts = raw.split(',').map((part) => part.trim());
  const numbers = parts.map((part) => (/^[0-9]+$/.test(part) ? Number(part) : NaN));
  const [ssm, dynamodb] = numbers;
  if (numbers.length !== 2 || ssm === undefined || dynamodb === undefined || !numbers.every((port) => port >= 1 && port <= 65535)) {
    throw new UsageError(`--ports is "${raw}"; give two port numbers (1-65535), SSM's then DynamoDB's, e.g. --ports 4583,8000`);
  }
  if (ssm === dynamodb) throw new UsageError(`--ports gives ${ssm} twice; SSM and DynamoDB need a port each, e.g. --ports 4583,8000`);
  return { ssm, dynamodb };
}
