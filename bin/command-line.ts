/**
 * What every subcommand shares: its context, option parsing and the two kinds of failure.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Log, LogFields } from '../shared/log.ts';
import { checkPrefixes } from '../shared/parameter-paths.ts';
import { FiggyEventsError } from '../shared/errors.ts';

/** Where a command writes; `isTTY` decides whether progress is drawn. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * What a command runs with. Table names come from `env`; the AWS SDK clients read region,
 * credentials and `AWS_ENDPOINT_URL_*` from the process environment, as they do everywhere.
 */
export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly now: () => number;
  /** Aborted on an interrupt (Ctrl-C): long work stops at its next safe point and says so. */
  readonly signal?: AbortSignal;
}

/** Bad usage: exit code 2, with a message that says what to type instead. */
export class UsageError extends FiggyEventsError {
  /** The command line must change. */
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** What {@link parseOptions} returns for the options `T`, `--help` included. */
export type ParsedOptions<T extends OptionSpec> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T & typeof HELP; strict: true; allowPositionals: true }>
>;

/**
 * Parses a subcommand's options strictly: unknown flags, missing values and positional
 * arguments beyond `positionals` (none unless given) become {@link UsageError}s. `--help` /
 * `-h` is added to every command.
 *
 * @example
 * const { values } = parseOptions(['--prefix', '/app'], { prefix: { type: 'string' } });
 * const { positionals: [name] } = parseOptions(['/app/db'], { json: { type: 'boolean' } }, 1);
 */
export function parseOptions<T extends OptionSpec>(args: readonly string[], options: T, positionals = 0): ParsedOptions<T> {
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...options, ...HELP },
      strict: true,
      allowPositionals: true,
    });
    const extra = parsed.positionals[positionals];
    if (extra !== undefined) {
      const takes = positionals === 0 ? 'no positional arguments' : `${positionals} positional argument(s)`;
      throw new UsageError(`Unexpected argument '${extra}'. This command takes ${takes}`);
    }
    return parsed;
  } catch (error) {
    // node:util reports bad usage as TypeErrors with ERR_PARSE_ARGS_* codes and clear messages.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError((error as Error).message.split('\n')[0] ?? String(error), { cause: error });
    }
    throw error;
  }
}

/**
 * A log for the domain that writes warnings and errors to stderr, one line each.
 *
 * The domain passes names and reasons, never values, so nothing here needs masking.
 *
 * @example
 * const log = stderrLog(process.stderr);
 */
export function stderrLog(stderr: Output): Log {
  const line = (level: string) => (message: string, fields: LogFields = {}) => {
    const details = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    stderr.write(`${level}: ${message}${details ? ` (${details})` : ''}\n`);
  };
  return { debug: () => undefined, info: () => undefined, warn: line('warning'), error: line('error') };
}

/**
 * A prefix option under the one prefix rule (`checkPrefixes`, the root allowed); a bad one is
 * a {@link UsageError} naming the option.
 *
 * @example
 * prefixOption('/app/orders/'); // '/app/orders'
 * prefixOption('app', '--into'); // throws UsageError('--into must be a parameter path ...')
 */
export function prefixOption(raw: string, option = '--prefix'): string {
  const [prefix] = checkPrefixes([raw], (reason) => new UsageError(`${option} ${reason}`), { rootAllowed: true });
  return prefix as string;
}
