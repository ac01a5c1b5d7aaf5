/**
 * The one name of a command's pace: `--max-tps`, writes per second, the unit of Parameter
 * Store's throughput quota. `--max-wps`, the name `migrate` had first, means the same.
 */
import { UsageError, type OptionAliases } from './command-line.ts';

/** For `parseOptions`: `--max-wps` is read as `--max-tps`. */
export const PACE_ALIASES: OptionAliases = { 'max-wps': 'max-tps' };

/**
 * The pace `raw` gives (`--max-tps`), or `fallback` when none is given; anything but a
 * positive number is a {@link UsageError}.
 *
 * @example
 * paceOption(values['max-tps'], DEFAULT_MAX_TPS); // 3 when not given
 */
export function paceOption(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--max-tps "${raw}" is not a positive number of writes per second`);
  }
  return value;
}
