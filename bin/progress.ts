/**
 * Progress of a long apply, drawn on a terminal.
 */
import type { ApplyProgress } from '../shared/restore/types.ts';
import type { Output } from './command-line.ts';

/**
 * A progress callback that redraws one status line on `stream`, or undefined when `stream`
 * is not a terminal: a log file or a pipe gets the final report only, not carriage returns.
 *
 * @example
 * const report = await restorer.apply(plan, { onProgress: terminalProgress(process.stderr) });
 */
export function terminalProgress(stream: Output): ApplyProgress | undefined {
  if (!stream.isTTY) return undefined;
  const started = Date.now();
  return ({ done, total, name, action }) => {
    const elapsed = (Date.now() - started) / 1000;
    const left = done < total ? `, ~${Math.ceil((elapsed / done) * (total - done))} s left` : '';
    // \r and "erase line" redraw in place; the last update ends the line.
    stream.write(`\r\x1b[2K[${done}/${total}${left}] ${action} ${name}${done === total ? '\n' : ''}`);
  };
}
