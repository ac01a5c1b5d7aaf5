/**
 * The functions' log lines as a person at the sandbox's terminal reads them: one short line
 * each, warnings and errors by default, every line on request.
 */
import type { FunctionLogLine } from './sandbox.ts';

/** Powertools' own fields: the same on every line of a function, so they only add noise here. */
const CONTEXT_FIELDS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
]);

const NOTABLE = new Set(['WARN', 'ERROR', 'CRITICAL']);

/**
 * Returns a listener for `startSandbox({ onLog })` that writes the lines worth reading:
 * warnings and errors, or every line when `all`.
 *
 * @example
 * const sandbox = await startSandbox({ onLog: logEcho({ all: false, write: (text) => process.stdout.write(text) }) });
 */
export function logEcho(options: { readonly all: boolean; readonly write: (text: string) => void }): (log: FunctionLogLine) => void {
  return ({ functionName, line }) => {
    const text = readableLine(functionName, line, options.all);
    if (text !== undefined) options.write(`${text}\n`);
  };
}

/**
 * `WARN  replication-syncer: message (key=value ...)`; undefined for a line not worth showing.
 * A line that is not Powertools JSON (a crash's stack, a `console.log`) is shown as it is.
 */
export function readableLine(functionName: string, line: string, all: boolean): string | undefined {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not a log entry');
    entry = parsed as Record<string, unknown>;
  } catch {
    return `      ${functionName}: ${line}`;
  }
  const level = typeof entry.level === 'string' ? entry.level : 'INFO';
  if (!all && !NOTABLE.has(level)) return undefined;
  const details = Object.entries(entry)
    .filter(([key]) => !CONTEXT_FIELDS.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`)
    .join(' ');
  return `${level.padEnd(5)} ${functionName}: ${String(entry.message)}${details ? ` (${details})` : ''}`;
}

/** A field's value; an error as its name and message, without the stack a terminal cannot use. */
function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const { name, message } = value as { name?: unknown; message: unknown };
    return typeof name === 'string' ? `${name}: ${String(message)}` : String(message);
  }
  return JSON.stringify(value);
}
