/**
 * What every subcommand shares: its context, option parsing and the two kinds of failure.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Log, LogFields } from '../shared/log.ts';
import { InvalidPrefixError, normalizePrefix } from '../shared/parameter-paths.ts';
import { closestName } from '../shared/closest-name.ts';
import { FiggyEventsError } from '../shared/errors.ts';

/** Where a command writes; `isTTY` decides whether progress is drawn. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * What a command runs with. Table names, `AWS_REGION` and `AWS_PROFILE` come from `env` (where
 * `--region` and `--profile` have put theirs, see {@link takeAwsOptions}); the AWS SDK clients
 * read credentials and `AWS_ENDPOINT_URL_*` from the process environment, as they do everywhere.
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

/**
 * The options every command takes, as the AWS CLI does: main takes them out of the command
 * line before the command parses the rest ({@link takeAwsOptions}).
 */
export const AWS_OPTIONS = ['region', 'profile'] as const;

/**
 * The lines of a command's help for {@link AWS_OPTIONS}, their descriptions starting at
 * `column` as the command's other options do.
 *
 * @example
 * `Options:\n  --json        print JSON\n${awsOptionsHelp(16)}`
 */
export function awsOptionsHelp(column: number): string {
  const more = (text: string) => ' '.repeat(column) + text;
  // A flag too wide for the command's column gets a line of its own.
  const line = (flag: string, text: string) => (`  ${flag}`.length < column - 1 ? `  ${flag}`.padEnd(column) + text : `  ${flag}\n${more(text)}`);
  return [
    line('--region REGION', "the AWS region (default: AWS_REGION, else the profile's)"),
    line('--profile NAME', 'a profile of ~/.aws/config and ~/.aws/credentials (default:'),
    more("AWS_PROFILE, else the SDK's credential chain)"),
  ].join('\n');
}

/** What {@link parseOptions} returns for the options `T`, `--help` included. */
export type ParsedOptions<T extends OptionSpec> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T & typeof HELP; strict: true; allowPositionals: true }>
>;

/** Other names an option is also known by, each mapped to the option's own name. */
export type OptionAliases = Readonly<Record<string, string>>;

/**
 * Parses a subcommand's options strictly: unknown flags (answered with the closest known one),
 * missing values and positional arguments beyond `positionals` (none unless given) become
 * {@link UsageError}s. `--help` / `-h` is added to every command; `aliases` maps another name
 * of an option (without its dashes) to the option's own.
 *
 * @example
 * const { values } = parseOptions(['--prefix', '/app'], { prefix: { type: 'string' } });
 * const { positionals: [name] } = parseOptions(['/app/db'], { json: { type: 'boolean' } }, 1);
 * parseOptions(['--max-wps', '5'], { 'max-tps': { type: 'string' } }, 0, { 'max-wps': 'max-tps' }).values['max-tps']; // '5'
 */
export function parseOptions<T extends OptionSpec>(
  args: readonly string[],
  options: T,
  positionals = 0,
  aliases: OptionAliases = {},
): ParsedOptions<T> {
  const spec = { ...options, ...HELP };
  const renamed = args.map((arg) => {
    const match = /^--([^=]+)(=.*)?$/.exec(arg);
    const own = match && aliases[match[1] as string];
    return own ? `--${own}${match[2] ?? ''}` : arg;
  });
  refuseUnknownOptions(renamed, spec, aliases);
  try {
    const parsed = parseArgs({ args: renamed, options: spec, strict: true, allowPositionals: true });
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
 * An unknown flag is a typo far more often than a value starting with "-", so the answer is
 * the flag that was probably meant, not parseArgs' advice to put it after `--`.
 */
function refuseUnknownOptions(args: readonly string[], spec: OptionSpec, aliases: OptionAliases): void {
  const { tokens } = parseArgs({ args: [...args], options: spec, strict: false, allowPositionals: true, tokens: true });
  const known = [...Object.keys(spec), ...Object.keys(aliases), ...AWS_OPTIONS].map((name) => `--${name}`);
  for (const token of tokens) {
    // A known short flag (-h) arrives under its long name.
    if (token.kind !== 'option' || Object.hasOwn(spec, token.name)) continue;
    const guess = closestName(token.rawName, known);
    throw new UsageError(`unknown option ${token.rawName}${guess ? `: did you mean ${guess}?` : ''}`);
  }
}

/**
 * Takes {@link AWS_OPTIONS} (`--region X`, `--profile=X`, anywhere on the line) out of a
 * command's arguments, and gives the environment the command runs with: theirs set as
 * `AWS_REGION` and `AWS_PROFILE`, which the AWS CLI's own flags override too.
 *
 * @example
 * takeAwsOptions(['--prefix', '/app', '--region', 'eu-west-1'], {});
 * // { args: ['--prefix', '/app'], env: { AWS_REGION: 'eu-west-1' } }
 */
export function takeAwsOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { args: string[]; env: Readonly<Record<string, string | undefined>> } {
  const rest: string[] = [];
  const taken: Record<string, string> = {};
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--') {
      rest.push(...args.slice(index));
      break;
    }
    const match = /^--(region|profile)(?:=(.*))?$/.exec(arg);
    if (!match) {
      rest.push(arg);
      continue;
    }
    const option = match[1] as (typeof AWS_OPTIONS)[number];
    const value = match[2] ?? args[++index];
    if (value === undefined || value.trim() === '' || (match[2] === undefined && value.startsWith('-'))) {
      throw new UsageError(`--${option} needs a value, e.g. ${option === 'region' ? '--region eu-west-1' : '--profile prod'}`);
    }
    taken[option === 'region' ? 'AWS_REGION' : 'AWS_PROFILE'] = value.trim();
  }
  return { args: rest, env: Object.keys(taken).length === 0 ? env : { ...env, ...taken } };
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
 * A prefix option as a parameter path (`normalizePrefix`: a leading `/`, no trailing one, the
 * root allowed); a bad one is a {@link UsageError} that reads as a sentence naming the option.
 *
 * @example
 * prefixOption('/app/orders/'); // '/app/orders'
 * prefixOption('team', '--into'); // throws UsageError('--into "team" must start with "/" ...')
 */
export function prefixOption(raw: string, option = '--prefix'): string {
  return parameterPath(raw, option);
}

/**
 * A parameter name given on the command line, by the same rule as a prefix (a name is a path
 * too): `/app/db/` is `/app/db`, and `app/db` is refused as `--prefix app/db` would be.
 *
 * @example
 * nameArgument('/app/db/host'); // '/app/db/host'
 * nameArgument('app/db'); // throws UsageError('NAME "app/db" must start with "/" ...')
 */
export function nameArgument(raw: string, label = 'NAME'): string {
  const name = parameterPath(raw, label);
  if (name === '/') throw new UsageError(`${label} "${raw}" is the root, not a parameter: name one, such as /app/orders/db/host`);
  return name;
}

function parameterPath(raw: string, label: string): string {
  try {
    return normalizePrefix(raw);
  } catch (error) {
    if (error instanceof InvalidPrefixError) throw new UsageError(`${label} "${raw.trim()}" ${error.reason}`, { cause: error });
    throw error;
  }
}
