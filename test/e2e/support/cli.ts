/**
 * The CLI's own main() in the test's process, as the end-to-end tests run it: the process
 * environment (where a test has put the sandbox's), the real clock, and the output captured.
 */
import { main } from '../../../bin/main.ts';

/** What one command line did. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `argv` (without `figgy-events`) and resolves with its exit code and output.
 *
 * @example
 * const { code, stdout } = await runCli('mappings', 'list', '--json');
 */
export async function runCli(...argv: string[]): Promise<Run> {
  const out = { stdout: '', stderr: '' };
  const code = await main(argv, {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
  });
  return { code, ...out };
}
