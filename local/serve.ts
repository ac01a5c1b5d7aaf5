/**
 * `figgy-events sandbox --serve`: a sandbox that stays up for the AWS CLI, an SDK or the Figgy
 * CLI, says what it runs with and what its functions warn about, and takes typed commands to
 * run the syncers, the way their schedules would on AWS.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { SCHEDULED_FUNCTIONS } from '../shared/functions.ts';
import type { Sandbox, ScheduledFunction } from './sandbox.ts';
import { describeOutcome } from './schedule-outcome.ts';

/** Where the serve mode reads commands, writes, and hears it should stop. */
export interface ServeTerminal {
  readonly input: Readable;
  readonly write: (text: string) => void;
  /** Resolves on Ctrl-C or a termination signal. */
  readonly interrupted: Promise<void>;
}

const COMMANDS_HELP = `commands (type one, then Enter):
  sync                      run every syncer now, as their schedules would: repairs what events missed
  run replication-syncer    repair every destination and replica that is out of sync
  run config-cache-syncer   reconcile the name cache with Parameter Store
  run audit-syncer          record the changes in CloudTrail's event history the audit log lacks
  help                      this list
  stop                      stop the sandbox (as Ctrl-C does)
`;

/**
 * Prints the settings and the environment, then serves until `stop`, Ctrl-C or a termination
 * signal, running typed commands one at a time; stops the sandbox and resolves with 0.
 *
 * @example
 * await serve(sandbox, { input: process.stdin, write: (text) => process.stdout.write(text), interrupted });
 */
export async function serve(sandbox: Sandbox, terminal: ServeTerminal): Promise<number> {
  const { write } = terminal;
  write(settingsText(sandbox));
  write(`\n${environmentBlock(sandbox.env)}`);
  write('\nany access key id works for SSM and becomes the user in the audit log.\n');
  write(`\n${COMMANDS_HELP}`);
  write('\nthe functions\' warnings and errors are printed below as they happen (--logs: every line).\n');
  write('everything lives in memory: stopping keeps nothing.\n\n');

  const lines = createInterface({ input: terminal.input, terminal: false });
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  // One command at a time: a second typed while a pass runs waits its turn.
  let queue = Promise.resolve();
  lines.on('line', (typed) => {
    queue = queue.then(() => runCommand(sandbox, typed.trim(), write, stopRequested));
  });
  // A closed input (a backgrounded sandbox) leaves it serving: only stop, Ctrl-C or a signal end it.
  await Promise.race([stopped, terminal.interrupted]);
  lines.close();
  terminal.input.pause();
  write('stopping the sandbox: DynamoDB Local, the emulator and the functions (a few seconds)...\n');
  await queue.catch(() => undefined);
  await sandbox.stop();
  write('sandbox stopped; its parameters, tables and logs are gone.\n');
  return 0;
}

async function runCommand(sandbox: Sandbox, typed: string, write: (text: string) => void, stop: () => void): Promise<void> {
  const [verb, argument, ...rest] = typed.split(/\s+/);
  if (!verb) return;
  if ((verb === 'stop' || verb === 'exit' || verb === 'quit') && argument === undefined) {
    stop();
    return;
  }
  if (verb === 'help' || verb === '?') {
    write(COMMANDS_HELP);
    return;
  }
  const scheduled = (name: string | undefined): name is ScheduledFunction => (SCHEDULED_FUNCTIONS as readonly string[]).includes(name ?? '');
  const names: ScheduledFunction[] | undefined =
    verb === 'sync' && argument === undefined
      ? [...SCHEDULED_FUNCTIONS]
      : verb === 'run' && scheduled(argument) && rest.length === 0
        ? [argument]
        : undefined;
  if (!names) {
    write(`unknown command "${typed}": type help for the list\n`);
    return;
  }
  for (const name of names) {
    write(`running ${name}...\n`);
    try {
      write(`${name}: ${describeOutcome(name, await sandbox.runSchedule(name))}\n`);
    } catch (error) {
      write(`${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

/** The settings the functions run with, in the construct's props' names. */
function settingsText(sandbox: Sandbox): string {
  const { settings, accountId } = sandbox;
  const targets = settings.replicaTargets.map(
    (target) =>
      `${target.region} (${target.accountId === undefined || target.accountId === accountId ? 'this account' : `account ${target.accountId}`}) ` +
      `into ${target.destinationPrefixes.join(', ')}`,
  );
  const rows: [string, string][] = [
    ['region', `${settings.region} (account ${accountId})`],
    ['destinationPrefixes', settings.destinationPrefixes.join(', ')],
    ['sourcePrefixes', settings.sourcePrefixes.join(', ')],
    ['auditedNamespaces', settings.auditedNamespaces.join(', ')],
    ['replicaTargets', targets.length > 0 ? targets.join('; ') : 'none'],
  ];
  return `\nsettings (as the construct's props):\n${rows.map(([name, value]) => `  ${name.padEnd(20)} ${value}\n`).join('')}`;
}

/**
 * `export` lines a POSIX shell takes as they are (each value single-quoted), under a comment:
 * the block can be pasted into a shell or given to `eval`.
 */
export function environmentBlock(env: Readonly<Record<string, string>>): string {
  const quoted = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  return (
    '# point the AWS CLI, an SDK or the Figgy CLI at the sandbox: paste these lines into a shell\n' +
    Object.entries(env).map(([name, value]) => `export ${name}=${quoted(value)}\n`).join('')
  );
}
